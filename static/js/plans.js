// Plan grid: each day's total follows what is typed, and Enter moves to the next cell.
(function () {
  "use strict";
  var form = document.getElementById("plan-grid");
  if (!form) return;
  var cells = Array.prototype.slice.call(form.querySelectorAll("input.cell:not([disabled])"));

  function value(input) {
    // Full-width digits count too; anything else is left for the server to name.
    var text = input.value.replace(/[０-９]/g, function (d) {
      return String.fromCharCode(d.charCodeAt(0) - 0xfee0);
    }).trim();
    return /^[0-9]+$/.test(text) ? parseInt(text, 10) : 0;
  }

  function refresh() {
    var days = {};
    form.querySelectorAll("input.cell").forEach(function (input) {
      days[input.dataset.day] = (days[input.dataset.day] || 0) + value(input);
    });
    form.querySelectorAll(".day-total").forEach(function (cell) {
      cell.textContent = days[cell.dataset.day] ? days[cell.dataset.day] : "–";
    });
  }

  form.addEventListener("input", refresh);
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.classList.contains("cell")) return;
    event.preventDefault();
    var next = cells[cells.indexOf(event.target) + 1];
    if (next) { next.focus(); next.select(); } else { form.querySelector("button[type=submit]").focus(); }
  });
  refresh();
})();
