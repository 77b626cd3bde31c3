// Not-reported board: reload the list every 30 seconds without reloading the page.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  function reload() {
    fetch(board.dataset.refreshUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) board.innerHTML = html; })
      .catch(function () { /* offline for a moment: try again next round */ });
  }
  setInterval(reload, parseInt(board.dataset.refreshSeconds || "30", 10) * 1000);
})();
