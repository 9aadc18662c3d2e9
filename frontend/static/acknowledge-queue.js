// The device's queue of acknowledgements ("I have read and understood") waiting for a
// connection, shared by the pages of the published site (acknowledge.js) and its service
// worker (sw.js, on a background `sync`). IndexedDB database "sop-acknowledgements":
//   queue     what this device confirmed and has not yet sent, each with the time it was
//             made on the device (read_at) and whose it is (username);
//   outcomes  what the server answered to each sent one: confirmed, or refused and why.
// `flush()` sends the queue: accepted (201, 200 for a repeat) and refused (404, 409, 422)
// items leave it; everything else (offline, 401 signed out, 403, 429, 5xx) waits.
(function (scope) {
  "use strict";
  var NAME = "sop-acknowledgements";
  var QUEUE = "queue";
  var OUTCOMES = "outcomes";
  var SYNC_TAG = "sop-acknowledgements";

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

  function keyOf(item) {
    return [item.username, item.document, item.chapter, item.sha256].join("/");
  }

  function queued() {
    return run([QUEUE], "readonly", function (queue) { return queue.getAll(); });
  }

  function outcomes() {
    return run([OUTCOMES], "readonly", function (store) { return store.getAll(); });
  }

  function add(item) {
    item.key = keyOf(item);
    return run([QUEUE], "readwrite", function (queue) { return queue.put(item); })
      .then(function () { return item; });
  }

  // The item leaves the queue and what the server said is kept, in one transaction.
  function settle(item, outcome) {
    outcome.key = item.key;
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
      document: item.document, edition: item.edition, chapter: item.chapter,
      language: item.language, sha256: item.sha256, read_at: item.read_at
    };
    return fetch(item.api + "acknowledgements", {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      var status = response.status;
      if (status === 200 || status === 201) {
        return jsonOf(response).then(function (answer) {
          answer = answer || {};
          return settle(item, {
            status: "confirmed", username: item.username, document: item.document,
            chapter: item.chapter, edition: item.edition, language: item.language,
            sha256: item.sha256, read_at: answer.read_at || item.read_at,
            received_at: answer.received_at || ""
          }).then(function (outcome) { report.sent.push(outcome); return true; });
        });
      }
      if (status === 404 || status === 409 || status === 422) {
        return jsonOf(response).then(function (answer) {
          return settle(item, {
            status: "refused", code: status, reason: reasonOf(answer), username: item.username,
            document: item.document, chapter: item.chapter, edition: item.edition,
            language: item.language, sha256: item.sha256, read_at: item.read_at
          }).then(function (outcome) { report.refused.push(outcome); return true; });
        });
      }
      if (status === 401) report.signedOut = true;
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
      items.forEach(function (item) {
        chain = chain.then(function (goOn) {
          // An item waits for its own reader: a phone may be shared.
          if (!goOn || item.username !== me.username) return goOn;
          return send(item, me.csrf_token || "", report);
        });
      });
      return chain.then(function () { return report; });
    });
  }

  var running = null;

  // Send what waits; resolves to {sent, refused, waiting, signedOut, offline}. One send at a
  // time in each page or worker; a page and the worker sending at once is harmless (the
  // server answers a repeat with 200 and adds nothing).
  function flush() {
    if (running) return running;
    var report = { sent: [], refused: [], waiting: 0, signedOut: false, offline: false };
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

  scope.SopAcknowledgements = {
    SYNC_TAG: SYNC_TAG,
    add: add,
    queued: queued,
    outcomes: outcomes,
    flush: flush
  };
})(self);
