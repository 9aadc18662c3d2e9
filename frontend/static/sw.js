// Service worker of the published site: keeps the current edition for reading without a
// connection. The app fills in VERSION; a new edition changes it, which makes the browser
// install this worker again, fetch the new edition, and drop the old copy.
"use strict";
var VERSION = "__SITE_VERSION__";
var PREFIX = "sop-site-";
var CACHE = PREFIX + VERSION;
// A page waits this long for the network before the copy answers (a phone that has just
// found a signal usually answers well within it).
var WAIT_FOR_NETWORK_MS = 3000;
// When the server last answered this device (kept apart from the copies, which a new
// edition replaces): an offline page says how old its news is.
var STATE = "sop-offline-state";
// The banner's and the offline page's words in each language (frontend/i18n), filled in
// by the app.
var TEXT = __OFFLINE_TEXT__;

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
      .then(function () { return recordChecked(); })
      .then(readState)
      .then(function (state) {
        // A reader who kept the PDFs keeps those of the new edition too (same addresses);
        // the copy is complete without them if they cannot be fetched now.
        if (state.pdfs && state.pdfs.length) return keepPdfs(state.pdfs).catch(function () {});
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

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var source = event.source;
  var urls = (data.urls || []).filter(function (url) {
    return new URL(url).origin === self.location.origin;
  });
  var answer = function (message) { if (source) source.postMessage(message); };
  if (data.type === "keep-pdfs") {
    event.waitUntil(keepPdfs(urls)
      .then(function () { return writeState({ pdfs: urls }); })
      .then(function () { answer({ type: "pdfs", kept: true }); })
      .catch(function (error) { answer({ type: "pdfs", kept: false, reason: String(error && error.message || error) }); }));
  } else if (data.type === "pdfs-status") {
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return Promise.all(urls.map(function (url) { return cache.match(url); }));
    }).then(function (found) {
      var kept = found.length > 0 && found.every(Boolean);
      if (kept) answer({ type: "pdfs", kept: true });
    }));
  }
});

function fromCache(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (found) {
      var url = new URL(request.url);
      if (found || !url.searchParams.has("q")) return found;
      // A search keeps its words in the address (?q=), which the copy cannot hold for
      // every search: the copy's search page answers, and its script searches there.
      url.searchParams.delete("q");
      return cache.match(url.toString());
    });
  });
}

function stateUrl() { return inScope("offline-state.json"); }

function readState() {
  return caches.open(STATE)
    .then(function (cache) { return cache.match(stateUrl()); })
    .then(function (found) { return found ? found.json() : {}; })
    .catch(function () { return {}; });
}

function writeState(changes) {
  return readState().then(function (state) {
    Object.keys(changes).forEach(function (key) { state[key] = changes[key]; });
    return caches.open(STATE).then(function (cache) {
      var body = JSON.stringify(state);
      return cache.put(stateUrl(), new Response(body, { headers: { "Content-Type": "application/json" } }));
    });
  }).catch(function () { /* storage full: the banner says "not known" */ });
}

function recordChecked() { return writeState({ checked: Date.now() }); }

function lastChecked() {
  return readState().then(function (state) { return state.checked || 0; });
}

// The edition's PDFs, when the reader chose to keep them too (offline-pdfs.js).
function keepPdfs(urls) {
  return caches.open(CACHE).then(function (cache) {
    return cache.addAll(urls.map(function (url) { return new Request(url, { cache: "reload" }); }));
  });
}

function escaped(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}

function words(lang) { return TEXT[lang] || TEXT.en; }

function filled(template, values) {
  return template.replace(/\{(\w+)\}/g, function (all, key) {
    return key in values ? values[key] : all;
  });
}

function when(ms, lang, said) {
  if (!ms) return said.offline_checked_unknown;
  try {
    return new Date(ms).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
  } catch (error) {
    return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }
}

// The banner that a page read from the copy carries: that it is the offline copy, of which
// edition, when the server last answered, and a link that tries the network again.
function banner(lang, edition, checked, href, style) {
  var said = words(lang);
  var time = escaped(when(checked, lang, said));
  var line = edition
    ? filled(escaped(said.offline_banner), { edition: escaped(edition), checked: "<time>" + time + "</time>" })
    : filled(escaped(said.offline_banner_no_edition), { checked: "<time>" + time + "</time>" });
  return '<link rel="stylesheet" href="' + escaped(style) + '">' +
    '<div class="offline-banner" role="status" data-checked="' + (checked || 0) + '">' +
    "<p><strong>" + escaped(said.offline_copy) + "</strong> " + line +
    ' <a class="offline-retry" href="' + escaped(href) + '">' + escaped(said.offline_try_again) + "</a></p></div>";
}

// The address under which the copy holds one of the site's files (the app names them with
// `?v=`, a static export without).
function keptAsset(name) {
  return caches.open(CACHE).then(function (cache) { return cache.keys(); }).then(function (keys) {
    var pattern = new RegExp("/static/" + name.replace(".", "\\.") + "(\\?|$)");
    var found = keys.map(function (key) { return key.url; }).filter(function (url) { return pattern.test(url); });
    return found[0] || inScope("static/" + name + "?v=__ASSETS_VERSION__");
  });
}

function withBanner(response, href) {
  return Promise.all([response.text(), lastChecked(), keptAsset("offline.css")]).then(function (got) {
    var html = got[0];
    var lang = (/<html[^>]*\blang="([A-Za-z-]+)"/.exec(html) || [])[1] || "en";
    var edition = (/\bdata-edition="(\d+)"/.exec(html) || [])[1] || "";
    var at = html.indexOf('<table class="page-frame"');
    if (at < 0) at = html.indexOf("<main");
    if (at < 0) return new Response(html, { status: response.status, headers: pageHeaders(response) });
    var marked = html.slice(0, at) + banner(lang, edition, got[1], href, got[2]) + html.slice(at);
    return new Response(marked, { status: response.status, headers: pageHeaders(response) });
  });
}

function pageHeaders(response) {
  // The body is text again: no coding or length of the bytes the server sent.
  var headers = new Headers();
  headers.set("Content-Type", response.headers.get("Content-Type") || "text/html; charset=utf-8");
  return headers;
}

// An address the copy does not hold, asked for without a connection.
function offlinePage(request) {
  var lang = new URL(request.url).searchParams.get("lang");
  return Promise.all([lastChecked(), keptAsset("site.css"), keptAsset("offline.css")])
    .then(function (got) {
      var css = got[1];
      if (!lang || !TEXT[lang]) lang = (self.navigator.language || "en").slice(0, 2) === "az" ? "az" : "en";
      var said = words(lang);
      var home = inScope("./");
      var html = '<!doctype html><html lang="' + lang + '"><head><meta charset="utf-8">' +
        '<meta name="viewport" content="width=device-width, initial-scale=1">' +
        "<title>" + escaped(said.offline_page_title) + "</title>" +
        '<link rel="stylesheet" href="' + escaped(css) + '">' +
        '<link rel="stylesheet" href="' + escaped(got[2]) + '">' +
        '</head><body class="offline-page"><main id="main">' +
        "<h1>" + escaped(said.offline_page_title) + "</h1>" +
        "<p>" + escaped(said.offline_page_text) + "</p>" +
        '<p class="offline-checked">' + filled(escaped(said.offline_page_checked), {
          checked: "<time>" + escaped(when(got[0], lang, said)) + "</time>"
        }) + "</p>" +
        '<p><a class="offline-home" href="' + escaped(home) + '">' + escaped(said.offline_page_home) + "</a></p>" +
        '<p><a class="offline-retry" href="' + escaped(request.url) + '">' + escaped(said.offline_try_again) + "</a></p>" +
        "</main></body></html>";
      return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
}

function networkFirst(request, page) {
  // Online, the reader always gets the text the server has now; offline or on a link too
  // slow to wait for, the copy of the current edition, marked as the copy.
  return new Promise(function (resolve) {
    var settled = false;
    var settle = function (response) {
      if (settled || !response) return false;
      settled = true;
      resolve(response);
      return true;
    };
    var copy = function () {
      return fromCache(request).then(function (cached) {
        if (!cached || settled) return null;
        return page ? withBanner(cached, request.url) : cached;
      });
    };
    var timer = setTimeout(function () { copy().then(settle); }, WAIT_FOR_NETWORK_MS);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      recordChecked();
      settle(response);
    }).catch(function () {
      clearTimeout(timer);
      copy().then(function (answer) {
        if (settle(answer) || settled) return;
        settle(page ? offlinePage(request) : Response.error());
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate" || request.url.indexOf("offline-manifest.json") >= 0) {
    event.respondWith(networkFirst(request, request.mode === "navigate"));
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
