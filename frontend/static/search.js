// Search over the current edition, in the browser, from a prebuilt index: it works offline
// and from a static copy. The rules are those of sop_platform/render/site_search.py, which
// answers the same search page asked with ?q= by a browser without JavaScript: whole words
// and the beginnings of words (never the middle of one; a number only as itself), letters
// folded the Azerbaijani way (İ/i, I/ı) and without their marks (ə/e, ş/s ...), every word
// asked found in the clause, a word in the title counting more; results grouped by chapter.
(function () {
  "use strict";
  var form = document.querySelector(".search-form");
  var list = document.querySelector(".search-results");
  if (!form || !list) return;
  var input = form.querySelector("input[name='q']");
  var status = document.querySelector(".search-status");
  var TOKEN = /\p{Nd}+(?:[.,]\p{Nd}+)*|\p{L}+/gu;
  var MAX_RESULTS = 50, SNIPPET_BEFORE = 60, SNIPPET_LENGTH = 200;
  var plain = { "ə": "e", "ı": "i", "ö": "o", "ü": "u", "ç": "c", "ş": "s", "ğ": "g" };

  function foldChar(c) {
    var lower = c === "I" ? "ı" : c === "İ" ? "i" : c.toLowerCase();
    lower = lower.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    return lower.replace(/[əıöüçşğ]/g, function (x) { return plain[x]; });
  }
  function fold(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) out += foldChar(text[i]);
    return out;
  }
  // The folded text, and for each of its characters the index of the one it came from.
  function foldedWithOrigin(text) {
    var out = "", origin = [];
    for (var i = 0; i < text.length; i++) {
      var f = foldChar(text[i]);
      out += f;
      for (var k = 0; k < f.length; k++) origin.push(i);
    }
    return { text: out, origin: origin };
  }
  function tokens(text) { return text.match(TOKEN) || []; }
  function terms(query) {
    var seen = {}, out = [];
    tokens(fold(query)).forEach(function (t) { if (!seen[t]) { seen[t] = true; out.push(t); } });
    return out;
  }
  function matches(term, token) {
    if (token === term) return 2;
    if (!/^\p{Nd}/u.test(term) && token.indexOf(term) === 0) return 1;
    return 0;
  }
  function best(term, list) {
    var found = 0;
    for (var i = 0; i < list.length && found < 2; i++) found = Math.max(found, matches(term, list[i]));
    return found;
  }
  function spans(text, asked) {
    var folded = foldedWithOrigin(text), out = [], m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(folded.text)) !== null) {
      for (var i = 0; i < asked.length; i++) {
        if (matches(asked[i], m[0])) {
          out.push([folded.origin[m.index], folded.origin[m.index + m[0].length - 1] + 1]);
          break;
        }
      }
    }
    return out;
  }
  function pieces(text, found) {
    var out = [], at = 0;
    found.forEach(function (span) {
      if (span[0] < at) return;
      if (span[0] > at) out.push([text.slice(at, span[0]), false]);
      out.push([text.slice(span[0], span[1]), true]);
      at = span[1];
    });
    if (at < text.length) out.push([text.slice(at), false]);
    return out;
  }
  function snippet(text, asked) {
    var found = spans(text, asked);
    var first = found.length ? found[0][0] : 0;
    var start = Math.max(0, first - SNIPPET_BEFORE);
    if (start) {
      var space = text.indexOf(" ", start);
      start = space >= 0 && space < first ? space + 1 : start;
    }
    var end = Math.min(text.length, start + SNIPPET_LENGTH);
    if (end < text.length) {
      var last = text.lastIndexOf(" ", end - 1);
      end = last >= start && last > first ? last : end;
    }
    var shown = found.filter(function (s) { return s[0] >= start && s[1] <= end; })
      .map(function (s) { return [s[0] - start, s[1] - start]; });
    var out = pieces(text.slice(start, end), shown);
    if (start) out.unshift(["…", false]);
    if (end < text.length) out.push(["…", false]);
    return out;
  }

  // The index arrives as a script (search-index.js) loaded before this one, so it is there
  // from the first keystroke, offline and from a copy on disk alike.
  // Each language's texts once prepared; the page's language first, then the others (a
  // word typed in the other language still finds its clauses).
  var sections = null;
  function languages() {
    if (sections) return sections;
    var data = (window.sopSearchIndex || {}).languages || {};
    var mine = document.documentElement.lang;
    var codes = Object.keys(data).sort(function (a, b) { return (b === mine) - (a === mine); });
    sections = codes.map(function (code) {
      return {
        language: code,
        chapters: data[code].chapters,
        clauses: data[code].clauses.map(function (row) {
          return { chapter: row[0], number: row[1], title: row[2], text: row[3], href: row[4], outdated: row[5] || "",
                   heading: tokens(fold(row[1] + " " + row[2])), body: tokens(fold(row[3])) };
        })
      };
    });
    return sections;
  }
  function score(asked, clause) {
    var total = 0;
    for (var i = 0; i < asked.length; i++) {
      var inHeading = best(asked[i], clause.heading);
      var inBody = inHeading ? 0 : best(asked[i], clause.body);
      if (!inHeading && !inBody) return 0;
      total += inHeading ? inHeading + 2 : inBody;
    }
    return total;
  }

  function said(name, values) {
    var text = status.getAttribute("data-" + name) || "";
    return text.replace(/\{(\w+)\}/g, function (_all, key) { return values[key]; });
  }
  function counted(name, count) {
    return said(count === 1 && status.hasAttribute("data-" + name + "-one") ? name + "-one" : name, { count: count });
  }
  function append(parent, parts) {
    parts.forEach(function (part) {
      if (part[1]) {
        var mark = document.createElement("mark");
        mark.textContent = part[0];
        parent.appendChild(mark);
      } else {
        parent.appendChild(document.createTextNode(part[0]));
      }
    });
  }

  function show(query) {
    var asked = terms(query);
    list.textContent = "";
    if (!asked.length || query.trim().length < 2) { status.textContent = ""; return; }
    var data = null, hits = [];
    var all = languages();
    for (var at = 0; at < all.length && !hits.length; at++) {
      data = all[at];
      data.clauses.forEach(function (clause, order) {
        var found = score(asked, clause);
        if (found) hits.push({ clause: clause, score: found, order: order });
      });
    }
    hits.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    hits = hits.slice(0, MAX_RESULTS);
    var groups = [], byChapter = {};
    hits.forEach(function (hit) {
      var at = hit.clause.chapter;
      if (!byChapter[at]) { byChapter[at] = { chapter: data.chapters[at], hits: [] }; groups.push(byChapter[at]); }
      byChapter[at].hits.push(hit);
    });
    if (data) list.lang = data.language;
    status.textContent = hits.length
      ? said("count", { results: counted("results", hits.length), chapters: counted("chapters", groups.length) })
      : status.getAttribute("data-none");
    groups.forEach(function (group) {
      var box = document.createElement("section");
      box.className = "search-group";
      var heading = document.createElement("h2");
      heading.className = "search-chapter";
      var link = document.createElement("a");
      link.href = group.chapter[2];
      var number = document.createElement("span");
      number.className = "chapter-number";
      number.textContent = group.chapter[0] + ".";
      link.appendChild(number);
      link.appendChild(document.createTextNode(" " + group.chapter[1]));
      heading.appendChild(link);
      box.appendChild(heading);
      var items = document.createElement("ul");
      items.className = "search-hits";
      group.hits.forEach(function (hit) {
        var clause = hit.clause;
        var item = document.createElement("li");
        var to = document.createElement("a");
        to.href = clause.href;
        var title = clause.number ? clause.number + " " + clause.title : clause.title;
        append(to, pieces(title, spans(title, asked)));
        item.appendChild(to);
        if (clause.text) {
          var span = document.createElement("span");
          span.className = "snippet";
          append(span, snippet(clause.text, asked));
          item.appendChild(span);
        }
        if (clause.outdated) {  // an outdated translated clause says so
          var note = document.createElement("span");
          note.className = "outdated-note";
          note.textContent = clause.outdated;
          item.appendChild(note);
        }
        items.appendChild(item);
      });
      box.appendChild(items);
      list.appendChild(box);
    });
  }

  // The words searched are in the address (?q=), so a search can be sent, kept or opened
  // again; a copy on disk keeps them after # instead, where a file address allows it.
  function keep(query) {
    try {
      var url = new URL(location.href);
      if (location.protocol === "http:" || location.protocol === "https:") {
        if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
        url.hash = "";
      } else {
        url.hash = query ? "q=" + encodeURIComponent(query) : "";
      }
      history.replaceState(null, "", url.href);
    } catch (error) { /* an address this page may not change: the results still show */ }
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); show(input.value); keep(input.value); });
  input.addEventListener("input", function () { show(input.value); keep(input.value); });
  // Asked in the address: ?q= (a link, the server's form) or #q= (a search box elsewhere
  // sends it there, so that the offline copy's search page opens as it was kept).
  var asked = new URLSearchParams(location.search).get("q");
  var hashed = /^#q=/.test(location.hash) ? decodeURIComponent(location.hash.slice(3)) : null;
  if (hashed !== null) { input.value = hashed; keep(hashed); }
  else if (asked !== null && !input.value) input.value = asked;
  if (input.value) show(input.value);  // asked in the address, or typed before the scripts had arrived
})();
