// The editor. The raw chapter file in #markdown is what is saved; without this script it
// is the whole editor. With it, the file is shown as form fields (chapter number and title;
// per clause its heading, id, IMAS mapping and text, with the other language's clause
// beside it) that write back into that same file, changing only the lines whose fields
// changed, so that the file round-trips byte for byte. The server still parses and checks
// what is saved. Also: a formatting toolbar, a live preview rendered by the server with the
// site's renderer (changed clauses marked), the CR's checks, the clauses left behind in the
// other language, a copy of the text kept in this browser, and a guard against leaving
// with unsaved changes.
"use strict";

// The chapter file as parts: front matter lines (number and title readable as fields), the
// lines before the first heading, and each clause: its heading line and the lines under it.
// Headings are ATX headings outside fenced code, as CommonMark reads them at the top level.
const ClauseFile = (() => {
  const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;
  const FENCE = /^ {0,3}(`{3,}|~{3,})/;
  const BRACES = /\{([^{}]*)\}[ \t]*$/;
  const ATTRIBUTE = /#([\p{L}\p{N}_.:-]+)|([A-Za-z][\p{L}\p{N}_-]*)=(?:"((?:[^"\\]|\\.)*)"|(\S+))/gu;
  const YAML_WORDS = /^(?:y|n|yes|no|true|false|on|off|null|~)$/i;

  const slugOf = (title) => {
    const words = title.normalize("NFC").toLowerCase().match(/[\p{L}\p{N}_]+/gu);
    return words ? words.join("-") : "clause";
  };

  // A front matter value as YAML reads it; `ok` false for what a field cannot show.
  const scalar = (raw) => {
    const value = raw.trim();
    if (value.startsWith('"')) {
      try { return { value: JSON.parse(value), ok: true }; } catch (error) { return { value, ok: false }; }
    }
    if (value.startsWith("'")) {
      const quoted = /^'((?:[^']|'')*)'$/.exec(value);
      return quoted ? { value: quoted[1].replace(/''/g, "'"), ok: true } : { value, ok: false };
    }
    if (/^[|>&*!%@`{[]/.test(value)) return { value, ok: false };
    return { value: value.replace(/[ \t]+#.*$/, ""), ok: true };
  };

  const yamlValue = (field, value) => {
    if (field === "number" ? /^[1-9][0-9]{0,5}$/.test(value)
      : /^[\p{L}][\p{L}\p{N} (),.'’/–-]*$/u.test(value) && !/[ ]$/.test(value)
        && !YAML_WORDS.test(value)) return value;
    return JSON.stringify(value);
  };

  const attributeValue = (value) => {
    const plain = value.replace(/[{}]/g, "");
    return /^[^\s"\\]+$/.test(plain) ? plain : `"${plain.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  };

  const headingParts = (raw) => {
    const content = raw.replace(/(?:^|[ \t]+)#+[ \t]*$/, "");
    const braces = BRACES.exec(content);
    if (!braces) return { title: content.trim(), anchor: "", attributes: [] };
    let anchor = "";
    const attributes = [];
    for (const item of braces[1].matchAll(ATTRIBUTE)) {
      if (item[1]) anchor = item[1];
      else {
        const value = item[3] !== undefined ? item[3].replace(/\\(.)/g, "$1") : item[4];
        const at = attributes.findIndex(([key]) => key === item[2]);
        if (at >= 0) attributes[at][1] = value; else attributes.push([item[2], value]);
      }
    }
    return { title: content.slice(0, braces.index).trim(), anchor, attributes };
  };

  // Lines of a block as blank lines around the text a field shows.
  const block = (lines) => {
    let lead = 0;
    while (lead < lines.length && lines[lead] === "") lead += 1;
    let trail = 0;
    while (trail < lines.length - lead && lines[lines.length - 1 - trail] === "") trail += 1;
    return { lead, trail, text: lines.slice(lead, lines.length - trail).join("\n") };
  };
  const blockLines = ({ lead, trail, text }) => [
    ...Array(lead).fill(""), ...(text === "" ? [] : text.split("\n")), ...Array(trail).fill(""),
  ];

  const parse = (text) => {
    const lines = text.split("\n");
    let frontEnd = 0;
    if (/^\ufeff?---[ \t]*\r?$/.test(lines[0])) {
      for (let i = 1; i < lines.length; i += 1) {
        if (/^---[ \t]*\r?$/.test(lines[i])) { frontEnd = i + 1; break; }
      }
    }
    const front = { lines: lines.slice(0, frontEnd), fields: {} };
    front.lines.forEach((line, index) => {
      const field = /^(number|title):[ \t]*(.*?)\r?$/.exec(line);
      if (field && index > 0 && index < frontEnd - 1) {
        const read = scalar(field[2]);
        front.fields[field[1]] = { index, original: read.value, value: read.value, ok: read.ok };
      }
    });
    const body = lines.slice(frontEnd);
    const headings = [];
    let fence = null;
    body.forEach((line, index) => {
      const fenced = FENCE.exec(line);
      if (fence) {
        if (fenced && fenced[1][0] === fence[0] && fenced[1].length >= fence.length
          && line.trim() === fenced[1]) fence = null;
        return;
      }
      if (fenced) { fence = fenced[1]; return; }
      const heading = HEADING.exec(line);
      if (heading) headings.push({ index, level: heading[1].length, raw: heading[2] || "" });
    });
    const preamble = block(body.slice(0, headings.length ? headings[0].index : body.length));
    const clauses = headings.map((heading, position) => {
      const stop = position + 1 < headings.length ? headings[position + 1].index : body.length;
      const parts = headingParts(heading.raw);
      const original = { level: heading.level, ...parts, attributes: JSON.stringify(parts.attributes) };
      return {
        line: body[heading.index], original, level: heading.level, title: parts.title,
        anchor: parts.anchor, attributes: parts.attributes,
        ...block(body.slice(heading.index + 1, stop)),
      };
    });
    return { front, preamble, clauses };
  };

  const headingLine = (clause) => {
    const { original } = clause;
    if (original && original.level === clause.level && original.title === clause.title
      && original.anchor === clause.anchor
      && original.attributes === JSON.stringify(clause.attributes)) return clause.line;
    const parts = [];
    if (clause.anchor) parts.push(`#${clause.anchor}`);
    for (const [key, value] of clause.attributes) parts.push(`${key}=${attributeValue(value)}`);
    const braces = parts.length ? ` {${parts.join(" ")}}` : "";
    return `${"#".repeat(clause.level)} ${clause.title}${braces}`;
  };

  const compose = (file) => {
    const front = file.front.lines.slice();
    for (const [name, field] of Object.entries(file.front.fields)) {
      if (field.ok && field.value !== field.original) {
        front[field.index] = `${name}: ${yamlValue(name, field.value)}`;
      }
    }
    const body = [...blockLines(file.preamble)];
    for (const clause of file.clauses) body.push(headingLine(clause), ...blockLines(clause));
    return [...front, ...body].join("\n");
  };

  // Numbers and anchors as the server gives them: `##` is the first level under the
  // chapter (7.1), a `#` heading takes the chapter's number; a heading without an id is
  // named by its words, and a repeated anchor gets -2, -3.
  const outline = (file) => {
    const chapter = file.front.fields.number ? file.front.fields.number.value : "";
    let counters = [];
    const seen = {};
    return file.clauses.map((clause) => {
      let number = chapter;
      if (clause.level > 1) {
        const depth = clause.level - 1;
        counters = counters.slice(0, depth);
        while (counters.length < depth) counters.push(0);
        counters[depth - 1] += 1;
        number = chapter ? [chapter, ...counters].join(".") : "";
      }
      let anchor = clause.anchor || slugOf(clause.title);
      seen[anchor] = (seen[anchor] || 0) + 1;
      if (seen[anchor] > 1) anchor = `${anchor}-${seen[anchor]}`;
      return { number, anchor };
    });
  };

  return { parse, compose, outline, slugOf };
})();
window.SOPClauseFile = ClauseFile;

(() => {
  const form = document.getElementById("editor-form");
  const area = document.getElementById("markdown");
  if (!form || !area) return;
  const preview = document.getElementById("preview");
  const problems = document.getElementById("problems");
  const state = document.getElementById("preview-state");
  const csrf = document.querySelector('meta[name="csrf-token"]');
  const words = JSON.parse(document.getElementById("editor-words").textContent);
  const clauseForm = document.getElementById("clause-form");
  const rawPane = document.getElementById("raw-pane");
  const toolbar = document.querySelector(".md-toolbar");
  const behindList = document.getElementById("left-behind-list");
  const readOnly = form.hasAttribute("data-readonly");
  const original = area.value;
  let timer = 0;
  let asked = 0;
  let file = ClauseFile.parse(area.value);
  let changed = new Set(words.changed_anchors);
  let lastText = area;

  const make = (tag, properties = {}, ...children) => {
    const element = Object.assign(document.createElement(tag), properties);
    element.append(...children);
    return element;
  };
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (all, key) => values[key] ?? all);

  const showProblems = (found) => {
    problems.replaceChildren();
    if (!found.length) {
      problems.append(make("li", { textContent: problems.dataset.none }));
      return;
    }
    for (const problem of found) {
      const item = make("li", { className: problem.blocking ? "blocking" : "" });
      const go = make("button", {
        type: "button", className: "link-button go-to-line",
        textContent: `${problems.dataset.line} ${problem.line}`,
      });
      go.dataset.line = String(problem.line);
      item.append(go, `: ${problem.message}` +
        (problem.blocking ? ` (${problems.dataset.blocking})` : ""));
      problems.append(item);
    }
  };

  const showBehind = (behind) => {
    if (!behindList) return;
    const other = behindList.closest("section").dataset.other;
    behindList.replaceChildren();
    if (!behind.length) {
      behindList.append(make("li", { className: "none", textContent: behindList.dataset.none }));
      return;
    }
    for (const entry of behind) {
      const why = entry.dropped ? behindList.dataset.dropped
        : entry.missing ? behindList.dataset.missing : behindList.dataset.changed;
      const item = make("li", {}, make("span", {},
        make("strong", { textContent: `${entry.number} ${entry.title}` }), `: ${why}`));
      item.dataset.clause = entry.clause;
      if (!readOnly) {
        const go = make("button", {
          type: "submit", className: "link-button", name: "then",
          value: `${other}#${entry.clause}`, textContent: behindList.dataset.edit,
          formNoValidate: true,
        });
        item.append(" ", go);
      }
      behindList.append(item);
    }
  };

  const markChanged = () => {
    for (const card of clauseForm.querySelectorAll(".clause-card")) {
      card.classList.toggle("changed", changed.has(card.dataset.anchor));
    }
  };

  const refresh = async () => {
    const mine = ++asked;
    state.textContent = "…";
    try {
      const answer = await fetch(form.dataset.preview, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRF-Token": csrf ? csrf.content : "",
        },
        body: JSON.stringify({
          chapter: form.dataset.chapter, markdown: area.value,
          base_revision: Number(form.dataset.base),
        }),
      });
      if (mine !== asked) return; // a later keystroke has asked again
      if (!answer.ok) {
        state.textContent = `(${answer.status})`;
        return;
      }
      const shown = await answer.json();
      // The server renders with raw HTML escaped and unsafe links dropped, as on the site.
      preview.innerHTML = shown.html;
      showProblems(shown.problems);
      showBehind(shown.behind);
      changed = new Set(shown.changed);
      markChanged();
      state.textContent = "";
    } catch (error) {
      state.textContent = "(offline)";
    }
  };

  // A copy of the text in this browser, so that nothing typed is lost when a save is
  // refused (a session that timed out, a connection that dropped): it is offered back
  // until a page shows the same text saved.
  const draftKey = form.dataset.draftKey;
  const kept = document.getElementById("draft-kept");
  const stored = (() => {
    try { return window.localStorage.getItem(draftKey); } catch (error) { return null; }
  })();
  const keep = (text) => {
    try {
      if (text === null) window.localStorage.removeItem(draftKey);
      else window.localStorage.setItem(draftKey, text);
    } catch (error) { /* storage full or refused: the guard below still warns */ }
  };

  const typed = () => {
    keep(area.value === original ? null : area.value);
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  };
  // The form's fields changed: write the file anew and let the preview follow.
  const written = () => {
    area.value = ClauseFile.compose(file);
    typed();
  };

  // ---- the form: chapter fields and one card per clause ----
  let uid = 0;
  const field = (labelText, control, hint) => {
    uid += 1;
    control.id = control.id || `cf-${uid}`;
    const label = make("label", { htmlFor: control.id, textContent: labelText });
    const wrap = make("div", { className: "field" }, label, control);
    if (hint) {
      const note = make("span", { className: "hint", id: `${control.id}-hint`, textContent: hint });
      control.setAttribute("aria-describedby", note.id);
      wrap.append(note);
    }
    return wrap;
  };
  const counterparts = Object.fromEntries(words.counterparts.map((c) => [c.anchor, c]));

  const attribute = (clause, key) => {
    const found = clause.attributes.find(([name]) => name === key);
    return found ? found[1] : "";
  };
  const setAttribute = (clause, key, value) => {
    const at = clause.attributes.findIndex(([name]) => name === key);
    if (value === "" && at >= 0) clause.attributes.splice(at, 1);
    else if (value !== "" && at >= 0) clause.attributes[at] = [key, value];
    else if (value !== "") {
      const order = ["imas", "relation", "justification"];
      const before = clause.attributes.findIndex(([name]) => order.indexOf(name) > order.indexOf(key));
      clause.attributes.splice(before < 0 ? clause.attributes.length : before, 0, [key, value]);
    }
  };

  const mappingFields = (clause, number) => {
    const box = make("fieldset", { className: "mapping-fields" },
      make("legend", { textContent: words.mapping }));
    const list = make("ul", { className: "imas-list" });
    const relation = make("select", { className: "relation" });
    for (const name of words.relations) {
      relation.append(make("option", { value: name, textContent: words.relation_names[name] || name }));
    }
    const justification = make("textarea", { rows: 2, className: "justification" });
    justification.value = attribute(clause, "justification");
    const needed = make("p", { className: "error", hidden: true, textContent: words.justification_needed });
    const justificationField = field(words.justification, justification);
    const showRelation = () => {
      const references = attribute(clause, "imas").split(/\s+/).filter(Boolean);
      const chosen = attribute(clause, "relation") || (references.length ? "adapts" : "national");
      if (![...relation.options].some((option) => option.value === chosen)) {
        relation.append(make("option", { value: chosen, textContent: chosen }));
      }
      relation.value = chosen;
      const deviates = chosen === "deviates";
      justificationField.hidden = !deviates && !justification.value;
      justification.setAttribute("aria-required", String(deviates));
      const missing = deviates && !justification.value.trim();
      needed.hidden = !missing;
      justification.setAttribute("aria-invalid", String(missing));
    };
    const writeReferences = () => {
      const values = [...list.querySelectorAll("input")].map((input) => input.value.trim()).filter(Boolean);
      setAttribute(clause, "imas", values.join(" "));
      showRelation();
      written();
    };
    const addReference = (value) => {
      const input = make("input", { value, className: "imas-ref", autocomplete: "off" });
      input.setAttribute("list", "imas-keys");
      input.addEventListener("change", writeReferences);
      const remove = make("button", { type: "button", className: "link-button", textContent: words.remove_imas });
      remove.setAttribute("aria-label", `${words.remove_imas} ${value}`.trim());
      const item = make("li", {}, field(`${words.imas} (${number})`, input), remove);
      remove.addEventListener("click", () => { item.remove(); writeReferences(); });
      list.append(item);
      return input;
    };
    for (const reference of attribute(clause, "imas").split(/\s+/).filter(Boolean)) addReference(reference);
    const add = make("button", { type: "button", className: "link-button add-imas", textContent: `+ ${words.add_imas}` });
    add.addEventListener("click", () => addReference("").focus());
    relation.addEventListener("change", () => { setAttribute(clause, "relation", relation.value); showRelation(); written(); });
    justification.addEventListener("input", () => {
      setAttribute(clause, "justification", justification.value.replace(/\s*\n\s*/g, " "));
      showRelation();
      written();
    });
    box.append(list, add, field(words.relation, relation), justificationField, needed);
    showRelation();
    return box;
  };

  const bodyArea = (value, onInput) => {
    const text = make("textarea", { className: "clause-text", rows: Math.min(14, Math.max(3, value.split("\n").length + 1)), spellcheck: true });
    text.value = value;
    text.readOnly = readOnly;
    text.addEventListener("input", () => onInput(text.value));
    text.addEventListener("focus", () => { lastText = text; });
    return text;
  };

  const clauseCard = (clause, index, place) => {
    const card = make("section", { className: "clause-card", id: `edit-clause-${place.anchor}` });
    card.dataset.anchor = place.anchor;
    card.dataset.index = String(index);
    const heading = make("h3", { className: "clause-card-h", id: `edit-clause-h-${index}` },
      fill(words.clause, { number: place.number || "·" }));
    heading.dataset.changed = words.changed;
    card.setAttribute("aria-labelledby", heading.id);
    const title = make("input", { value: clause.title, className: "clause-title", required: true });
    title.addEventListener("input", () => {
      clause.title = title.value;
      written();
      if (!clause.anchor) { // its id follows its words: so do its card and the changed mark
        const named = ClauseFile.outline(file)[index].anchor;
        card.dataset.anchor = named;
        anchor.placeholder = named;
      }
    });
    const level = make("select", { className: "clause-level" });
    for (let n = 1; n <= 6; n += 1) level.append(make("option", { value: String(n), textContent: "#".repeat(n) }));
    level.value = String(clause.level);
    level.addEventListener("change", () => { clause.level = Number(level.value); written(); renumber(); });
    const anchor = make("input", { value: clause.anchor, className: "clause-anchor", placeholder: ClauseFile.slugOf(clause.title), autocomplete: "off" });
    anchor.addEventListener("change", () => {
      clause.anchor = anchor.value.trim().replace(/^#/, "");
      card.dataset.anchor = ClauseFile.outline(file)[index].anchor;
      written();
    });
    const head = make("div", { className: "clause-head" },
      field(words.heading, title), field(words.level, level), field(words.anchor, anchor, words.anchor_hint));
    const text = bodyArea(clause.text, (value) => { clause.text = value; written(); });
    const textField = field(fill(words.text, { number: place.number }), text);
    textField.querySelector("label").classList.add("clause-text-label");
    const own = make("div", { className: "clause-own" }, textField);
    const pair = make("div", { className: "clause-pair" }, own);
    if (words.counterpart_language) {
      const there = counterparts[place.anchor];
      const side = make("div", { className: "counterpart", lang: words.counterpart_language });
      const label = make("p", { className: "counterpart-label" }, make("strong", { textContent: words.counterpart }));
      side.append(label);
      if (there) {
        label.append(" · ", `${there.number} ${there.title}`);
        const body = make("div", { className: "rendered" });
        body.innerHTML = there.html; // rendered and escaped by the server, as the site renders it
        side.append(body);
      } else side.append(make("p", { className: "muted", textContent: words.counterpart_missing }));
      pair.append(side);
    }
    card.append(heading, head, mappingFields(clause, place.number), pair);
    // The preview beside follows the clause being edited (its own scroll, not the page's).
    card.addEventListener("focusin", () => {
      const pane = document.getElementById("preview-pane");
      const target = preview.querySelector(`[id="${CSS.escape(place.anchor)}"]`);
      if (target && pane.offsetParent !== null) {
        pane.scrollTop += target.getBoundingClientRect().top - pane.getBoundingClientRect().top - 8;
      }
    });
    if (readOnly) for (const control of card.querySelectorAll("input, select, textarea, button")) control.disabled = true;
    return card;
  };

  // Numbers follow the chapter's number and the clauses' levels without building the form
  // anew (which would take the focus from the field being typed in).
  const renumber = () => {
    const places = ClauseFile.outline(file);
    for (const card of clauseForm.querySelectorAll(".clause-card")) {
      const number = places[Number(card.dataset.index)].number;
      card.querySelector(".clause-card-h").textContent = fill(words.clause, { number: number || "·" });
      card.querySelector(".clause-text-label").textContent = fill(words.text, { number });
    }
  };

  const render = (focusIndex = null, focusWhat = null) => {
    uid = 0;
    const places = ClauseFile.outline(file);
    const parts = [];
    const chapter = make("fieldset", { className: "chapter-fields" }, make("legend", { textContent: words.chapter }));
    for (const [name, label] of [["number", words.number], ["title", words.title]]) {
      const known = file.front.fields[name];
      if (!known) continue;
      const input = make("input", { value: known.value, id: `chapter-${name}`, disabled: !known.ok || readOnly });
      input.addEventListener("input", () => {
        known.value = input.value;
        written();
        if (name === "number") renumber();
      });
      chapter.append(field(label, input, known.ok ? "" : words.raw_only));
    }
    parts.push(chapter);
    if (file.preamble.text !== "") {
      const text = bodyArea(file.preamble.text, (value) => { file.preamble.text = value; written(); });
      parts.push(make("div", { className: "preamble" }, field(words.preamble, text)));
    }
    file.clauses.forEach((clause, index) => parts.push(clauseCard(clause, index, places[index])));
    clauseForm.replaceChildren(...parts);
    markChanged();
    if (focusIndex !== null) {
      const card = clauseForm.querySelector(`.clause-card[data-index="${focusIndex}"]`);
      const target = card && card.querySelector(focusWhat || ".clause-level");
      if (target) {
        target.focus();
        if (target.select && focusWhat === ".clause-title") target.select();
      }
    }
  };

  // ---- raw file or form; on a phone, editor or preview ----
  const views = document.querySelector(".view-switch");
  const showView = (raw) => {
    if (!raw) {
      file = ClauseFile.parse(area.value);
      render();
    }
    clauseForm.hidden = raw;
    rawPane.hidden = !raw;
    for (const tab of views.querySelectorAll("[role=tab]")) {
      const on = (tab.id === "view-raw-tab") === raw;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
    }
    toolbar.setAttribute("aria-controls", raw ? "raw-pane" : "clause-form");
    if (raw) lastText = area;
  };
  const tabKeys = (list, choose) => list.addEventListener("keydown", (event) => {
    if (!["ArrowLeft", "ArrowRight"].includes(event.key)) return;
    const tabs = [...list.querySelectorAll("[role=tab]")];
    const next = tabs[(tabs.indexOf(document.activeElement) + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
    choose(next);
    next.focus();
  });
  views.hidden = false;
  rawPane.setAttribute("role", "tabpanel");
  rawPane.setAttribute("aria-labelledby", "view-raw-tab");
  views.addEventListener("click", (event) => {
    const tab = event.target.closest("[role=tab]");
    if (tab) showView(tab.id === "view-raw-tab");
  });
  tabKeys(views, (tab) => showView(tab.id === "view-raw-tab"));

  const panes = document.querySelector(".pane-switch");
  const editor = form.querySelector(".editor");
  const showPane = (which) => {
    editor.dataset.pane = which;
    for (const tab of panes.querySelectorAll("[role=tab]")) {
      const on = tab.id === `pane-${which}-tab`;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
    }
  };
  panes.hidden = false;
  document.getElementById("edit-pane").setAttribute("role", "tabpanel");
  document.getElementById("preview-pane").setAttribute("role", "tabpanel");
  panes.addEventListener("click", (event) => {
    const tab = event.target.closest("[role=tab]");
    if (tab) showPane(tab.id === "pane-preview-tab" ? "preview" : "edit");
  });
  tabKeys(panes, (tab) => showPane(tab.id === "pane-preview-tab" ? "preview" : "edit"));

  // ---- the toolbar: acts on the text field last used ----
  const replaceSelection = (text, make_) => {
    const start = text.selectionStart;
    const end = text.selectionEnd;
    const { insert, select } = make_(text.value.slice(start, end), text.value, start);
    text.focus();
    text.setRangeText(insert, start, end, "end");
    if (select) text.setSelectionRange(start + select[0], start + select[1]);
    text.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const wrap = (mark) => (selected) => {
    const inner = selected || words.new_clause.toLowerCase();
    return { insert: `${mark}${inner}${mark}`, select: [mark.length, mark.length + inner.length] };
  };
  const prefixLines = (prefix) => (selected) => {
    const lines = (selected || "").split("\n");
    const insert = lines.map((line, i) => `${prefix(i)}${line}`).join("\n");
    return { insert, select: [insert.length, insert.length] };
  };
  const actions = {
    bold: wrap("**"),
    italic: wrap("*"),
    bullets: prefixLines(() => "- "),
    numbers: prefixLines((i) => `${i + 1}. `),
    link: (selected) => {
      const label = selected || words.link_text;
      return { insert: `[${label}](https://)`, select: [label.length + 3, label.length + 11] };
    },
  };
  // The text field the toolbar acts on: the raw file in its view; in the form, the clause
  // text last used (none when the form was built anew since).
  const target = () => {
    if (!rawPane.hidden) return area;
    return lastText !== area && clauseForm.contains(lastText) ? lastText : null;
  };
  const newClause = () => {
    const text = target();
    if (text === area) {
      const level = "##";
      replaceSelection(area, (selected, value, start) => {
        const atLineStart = start === 0 || value[start - 1] === "\n";
        const title = selected || words.new_clause;
        const insert = `${atLineStart ? "" : "\n"}\n${level} ${title}\n\n`;
        const at = insert.indexOf(title);
        return { insert, select: [at, at + title.length] };
      });
      return;
    }
    // In a clause's text: the clause ends at the cursor's line, the new one goes on from it
    // (with no text chosen, a new last clause).
    const card = text && text.closest(".clause-card");
    const index = card ? Number(card.dataset.index) : text ? -1 : file.clauses.length - 1;
    const value = text ? text.value : (index < 0 ? file.preamble : file.clauses[index]).text;
    const caret = text ? text.selectionStart : value.length;
    const lineStart = caret >= value.length ? value.length : value.lastIndexOf("\n", caret - 1) + 1;
    const before = value.slice(0, lineStart).replace(/\n+$/, "");
    const after = value.slice(lineStart).replace(/^\n+/, "");
    const at = index < 0 ? -1 : index;
    const level = at < 0 ? 2 : Math.max(2, file.clauses[at].level);
    const trail = at < 0 ? file.preamble.trail : file.clauses[at].trail;
    const owner = at < 0 ? file.preamble : file.clauses[at];
    owner.text = before;
    owner.trail = 1;
    file.clauses.splice(at + 1, 0, {
      line: null, original: null, level, title: words.new_clause, anchor: "", attributes: [],
      lead: 1, text: after, trail: Math.max(trail, after ? 1 : 0),
    });
    if (at < 0 && before === "") owner.lead = 0;
    written();
    render(at + 1, ".clause-title");
  };
  toolbar.hidden = readOnly;
  toolbar.addEventListener("mousedown", (event) => event.preventDefault()); // keep the caret
  toolbar.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-do]");
    if (!button) return;
    if (button.dataset.do === "clause") newClause();
    else if (target()) replaceSelection(target(), actions[button.dataset.do]);
  });
  area.addEventListener("focus", () => { lastText = area; });

  // "Line N" in a warning, or beside a source clause to follow, selects that line of the
  // raw file.
  form.addEventListener("click", (event) => {
    const go = event.target.closest(".go-to-line");
    if (!go) return;
    showView(true);
    showPane("edit");
    const lines = area.value.split("\n");
    const wanted = Math.max(1, Math.min(Number(go.dataset.line), lines.length));
    const start = lines.slice(0, wanted - 1).reduce((sum, line) => sum + line.length + 1, 0);
    area.focus();
    area.setSelectionRange(start, start + lines[wanted - 1].length);
    // Scroll the line into view: its share of the text's height.
    area.scrollTop = Math.max(0, (wanted - 3) * (area.scrollHeight / lines.length));
  });
  // "Submit for review…" opens the panel and goes to its first field.
  const toSubmit = document.getElementById("to-submit");
  if (toSubmit) {
    toSubmit.addEventListener("click", (event) => {
      event.preventDefault();
      const panel = document.getElementById("submit-panel");
      panel.open = true;
      panel.scrollIntoView({ block: "start" });
      document.getElementById("submit-rationale").value
        ? document.getElementById("submit-title").focus()
        : document.getElementById("submit-rationale").focus();
    });
  }

  if (stored !== null && stored === area.value) keep(null);
  else if (stored !== null && kept && !area.readOnly) {
    kept.hidden = false;
    document.getElementById("draft-restore").addEventListener("click", () => {
      area.value = stored;
      kept.hidden = true;
      if (!clauseForm.hidden) showView(false);
      refresh();
      area.focus();
    });
    document.getElementById("draft-discard").addEventListener("click", () => {
      keep(null);
      kept.hidden = true;
    });
  }
  area.addEventListener("input", typed);

  // The form opens by default; at the clause asked for when "Edit" was clicked there. On a
  // phone, an address that leads into the preview's side (a source clause to follow) opens
  // the preview.
  showView(false);
  const wanted = window.location.hash && document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  if (wanted && document.getElementById("preview-pane").contains(wanted)) {
    showPane("preview");
    wanted.scrollIntoView({ block: "start" });
  }
  const focus = form.dataset.focus;
  const card = focus && document.getElementById(`edit-clause-${focus}`);
  if (card) {
    card.scrollIntoView({ block: "start" });
    card.querySelector(".clause-text").focus({ preventScroll: true });
  }

  let leaving = false;
  form.addEventListener("submit", () => { leaving = true; });
  window.addEventListener("beforeunload", (event) => {
    if (!leaving && area.value !== original) {
      event.preventDefault();
      event.returnValue = form.dataset.unsaved;
    }
  });
})();
