"""A chapter text parsed and rendered once, remembered by its sha256.

The result depends only on the text (the chapter's language, read from its front matter,
picks the interface words), so any process can reuse it: in memory for the app, and in a
folder of JSON files for `publish`, which a re-publish reads instead of parsing again.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sop_platform.core.clauses import Clause
from sop_platform.core.hashing import sha256_hex
from sop_platform.render.markdown import Reference, parse_chapter, render_body
from sop_platform.render.site_text import catalogue

# Bumped whenever the renderer's output changes, so stale cached bodies are never reused.
RENDERER_VERSION = "1"


@dataclass(frozen=True)
class Outline:
    """A rendered chapter: its clauses, references, plain text per clause and HTML body
    (with placeholders that `finish_body` fills per page)."""

    front: dict[str, Any]
    clauses: list[Clause]
    references: list[Reference]
    plain_text: dict[str, str]
    body: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "front": self.front,
                "clauses": [asdict(clause) for clause in self.clauses],
                "references": [asdict(ref) for ref in self.references],
                "plain_text": self.plain_text,
                "body": self.body,
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
        )


def rendered_outline(text: str) -> Outline:
    """Parse and render a chapter text (uncached)."""
    parsed = parse_chapter(text)
    language = str(parsed.front.get("language", "en"))
    return Outline(
        front=parsed.front,
        clauses=parsed.clauses,
        references=parsed.references,
        plain_text=parsed.plain_text,
        body=render_body(parsed, catalogue(language)),
    )


class OutlineCache:
    """Outlines by content sha256: a bounded in-memory LRU, optionally backed by a folder."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, folder: Path | None = None) -> None:
        self.max_bytes = max_bytes
        self.folder = folder
        self._items: OrderedDict[str, tuple[Outline, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _key(self, text: str) -> str:
        return sha256_hex(f"{RENDERER_VERSION}\n{text}".encode())

    def outline(self, text: str) -> Outline:
        key = self._key(text)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found[0]
        outline = self._from_folder(key)
        if outline is None:
            self.misses += 1
            outline = rendered_outline(text)
            self._to_folder(key, outline)
        else:
            self.hits += 1
        self._remember(key, outline, len(text) + len(outline.body))
        return outline

    def _remember(self, key: str, outline: Outline, size: int) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (outline, size)
            self._bytes += size
            while self._bytes > self.max_bytes and len(self._items) > 1:
                _old, (_outline, old_size) = self._items.popitem(last=False)
                self._bytes -= old_size

    def _from_folder(self, key: str) -> Outline | None:
        if self.folder is None:
            return None
        path = self.folder / f"{key}.json"
        try:
            return Outline.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent or damaged: render again

    def _to_folder(self, key: str, outline: Outline) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{key}.json"
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(outline.to_json(), encoding="utf-8")
        partial.replace(path)


_SHARED = OutlineCache()


def shared_cache() -> OutlineCache:
    """The process-wide cache the app's pages use."""
    return _SHARED


def outline_of(text: str) -> Outline:
    """The outline of a chapter text, from the process-wide cache."""
    return _SHARED.outline(text)
