"""Markdown to HTML for chapters: pure functions of text.

Raw HTML is escaped, links are limited to http, https, mailto and in-site relative links,
images to addresses on this site (one from another host would tell it who reads the text:
it becomes a visible note with a link instead), and heading attributes keep only the anchor
and our own keys. Each heading becomes a clause with its automatic number, a stable id and a
link to itself; cross-references (`[see](#anchor)`, `[see](manual-clearance#anchor)`) show
the target clause's number and title.

Parsing and rendering are separate steps so that a publish parses every chapter once, learns
every clause's number, and only then renders the cross-references between them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any, cast
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from sop_platform.core.clauses import (
    Clause,
    block_parser,
    chapter_body,
    clauses_in,
    heading_parts,
    lines_of,
    numbering_of,
)
from sop_platform.core.front_matter import SLUG

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# The heading attributes we understand; anything else in `{...}` is dropped, never emitted.
KNOWN_ATTRIBUTES = ("imas", "relation", "justification")

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_CHAPTER_REFERENCE = re.compile(r"^([a-z0-9][a-z0-9.-]{0,79})?#([\w.:-]+)$")
_ALIGN = re.compile(r"text-align:(left|right|center)")


def remote(url: str) -> bool:
    """An address on another host (a scheme, or protocol-relative): never loaded as an
    image, whose request would tell that host who reads the page, when and where."""
    return url.startswith(("//", "\\", "/\\")) or _SCHEME.match(url) is not None


def safe_link(url: str) -> bool:
    """http, https and mailto, or a relative link within the site. Called on the URL after
    markdown-it has decoded entities and percent-encoded it, so control characters and
    spaces can no longer hide a scheme."""
    if url.startswith(("//", "\\", "/\\")):
        return False  # protocol-relative: another host, not a page of ours
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(1).lower() in SAFE_SCHEMES


@dataclass(frozen=True)
class Reference:
    """A cross-reference written in a chapter: `chapter` is None for the same chapter."""

    chapter: str | None
    anchor: str
    line: int

    def key(self, here: str) -> tuple[str, str]:
        return (self.chapter or here, self.anchor)


@dataclass(frozen=True)
class RemoteImage:
    """An image a chapter names by an address on another host; rendered as a note."""

    address: str
    line: int


@dataclass(frozen=True)
class Target:
    """What a cross-reference shows and where it leads."""

    number: str
    title: str
    href: str


@dataclass(frozen=True)
class ParsedChapter:
    """A chapter parsed once: its front matter, clauses, references and plain text."""

    front: dict[str, Any]
    clauses: list[Clause]
    references: list[Reference]
    plain_text: dict[str, str]
    tokens: list[Token] = field(repr=False, compare=False)
    remote_images: list[RemoteImage] = field(default_factory=list)


def _attributes_and_clauses(state: StateCore) -> None:
    """Core rule, before inline parsing: number the clauses and cut the `{...}` off each
    heading so no attribute text ever reaches the inline parser or the page."""
    env = state.env
    clauses = clauses_in(state.tokens, lines_of(state.src), env["number"], env["explicit"])
    by_line = {clause.line: clause for clause in clauses}
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        inline = state.tokens[index + 1]
        title, _anchor, _attributes = heading_parts(inline.content)
        clause = by_line.get(token.map[0]) if token.map and token.level == 0 else None
        if clause is not None:
            token.meta["clause"] = clause
            title = clause.title  # without the published number, when numbering is explicit
        inline.content = title
    env["clauses"] = clauses


def _parser() -> MarkdownIt:
    md = block_parser()
    md.validateLink = safe_link  # type: ignore[method-assign]
    md.core.ruler.after("block", "sop_clauses", _attributes_and_clauses)
    return md


_MD = _parser()
_HTML = cast(RendererHTML, _MD.renderer)


def _plain_text(tokens: Sequence[Token], clauses: Sequence[Clause]) -> dict[str, str]:
    """Each clause's words without markup, one line per block: for search and for the
    word-level 'what changed' view."""
    text: dict[str, list[str]] = {clause.anchor: [] for clause in clauses}
    current: str | None = None
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and "clause" in token.meta:
            current = token.meta["clause"].anchor
            continue
        if current is None or token.type != "inline":
            if current is not None and token.type in ("fence", "code_block"):
                text[current].append(token.content.rstrip("\n"))
            continue
        if tokens[index - 1].type == "heading_open":
            continue
        words = "".join(
            child.content for child in token.children or () if child.type in ("text", "code_inline")
        )
        if words:
            text[current].append(words)
    return {anchor: "\n".join(lines) for anchor, lines in text.items()}


def _inline_children(tokens: Sequence[Token]) -> Iterator[tuple[int, Token]]:
    """Each inline token's children, with the source line of their paragraph."""
    for token in tokens:
        if token.type == "inline" and token.children:
            line = token.map[0] if token.map else 0
            for child in token.children:
                yield line, child


def _references(tokens: Sequence[Token]) -> list[Reference]:
    found = []
    for line, child in _inline_children(tokens):
        if child.type == "link_open":
            target = _CHAPTER_REFERENCE.match(unquote(str(child.attrGet("href") or "")))
            if target:
                found.append(Reference(target.group(1), target.group(2), line))
    return found


def _remote_images(tokens: Sequence[Token]) -> list[RemoteImage]:
    found = []
    for line, child in _inline_children(tokens):
        address = str(child.attrGet("src") or "") if child.type == "image" else ""
        if remote(address):
            found.append(RemoteImage(address, line))
    return found


def parse_chapter(markdown: str) -> ParsedChapter:
    """Parse a chapter file (front matter optional) into what rendering and search need."""
    front, body = chapter_body(markdown)
    number, explicit = numbering_of(front)
    env: dict[str, Any] = {"number": number, "explicit": explicit}
    tokens = _MD.parse(body, env)
    clauses: list[Clause] = env["clauses"]
    return ParsedChapter(
        front=front,
        clauses=clauses,
        references=_references(tokens),
        plain_text=_plain_text(tokens, clauses),
        tokens=tokens,
        remote_images=_remote_images(tokens),
    )


@dataclass(frozen=True)
class ClauseMark:
    """A clause changed by the latest amendment, with its word-level changes as HTML."""

    label: str
    changes_html: str


@dataclass(frozen=True)
class OutdatedMark:
    """A translated clause whose source text changed after the text it follows: a badge on
    its heading and, under it, a notice with the source clause's text in force."""

    badge: str
    notice: str
    source_label: str
    source_language: str
    source_html: str  # escaped

    def html(self) -> str:
        source = (
            f'<p class="clause-outdated-label">{escape(self.source_label)}</p>'
            f'<blockquote class="source-clause" lang="{escape(self.source_language)}">'
            f"{self.source_html}</blockquote>"
            if self.source_html
            else ""  # the source dropped the clause
        )
        return (
            f'<aside class="clause-outdated" role="note" aria-label="{escape(self.badge)}">'
            f'<p class="clause-outdated-notice">{escape(self.notice)}</p>{source}</aside>\n'
        )


# Placeholders for what depends on other chapters or editions: a body is rendered once per
# text, and these are filled in per page. Raw HTML in the text is escaped, so no chapter
# text can ever produce a `<!--` of its own.
_XREF_OPEN = "<!--xref-open:{}-->"
_XREF_CLOSE = "<!--xref-close:{}-->"
_MARK = "<!--mark:{}-->"
_CHANGES = "<!--changes:{}-->"
_PLACEHOLDER = re.compile(r"<!--(xref-open|xref-close|mark|changes):([^>]*?)-->")


class _ChapterRenderer:
    """Renders one chapter's tokens into a body with placeholders."""

    def __init__(self, chapter: str, labels: Mapping[str, str]) -> None:
        self.chapter = chapter
        self.labels = labels
        # Per open link: the cross-reference key, or None for a plain link.
        self.open_links: list[str | None] = []
        self.in_section = False

    def render(self, tokens: Sequence[Token]) -> str:
        rules = _HTML.rules
        options = _MD.options
        out: list[str] = []
        for index, token in enumerate(tokens):
            if token.type == "inline":
                out.append(self.inline(token.children or [], options))
            elif token.type == "heading_open":
                out.append(self.heading_open(token))
            elif token.type == "heading_close":
                out.append(self.heading_close(tokens[index - 2], token))
            elif token.type in ("th_open", "td_open"):
                out.append(self.cell_open(token))
            elif token.type in rules:
                out.append(rules[token.type](tokens, index, options, {}))
            else:
                out.append(_HTML.renderToken(tokens, index, options, {}))
        if self.in_section:
            out.append("</section>\n")
        return "".join(out)

    def inline(self, children: Sequence[Token], options: OptionsDict) -> str:
        renderer = _HTML
        out: list[str] = []
        for index, child in enumerate(children):
            if child.type == "link_open":
                out.append(self.link_open(child))
            elif child.type == "link_close":
                out.append(self.link_close())
            elif child.type == "image" and remote(str(child.attrGet("src") or "")):
                out.append(self.remote_image(child, options))
            elif child.type in renderer.rules:
                out.append(renderer.rules[child.type](children, index, options, {}))
            else:
                out.append(renderer.renderToken(children, index, options, {}))
        return "".join(out)

    def heading_open(self, token: Token) -> str:
        clause: Clause | None = token.meta.get("clause")
        if clause is None:
            return f"<{token.tag}>"
        out = "</section>\n" if self.in_section else ""
        self.in_section = True
        data = "".join(
            f' data-{key}="{escape(clause.attributes[key])}"'
            for key in KNOWN_ATTRIBUTES
            if key in clause.attributes
        )
        anchor = escape(clause.anchor)
        number = (
            f'<a class="clause-number" href="#{anchor}">{escape(clause.number)}</a> '
            if clause.number
            else f'<a class="clause-link" href="#{anchor}" aria-hidden="true">#</a> '
        )
        return (
            f'{out}<section class="clause" data-level="{clause.level}">\n'
            f'<{token.tag} id="{anchor}"{data}>{number}<span class="clause-title">'
        )

    def heading_close(self, opening: Token, token: Token) -> str:
        clause: Clause | None = opening.meta.get("clause")
        if clause is None:
            return f"</{token.tag}>\n"
        out = f"</span>{_MARK.format(clause.anchor)}</{token.tag}>\n"
        if "imas" in clause.attributes:
            relation = clause.attributes.get("relation", "adapts")
            shown = self.labels.get(f"relation_{relation}", relation)
            standards = ", ".join(clause.attributes["imas"].split())
            out += (
                f'<p class="mapping"><span class="mapping-relation">{escape(shown)}</span> '
                f"IMAS {escape(standards)}</p>\n"
            )
        return out + _CHANGES.format(clause.anchor)

    def cell_open(self, token: Token) -> str:
        # markdown-it aligns columns with a style attribute; our CSP allows no inline style.
        align = _ALIGN.search(str(token.attrGet("style") or ""))
        return f'<{token.tag} class="align-{align.group(1)}">' if align else f"<{token.tag}>"

    def link_open(self, token: Token) -> str:
        href = str(token.attrGet("href") or "")
        # The parser percent-encodes addresses; anchors are written in plain letters (ə, ş).
        reference = _CHAPTER_REFERENCE.match(unquote(href))
        if reference is not None:
            key = f"{reference.group(1) or self.chapter}#{reference.group(2)}"
            self.open_links.append(key)
            return _XREF_OPEN.format(key)
        self.open_links.append(None)
        title = token.attrGet("title")
        titled = f' title="{escape(str(title))}"' if title else ""
        external = ' rel="noopener noreferrer"' if _SCHEME.match(href) else ""
        return f'<a href="{escape(href)}"{titled}{external}>'

    def remote_image(self, token: Token, options: OptionsDict) -> str:
        address = str(token.attrGet("src") or "")
        described = _HTML.renderInlineAsText(token.children or [], options, {}) or address
        note = escape(self.labels.get("remote_image", "Image from another site, not shown"))
        if self.open_links:  # inside a link already: a link of its own would nest
            return f'<span class="remote-image" role="note">{note}: {escape(described)}</span>'
        return (
            f'<span class="remote-image" role="note">{note}: <a href="{escape(address)}" '
            f'rel="noopener noreferrer">{escape(described)}</a></span>'
        )

    def link_close(self) -> str:
        key = self.open_links.pop() if self.open_links else None
        return "</a>" if key is None else _XREF_CLOSE.format(key)


def chapter_id(parsed: ParsedChapter) -> str:
    """The chapter's id from its front matter, when it is a valid one: it goes into
    placeholders, so nothing unchecked may."""
    found = str(parsed.front.get("id", ""))
    return found if SLUG.match(found) else ""


def render_body(parsed: ParsedChapter, labels: Mapping[str, str] | None = None) -> str:
    """The chapter body as HTML with numbered clause sections, and placeholders where
    `finish_body` puts cross-references and what-changed marks. Depends only on the text
    and the labels' language, so it can be cached by content sha256."""
    chapter = chapter_id(parsed)
    return _ChapterRenderer(chapter, labels or {}).render(parsed.tokens)


def finish_body(
    body: str,
    targets: Mapping[tuple[str, str], Target],
    marks: Mapping[str, ClauseMark] | None = None,
    labels: Mapping[str, str] | None = None,
    outdated: Mapping[str, OutdatedMark] | None = None,
) -> str:
    """Fill a rendered body's placeholders: each cross-reference with its target's number,
    title and address (or a visible 'reference not found'), each changed clause with its
    badge and its word-level changes, each outdated translated clause with its badge and
    the source text in force."""
    marks = marks or {}
    said = labels or {}
    behind = outdated or {}

    def fill(match: re.Match[str]) -> str:
        kind, key = match.group(1), match.group(2)
        if kind in ("mark", "changes"):
            mark, late = marks.get(key), behind.get(key)
            if kind == "mark":
                badges = f' <span class="changed-badge">{escape(mark.label)}</span>' if mark else ""
                if late is not None:
                    badges += f' <span class="outdated-badge">{escape(late.badge)}</span>'
                return badges
            notice = late.html() if late is not None else ""
            if mark is None:
                return notice
            summary = escape(said.get("show_changes", "Show what changed"))
            return notice + (
                f'<details class="what-changed" id="changes-{escape(key)}"><summary>{summary}'
                f'</summary><div class="word-diff">{mark.changes_html}</div></details>\n'
            )
        chapter, _, anchor = key.partition("#")
        target = targets.get((chapter, anchor))
        if kind == "xref-open":
            if target is None:
                label = escape(said.get("broken_reference", "reference not found"))
                return f'<span class="xref broken" title="{label}">'
            return f'<a class="xref" href="{escape(target.href)}">'
        if target is None:
            return "</span>"
        shown = escape(f"{target.number} {target.title}".strip())
        return f' <span class="xref-target">({shown})</span></a>'

    return _PLACEHOLDER.sub(fill, body)


def clause_html(markdown: str, chapter: str, targets: Mapping[tuple[str, str], Target]) -> str:
    """A clause's own Markdown text (of chapter `chapter`) rendered as the site renders it,
    its references filled from `targets`: a source clause shown beside its translation."""
    front = f"---\nid: {chapter}\n---\n" if SLUG.match(chapter) else ""
    return finish_body(render_body(parse_chapter(front + markdown)), targets)


def own_targets(chapter: str, clauses: Sequence[Clause]) -> dict[tuple[str, str], Target]:
    """The clauses of `chapter` as targets of references on its own page (`#anchor`)."""
    return {
        (chapter, clause.anchor): Target(clause.number, clause.title, f"#{clause.anchor}")
        for clause in clauses
    }


def html_of(markdown: str) -> str:
    """A Markdown text (front matter optional) rendered with the site's rules, its
    same-chapter references resolved; for previews and tests."""
    parsed = parse_chapter(markdown)
    return finish_body(render_body(parsed), own_targets(chapter_id(parsed), parsed.clauses))
