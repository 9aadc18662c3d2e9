"""A chapter text parsed and rendered once, remembered by its sha256.

The result depends only on the text (the chapter's language, read from its front matter,
picks the interface words), so any process can reuse it: in memory for the app, and in a
folder of JSON files for `publish`, which a re-publish reads instead of parsing again.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sop_platform.core.clauses import Clause
from sop_platform.core.files import write_whole
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.requirements import Level, level_of
from sop_platform.render.markdown import Reference, RemoteImage, parse_chapter, render_body
from sop_platform.render.memo import Memo
from sop_platform.render.page_parts import render_code
from sop_platform.render.site_text import catalogue

# Bumped whenever the renderer's output changes, so stale cached bodies are never reused.
RENDERER_VERSION = "4"


@dataclass(frozen=True)
class Outline:
    """A rendered chapter: its clauses, references, plain text per clause and HTML body
    (with placeholders that `finish_body` fills per page)."""

    front: dict[str, Any]
    clauses: list[Clause]
    references: list[Reference]
    plain_text: dict[str, str]
    body: str
    # The sha256 of the text (and renderer version) it was rendered from.
    key: str = ""
    remote_images: list[RemoteImage] = field(default_factory=list)
    # Each clause's requirement level, read in the text's own language: worked out where
    # the text is rendered (in a cold publish, the worker processes) and kept with it.
    levels: tuple[Level, ...] = ()
    # What pure functions of this text worked out from it (the clauses' mappings, their
    # levels read in another language), kept with it so a page that needs them again does
    # not redo the work.
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> str:
        return json.dumps(
            {
                "front": self.front,
                "clauses": [asdict(clause) for clause in self.clauses],
                "references": [asdict(ref) for ref in self.references],
                "plain_text": self.plain_text,
                "body": self.body,
                "key": self.key,
                "remote_images": [asdict(image) for image in self.remote_images],
                "levels": list(self.levels),
            },
            ensure_ascii=False,
            default=str,
        )

    @classmethod
    def from_json(cls, text: str) -> Outline:
        data = json.loads(text)
        return cls(
            front=data["front"],
            clauses=[Clause(**clause) for clause in data["clauses"]],
            references=[Reference(**ref) for ref in data["references"]],
            plain_text=data["plain_text"],
            body=data["body"],
            key=data["key"],
            remote_images=[RemoteImage(**image) for image in data["remote_images"]],
            levels=tuple(Level(level) for level in data["levels"]),
        )

    @property
    def language(self) -> str:
        return language_of(self.front)

    def levels_in(self, language: str) -> list[Level]:
        """Each clause's requirement level, its text read as `language`: as rendered when
        that is the text's own language, else worked out once and remembered."""
        if language == self.language and len(self.levels) == len(self.clauses):
            return list(self.levels)
        key = f"levels-{language}"
        found: list[Level] | None = self.derived.get(key)
        if found is None:
            found = clause_levels(self.clauses, self.plain_text, language)
            self.derived[key] = found
        return found


def language_of(front: dict[str, Any]) -> str:
    """The language a chapter text is written in, from its front matter."""
    return str(front.get("language", "en"))


def clause_levels(clauses: list[Clause], plain_text: dict[str, str], language: str) -> list[Level]:
    return [
        level_of(plain_text.get(clause.anchor, ""), language, clause.attributes)
        for clause in clauses
    ]


def rendered_outline(text: str, key: str = "") -> Outline:
    """Parse and render a chapter text (uncached)."""
    parsed = parse_chapter(text)
    language = language_of(parsed.front)
    return Outline(
        front=parsed.front,
        clauses=parsed.clauses,
        references=parsed.references,
        plain_text=parsed.plain_text,
        body=render_body(parsed, catalogue(language)),
        key=key or _key(text),
        remote_images=parsed.remote_images,
        levels=tuple(clause_levels(parsed.clauses, parsed.plain_text, language)),
    )


def outline_memo() -> Memo[str, Outline]:
    """A memo of outlines, weighed as the body twice over (body and text are of a size);
    the objects take about three times what is counted."""
    return Memo(64 * 1024 * 1024, weigh=lambda outline: 2 * len(outline.body))


def _key(text: str, sha256: str | None = None) -> str:
    """The cache key of a text: its sha256 (given when already known, as a revision's is)
    with the renderer's version and a digest of its code (`render_code`), so that a cache
    kept on disk is never read by other code."""
    return f"{RENDERER_VERSION}.{render_code()}-{sha256 or sha256_hex(text.encode())}"


def _render_into(folder: Path | None, key: str, text: str) -> Outline:
    """Render one text and keep it in `folder`; runs in a worker process when prefetching."""
    outline = rendered_outline(text, key)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        write_whole(folder / f"{key}.json", outline.to_json().encode())
    return outline


class OutlineCache:
    """Outlines by content sha256: `memory` first, then (for `publish`) a folder of JSON
    files that outlives the process, and only then the renderer."""

    def __init__(
        self, folder: Path | None = None, memory: Memo[str, Outline] | None = None
    ) -> None:
        self.folder = folder
        self.memory = memory if memory is not None else outline_memo()
        self.hits = 0
        self.misses = 0
        self._prefetched: set[str] = set()

    def _stored(self, key: str) -> Outline | None:
        found = self.memory.get(key)
        if found is not None or self.folder is None:
            return found
        try:
            found = Outline.from_json((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent or damaged: render again
        return self.memory.put(key, found)

    def outline(self, text: str, sha256: str | None = None) -> Outline:
        key = _key(text, sha256)
        found = self._stored(key)
        if found is not None:
            if key in self._prefetched:
                self._prefetched.discard(key)
                self.misses += 1  # rendered for this publish, by `prefetch`
            else:
                self.hits += 1
            return found
        self.misses += 1
        return self.memory.put(key, _render_into(self.folder, key, text))

    def prefetch(self, texts: list[tuple[str, str | None]], workers: int = 1) -> None:
        """Render the texts not yet cached, in `workers` processes when there are several:
        parsing is pure Python, so a cold publish uses every core this way."""
        missing = {}
        for text, sha256 in texts:
            key = _key(text, sha256)
            if key not in missing and self._stored(key) is None:
                missing[key] = text
        if workers < 2 or len(missing) < 4:
            return  # `outline` renders them one by one: a pool costs more for a few
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with ProcessPoolExecutor(min(workers, len(missing)), mp_context=context) as pool:
            keys = list(missing)
            rendered = pool.map(
                partial(_render_into, self.folder), keys, [missing[key] for key in keys]
            )
            for key, outline in zip(keys, rendered, strict=True):
                self.memory.put(key, outline)
                self._prefetched.add(key)


def outline_of(text: str, cache: OutlineCache | None = None) -> Outline:
    """The outline of a chapter text, through `cache` when given."""
    return cache.outline(text) if cache is not None else rendered_outline(text)
