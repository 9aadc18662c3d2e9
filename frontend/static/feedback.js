// "Suggest a correction" on every clause of a chapter of the published site. The page is the
// same for everyone (and kept by the service worker), so nothing personal is in it: this
// script asks the API, with the reader's own cookie, who is signed in (remembered on the
// device for reading offline), and only then offers the action under each clause. What a
// reader writes goes into the device's queue first (feedback-queue.js) and is sent from
// there: at once when there is a connection, else when it returns (the `online` event, the
// next page load, the service worker's `sync`); until the server has it, the clause says
// it is waiting to send. Without the API (a static copy, file://) nothing is offered.
(function () {
  "use strict";
  var form = document.getElementById("feedback-form");
  var article = document.querySelector("article.chapter[data-chapter]");
  var queue = window.SopFeedback;
  if (!form || !article || !queue || location.protocol === "file:") return;
  var api = form.getAttribute("data-api");
  if (!api) return;
  // Suggestions are about the text in force: not offered on a superseded or upcoming edition.
  var current = document.body.classList.contains("status-current");

  var page = {
    document: article.getAttribute("data-document"),
    chapter: article.getAttribute("data-chapter"),
    language: article.getAttribute("data-language")
  };
  var REMEMBERED = "sop-feedback-reader";
  var title = form.querySelector(".feedback-form-title");
  var quote = form.querySelector("#feedback-quote");
  var body = form.querySelector("#feedback-body");
  var problem = form.querySelector(".feedback-problem");
  var cancel = form.querySelector(".feedback-cancel");

  var reader = remembered();  // {username}, or null when nobody is signed in
  var signedOut = false;
  var waiting = [];
  var answered = [];
  var watched = {};  // keys waiting while this page was open: their answers are shown here
  var openFor = null;  // the clause section the form is open in
  var picked = {};  // the text selected in a clause when its action was pressed

  function remembered() {
    try { return JSON.parse(localStorage.getItem(REMEMBERED) || "null"); } catch (e) { return null; }
  }
  function remember(value) {
    try {
      if (value) localStorage.setItem(REMEMBERED, JSON.stringify(value));
      else localStorage.removeItem(REMEMBERED);
    } catch (e) { /* private mode: the page still works while it is open */ }
  }

  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }
  function said(name, values) { return fill(form.getAttribute("data-" + name), values || {}); }
  // Times as the rest of the site writes them, on the device's clock.
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function when(iso) {
    var at = new Date(iso);
    if (isNaN(at.getTime())) return iso || "";
    return at.getFullYear() + "-" + two(at.getMonth() + 1) + "-" + two(at.getDate()) + " " +
      two(at.getHours()) + ":" + two(at.getMinutes());
  }

  function clauses() {
    return Array.prototype.slice.call(article.querySelectorAll(".chapter-body section.clause"));
  }
  function headingOf(section) {
    return section.querySelector("h2[id], h3[id], h4[id], h5[id], h6[id]");
  }
  function labelOf(section) {
    var heading = headingOf(section);
    var number = heading.querySelector(".clause-number");
    var name = heading.querySelector(".clause-title");
    return ((number ? number.textContent + " " : "") + (name ? name.textContent : heading.textContent)).trim();
  }
  function mine(item) {
    return reader && item.username === reader.username && item.document === page.document &&
      item.chapter === page.chapter;
  }

  // The text selected inside `section`, if the selection lies there: the passage quoted.
  function selectionIn(section) {
    var selection = window.getSelection && window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return "";
    var range = selection.getRangeAt(0);
    if (!section.contains(range.commonAncestorContainer)) return "";
    return selection.toString().replace(/\s+/g, " ").trim().slice(0, 2000);
  }

  function actionOf(section) {
    var found = section.querySelector(":scope > .feedback-action");
    if (found || !current || !reader || signedOut) return found;
    var heading = headingOf(section);
    if (!heading) return null;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "feedback-action no-print";
    button.textContent = said("action");
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "feedback-form");
    button.setAttribute("aria-describedby", heading.id);
    // Before the press moves focus, while the reader's selection is still theirs.
    button.addEventListener("pointerdown", function () { picked[heading.id] = selectionIn(section); });
    button.addEventListener("click", function () {
      var chosen = picked[heading.id];
      if (chosen === undefined) chosen = selectionIn(section);
      delete picked[heading.id];
      if (openFor === section && !form.hidden) { close(); return; }
      show(section, button, chosen);
    });
    section.appendChild(button);
    return button;
  }

  function statusOf(section) {
    var found = section.querySelector(":scope > .feedback-status");
    if (found) return found;
    found = document.createElement("div");
    found.className = "feedback-status no-print";
    found.setAttribute("role", "status");
    found.setAttribute("aria-live", "polite");
    section.appendChild(found);
    return found;
  }

  function line(text, kind) {
    var p = document.createElement("p");
    p.className = "feedback-line feedback-" + kind;
    p.textContent = text;
    return p;
  }

  function renderStatus(section, anchor) {
    var lines = [];
    waiting.forEach(function (item) {
      if (!mine(item) || item.clause !== anchor) return;
      var text = said(signedOut ? "signed-out" : "waiting", { time: when(item.written_at) });
      var p = line(text, "waiting");
      if (signedOut) {
        var link = document.createElement("a");
        link.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
        link.className = "feedback-sign-in";
        link.textContent = form.getAttribute("data-sign-in");
        p.appendChild(document.createTextNode(" "));
        p.appendChild(link);
      }
      lines.push(p);
    });
    answered.forEach(function (item) {
      if (!mine(item) || item.clause !== anchor) return;
      if (item.status === "sent" && watched[item.key]) {
        var sent = line(said("sent", { time: when(item.written_at), number: item.id || "" }), "sent");
        var link = document.createElement("a");
        link.href = "/app/suggestions" + (item.id ? "#feedback-" + item.id : "");
        link.textContent = said("mine");
        sent.appendChild(document.createTextNode(" "));
        sent.appendChild(link);
        lines.push(sent);
      } else if (item.status === "refused") {
        var refused = line(said("refused", { reason: item.reason || String(item.code) }), "refused");
        var kept = document.createElement("blockquote");
        kept.className = "feedback-kept";
        kept.setAttribute("lang", item.language || page.language);
        kept.textContent = item.body;
        var dismiss = document.createElement("button");
        dismiss.type = "button";
        dismiss.className = "feedback-dismiss";
        dismiss.textContent = said("dismiss");
        dismiss.addEventListener("click", function () {
          queue.dismiss(item.key).then(loadDevice).then(render, render);
        });
        lines.push(refused, kept, dismiss);
      }
    });
    var status = section.querySelector(":scope > .feedback-status");
    if (!lines.length) {
      if (status) status.replaceChildren();
      return;
    }
    status = statusOf(section);
    status.replaceChildren.apply(status, lines);
  }

  function render() {
    clauses().forEach(function (section) {
      var heading = headingOf(section);
      if (!heading) return;
      var action = actionOf(section);
      if (action && (!reader || signedOut || !current)) {
        if (openFor === section) close();
        action.remove();
      }
      renderStatus(section, heading.id);
    });
  }

  function show(section, button, chosen) {
    var heading = headingOf(section);
    if (openFor !== section) {
      body.value = "";
      quote.value = "";
    }
    if (chosen) quote.value = chosen;
    openFor = section;
    title.textContent = fill(title.getAttribute("data-template"), { clause: labelOf(section) });
    problem.hidden = true;
    section.insertBefore(form, button.nextSibling);
    form.dataset.clause = heading.id;
    form.hidden = false;
    clauses().forEach(function (other) {
      var action = other.querySelector(":scope > .feedback-action");
      if (action) action.setAttribute("aria-expanded", String(other === section));
    });
    body.focus();
  }

  function close() {
    var section = openFor;
    form.hidden = true;
    openFor = null;
    if (!section) return;
    var action = section.querySelector(":scope > .feedback-action");
    if (action) {
      action.setAttribute("aria-expanded", "false");
      action.focus();
    }
  }

  function loadDevice() {
    return Promise.all([
      queue.queued().catch(function () { return []; }),
      queue.outcomes().catch(function () { return []; })
    ]).then(function (found) {
      waiting = found[0];
      answered = found[1];
      waiting.forEach(function (item) { watched[item.key] = true; });
    });
  }

  // Who is signed in, from the API; offline, who was remembered stays.
  function refresh() {
    return fetch(api + "me/csrf-token", {
      credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        signedOut = response.status === 401 && Boolean(reader);
        if (response.status === 403 || !waiting.length) reader = null;
        remember(null);
        return;
      }
      if (!response.ok) return;
      return response.json().then(function (me) {
        signedOut = false;
        reader = { username: me.username };
        remember(reader);
      });
    }).catch(function () { /* offline: keep who the device remembers */ });
  }

  function flush() {
    return queue.flush().then(function (report) {
      queue.retryAfter(report, update);
      if (report.signedOut) signedOut = true;
      return loadDevice();
    });
  }

  function update() {
    return refresh().then(flush).then(render, render);
  }

  function askForSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(queue.SYNC_TAG);
    }).catch(function () { /* no background sync: the next page load or `online` sends */ });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var section = openFor;
    if (!section || !reader) return;
    var text = body.value.trim();
    if (!text) {
      problem.textContent = said("empty");
      problem.hidden = false;
      body.focus();
      return;
    }
    var item = {
      username: reader.username, api: api, document: page.document, chapter: page.chapter,
      clause: form.dataset.clause, quote: quote.value.trim(), body: text,
      language: page.language, written_at: new Date().toISOString()
    };
    queue.add(item).then(function (kept) {
      watched[kept.key] = true;
      body.value = "";
      quote.value = "";
      close();
      askForSync();
      return loadDevice();
    }).then(render).then(function () {
      if (navigator.onLine) return flush().then(render);
    }).catch(function (error) {
      problem.textContent = said("failed", { reason: String(error && error.message || error) });
      problem.hidden = false;
    });
  });

  cancel.addEventListener("click", close);
  form.addEventListener("keydown", function (event) {
    if (event.key === "Escape") close();
  });

  window.addEventListener("online", function () { update(); });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "feedback") loadDevice().then(render, render);
    });
  }

  // First what the device knows (offline too), then what the server says.
  loadDevice().then(render, render).then(update);
})();
