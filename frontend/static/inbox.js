// The notifications page: opening a notification marks it read. The mark is sent (the
// JSON API, with the page's CSRF token) before the browser goes to the page, so that the
// bell there already counts it; a link opened in another tab or window sends it alongside.
// Without this script each unread notification has its own "Mark read" button.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (!token) return;
  const headers = { "X-CSRF-Token": token.content, "Accept": "application/json" };

  function mark(url) {
    return fetch(url, { method: "POST", credentials: "same-origin", headers, keepalive: true })
      .catch(() => { /* offline or refused: the notification simply stays unread */ });
  }

  document.querySelectorAll("#inbox a[data-read-url]").forEach((link) => {
    link.addEventListener("click", (event) => {
      const url = link.getAttribute("data-read-url");
      link.removeAttribute("data-read-url");
      const elsewhere = event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey;
      if (elsewhere) {
        mark(url);
        return;
      }
      event.preventDefault();
      mark(url).then(() => window.location.assign(link.href));
    });
    // A middle click opens a new tab without a `click` event.
    link.addEventListener("auxclick", (event) => {
      const url = link.getAttribute("data-read-url");
      if (event.button === 1 && url) {
        link.removeAttribute("data-read-url");
        mark(url);
      }
    });
  });
});
