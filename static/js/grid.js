// Entry grid: live totals; Enter moves through the cells on screen; a block pasted from
// a spreadsheet fills the cells from the focused one; a draft of what is typed stays on
// the device until the server acknowledges it; Save sends in the background (one key per
// typed state, so a double tap or a retry saves once) and queues the save when offline.
// Without JavaScript the form posts as usual.
(function () {
  "use strict";
  var form = document.getElementById("tally-grid");
  if (!form) return;
  var store = window.StreetVaxEntry;
  var value = window.StreetVaxCells.value;
  var data = form.dataset;
  var draftKey = store.draftKey(data.user, data.site, data.day);
  var queueKey = store.queueKey(data.user, data.site, data.day);
  var url = window.location.pathname;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.cell"));
  var saveButton = form.querySelector("button[name=save]");
  var status = document.getElementById("save-status");
  var answerBox = document.getElementById("save-answer");
  var banner = document.getElementById("draft-banner");
  var boosterToggle = document.getElementById("show-booster");
  if (!saveButton) { refresh(); return; }  // a day that cannot be entered: read-only
  var inFlight = false;
  // The key of the last save sent and the typed state it carried, until answered: a
  // retry of the same state reuses the key, so the server applies it once.
  var pending = null;

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, name) {
      return values[name] === undefined || values[name] === null ? "" : String(values[name]);
    });
  }
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function versionOf(input) { return form.elements[input.name.replace("count-", "version-")]; }
  function labelOf(name) {
    var input = form.elements[name];
    return input ? (input.getAttribute("aria-label") || name) : name;
  }
  function visible(input) { return input.offsetParent !== null; }
  function reveal(input) {
    var folded = input.closest("details");
    if (folded) folded.open = true;
    if (boosterToggle && input.dataset.dose === "booster") boosterToggle.checked = true;
  }

  var servedVersions = {};
  inputs.forEach(function (input) { servedVersions[versionOf(input).name] = versionOf(input).value; });
  function versions() {
    var found = {};
    inputs.forEach(function (input) { found[versionOf(input).name] = versionOf(input).value; });
    return found;
  }

  // Totals ------------------------------------------------------------------------------
  function refresh() {
    var columns = {}, grand = 0;
    form.querySelectorAll("tbody tr").forEach(function (row) {
      var total = 0;
      row.querySelectorAll("input.cell").forEach(function (input) {
        var n = value(input);
        total += n;
        columns[input.dataset.dose] = (columns[input.dataset.dose] || 0) + n;
      });
      row.querySelector(".row-total").textContent = total;
      grand += total;
    });
    form.querySelectorAll(".col-total").forEach(function (cell) {
      cell.textContent = columns[cell.dataset.dose] || 0;
    });
    form.querySelector(".grand-total").textContent = grand;
  }

  // Drafts ------------------------------------------------------------------------------
  function typedCells() {
    return inputs.filter(function (input) { return input.value !== input.defaultValue; });
  }
  function keepDraft() {
    var typed = typedCells();
    if (!typed.length && !pending) { store.remove(draftKey); return; }
    var draft = { values: {}, versions: versions(), pending: pending, at: Date.now() };
    typed.forEach(function (input) { draft.values[input.name] = input.value; });
    store.write(draftKey, draft);
  }
  function showBanner(count) {
    if (!banner) return;
    banner.hidden = count === 0;
    banner.querySelector(".draft-count").textContent = format(data.msgDraft, { count: count });
  }
  function restoreDraft() {
    var draft = store.read(draftKey);
    if (!draft) return;
    Object.keys(draft.values || {}).forEach(function (name) {
      var input = form.elements[name];
      if (!input || !input.classList.contains("cell")) return;
      input.value = draft.values[name];
      reveal(input);
    });
    Object.keys(draft.versions || {}).forEach(function (name) {
      if (form.elements[name]) form.elements[name].value = draft.versions[name];
    });
    pending = draft.pending || null;
    if (draft.answer) {  // a queued save answered on the site list
      if (draft.answer.outcome === "conflict") takeVersions(draft.answer);
      showAnswer(draft.answer);
    }
    var count = typedCells().length;
    if (!count && !pending) {  // what the draft held is what the server has now
      store.remove(draftKey);
      Object.keys(servedVersions).forEach(function (name) { form.elements[name].value = servedVersions[name]; });
      return;
    }
    keepDraft();  // without the answer: it is shown once
    showBanner(count);
  }
  function discardDraft() {
    inputs.forEach(function (input) { input.value = input.defaultValue; });
    Object.keys(servedVersions).forEach(function (name) { form.elements[name].value = servedVersions[name]; });
    pending = null;
    store.remove(draftKey);
    store.remove(queueKey);
    clearMarks();
    setStatus("", "");
    showBanner(0);
    refresh();
  }

  // Answers -----------------------------------------------------------------------------
  function setStatus(kind, text) {
    status.className = "save-status" + (kind ? " " + kind : "");
    status.textContent = text || "";
  }
  function showFailed() {
    status.className = "save-status failed";
    status.textContent = "";
    var retry = element("button", "secondary", data.msgFailed);
    retry.type = "button";
    retry.id = "save-retry";
    retry.addEventListener("click", save);
    status.appendChild(retry);
  }
  function clearMarks() {
    answerBox.textContent = "";
    // What the server-rendered page said about an earlier save is out of date now.
    document.querySelectorAll(".alert[role=alert], ul.messages").forEach(function (node) {
      if (!answerBox.contains(node)) node.remove();
    });
    form.querySelectorAll(".cell-error, #reason-box .field-error").forEach(function (node) { node.remove(); });
    var reasonBox = document.getElementById("reason-box");
    if (reasonBox) reasonBox.classList.remove("invalid");
    form.querySelectorAll("td.invalid, td.conflict, td.unusual").forEach(function (cell) {
      cell.classList.remove("invalid", "conflict", "unusual");
    });
  }
  function mark(name, className, error) {
    var input = form.elements[name];
    if (!input || !input.closest) return;
    var cell = input.closest("td");
    if (cell) {
      cell.classList.add(className);
      if (error) cell.appendChild(element("span", "cell-error", error));
    }
    reveal(input);
  }
  function box(kind, head) {
    var node = element("div", "card alert " + kind);
    node.setAttribute("role", "alert");
    node.appendChild(element("strong", "", head));
    answerBox.appendChild(node);
    return node;
  }
  function showAnswer(answer) {
    clearMarks();
    var list;
    if (answer.outcome === "conflict") {
      var conflicts = box("warning", answer.message || data.msgConflictHead);
      list = conflicts.appendChild(element("ul"));
      (answer.conflicts || []).forEach(function (c) {
        list.appendChild(element("li", "", format(data.msgConflict, {
          cell: c.label, who: c.by, theirs: c.theirs === "" ? "–" : c.theirs,
          when: (c.at || "").slice(0, 16).replace("T", " "), mine: c.mine === "" ? "–" : c.mine
        })));
        mark(c.field, "conflict");
      });
      conflicts.appendChild(element("p", "", data.msgConflictTail));
    } else if (answer.outcome === "unusual") {
      var unusual = box("warning", answer.message || data.msgUnusualHead);
      list = unusual.appendChild(element("ul"));
      (answer.unusual || []).forEach(function (u) {
        list.appendChild(element("li", "", u.label + ": " + u.reason));
        if (u.field) mark(u.field, "unusual");
      });
      var confirm = element("label", "check");
      var check = element("input");
      check.type = "checkbox";
      check.name = "capacity_confirmed";
      confirm.appendChild(check);
      confirm.appendChild(document.createTextNode(" " + data.msgUnusualConfirm));
      unusual.appendChild(confirm);
    }
    var errors = answer.errors || {};
    var reasonBox = document.getElementById("reason-box");
    if (errors.reason && reasonBox) {
      // At its box above the grid, as the server-drawn page shows it.
      reasonBox.classList.add("invalid");
      var note = element("p", "field-error", errors.reason[0]);
      note.setAttribute("role", "alert");
      reasonBox.insertBefore(note, form.elements.reason);
    }
    var names = Object.keys(errors).filter(function (name) { return name !== "reason" || !reasonBox; });
    if (names.length || (answer.outcome === "refused" && !errors.reason)) {
      var refused = box("error", answer.outcome === "refused" && answer.message ? answer.message : data.msgRefused);
      list = refused.appendChild(element("ul"));
      names.forEach(function (name) {
        errors[name].forEach(function (error) {
          list.appendChild(element("li", "", name === "__all__" ? error : format(data.msgCellError, { cell: labelOf(name), error: error })));
        });
        if (name !== "__all__") mark(name, "invalid", errors[name][0]);
      });
    }
    if ((answer.needs_reason || errors.reason) && form.elements.reason) form.elements.reason.focus();
    else if (answerBox.firstChild) answerBox.firstChild.scrollIntoView({ block: "nearest" });
  }
  // The page's header says the day is reported now, and "report 0" has no use left.
  function showDayReported(values) {
    var names = Object.keys(values).filter(function (name) { return values[name] !== ""; });
    var total = names.reduce(function (sum, name) { return sum + (parseInt(values[name], 10) || 0); }, 0);
    var dayStatus = document.getElementById("day-status");
    if (dayStatus && names.length) {
      dayStatus.className = "status ok";
      dayStatus.textContent = format(data.msgReported, { total: total });
    }
    var zero = document.getElementById("report-zero");
    if (zero && names.length) zero.hidden = true;
  }
  function takeVersions(answer) {
    Object.keys(answer.versions || {}).forEach(function (name) {
      if (form.elements[name]) form.elements[name].value = answer.versions[name];
    });
  }
  function handle(answer, sent) {
    store.remove(queueKey);
    if (answer.outcome === "saved") {
      clearMarks();
      Object.keys(answer.values || {}).forEach(function (name) {
        var input = form.elements[name];
        if (!input) return;
        var stored = answer.values[name];
        var typedSince = input.value !== sent[name];
        input.defaultValue = stored;
        if (!typedSince) input.value = stored;
      });
      takeVersions(answer);
      pending = null;
      Object.keys(servedVersions).forEach(function (name) { servedVersions[name] = form.elements[name].value; });
      setStatus("saved", answer.message);
      showBanner(0);
      showDayReported(answer.values || {});
    } else {
      // A conflict moves the versions forward: saving again is then a deliberate
      // overwrite of the other person's value. A refusal keeps them.
      if (answer.outcome === "conflict") takeVersions(answer);
      pending = null;  // the server answered this state; a changed state gets a new key
      setStatus("", "");
      showAnswer(answer);
    }
    keepDraft();
    refresh();
  }

  // Saving ------------------------------------------------------------------------------
  function queue(fields) {
    store.write(queueKey, { url: url, fields: fields, at: Date.now() });
    setStatus("offline", data.msgOffline);
  }
  function post(fields, sent) {
    inFlight = true;
    saveButton.disabled = true;
    setStatus("saving", data.msgSaving);
    store.send(url, store.formBody(fields)).then(function (result) {
      inFlight = false;
      saveButton.disabled = false;
      handle(result.answer, sent);
    }, function (failure) {
      inFlight = false;
      saveButton.disabled = false;
      if (failure.network && navigator.onLine === false) queue(fields);
      else showFailed();
    });
  }
  function save() {
    if (inFlight) return;  // a double tap sends one request
    var fields = [];
    // The page's own save_key serves the plain form post; a script save makes its own.
    new FormData(form).forEach(function (text, name) {
      if (name !== "save_key") fields.push([name, text]);
    });
    var state = JSON.stringify(fields.filter(function (pair) { return pair[0] !== "csrfmiddlewaretoken"; }));
    if (!pending || pending.state !== state) pending = { key: store.newKey(), state: state };
    fields.push(["save_key", pending.key]);
    keepDraft();
    var sent = {};
    inputs.forEach(function (input) { sent[input.name] = input.value; });
    if (navigator.onLine === false) queue(fields);
    else post(fields, sent);
  }
  function sendQueued() {
    var item = store.read(queueKey);
    if (!item || inFlight) return;
    var sent = {};
    item.fields.forEach(function (pair) { sent[pair[0]] = pair[1]; });
    post(item.fields, sent);
  }

  // Wiring ------------------------------------------------------------------------------
  form.addEventListener("input", function (event) {
    if (event.target.classList.contains("cell")) keepDraft();
    refresh();
  });
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.classList.contains("cell")) return;
    event.preventDefault();
    var shown = inputs.filter(visible);
    var next = shown[shown.indexOf(event.target) + 1];
    if (next) { next.focus(); next.select(); } else { saveButton.focus(); }
  });
  form.addEventListener("paste", function (event) {
    var target = event.target;
    if (!target.classList || !target.classList.contains("cell")) return;
    var text = (event.clipboardData || window.clipboardData).getData("text") || "";
    text = text.replace(/\r/g, "").replace(/\n+$/, "");
    if (!/[\t\n]/.test(text)) return;  // one value: the browser pastes it
    event.preventDefault();
    // The cells on screen, row by row: a pasted block lands where it is seen.
    var rows = [];
    form.querySelectorAll("tbody tr").forEach(function (tr) {
      var cells = Array.prototype.filter.call(tr.querySelectorAll("input.cell"), visible);
      if (cells.length) rows.push(cells);
    });
    var top = -1, left = -1;
    rows.forEach(function (cells, r) { if (cells.indexOf(target) !== -1) { top = r; left = cells.indexOf(target); } });
    text.split("\n").forEach(function (line, i) {
      line.split("\t").forEach(function (typed, j) {
        var input = rows[top + i] && rows[top + i][left + j];
        if (input && typed.trim() !== "") input.value = typed.trim();
      });
    });
    keepDraft();
    refresh();
  });
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.name !== "save") return;  // e.g. report 0
    event.preventDefault();
    save();
  });
  // "Report 0" throws typed numbers away: ask first (it posts the plain form).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[name=report_zero]");
    if (!button) return;
    var typed = inputs.some(function (input) { return input.value.trim() !== ""; });
    if (typed && !window.confirm(data.msgReportZero)) { event.preventDefault(); return; }
    store.remove(draftKey);
    store.remove(queueKey);
  });
  if (banner) banner.querySelector("#draft-discard").addEventListener("click", discardDraft);
  window.addEventListener("online", sendQueued);

  restoreDraft();
  refresh();
  if (store.read(queueKey)) {
    if (navigator.onLine === false) setStatus("offline", data.msgOffline);
    else sendQueued();
  }
})();
