// The staff application, on every page: a refusal or an alert gets the keyboard focus, so
// that a screen reader says it and the next Tab starts from it; signing out forgets the
// unsaved texts this browser kept (the editor keeps them so that a refused save loses
// nothing), since the next person at a shared computer should not find them.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const alert = document.querySelector("main [role=alert]");
  if (alert) {
    alert.setAttribute("tabindex", "-1");
    alert.focus();
  }
  document.querySelectorAll('form[action="/logout"]').forEach((form) =>
    form.addEventListener("submit", () => {
      try {
        Object.keys(window.localStorage)
          .filter((key) => key.startsWith("sop-draft:"))
          .forEach((key) => window.localStorage.removeItem(key));
      } catch (error) { /* storage refused: nothing was kept */ }
    })
  );
});
