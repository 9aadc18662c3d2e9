// The staff application, on every page: a refusal or an alert gets the keyboard focus, so
// that a screen reader says it and the next Tab starts from it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const alert = document.querySelector("main [role=alert]");
  if (alert) {
    alert.setAttribute("tabindex", "-1");
    alert.focus();
  }
});
