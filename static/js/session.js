// On every page: the service worker that lets the entry pages open offline (told who is
// logged in, so it keeps only that user's pages), and logging out clearing what the entry
// pages keep on the device (the logout answer's Clear-Site-Data does it too, where the
// browser supports it).
(function () {
  "use strict";
  var body = document.body;
  var user = body.dataset.user || "";
  var PREFIX = "streetvax:";

  function ourKeys() {
    var keys = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        if (localStorage.key(i).indexOf(PREFIX) === 0) keys.push(localStorage.key(i));
      }
    } catch (e) { /* storage switched off */ }
    return keys;
  }
  function tellWorker(message) {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) registration.active.postMessage(message);
    });
  }

  if ("serviceWorker" in navigator && body.dataset.serviceWorker) {
    navigator.serviceWorker.register(body.dataset.serviceWorker, { scope: "/" }).catch(function () {});
    var mark = PREFIX + "offline-pages:" + user;
    var today = new Date().toISOString().slice(0, 10);
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (!event.data || event.data.type !== "precached") return;
      // The grids of the week are on the device now (the tests wait for this mark).
      body.dataset.offlineReady = "true";
      try { localStorage.setItem(mark, today); } catch (e) { /* storage switched off */ }
    });
    tellWorker({ type: "user", user: user });
    // The site list names the grids to keep for offline use; fetched once a day.
    var wanted = document.getElementById("offline-pages");
    var done = null;
    try { done = localStorage.getItem(mark); } catch (e) { /* storage switched off */ }
    if (user && wanted && done !== today) {
      tellWorker({ type: "precache", urls: JSON.parse(wanted.textContent) });
    }
  }

  var logout = document.querySelector("form.logout");
  if (!logout) return;
  logout.addEventListener("submit", function (event) {
    var unsent = ourKeys().some(function (key) { return key.indexOf(PREFIX + "queue:") === 0; });
    if (unsent && !window.confirm(logout.dataset.msgUnsent)) { event.preventDefault(); return; }
    ourKeys().forEach(function (key) { localStorage.removeItem(key); });
    if (!window.caches) return;
    event.preventDefault();
    tellWorker({ type: "clear" });
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.indexOf("streetvax-") === 0; })
        .map(function (name) { return caches.delete(name); }));
    }).then(function () { logout.submit(); }, function () { logout.submit(); });
  });
})();
