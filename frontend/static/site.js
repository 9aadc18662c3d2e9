// The published site: offline copy, "new edition" notice, the reader's language (kept by
// the switch, remembered on the device), search boxes, print button. No inline script
// anywhere: the CSP forbids it.
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
    remember(link.getAttribute("lang"));
    var href = link.getAttribute("href").split("#")[0];
    link.setAttribute("href", href + visibleClause());
  });

  // The language the reader chose: a cookie, with which the server sends an address that
  // names no language to the chosen one (pages are kept by their address, so the cookie
  // never changes what an address shows), and the device's storage, which does the same
  // where no server answers (the offline copy, a copy on disk).
  var KEPT = "sop-lang";
  function remember(code) {
    if (!/^[a-z]{2}$/.test(code || "")) return;
    try { localStorage.setItem(KEPT, code); } catch (error) { /* storage refused */ }
    if (location.protocol === "http:" || location.protocol === "https:") {
      var path = base.charAt(0) === "/" ? base : "/";
      document.cookie = "sop_lang=" + code + "; path=" + path + "; max-age=31536000; SameSite=Lax";
    }
  }
  function remembered() {
    try { return localStorage.getItem(KEPT); } catch (error) { return null; }
  }
  // Does this address name its language? `?lang=` on a server; a copy's file names it
  // (`search.az.html`) except in the document's default language.
  function named() {
    if (location.protocol === "http:" || location.protocol === "https:") {
      return new URLSearchParams(location.search).get("lang");
    }
    var file = /\.([a-z]{2})\.html$/.exec(location.pathname);
    return file ? file[1] : null;
  }
  // Only the switch changes the choice: a link into a chapter not yet translated leads to
  // the text there is without changing it.
  var chosen = remembered();
  if (!named() && chosen && chosen !== root.getAttribute("lang")) {
    var other = document.querySelector("link[rel='alternate'][hreflang='" + chosen + "']");
    if (other) location.replace(other.href + location.hash);
  }

  // A search box away from the search page: the search page searches in the browser, from
  // the address it is given after # (an address with ?q= is not in the offline copy).
  // Without JavaScript the form asks the server instead.
  document.querySelectorAll("form.search-form[data-search-page]").forEach(function (box) {
    box.addEventListener("submit", function (event) {
      var words = box.querySelector("input[name='q']").value.trim();
      if (!words) return;
      event.preventDefault();
      location.href = box.getAttribute("action") + "#q=" + encodeURIComponent(words);
    });
  });

  // "What changed" asked by its address (a link from the amendment record): open it.
  function openAsked() {
    if (location.hash.indexOf("#changes-") !== 0) return;
    var asked = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (asked && asked.tagName === "DETAILS") { asked.open = true; asked.scrollIntoView(); }
  }
  openAsked();
  window.addEventListener("hashchange", openAsked);

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
