// "Confirm you have read and understood" on a chapter of the published site. The page is the
// same for everyone (and kept by the service worker), so nothing personal is in it: this
// script asks the API, with the reader's own cookie, what they owe, and remembers the answer
// on the device for reading offline. A confirmation goes into the device's queue first
// (acknowledge-queue.js) and is sent from there: at once when there is a connection, else
// when it returns (the `online` event, the next page load, the service worker's `sync`).
// Without the API (a static copy, file://) the box simply stays hidden.
(function () {
  "use strict";
  var box = document.getElementById("acknowledge");
  var article = document.querySelector("article.chapter[data-sha256]");
  var queue = window.SopAcknowledgements;
  if (!box || !article || !queue || location.protocol === "file:") return;
  var api = box.getAttribute("data-api");
  if (!api) return;

  var page = {
    document: article.getAttribute("data-document"),
    chapter: article.getAttribute("data-chapter"),
    language: article.getAttribute("data-language"),
    edition: Number(article.getAttribute("data-edition")),
    sha256: article.getAttribute("data-sha256")
  };
  var lang = document.documentElement.getAttribute("lang") || "en";
  var REMEMBERED = "sop-acknowledgements-reading";

  var title = box.querySelector(".ack-title");
  var due = box.querySelector(".ack-due");
  var changes = box.querySelector(".ack-changes");
  var form = box.querySelector(".ack-form");
  var passwordRow = box.querySelector(".ack-password");
  var password = box.querySelector("#ack-password");
  var username = box.querySelector(".ack-username");
  var button = box.querySelector(".ack-button");
  var state = box.querySelector(".ack-state");

  // What the page knows: the reader's last answer from the API (or remembered), the
  // device's queue and the server's answers to what it sent.
  var reading = remembered();
  var waiting = [];
  var answered = [];
  var signedOut = false;
  var justConfirmed = false;
  var failure = "";
  var sending = false;

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
  // Dates as the rest of the site writes them (2026-12-04), times on the device's clock.
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function when(iso) {
    var at = new Date(iso);
    if (isNaN(at.getTime())) return iso;
    return at.getFullYear() + "-" + two(at.getMonth() + 1) + "-" + two(at.getDate()) + " " +
      two(at.getHours()) + ":" + two(at.getMinutes());
  }
  function said(name, values) { return fill(state.getAttribute("data-" + name), values || {}); }

  function isThisText(item) {
    return item.document === page.document && item.chapter === page.chapter &&
      item.sha256 === page.sha256;
  }
  function mine(item) { return !reading || item.username === reading.username; }

  function owedHere() {
    if (!reading) return null;
    var all = (reading.owed || []).concat(reading.briefed || []);
    for (var i = 0; i < all.length; i++) {
      var item = all[i];
      if (item.document === page.document && item.chapter === page.chapter &&
          item.languages && item.languages[page.language] === page.sha256) return item;
    }
    return null;
  }
  // The chapter confirmed as this page shows it, read in this language or another.
  function doneHere() {
    var done = (reading && reading.done) || [];
    for (var i = 0; i < done.length; i++) {
      var item = done[i];
      if (item.document === page.document && item.chapter === page.chapter &&
          (item.sha256 === page.sha256 ||
           item.sha256 === article.getAttribute("data-sha256-" + item.language))) return item;
    }
    return null;
  }
  function find(list, test) {
    for (var i = 0; i < list.length; i++) if (test(list[i])) return list[i];
    return null;
  }

  function setState(text, kind) {
    state.textContent = text;
    state.className = "ack-state" + (kind ? " ack-" + kind : "");
  }

  function render() {
    var owed = owedHere();
    var queued = find(waiting, function (item) { return isThisText(item) && mine(item); });
    var outcome = find(answered, function (item) { return isThisText(item) && mine(item); });
    var done = doneHere();
    var show = Boolean(owed || queued || outcome || done);
    box.hidden = !show;
    if (!show) return;
    var open = Boolean(owed) && !queued && !(outcome && outcome.status === "confirmed");
    var edition = owed ? owed.edition : (queued || outcome || done).edition;
    var changedHere = Boolean(changes) && edition === page.edition;
    var settled = !open && !queued && (done || (outcome && outcome.status === "confirmed"));
    box.className = "ack no-print" + (settled ? " ack-settled" : "") + (queued ? " ack-waiting" : "");
    title.hidden = Boolean(settled && !justConfirmed);
    title.textContent = fill(title.getAttribute(changedHere ? "data-changed" : "data-read"), { n: edition });
    if (changes) changes.hidden = !(open && changedHere);
    due.hidden = !(open && owed.due);
    if (open && owed.due) {
      due.textContent = fill(due.getAttribute(owed.overdue ? "data-overdue" : "data-due"), { date: owed.due });
      due.className = "ack-due" + (owed.overdue ? " ack-overdue" : "");
    }
    form.hidden = !open;
    var needsPassword = Boolean(owed && owed.password_required);
    passwordRow.hidden = !needsPassword;
    username.value = reading ? reading.username : "";
    button.disabled = sending || (needsPassword && !navigator.onLine);
    removeSignIn();
    if (queued) {
      setState(said(signedOut ? "signed-out" : "waiting", { time: when(queued.read_at) }), "waiting");
      if (signedOut) addSignIn();
    } else if (sending) {
      setState(said("sending"), "");
    } else if (outcome && outcome.status === "refused" && !done) {
      setState(outcome.code === 409 ? said("stale") : said("refused", { reason: outcome.reason }), "refused");
    } else if (open && needsPassword && !navigator.onLine) {
      setState(said("offline-password"), "refused");
    } else if (failure && open) {
      setState(said("failed", { reason: failure }), "refused");
    } else if (!open) {
      var at = (outcome && outcome.status === "confirmed" ? outcome : done).read_at;
      setState(said(justConfirmed ? "confirmed" : "confirmed-before", { time: when(at) }), "confirmed");
    } else {
      setState("", "");
    }
  }

  function addSignIn() {
    var link = document.createElement("a");
    link.className = "ack-sign-in";
    link.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
    link.textContent = state.getAttribute("data-sign-in");
    state.appendChild(document.createTextNode(" "));
    state.appendChild(link);
  }
  function removeSignIn() {
    var link = state.querySelector(".ack-sign-in");
    if (link) link.remove();
  }

  function loadDevice() {
    return Promise.all([
      queue.queued().catch(function () { return []; }),
      queue.outcomes().catch(function () { return []; })
    ]).then(function (found) { waiting = found[0]; answered = found[1]; });
  }

  // What the reader owes, from the API; offline, what was remembered stays.
  function refresh() {
    return fetch(api + "me/acknowledgements", {
      credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        signedOut = response.status === 401;
        reading = null;
        remember(null);
        return;
      }
      if (!response.ok) return;
      return response.json().then(function (answer) {
        signedOut = false;
        reading = answer;
        remember(answer);
      });
    }).catch(function () { /* offline: keep what the device remembers */ });
  }

  function flush() {
    return queue.flush().then(function (report) {
      queue.retryAfter(report, update);
      if (report.signedOut) signedOut = true;
      if (report.sent.length || report.refused.length) justConfirmed = true;
      return loadDevice();
    });
  }

  function update() {
    return flush().then(refresh).then(loadDevice).then(render, render);
  }

  function askForSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(queue.SYNC_TAG);
    }).catch(function () { /* no background sync: the next page load or `online` sends */ });
  }

  function confirmWithPassword(owed) {
    var body = {
      document: page.document, edition: owed.edition, chapter: page.chapter,
      language: page.language, sha256: page.sha256, read_at: new Date().toISOString(),
      password: password.value
    };
    sending = true;
    failure = "";
    render();
    fetch(api + "me/csrf-token", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (me) {
        return fetch(api + "acknowledgements", {
          method: "POST", credentials: "same-origin", cache: "no-store",
          headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": me.csrf_token || "" },
          body: JSON.stringify(body)
        });
      })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.ok) {
            justConfirmed = true;
            password.value = "";
            answered.push({
              status: "confirmed", username: reading && reading.username, document: page.document,
              chapter: page.chapter, edition: owed.edition, sha256: page.sha256,
              read_at: answer.read_at || body.read_at
            });
            return refresh();
          }
          failure = typeof answer.detail === "string" ? answer.detail : String(response.status);
        });
      })
      .catch(function () { failure = said("offline-password"); })
      .then(function () { sending = false; render(); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var owed = owedHere();
    if (!owed || !reading || sending) return;
    if (owed.password_required) { confirmWithPassword(owed); return; }
    // Into the device's queue first, with the time on the device, then sent from there.
    queue.add({
      username: reading.username, api: api, document: page.document, edition: owed.edition,
      chapter: page.chapter, language: page.language, sha256: page.sha256,
      read_at: new Date().toISOString()
    }).then(function () {
      justConfirmed = true;
      askForSync();
      return loadDevice();
    }).then(render).then(function () {
      if (navigator.onLine) return update();
    }).catch(function (error) {
      failure = String(error && error.message || error);
      render();
    });
  });

  window.addEventListener("online", update);
  window.addEventListener("offline", render);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "acknowledgements") {
        justConfirmed = true;
        loadDevice().then(refresh).then(render, render);
      }
    });
  }

  // First what the device knows (offline too), then what the server says.
  loadDevice().then(render, render).then(update);
})();
