// Plan grid: each day's total follows what is typed, and Enter moves to the next cell.
(function () {
  "use strict";
  var form = document.getElementById("plan-grid");
  if (!form) return;
  var cells = Array.prototype.slice.call(form.querySelectorAll("input.cell:not([disabled])"));

  var value = window.StreetVaxCells.value;

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
  window.StreetVaxCells.enterMovesOn(form, cells, "button[type=submit]");
  refresh();
})();
