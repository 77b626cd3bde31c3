// Reload the page while a background job runs (the element says how often).
(function () {
  "use strict";
  var node = document.querySelector("[data-refresh-seconds]");
  if (!node) return;
  setTimeout(function () { window.location.reload(); }, parseInt(node.dataset.refreshSeconds, 10) * 1000);
})();
