"""Drawings: a picture becomes a content-addressed image, unpacked once and only when the
text shows it; charts, diagrams, shapes, text boxes and linked pictures are noted."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sop_platform.word.markdown import escaped
from sop_platform.word.notes import Notes
from sop_platform.word.ooxml import WP, A, El, R, W
from sop_platform.word.package import WordPackage
from sop_platform.word.tokens import Token

_IMAGE_TYPES = {
    "image/png": ("png", (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": ("jpg", (b"\xff\xd8\xff",)),
    "image/gif": ("gif", (b"GIF87a", b"GIF89a")),
}


@dataclass(frozen=True)
class WordImage:
    sha256: str
    media_type: str
    extension: str
    data: bytes


class Drawings:
    def __init__(self, package: WordPackage, notes: Notes) -> None:
        self.package = package
        self.notes = notes
        self.images: dict[str, WordImage] = {}
        self.image_parts: dict[str, tuple[str, str] | None] = {}  # entry → (sha256, extension)

    def drawing(self, drawing: El) -> list[Token]:
        if drawing.find(f".//{W}txbxContent") is not None:
            self.notes.issue("text box")
        data = drawing.find(f".//{A}graphicData")
        uri = "" if data is None else str(data.get("uri") or "")
        if uri.endswith("/chart"):
            self.notes.issue("chart")
        elif uri.endswith("/diagram"):
            self.notes.issue("smartart")
        doc_pr = drawing.find(f".//{WP}docPr")
        alt = " ".join(str(doc_pr.get("descr") or "").split()) if doc_pr is not None else ""
        tokens = []
        blips = list(drawing.iter(f"{A}blip"))
        for blip in blips:
            if blip.get(f"{R}embed"):
                tokens.extend(self.image(str(blip.get(f"{R}embed")), alt or "image"))
            elif blip.get(f"{R}link"):
                self.notes.issue("linked image")
        shape = uri.endswith(("/wordprocessingShape", "/wordprocessingGroup"))
        if shape and not blips and drawing.find(f".//{W}txbxContent") is None:
            self.notes.issue("shape")
        return tokens

    def image(self, rel_id: str, alt: str) -> list[Token]:
        rel = self.package.rels.get(rel_id)
        if rel is None or rel.external:
            self.notes.issue("image missing from the file, not imported")
            return []
        media_type = self.package.content_type(rel.part)
        if rel.part not in self.image_parts:
            self.image_parts[rel.part] = self.stored_image(rel.part, media_type)
        stored = self.image_parts[rel.part]
        if stored is None:
            self.notes.issue(f"image of type {media_type} not imported (only PNG, JPEG, GIF)")
            return []
        sha, extension = stored
        return [Token(f"![{escaped(alt)}](/media/{sha}.{extension})", raw=True)]

    def stored_image(self, entry: str, media_type: str) -> tuple[str, str] | None:
        """The image's name, once it is kept; None if it is not an image we serve. It is
        unpacked once, and only when the text shows it."""
        known = _IMAGE_TYPES.get(media_type)
        if known is None:
            return None
        blob = self.package.blob(entry)
        if not blob.startswith(known[1]):
            return None
        sha = hashlib.sha256(blob).hexdigest()
        self.images.setdefault(sha, WordImage(sha, media_type, known[0], blob))
        return sha, known[0]
