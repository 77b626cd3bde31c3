// Entry grid: live row and column totals, and Enter moves to the next cell like Tab.
(function () {
  "use strict";
  var form = document.getElementById("tally-grid");
  if (!form) return;
  var cells = Array.prototype.slice.call(form.querySelectorAll("input.cell"));

  function value(input) {
    // Full-width digits count too; anything else is left for the server to name.
    var text = input.value.replace(/[０-９]/g, function (d) {
      return String.fromCharCode(d.charCodeAt(0) - 0xfee0);
    }).trim();
    return /^[0-9]+$/.test(text) ? parseInt(text, 10) : 0;
  }

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
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.classList.contains("cell")) return;
    event.preventDefault();
    var next = cells[cells.indexOf(event.target) + 1];
    if (next) { next.focus(); next.select(); } else { form.querySelector("button[name=save]").focus(); }
  });
  refresh();
})();
