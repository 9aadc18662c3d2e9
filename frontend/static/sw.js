// Service worker of the published site: keeps the current edition for reading without a
// connection. The app fills in VERSION; a new edition changes it, which makes the browser
// install this worker again, fetch the new edition, and drop the old copy.
"use strict";
var VERSION = "__SITE_VERSION__";
var PREFIX = "sop-site-";
var CACHE = PREFIX + VERSION;
var WAIT_FOR_NETWORK_MS = 4000;

// The queues of acknowledgements and of suggested corrections made without a connection,
// shared with the pages (IndexedDB, device-queue.js); sent here on a background `sync` when
// the connection returns. A copy without them (a file could not be fetched) still serves
// the edition offline.
try {
  importScripts(
    "static/device-queue.js?v=__ASSETS_VERSION__",
    "static/acknowledge-queue.js?v=__ASSETS_VERSION__",
    "static/feedback-queue.js?v=__ASSETS_VERSION__"
  );
} catch (error) { /* no queues in this worker: pages send them when they open */ }

function inScope(path) { return new URL(path, self.registration.scope).href; }

function tell(message) {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (clients) {
    clients.forEach(function (client) { client.postMessage(message); });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    fetch(inScope("offline-manifest.json"), { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (manifest) {
        return caches.open(CACHE).then(function (cache) {
          var requests = manifest.urls.map(function (url) {
            return new Request(inScope(url), { cache: "reload" });
          });
          return cache.addAll(requests);
        });
      })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf(PREFIX) === 0 && name !== CACHE;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
      .then(function () { return tell({ type: "cached", version: VERSION, fresh: true }); })
  );
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "status") {
    caches.has(CACHE).then(function (ready) {
      if (ready && event.source) event.source.postMessage({ type: "cached", version: VERSION, fresh: false });
    });
  }
});

function fromCache(request) {
  return caches.open(CACHE).then(function (cache) { return cache.match(request); });
}

function networkFirst(request) {
  // Online, the reader always gets the text the server has now; offline or on a link too
  // slow to wait for, the copy of the current edition.
  return new Promise(function (resolve) {
    var settled = false;
    var fallback = function () {
      if (settled) return;
      fromCache(request).then(function (cached) {
        if (cached && !settled) { settled = true; resolve(cached); }
      });
    };
    var timer = setTimeout(fallback, WAIT_FOR_NETWORK_MS);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      if (!settled) { settled = true; resolve(response); }
    }).catch(function () {
      clearTimeout(timer);
      fromCache(request).then(function (cached) {
        if (settled) return;
        settled = true;
        resolve(cached || Response.error());
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate" || request.url.indexOf("offline-manifest.json") >= 0) {
    event.respondWith(networkFirst(request));
    return;
  }
  event.respondWith(fromCache(request).then(function (cached) { return cached || fetch(request); }));
});

self.addEventListener("sync", function (event) {
  var queue = self.SopAcknowledgements;
  if (!queue || event.tag !== queue.SYNC_TAG) return;
  event.waitUntil(queue.flush().then(function (report) {
    var told = report.sent.length || report.refused.length
      ? tell({ type: "acknowledgements" }) : Promise.resolve();
    return told.then(function () {
      // Still no connection: failing lets the browser try again later.
      if (report.offline && report.waiting) throw new Error("offline: try again later");
    });
  }));
});

self.addEventListener("sync", function (event) {
  var queue = self.SopFeedback;
  if (!queue || event.tag !== queue.SYNC_TAG) return;
  event.waitUntil(queue.flush().then(function (report) {
    var told = report.sent.length || report.refused.length
      ? tell({ type: "feedback" }) : Promise.resolve();
    return told.then(function () {
      // Still no connection: failing lets the browser try again later.
      if (report.offline && report.waiting) throw new Error("offline: try again later");
    });
  }));
});
