// The admin export page's "select all" checkbox, bound here rather than by an inline
// onchange attribute (blocked by the content security policy).
(function () {
  "use strict";
  var toggles = document.querySelectorAll("input.select-toggle[name=select-all-toggle]");
  toggles.forEach(function (toggle) {
    if (typeof window.onSelectToggleChange !== "function") return;
    toggle.addEventListener("change", window.onSelectToggleChange);
  });
})();
