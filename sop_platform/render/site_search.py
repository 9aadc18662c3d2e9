"""Search over an edition: whole words and the beginnings of words, never the middle of one.

The same rules run in two places: here, for the search page asked with `?q=` (a browser
without JavaScript gets its results from the server), and in `frontend/static/search.js`,
in the reader's browser from the edition's search index (offline and from a static copy).
Change one, change the other; `tests/render/test_site_search.py` holds both to the same
cases.

- Text is folded before it is compared: Azerbaijani case (`İ`→`i`, `I`→`ı`), then lower
  case, then without marks (`ə`→`e`, `ı`→`i`, `ş`→`s` ...), so a word typed on a keyboard
  without Azerbaijani letters still finds it.
- A word of letters matches the beginning of a word (`mina` finds `minatəmizləmə`, not
  `contamination`); a number matches only the same number (`20` finds `20`, not `2020`).
- Every word asked must be found in the clause (its number, title or text). A word found
  in the title counts more than in the text, a whole word more than a beginning.
- Results are grouped by chapter, the chapter of the best result first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_PLAIN = str.maketrans({"ə": "e", "ı": "i", "ö": "o", "ü": "u", "ç": "c", "ş": "s", "ğ": "g"})
# A number (with its decimal or clause dots: `4.4`, `0,5`) or a run of letters.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
MAX_RESULTS = 50
SNIPPET_BEFORE = 60
SNIPPET_LENGTH = 200


def fold_char(char: str) -> str:
    """One character as search compares it ("" for a lone combining mark)."""
    lower = "ı" if char == "I" else "i" if char == "İ" else char.lower()
    bare = "".join(c for c in unicodedata.normalize("NFD", lower) if not unicodedata.combining(c))
    return bare.translate(_PLAIN)


def fold(text: str) -> str:
    return "".join(fold_char(char) for char in text)


def _folded_with_origin(text: str) -> tuple[str, list[int]]:
    """`text` folded, and for each folded character the index of the character it came
    from: a match found in the folded text is marked in the original."""
    out: list[str] = []
    origin: list[int] = []
    for at, char in enumerate(text):
        folded = fold_char(char)
        out.append(folded)
        origin.extend([at] * len(folded))
    return "".join(out), origin


def terms(query: str) -> list[str]:
    """The words of a query, folded, each once."""
    return list(dict.fromkeys(_TOKEN.findall(fold(query))))


def _matches(term: str, token: str) -> int:
    """2 for the whole word, 1 for its beginning (letters only), else 0."""
    if token == term:
        return 2
    if not term[0].isdigit() and token.startswith(term):
        return 1
    return 0


def _spans(text: str, asked: list[str]) -> list[tuple[int, int]]:
    """Where in `text` (original indices) the words that match any term are."""
    folded, origin = _folded_with_origin(text)
    found = []
    for token in _TOKEN.finditer(folded):
        if any(_matches(term, token.group()) for term in asked):
            start = origin[token.start()]
            end = origin[token.end() - 1] + 1
            found.append((start, end))
    return found


@dataclass(frozen=True)
class Piece:
    """A stretch of shown text, `marked` where it matched the query."""

    text: str
    marked: bool = False


def pieces(text: str, spans: list[tuple[int, int]]) -> list[Piece]:
    out = []
    at = 0
    for start, end in spans:
        if start < at:
            continue
        if start > at:
            out.append(Piece(text[at:start]))
        out.append(Piece(text[start:end], True))
        at = end
    if at < len(text):
        out.append(Piece(text[at:]))
    return out


@dataclass(frozen=True)
class IndexedChapter:
    number: str
    title: str
    href: str


@dataclass(frozen=True)
class IndexedClause:
    chapter: int  # position in the index's chapters
    number: str
    title: str
    text: str
    href: str
    outdated: str = ""


@dataclass(frozen=True)
class Hit:
    clause: IndexedClause
    score: int
    order: int
    title: list[Piece]
    snippet: list[Piece]


@dataclass(frozen=True)
class ChapterHits:
    chapter: IndexedChapter
    hits: list[Hit] = field(default_factory=list)


@dataclass(frozen=True)
class Results:
    query: str
    groups: list[ChapterHits]
    language: str = ""  # of the texts searched, where the caller says

    @property
    def count(self) -> int:
        return sum(len(group.hits) for group in self.groups)


def _score(asked: list[str], clause: IndexedClause) -> int:
    heading = _TOKEN.findall(fold(f"{clause.number} {clause.title}"))
    body = _TOKEN.findall(fold(clause.text))
    total = 0
    for term in asked:
        in_heading = max((_matches(term, token) for token in heading), default=0)
        in_body = max((_matches(term, token) for token in body), default=0)
        if not (in_heading or in_body):
            return 0
        total += in_heading + 2 if in_heading else in_body
    return total


def _snippet(text: str, asked: list[str]) -> list[Piece]:
    spans = _spans(text, asked)
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET_BEFORE)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + SNIPPET_LENGTH)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    shown = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    out = pieces(text[start:end], shown)
    if start:
        out.insert(0, Piece("…"))
    if end < len(text):
        out.append(Piece("…"))
    return out


def search(query: str, chapters: list[IndexedChapter], clauses: list[IndexedClause]) -> Results:
    """The clauses matching `query`, grouped by chapter (best first)."""
    asked = terms(query)
    if not asked or len(query.strip()) < 2:
        return Results(query, [])
    hits = []
    for order, clause in enumerate(clauses):
        score = _score(asked, clause)
        if score:
            heading = f"{clause.number} {clause.title}" if clause.number else clause.title
            title = pieces(heading, _spans(heading, asked))
            hits.append(Hit(clause, score, order, title, _snippet(clause.text, asked)))
    hits.sort(key=lambda hit: (-hit.score, hit.order))
    groups: dict[int, ChapterHits] = {}
    for hit in hits[:MAX_RESULTS]:
        at = hit.clause.chapter
        groups.setdefault(at, ChapterHits(chapters[at])).hits.append(hit)
    return Results(query, list(groups.values()))
