"""A paragraph's inline content as tokens: runs with their bold and italic, links to web
and mail addresses, the text complex fields display; tracked changes accepted, and what has
no Markdown form (comments, equations, objects, footnotes) left as an issue to note."""

from __future__ import annotations

import re

from sop_platform.word.drawings import Drawings
from sop_platform.word.notes import Notes
from sop_platform.word.ooxml import CLAUSE_TAG_STYLE, MC, El, M, R, W, chosen, content, val
from sop_platform.word.package import WordPackage
from sop_platform.word.styles import Styles
from sop_platform.word.tokens import BREAK, Token, markdown, plain

_SAFE_URL = re.compile(r"^(?:https?://|mailto:)[^\s<>]+$", re.IGNORECASE)
# A cross-reference within the site, as chapters write them: `#anchor`, `chapter#anchor`.
_SITE_REFERENCE = re.compile(r"^(?:[a-z0-9][a-z0-9.-]{0,79})?#[\w.:-]+$")
_RUN_ISSUES = {
    f"{W}object": "object",
    f"{W}footnoteReference": "footnote",
    f"{W}endnoteReference": "endnote",
    f"{W}sym": "symbol",
}


class Runs:
    def __init__(
        self, package: WordPackage, styles: Styles, drawings: Drawings, notes: Notes
    ) -> None:
        self.package = package
        self.styles = styles
        self.drawings = drawings
        self.notes = notes
        self.fields: list[bool] = []  # open complex fields: True once in their result
        self.instructions = 0  # how many open fields are still in their instructions
        self.comments_seen = False

    def start_paragraph(self) -> None:
        self.fields = []
        self.instructions = 0

    def inline(self, parent: El) -> list[Token]:
        tokens: list[Token] = []
        for element in parent:
            tag = element.tag
            if tag == f"{W}r":
                tokens.extend(self.run(element))
            elif tag in (f"{W}ins", f"{W}moveTo"):
                self.notes.issue("tracked")
                tokens.extend(self.inline(element))
            elif tag in (f"{W}del", f"{W}moveFrom"):
                self.notes.issue("tracked")
            elif tag == f"{W}hyperlink":
                tokens.extend(self.hyperlink(element))
            elif tag == f"{W}fldSimple":
                self.notes.issue("field")
                tokens.extend(self.inline(element))
            elif tag in (f"{W}smartTag", f"{W}customXml", f"{W}dir", f"{W}bdo"):
                tokens.extend(self.inline(element))
            elif tag == f"{W}sdt":
                tokens.extend(self.inline(content(element)))
            elif tag in (f"{M}oMath", f"{M}oMathPara"):
                self.notes.issue("equation")
            elif tag == f"{MC}AlternateContent":
                tokens.extend(self.inline(chosen(element)))
            elif tag == f"{W}commentRangeStart":
                self.comment()
        return tokens

    def markdown(self, line: list[Token]) -> str:
        made, dropped = markdown(line)
        if dropped:
            self.notes.issue("formatting")
        return made

    def comment(self) -> None:
        self.comments_seen = True
        self.notes.issue("comment")

    def hyperlink(self, element: El) -> list[Token]:
        """A link to a web or mail address, or a cross-reference within the site, keeps its
        target; any other keeps its text."""
        inner = self.inline(element)
        rel = self.package.rels.get(element.get(f"{R}id") or "")
        url = rel.target if rel is not None and rel.external else ""
        safe = _SAFE_URL.match(url) or _SITE_REFERENCE.match(url)
        if not safe or not plain(inner):
            return inner
        destination = re.sub(r"([()\\])", r"\\\1", url)
        return [Token("[", raw=True), *inner, Token(f"]({destination})", raw=True)]

    def run(self, run: El) -> list[Token]:
        rpr = run.find(f"{W}rPr")
        bold, italic = self.styles.formatting(rpr)
        tokens = self.run_content(run, bold, italic)
        chain = self.styles.chain(val(None if rpr is None else rpr.find(f"{W}rStyle")))
        if chain and chain[0].name == CLAUSE_TAG_STYLE.lower():
            return [token._replace(tag=True) for token in tokens]
        return tokens

    def run_content(self, run: El, bold: bool, italic: bool) -> list[Token]:
        tokens: list[Token] = []
        shown = not self.instructions
        for element in run:
            tag = element.tag
            if tag == f"{W}t" and shown:
                tokens.append(Token(element.text or "", bold, italic))
            elif tag in (f"{W}tab", f"{W}ptab") and shown:
                tokens.append(Token(" ", bold, italic))
            elif tag == f"{W}noBreakHyphen" and shown:
                tokens.append(Token("-", bold, italic))
            elif tag in (f"{W}br", f"{W}cr") and shown:
                if val(element, "type") in (None, "textWrapping"):
                    tokens.append(BREAK)
            elif tag == f"{W}fldChar":
                self.field(val(element, "fldCharType"))
                shown = not self.instructions
            elif tag == f"{W}drawing":
                tokens.extend(self.drawings.drawing(element))
            elif tag == f"{W}pict":
                has_text = element.find(f".//{W}txbxContent") is not None
                self.notes.issue("text box" if has_text else "vml")
            elif tag == f"{W}commentReference":
                self.comment()
            elif tag == f"{MC}AlternateContent":
                tokens.extend(self.run_content(chosen(element), bold, italic))
            elif tag in _RUN_ISSUES:
                self.notes.issue(_RUN_ISSUES[tag])
        return tokens

    def field(self, kind: str | None) -> None:
        """Follow a complex field: its instructions are hidden, its result is text."""
        if kind == "begin":
            self.notes.issue("field")
            self.fields.append(False)
            self.instructions += 1
        elif kind == "separate" and self.fields and not self.fields[-1]:
            self.fields[-1] = True
            self.instructions -= 1
        elif kind == "end" and self.fields and not self.fields.pop():
            self.instructions -= 1
