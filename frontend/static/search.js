// Search over the current edition, in the browser, from a prebuilt index: it works offline
// and from a static copy. Azerbaijani letters match with or without their marks (ə/e, ı/i,
// ş/s ...) and dotted/dotless I fold the Azerbaijani way.
(function () {
  "use strict";
  var form = document.querySelector(".search-form");
  if (!form) return;
  var input = form.querySelector("input");
  var status = document.querySelector(".search-status");
  var list = document.querySelector(".search-results");
  var index = null;

  var plain = { "ə": "e", "ı": "i", "ö": "o", "ü": "u", "ç": "c", "ş": "s", "ğ": "g" };
  function fold(text) {
    var lower = text.replace(/I/g, "ı").replace(/İ/g, "i").toLowerCase();
    lower = lower.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    return lower.replace(/[əıöüçşğ]/g, function (c) { return plain[c]; });
  }

  // The index arrives as a script (search-index.js) loaded before this one, so it is there
  // from the first keystroke, offline and from a copy on disk alike.
  function rows() {
    if (index) return index;
    var data = window.sopSearchIndex || { clauses: [] };
    index = data.clauses.map(function (row) {
      return { language: row[0], number: row[1], title: row[2], text: row[3], href: row[4],
               outdated: row[5] || "",
               folded: fold(row[1] + " " + row[2] + "\n" + row[3]), foldedTitle: fold(row[2]) };
    });
    return index;
  }

  function snippet(text, words) {
    var folded = fold(text);
    var at = folded.indexOf(words[0]);
    var start = Math.max(0, at - 60);
    var piece = (start > 0 ? "…" : "") + text.slice(start, start + 200) + (start + 200 < text.length ? "…" : "");
    return piece.replace(/\s+/g, " ");
  }

  function show(query) {
    var words = fold(query).split(/[^\p{L}\p{N}.]+/u).filter(function (w) { return w.length > 0; });
    list.textContent = "";
    if (!words.length || query.trim().length < 2) { status.textContent = ""; return; }
    var hits = rows().map(function (row) {
      var score = 0;
      for (var i = 0; i < words.length; i++) {
        if (row.folded.indexOf(words[i]) < 0) return null;
        score += row.foldedTitle.indexOf(words[i]) >= 0 ? 3 : 1;
      }
      if (row.language === document.documentElement.lang) score += 1;
      return { row: row, score: score };
    }).filter(Boolean).sort(function (a, b) { return b.score - a.score; }).slice(0, 50);
    status.textContent = hits.length ? String(hits.length) : status.getAttribute("data-none");
    hits.forEach(function (hit) {
      var item = document.createElement("li");
      item.lang = hit.row.language;
      var link = document.createElement("a");
      link.href = hit.row.href;
      link.textContent = (hit.row.number ? hit.row.number + " " : "") + hit.row.title;
      item.appendChild(link);
      if (hit.row.text) {
        var span = document.createElement("span");
        span.className = "snippet";
        span.textContent = snippet(hit.row.text, words);
        item.appendChild(span);
      }
      if (hit.row.outdated) {  // an outdated translated clause says so
        var note = document.createElement("span");
        note.className = "outdated-note";
        note.textContent = hit.row.outdated;
        item.appendChild(note);
      }
      list.appendChild(item);
    });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); show(input.value); });
  input.addEventListener("input", function () { show(input.value); });
  var asked = new URLSearchParams(location.search).get("q");
  if (asked) input.value = asked;
  if (input.value) show(input.value);  // typed before the scripts had arrived
})();
