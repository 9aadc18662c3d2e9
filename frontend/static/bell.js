// The bell on the published site. The page is the same for everyone (and kept by the
// service worker), so it holds the bell hidden: this script asks the API, with the
// reader's own cookie, how many of their notifications are unread, and shows the bell
// with that number. Not signed in, offline, or on a copy without the API (file://, a
// mirror), it stays hidden: an old count would be worse than none.
(function () {
  "use strict";
  var bell = document.getElementById("site-bell");
  if (!bell || location.protocol === "file:") return;
  var api = bell.getAttribute("data-api");
  if (!api) return;
  var count = bell.querySelector(".bell-count");

  function show(unread) {
    var label = unread > 0
      ? bell.getAttribute("data-label").replace("{count}", String(unread))
      : bell.getAttribute("data-label-none");
    bell.setAttribute("aria-label", label);
    bell.setAttribute("title", label);
    count.textContent = unread > 0 ? String(unread) : "";
    count.hidden = unread === 0;
    bell.className = "bell no-print" + (unread > 0 ? " bell-unread" : "");
    bell.hidden = false;
  }

  function hide() { bell.hidden = true; }

  // A field connection that has just come back often drops the first request (and the
  // browser may say "online" a moment before requests go through): a request that fails
  // on the network is tried again, 1 s later, then 2, 4 ... up to a minute apart.
  var retryDelay = 0;
  var retryTimer = 0;

  function retryLater() {
    hide();
    if (!navigator.onLine) return;
    retryDelay = Math.min(retryDelay ? retryDelay * 2 : 1000, 60000);
    retryTimer = setTimeout(refresh, retryDelay);
  }

  function refresh() {
    clearTimeout(retryTimer);
    if (!navigator.onLine) { hide(); return; }
    fetch(api + "me/notifications?limit=0", {
      credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" }
    }).then(function (response) {
      retryDelay = 0;
      // Not signed in (401) or no such route on this copy: hidden, and not asked again.
      return response.ok ? response.json() : null;
    }, function () {
      retryLater();
      return undefined;
    }).then(function (answer) {
      if (answer === undefined) return;
      if (answer && typeof answer.unread === "number") show(answer.unread); else hide();
    }).catch(hide);
  }

  window.addEventListener("online", refresh);
  window.addEventListener("offline", hide);
  // A page left open for a shift: counted again whenever it is looked at again.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refresh();
  });
  refresh();
})();
