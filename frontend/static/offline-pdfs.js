// "Keep the PDFs on this device too": the reader's choice to add the edition's PDFs to the
// offline copy (they are large, so the copy leaves them out unless asked). The service
// worker fetches them into the copy and keeps doing so for each new edition (sw.js).
"use strict";
(function () {
  var box = document.querySelector(".keep-pdfs");
  if (!box || !("serviceWorker" in navigator) || location.protocol === "file:") return;
  var button = box.querySelector("button");
  var state = box.querySelector(".keep-pdfs-state");
  var urls = button.getAttribute("data-pdfs").split(" ").filter(Boolean).map(function (href) {
    return new URL(href, location.href).href;
  });

  function say(text) { state.textContent = text; }

  navigator.serviceWorker.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type !== "pdfs") return;
    if (data.kept) {
      say(button.getAttribute("data-kept"));
      button.hidden = true;
    } else if (data.reason) {
      say(button.getAttribute("data-failed").replace("{reason}", data.reason));
      button.disabled = false;
    }
  });

  navigator.serviceWorker.ready.then(function (registration) {
    box.hidden = false;
    registration.active.postMessage({ type: "pdfs-status", urls: urls });
    button.addEventListener("click", function () {
      button.disabled = true;
      say(button.getAttribute("data-keeping"));
      registration.active.postMessage({ type: "keep-pdfs", urls: urls });
    });
  });
})();
