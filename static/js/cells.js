// The number cells of a grid form, shared by the tally entry grid and the plan grid:
// a cell's value, and Enter moving to the next cell like Tab.
window.StreetVaxCells = {
  value: function (input) {
    // Full-width digits count too; anything else is left for the server to name.
    var text = input.value.replace(/[０-９]/g, function (d) {
      return String.fromCharCode(d.charCodeAt(0) - 0xfee0);
    }).trim();
    return /^[0-9]+$/.test(text) ? parseInt(text, 10) : 0;
  },
  enterMovesOn: function (form, cells, afterLast) {
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || !event.target.classList.contains("cell")) return;
      event.preventDefault();
      var next = cells[cells.indexOf(event.target) + 1];
      if (next) { next.focus(); next.select(); } else { form.querySelector(afterLast).focus(); }
    });
  }
};
