// What the entry grid keeps on the device: drafts (typed, not yet acknowledged by the
// server) and saves queued while offline. Keys carry the user id, so another user of the
// same browser never sees them; logging out removes them all (session.js).
window.StreetVaxEntry = (function () {
  "use strict";
  var PREFIX = "streetvax:";

  function read(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function write(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }
  function remove(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* storage switched off */ }
  }
  function keysStartingWith(start) {
    var found = [];
    try {
      for (var i = 0; i < window.localStorage.length; i++) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf(start) === 0) found.push(key);
      }
    } catch (e) { /* storage switched off */ }
    return found;
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // Sends one save with the JSON contract; resolves to {answer, status} or rejects with
  // {network: true} (no answer, timeout) or {server: status} (an answer that is not ours).
  function send(url, body, timeoutMs) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, timeoutMs || 20000) : null;
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      clearTimeout(timer);
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1 || response.status >= 500) {
        throw { server: response.status };
      }
      return response.json().then(function (answer) { return { answer: answer, status: response.status }; });
    }, function () {
      clearTimeout(timer);
      throw { network: true };
    });
  }

  // A save kept since an earlier login carries that login's CSRF token, which Django
  // rotated since: the page's current token goes instead.
  function formBody(fields) {
    var current = document.querySelector("input[name=csrfmiddlewaretoken]");
    var body = new FormData();
    fields.forEach(function (pair) {
      var text = pair[0] === "csrfmiddlewaretoken" && current ? current.value : pair[1];
      body.append(pair[0], text);
    });
    return body;
  }

  return {
    newKey: newKey,
    send: send,
    formBody: formBody,
    draftKey: function (user, site, day) { return PREFIX + "draft:" + user + ":" + site + ":" + day; },
    queueKey: function (user, site, day) { return PREFIX + "queue:" + user + ":" + site + ":" + day; },
    read: read,
    write: write,
    remove: remove,
    queuedFor: function (user) { return keysStartingWith(PREFIX + "queue:" + user + ":"); },
    // Everything of ours on this device, for logging out.
    clearAll: function () { keysStartingWith(PREFIX).forEach(remove); },
    // Sends the user's queued saves (the site list does this; a grid sends its own).
    // A save the server did not take stays as a draft with its answer, for the grid.
    replayQueued: function (user) {
      var keys = this.queuedFor(user);
      return Promise.all(keys.map(function (queueKey) {
        var item = read(queueKey);
        if (!item) return null;
        return send(item.url, formBody(item.fields)).then(function (result) {
          remove(queueKey);
          var draftKey = queueKey.replace(PREFIX + "queue:", PREFIX + "draft:");
          if (result.answer.outcome === "saved") {
            remove(draftKey);
          } else {
            var draft = read(draftKey) || { values: {}, versions: {} };
            draft.answer = result.answer;
            write(draftKey, draft);
          }
          return result.answer.outcome;
        }, function () { return null; });
      }));
    }
  };
})();
