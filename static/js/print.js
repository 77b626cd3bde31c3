// The bulletin's "Print" button: the print style sheet fits it on one A4 sheet.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
