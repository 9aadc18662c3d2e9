// The editor: a live preview rendered by the server with the site's renderer, the CR's
// checks beside it, and a guard against leaving with unsaved changes.
"use strict";
(() => {
  const form = document.getElementById("editor-form");
  const area = document.getElementById("markdown");
  if (!form || !area) return;
  const preview = document.getElementById("preview");
  const problems = document.getElementById("problems");
  const state = document.getElementById("preview-state");
  const csrf = document.querySelector('meta[name="csrf-token"]');
  const original = area.value;
  let timer = 0;
  let asked = 0;

  const showProblems = (found) => {
    problems.replaceChildren();
    if (!found.length) {
      const item = document.createElement("li");
      item.textContent = problems.dataset.none;
      problems.append(item);
      return;
    }
    for (const problem of found) {
      const item = document.createElement("li");
      if (problem.blocking) item.className = "blocking";
      const go = document.createElement("button");
      go.type = "button";
      go.className = "link-button go-to-line";
      go.dataset.line = String(problem.line);
      go.textContent = `${problems.dataset.line} ${problem.line}`;
      item.append(go, `: ${problem.message}` +
        (problem.blocking ? ` (${problems.dataset.blocking})` : ""));
      problems.append(item);
    }
  };

  // "Line N" in a warning, or beside a source clause to follow, selects that line of the
  // text.
  form.addEventListener("click", (event) => {
    const go = event.target.closest(".go-to-line");
    if (!go) return;
    const lines = area.value.split("\n");
    const wanted = Math.max(1, Math.min(Number(go.dataset.line), lines.length));
    const start = lines.slice(0, wanted - 1).reduce((sum, line) => sum + line.length + 1, 0);
    area.focus();
    area.setSelectionRange(start, start + lines[wanted - 1].length);
    // Scroll the line into view: its share of the text's height.
    area.scrollTop = Math.max(0, (wanted - 3) * (area.scrollHeight / lines.length));
  });

  const refresh = async () => {
    const mine = ++asked;
    state.textContent = "…";
    try {
      const answer = await fetch(form.dataset.preview, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRF-Token": csrf ? csrf.content : "",
        },
        body: JSON.stringify({ chapter: form.dataset.chapter, markdown: area.value }),
      });
      if (mine !== asked) return; // a later keystroke has asked again
      if (!answer.ok) {
        state.textContent = `(${answer.status})`;
        return;
      }
      const shown = await answer.json();
      // The server renders with raw HTML escaped and unsafe links dropped, as on the site.
      preview.innerHTML = shown.html;
      showProblems(shown.problems);
      state.textContent = "";
    } catch (error) {
      state.textContent = "(offline)";
    }
  };

  // A copy of the text in this browser, so that nothing typed is lost when a save is
  // refused (a session that timed out, a connection that dropped): it is offered back
  // until a page shows the same text saved.
  const draftKey = form.dataset.draftKey;
  const kept = document.getElementById("draft-kept");
  const stored = (() => {
    try { return window.localStorage.getItem(draftKey); } catch (error) { return null; }
  })();
  const keep = (text) => {
    try {
      if (text === null) window.localStorage.removeItem(draftKey);
      else window.localStorage.setItem(draftKey, text);
    } catch (error) { /* storage full or refused: the guard below still warns */ }
  };
  if (stored !== null && stored === area.value) keep(null);
  else if (stored !== null && kept && !area.readOnly) {
    kept.hidden = false;
    document.getElementById("draft-restore").addEventListener("click", () => {
      area.value = stored;
      kept.hidden = true;
      refresh();
      area.focus();
    });
    document.getElementById("draft-discard").addEventListener("click", () => {
      keep(null);
      kept.hidden = true;
    });
  }

  area.addEventListener("input", () => {
    keep(area.value === original ? null : area.value);
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  });

  let leaving = false;
  form.addEventListener("submit", () => { leaving = true; });
  window.addEventListener("beforeunload", (event) => {
    if (!leaving && area.value !== original) {
      event.preventDefault();
      event.returnValue = form.dataset.unsaved;
    }
  });
})();
