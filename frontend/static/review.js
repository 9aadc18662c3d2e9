// The change request page and the editions page: select a passage of a proposed text to
// comment on it; the signing password asked for only when the decision is to approve (and
// choosing a decision never moves the focus); and a confirmation dialog before an act that
// cannot be undone (a form with `data-confirm`).
"use strict";
(() => {
  const form = document.getElementById("comment-form");

  // Characters (code points, as the server counts) of a piece's text before a point in it.
  const offsetWithin = (element, node, offset) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    range.setEnd(node, offset);
    return Array.from(range.toString()).length;
  };

  const pieceOf = (node) => {
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    return element && element.closest("[data-at]");
  };

  // A point of the selection as an offset in the proposed text: inside a piece, the
  // piece's own offset and how far into it; elsewhere (a deletion, a bullet), the nearest
  // piece after it (`forward`) or before it.
  const sourceOffset = (view, node, offset, forward) => {
    const piece = pieceOf(node);
    if (piece && view.contains(piece)) {
      return Number(piece.dataset.at) + offsetWithin(piece, node, offset);
    }
    const all = Array.from(view.querySelectorAll("[data-at]"));
    const point = document.createRange();
    point.setStart(node, offset);
    const after = all.find((p) => point.comparePoint(p, 0) >= 0);
    if (forward) return after ? Number(after.dataset.at) : null;
    const before = all.filter((p) => point.comparePoint(p, 0) < 0).pop();
    return before ? Number(before.dataset.at) + Array.from(before.textContent).length : null;
  };

  const selectedPassage = () => {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    const range = selection.getRangeAt(0);
    const startAt = pieceOf(range.startContainer) || range.startContainer.parentElement;
    const view = startAt && startAt.closest(".proposed");
    const chapter = view && view.closest("[data-chapter]");
    if (!view || !chapter || !chapter.contains(range.endContainer)) return null;
    const endView = (pieceOf(range.endContainer) || range.endContainer.parentElement).closest(".proposed");
    if (!endView) return null;
    const from = sourceOffset(view, range.startContainer, range.startOffset, true);
    const to = sourceOffset(endView, range.endContainer, range.endOffset, false);
    if (from === null || to === null || to <= from) return null;
    return { chapter: chapter.dataset.chapter, from, to, shown: selection.toString() };
  };

  const take = () => {
    if (!form) return;
    const passage = selectedPassage();
    if (!passage || !passage.shown.trim()) return;
    form.querySelector("#comment-chapter").value = passage.chapter;
    form.querySelector("#comment-quote").value = passage.shown.trim();
    form.querySelector("#comment-start").value = String(passage.from);
    form.querySelector("#comment-end").value = String(passage.to);
    form.querySelector("#comment-prefix").value = "";
    form.querySelector("#comment-suffix").value = "";
    form.classList.add("has-passage");
    form.scrollIntoView({ block: "nearest" });
    form.querySelector("#comment-body").focus({ preventScroll: true });
  };

  document.querySelectorAll(".proposed").forEach((view) => {
    view.addEventListener("mouseup", () => window.setTimeout(take, 0));
    view.addEventListener("keyup", (event) => {
      if (event.shiftKey) window.setTimeout(take, 0);
    });
  });
  if (form) {
    // A passage typed by hand has no place; the server then finds it by the quote alone.
    const forget = () => {
      for (const id of ["#comment-start", "#comment-end", "#comment-prefix", "#comment-suffix"]) {
        form.querySelector(id).value = "";
      }
    };
    form.querySelector("#comment-quote").addEventListener("input", forget);
    form.querySelector("#comment-chapter").addEventListener("change", forget);
  }

  // The password shows only for an approval. Choosing a decision (with the mouse or the
  // arrow keys) leaves the focus where it is: typing goes on into what the person chose.
  const review = document.getElementById("review-form");
  const signing = document.getElementById("signing");
  if (review && signing) {
    const password = signing.querySelector("input");
    const update = () => {
      const approving = review.querySelector('input[name="decision"]:checked')?.value === "approve";
      signing.hidden = !approving;
      password.required = approving;
      if (!approving) password.value = "";
    };
    review
      .querySelectorAll('input[name="decision"]')
      .forEach((radio) => radio.addEventListener("change", update));
    update();
  }

  // Confirmation: the form's own box (what the server asks for) is filled by the dialog.
  const dialog = document.getElementById("confirm-dialog");
  if (dialog && typeof dialog.showModal === "function") {
    const text = dialog.querySelector("#confirm-dialog-text");
    const ok = dialog.querySelector("#confirm-ok");
    const cancel = dialog.querySelector("#confirm-cancel");
    let pending = null;
    let opener = null;
    document.querySelectorAll("form[data-confirm]").forEach((confirming) => {
      const box = confirming.querySelector('input[name="confirm"]');
      const field = box && box.closest(".confirm-field");
      if (!box || !field) return;
      field.hidden = true;
      box.required = false;
      confirming.addEventListener("submit", (event) => {
        if (box.checked) return;
        event.preventDefault();
        pending = confirming;
        opener = event.submitter || document.activeElement;
        text.textContent = confirming.dataset.confirm;
        ok.textContent = confirming.dataset.confirmButton || ok.textContent;
        ok.className = confirming.querySelector(".danger") ? "danger" : "primary";
        dialog.showModal();
        cancel.focus();
      });
    });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      if (pending && opener && typeof opener.focus === "function") opener.focus();
      pending = null;
    });
    ok.addEventListener("click", () => {
      const confirming = pending;
      if (!confirming) return;
      confirming.querySelector('input[name="confirm"]').checked = true;
      pending = null;
      dialog.close();
      confirming.requestSubmit();
    });
  }
})();
