// The device's queue of suggested corrections ("Suggest a correction") waiting for a
// connection (device-queue.js holds the machinery), used by feedback.js and sw.js.
// IndexedDB database "sop-feedback"; each item has a key of its own, sent as the
// Idempotency-Key, so a resend never makes a second suggestion; refused for good: 404, 409,
// 413, 422 (a 429, too many this hour, waits for the next try).
(function (scope) {
  "use strict";
  function newKey() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID();
    return "fb-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  scope.SopFeedback = scope.SopDeviceQueue({
    name: "sop-feedback",
    path: "feedback",
    refused: [404, 409, 413, 422],
    madeAt: "written_at",
    idempotent: true,
    keyOf: function (item) { return item.key || newKey(); },
    bodyOf: function (item) {
      return {
        document: item.document, chapter: item.chapter, clause: item.clause,
        quote: item.quote, body: item.body, language: item.language, written_at: item.written_at
      };
    },
    acceptedAs: "sent",
    accepted: function (item, answer) {
      return { id: answer.id || null, received_at: answer.received_at || "" };
    }
  });
})(self);
