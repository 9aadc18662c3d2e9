// The device's queue of acknowledgements ("I have read and understood") waiting for a
// connection (device-queue.js holds the machinery), used by acknowledge.js and sw.js.
// IndexedDB database "sop-acknowledgements"; an item is keyed by whose it is and the text it
// confirms, so confirming the same text twice waits once; refused for good: 404, 409, 422.
(function (scope) {
  "use strict";
  scope.SopAcknowledgements = scope.SopDeviceQueue({
    name: "sop-acknowledgements",
    path: "acknowledgements",
    refused: [404, 409, 422],
    madeAt: "read_at",
    idempotent: false,
    keyOf: function (item) {
      return [item.username, item.document, item.chapter, item.sha256].join("/");
    },
    bodyOf: function (item) {
      return {
        document: item.document, edition: item.edition, chapter: item.chapter,
        language: item.language, sha256: item.sha256, read_at: item.read_at
      };
    },
    acceptedAs: "confirmed",
    accepted: function (item, answer) {
      return { read_at: answer.read_at || item.read_at, received_at: answer.received_at || "" };
    }
  });
})(self);
