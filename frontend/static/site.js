// The published site: offline copy, "new edition" notice, language switch that keeps the
// clause, print button. No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";
  var root = document.documentElement;
  // Empty on pages outside any edition (an error page): those never announce an edition.
  var version = root.getAttribute("data-site-version") || "";
  var base = root.getAttribute("data-root") || "/";

  function toast(kind, withReload) {
    var box = document.getElementById("site-toast");
    if (!box) return;
    var text = box.querySelector(".toast-text");
    text.textContent = text.getAttribute(kind === "new" ? "data-new-edition" : "data-offline-ready");
    var action = box.querySelector(".toast-action");
    action.hidden = !withReload;
    if (withReload) {
      action.setAttribute("href", location.href);
      action.addEventListener("click", function (event) { event.preventDefault(); location.reload(); });
    }
    box.hidden = false;
    if (!withReload) setTimeout(function () { box.hidden = true; }, 4000);
  }

  function checkEdition() {
    fetch(base + "offline-manifest.json", { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (manifest) {
        if (version && manifest && manifest.version && manifest.version !== version) toast("new", true);
      })
      .catch(function () { /* offline: the cached edition is what we have */ });
  }

  // Keep the reader's place when switching language: the clause anchors are the same.
  function visibleClause() {
    if (location.hash) return location.hash;
    var headings = document.querySelectorAll(".clause [id]");
    for (var i = 0; i < headings.length; i++) {
      if (headings[i].getBoundingClientRect().top >= -8) return "#" + headings[i].id;
    }
    return "";
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.switch-language") : null;
    if (!link) return;
    var href = link.getAttribute("href").split("#")[0];
    link.setAttribute("href", href + visibleClause());
  });

  var printButton = document.querySelector(".print-button");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }

  if ("serviceWorker" in navigator && location.protocol !== "file:") {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "cached" && data.version === version) {
        root.setAttribute("data-offline", "ready");
        if (data.fresh) toast("ready", false);
      }
      if (data.type === "cached" && version && data.version !== version) toast("new", true);
    });
    navigator.serviceWorker.register(base + "sw.js", { scope: base }).then(function (registration) {
      var ask = function (worker) { if (worker) worker.postMessage({ type: "status" }); };
      if (registration.active) ask(registration.active);
      navigator.serviceWorker.ready.then(function (ready) { ask(ready.active); });
      // A page can stay open for a whole shift: look for a new edition whenever the
      // connection comes back, the page is shown again, and every ten minutes.
      var recheck = function () {
        checkEdition();
        registration.update().catch(function () {});
      };
      window.addEventListener("online", recheck);
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "visible") recheck();
      });
      setInterval(recheck, 10 * 60 * 1000);
      registration.update().catch(function () {});
    }).catch(function () {});
    checkEdition();
  }
})();
