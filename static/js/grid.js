// Entry grid: live row and column totals, and Enter moves to the next cell like Tab.
(function () {
  "use strict";
  var form = document.getElementById("tally-grid");
  if (!form) return;
  var cells = Array.prototype.slice.call(form.querySelectorAll("input.cell"));

  var value = window.StreetVaxCells.value;

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

  form.addEventListener("input", refresh);
  window.StreetVaxCells.enterMovesOn(form, cells, "button[name=save]");
  refresh();
})();
