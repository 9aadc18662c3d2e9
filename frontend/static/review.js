// The change request page: select a passage of a proposed text to comment on it, and the
// signing password asked for only when the decision is to approve.
"use strict";
(() => {
  const form = document.getElementById("comment-form");
  const PATTERN = 32; // characters of context kept on each side, as the server's anchoring

  // The proposed text of one view, rebuilt from its pieces in order. Offsets are counted
  // here, in the browser's own units (a character beyond the basic plane counts two), not
  // taken from `data-at`, which the server counts in characters.
  const pieces = (view) => {
    let at = 0;
    return Array.from(view.querySelectorAll("[data-at]")).map((element) => {
      const piece = { element, at, text: element.textContent };
      at += piece.text.length;
      return piece;
    });
  };

  const offsetWithin = (element, node, offset) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    range.setEnd(node, offset);
    return range.toString().length;
  };

  const selectedPassage = () => {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    const range = selection.getRangeAt(0);
    const start = range.startContainer.parentElement;
    const view = start && start.closest(".proposed");
    if (!view || !view.contains(range.endContainer)) return null;
    const all = pieces(view);
    const touched = all.filter((piece) => range.intersectsNode(piece.element));
    if (!touched.length) return null;
    const first = touched[0];
    const last = touched[touched.length - 1];
    const from = first.element.contains(range.startContainer)
      ? first.at + offsetWithin(first.element, range.startContainer, range.startOffset)
      : first.at;
    const to = last.element.contains(range.endContainer)
      ? last.at + offsetWithin(last.element, range.endContainer, range.endOffset)
      : last.at + last.text.length;
    const text = all.map((piece) => piece.text).join("");
    if (to <= from) return null;
    return {
      chapter: view.closest("[data-chapter]").dataset.chapter,
      quote: text.slice(from, to),
      prefix: text.slice(Math.max(0, from - PATTERN), from),
      suffix: text.slice(to, to + PATTERN),
    };
  };

  const take = () => {
    if (!form) return;
    const passage = selectedPassage();
    if (!passage || !passage.quote.trim()) return;
    form.querySelector("#comment-chapter").value = passage.chapter;
    form.querySelector("#comment-quote").value = passage.quote;
    form.querySelector("#comment-prefix").value = passage.prefix;
    form.querySelector("#comment-suffix").value = passage.suffix;
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
    // A passage typed by hand has no context; the server then finds it by the quote alone.
    form.querySelector("#comment-quote").addEventListener("input", () => {
      form.querySelector("#comment-prefix").value = "";
      form.querySelector("#comment-suffix").value = "";
    });
  }

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
    review.querySelectorAll('input[name="decision"]').forEach((radio) =>
      radio.addEventListener("change", () => {
        update();
        if (!signing.hidden) password.focus();
      })
    );
    update();
  }
})();
