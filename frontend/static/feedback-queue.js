// The device's queue of suggested corrections ("Suggest a correction") waiting for a
// connection, shared by the chapter pages of the published site (feedback.js) and its
// service worker (sw.js, on a background `sync`); the sibling of acknowledge-queue.js.
// IndexedDB database "sop-feedback":
//   queue     what this device wrote and has not yet sent, each with a key of its own (sent
//             as the Idempotency-Key, so a resend never makes a second suggestion), the
//             time it was written on the device (written_at) and whose it is (username);
//   outcomes  what the server answered to each sent one: sent (with its number), or
//             refused and why (the text kept, so that nothing written is lost).
// `flush()` sends the queue: accepted (201, 200 for a repeat) and refused (404, 409, 413,
// 422) items leave it; everything else (offline, 401 signed out, 403, 429 too many this
// hour, 5xx) waits for the next try.
(function (scope) {
  "use strict";
  var NAME = "sop-feedback";
  var QUEUE = "queue";
  var OUTCOMES = "outcomes";
  var SYNC_TAG = "sop-feedback";
  var REFUSED = [404, 409, 413, 422];

  function open() {
    return new Promise(function (resolve, reject) {
      if (!scope.indexedDB) { reject(new Error("no IndexedDB on this device")); return; }
      var request = scope.indexedDB.open(NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(QUEUE)) db.createObjectStore(QUEUE, { keyPath: "key" });
        if (!db.objectStoreNames.contains(OUTCOMES)) db.createObjectStore(OUTCOMES, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // One transaction over `stores`; `work(stores...)` may return a request whose result
  // the promise then gives.
  function run(stores, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(stores, mode);
        var result;
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
        var request = work.apply(null, stores.map(function (name) { return tx.objectStore(name); }));
        if (request) request.onsuccess = function () { result = request.result; };
      });
    });
  }

  function newKey() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID();
    return "fb-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function queued() {
    return run([QUEUE], "readonly", function (queue) { return queue.getAll(); });
  }

  function outcomes() {
    return run([OUTCOMES], "readonly", function (store) { return store.getAll(); });
  }

  function add(item) {
    item.key = item.key || newKey();
    return run([QUEUE], "readwrite", function (queue) { return queue.put(item); })
      .then(function () { return item; });
  }

  // A refused outcome the reader has read (and copied their text from) is let go.
  function dismiss(key) {
    return run([OUTCOMES], "readwrite", function (store) { store.delete(key); });
  }

  // The item leaves the queue and what the server said is kept, in one transaction.
  function settle(item, outcome) {
    Object.keys(item).forEach(function (name) {
      if (!(name in outcome)) outcome[name] = item[name];
    });
    return run([QUEUE, OUTCOMES], "readwrite", function (queue, store) {
      queue.delete(item.key);
      store.put(outcome);
    }).then(function () { return outcome; });
  }

  function reasonOf(body) {
    if (!body) return "";
    if (typeof body.detail === "string") return body.detail;
    if (body.detail && body.detail.length) {
      return body.detail.map(function (problem) { return problem.msg || ""; }).join("; ");
    }
    return "";
  }

  function jsonOf(response) {
    return response.json().catch(function () { return null; });
  }

  // POST one item; resolves to true to go on with the next, false to stop sending.
  function send(item, token, report) {
    var body = {
      document: item.document, chapter: item.chapter, clause: item.clause,
      quote: item.quote, body: item.body, language: item.language, written_at: item.written_at
    };
    return fetch(item.api + "feedback", {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: {
        "Content-Type": "application/json", "Accept": "application/json",
        "X-CSRF-Token": token, "Idempotency-Key": item.key
      },
      body: JSON.stringify(body)
    }).then(function (response) {
      var status = response.status;
      if (status === 200 || status === 201) {
        return jsonOf(response).then(function (answer) {
          answer = answer || {};
          return settle(item, {
            status: "sent", id: answer.id || null, received_at: answer.received_at || ""
          }).then(function (outcome) { report.sent.push(outcome); return true; });
        });
      }
      if (REFUSED.indexOf(status) >= 0) {
        return jsonOf(response).then(function (answer) {
          return settle(item, { status: "refused", code: status, reason: reasonOf(answer) })
            .then(function (outcome) { report.refused.push(outcome); return true; });
        });
      }
      if (status === 401) report.signedOut = true;
      if (status === 429) report.later = true;
      return false;  // signed out, not allowed now, too many, or the server failed: wait
    });
  }

  function sendAll(items, report) {
    var api = items[0].api;
    return fetch(api + "me/csrf-token", {
      credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401) report.signedOut = true;
      return response.ok ? response.json() : null;
    }).then(function (me) {
      if (!me) return report;
      var chain = Promise.resolve(true);
      items.sort(function (a, b) { return a.written_at < b.written_at ? -1 : 1; });
      items.forEach(function (item) {
        chain = chain.then(function (goOn) {
          // An item waits for its own writer: a phone may be shared.
          if (!goOn || item.username !== me.username) return goOn;
          return send(item, me.csrf_token || "", report);
        });
      });
      return chain.then(function () { return report; });
    });
  }

  var running = null;

  // Send what waits; resolves to {sent, refused, waiting, signedOut, later, offline}. One
  // send at a time in each page or worker; a page and the worker sending the same item at
  // once is harmless (its key makes the server answer the second with the first's answer).
  function flush() {
    if (running) return running;
    var report = { sent: [], refused: [], waiting: 0, signedOut: false, later: false, offline: false };
    running = queued()
      .then(function (items) { return items.length ? sendAll(items, report) : report; })
      .catch(function () { report.offline = true; return report; })
      .then(function () { return queued().catch(function () { return []; }); })
      .then(function (left) {
        report.waiting = left.length;
        running = null;
        return report;
      });
    return running;
  }

  scope.SopFeedback = {
    SYNC_TAG: SYNC_TAG,
    add: add,
    queued: queued,
    outcomes: outcomes,
    dismiss: dismiss,
    flush: flush
  };
})(self);
