// What the device's two queues share (acknowledge-queue.js: "I have read and understood";
// feedback-queue.js: "Suggest a correction"): writing waits on the device until a connection
// returns, in the pages of the published site and in its service worker (sw.js, on a
// background `sync`). Each queue is an IndexedDB database of two stores:
//   queue     what this device made and has not yet sent, each with a key, whose it is
//             (username) and when it was made on the device;
//   outcomes  what the server answered to each sent one: accepted, or refused and why (the
//             item kept with it, so that nothing written is lost).
// `flush()` sends the queue oldest first, each item only as the person who made it (a
// phone may be shared): accepted (201, 200 for a repeat) and refused items leave it;
// everything else (offline, 401 signed out, 403, 429 too many for now, 5xx) waits.
// A queue names what differs: its database, the route it posts to and the body, the codes
// that refuse an item for good, how an item is keyed and what an acceptance records.
(function (scope) {
  "use strict";
  var QUEUE = "queue";
  var OUTCOMES = "outcomes";

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

  // spec: {name, path, bodyOf(item), refused: [codes], madeAt: field name,
  //        keyOf(item), acceptedAs: status word, accepted(item, answer) -> fields,
  //        idempotent: send the item's key as Idempotency-Key}
  scope.SopDeviceQueue = function (spec) {
    function open() {
      return new Promise(function (resolve, reject) {
        if (!scope.indexedDB) { reject(new Error("no IndexedDB on this device")); return; }
        var request = scope.indexedDB.open(spec.name, 1);
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

    function queued() {
      return run([QUEUE], "readonly", function (queue) { return queue.getAll(); });
    }

    function outcomes() {
      return run([OUTCOMES], "readonly", function (store) { return store.getAll(); });
    }

    function add(item) {
      item.key = spec.keyOf(item);
      return run([QUEUE], "readwrite", function (queue) { return queue.put(item); })
        .then(function () { return item; });
    }

    // A refused outcome the person has read (and copied their text from) is let go.
    function dismiss(key) {
      return run([OUTCOMES], "readwrite", function (store) { store.delete(key); });
    }

    // The item leaves the queue and what the server said is kept with it, in one
    // transaction.
    function settle(item, outcome) {
      Object.keys(item).forEach(function (name) {
        if (!(name in outcome)) outcome[name] = item[name];
      });
      return run([QUEUE, OUTCOMES], "readwrite", function (queue, store) {
        queue.delete(item.key);
        store.put(outcome);
      }).then(function () { return outcome; });
    }

    // POST one item; resolves to true to go on with the next, false to stop sending.
    function send(item, token, report) {
      var headers = { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": token };
      if (spec.idempotent) headers["Idempotency-Key"] = item.key;
      return fetch(item.api + spec.path, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: headers,
        body: JSON.stringify(spec.bodyOf(item))
      }).then(function (response) {
        var status = response.status;
        if (status === 200 || status === 201) {
          return jsonOf(response).then(function (answer) {
            var outcome = spec.accepted(item, answer || {});
            outcome.status = spec.acceptedAs;
            return settle(item, outcome)
              .then(function (settled) { report.sent.push(settled); return true; });
          });
        }
        if (spec.refused.indexOf(status) >= 0) {
          return jsonOf(response).then(function (answer) {
            return settle(item, { status: "refused", code: status, reason: reasonOf(answer) })
              .then(function (settled) { report.refused.push(settled); return true; });
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
        items.sort(function (a, b) { return a[spec.madeAt] < b[spec.madeAt] ? -1 : 1; });
        items.forEach(function (item) {
          chain = chain.then(function (goOn) {
            if (!goOn || item.username !== me.username) return goOn;
            return send(item, me.csrf_token || "", report);
          });
        });
        return chain.then(function () { return report; });
      });
    }

    var running = null;

    // Send what waits; resolves to {sent, refused, waiting, signedOut, later, offline}. One
    // send at a time in each page or worker; a page and the worker sending the same item
    // at once is harmless (the server answers a repeat with the first's answer).
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

    // A connection that has just come back often drops the first requests (the browser may
    // say "online" a moment before they go through): after a send that failed on the
    // network, `again` runs 1 s later, then 2, 4 ... up to a minute apart, while online.
    var retryDelay = 0;
    var retryTimer = 0;

    function retryAfter(report, again) {
      clearTimeout(retryTimer);
      if (!report.offline || !scope.navigator || !scope.navigator.onLine) {
        retryDelay = 0;
        return;
      }
      retryDelay = Math.min(retryDelay ? retryDelay * 2 : 1000, 60000);
      retryTimer = setTimeout(again, retryDelay);
    }

    return {
      SYNC_TAG: spec.name,
      retryAfter: retryAfter,
      add: add,
      queued: queued,
      outcomes: outcomes,
      dismiss: dismiss,
      flush: flush
    };
  };
})(self);
