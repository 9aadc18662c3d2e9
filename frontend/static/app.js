// The staff application, on every page: a refusal or an alert gets the keyboard focus, so
// that a screen reader says it and the next Tab starts from it; signing out forgets the
// unsaved texts this browser kept (the editor keeps them so that a refused save loses
// nothing), since the next person at a shared computer should not find them; on a phone
// the menu button opens and closes the navigation (Escape closes it too).
"use strict";
// Loaded before the page is drawn: the navigation folds behind the menu button only when
// this script runs, so that without it every link stays in view.
document.documentElement.classList.add("js");

function menuButton(button) {
  const header = button.closest(".app-header");
  const shown = (open) => {
    button.setAttribute("aria-expanded", String(open));
    header.classList.toggle("menu-open", open);
  };
  button.addEventListener("click", () => shown(button.getAttribute("aria-expanded") !== "true"));
  header.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      shown(false);
      button.focus();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("menu-button");
  if (button) menuButton(button);
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
