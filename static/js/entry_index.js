// The entry site list sends the saves queued on this device while offline (when opened
// and when the network returns), then shows the sites' new state.
(function () {
  "use strict";
  var status = document.getElementById("queue-status");
  if (!status) return;
  var store = window.StreetVaxEntry;
  var user = status.dataset.user;

  function send() {
    if (!store.queuedFor(user).length) return;
    if (navigator.onLine === false) { status.textContent = status.dataset.msgOffline; return; }
    store.replayQueued(user).then(function (outcomes) {
      var answered = outcomes.filter(function (outcome) { return outcome !== null; });
      if (answered.some(function (outcome) { return outcome !== "saved"; })) {
        status.textContent = status.dataset.msgAttention;
      } else if (answered.length) {
        window.location.reload();  // the list shows the sites as reported now
      } else {
        status.textContent = status.dataset.msgOffline;
      }
    });
  }
  window.addEventListener("online", send);
  send();
})();
