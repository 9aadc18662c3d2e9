"""The conversion notes: what has no Markdown form (tracked changes, comments, text boxes,
footnotes, fields, equations, objects, charts), one line each, with where it occurs."""

from __future__ import annotations

from sop_platform.word.markdown import nfc

# Notes past this many are not listed (each names its paragraph): more helps nobody.
MAX_NOTES = 200

_SAID = {
    "tracked": "tracked changes accepted: inserted text kept, deleted text dropped",
    "comment": "comment not imported",
    "text box": "text box not imported",
    "footnote": "footnote not imported",
    "endnote": "endnote not imported",
    "field": "field kept as the text it displayed",
    "equation": "equation not imported",
    "object": "embedded object not imported",
    "chart": "chart not imported",
    "smartart": "SmartArt diagram not imported",
    "shape": "drawing shape not imported",
    "vml": "legacy (VML) drawing not imported",
    "linked image": "linked (external) image not imported",
    "symbol": "symbol character not imported",
    "heading image": "image in a heading not imported",
    "nested table": "nested table flattened into its cell's text",
    "formatting": "bold or italic dropped where Markdown cannot show it",
}


class Notes:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.noted: set[str] = set()
        self.unlisted = False  # notes past MAX_NOTES were left out
        self.issues: list[str] = []  # what the paragraph being read could not convert

    def note(self, text: str) -> None:
        line = nfc(" ".join(text.split()))
        if line in self.noted:
            return
        if len(self.lines) >= MAX_NOTES:
            self.unlisted = True
            return
        self.noted.add(line)
        self.lines.append(line)

    def issue(self, kind: str) -> None:
        """Something in the block being read that has no Markdown form (`_SAID`)."""
        self.issues.append(kind)

    def report(self, chapter: str | None, text: str, what: str = "paragraph") -> None:
        """Note the issues of the block just read, in `chapter` ("number title"); before
        the first chapter, where nothing is kept, none."""
        issues, self.issues = self.issues, []
        if chapter is None:
            return
        shown = quoted(text)
        place = f'{what} "{shown}"' if shown else f"a {what} with no text"
        for issue in dict.fromkeys(issues):
            said = _SAID.get(issue, issue)
            self.note(f'chapter "{chapter}", {place}: {said}')

    def listed(self) -> tuple[str, ...]:
        if self.unlisted:
            self.lines.append(f"more than {MAX_NOTES} notes: only the first {MAX_NOTES} are listed")
        return tuple(self.lines)


def quoted(text: str) -> str:
    return text if len(text) <= 40 else text[:39].rstrip() + "…"
