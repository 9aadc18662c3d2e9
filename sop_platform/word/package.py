"""The parts of a checked .docx that conversion reads, found the way Word finds them.

A .docx is an Open Packaging Conventions package (ECMA-376 part 2): `[Content_Types].xml`
gives each part's content type, `_rels/.rels` points to the main document part, and
`word/_rels/document.xml.rels` to the styles, numbering, comments, images and web links the
document uses. `WordPackage` reads the content types and the relationships, keeping only
what conversion asks about, and unpacks a part only when asked: the document and its styles
as streams (`safety.XmlStream`), an image when the text shows it. Every part a
relationship points to must be there and have a content type, as python-docx, which read
these files before, required; a package that fails this is `Unreadable`.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from sop_platform.core.errors import TooLarge
from sop_platform.word.safety import XmlStream, is_xml_part, unpacked

_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
DOCUMENT_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
# Relationships read in all the package's parts: thousands of web links fit. It bounds what
# they cost; everything else kept here is bounded by the archive's entries.
MAX_RELATIONSHIPS = 20_000


class Unreadable(Exception):
    """A safe package that is not a Word document we can read; the message says why."""


@dataclass(frozen=True)
class Relationship:
    type: str
    target: str  # the Target attribute as written
    external: bool
    part: str  # the entry an internal relationship points to; "" when external


class WordPackage:
    """The package's content types and relationships; `main` is the document part's entry
    and `rels` its relationships by id. `check` runs while parts stream (a time budget)."""

    def __init__(
        self, archive: zipfile.ZipFile, name: str, check: Callable[[], None] = lambda: None
    ) -> None:
        self.archive = archive
        self.name = name
        self.check = check
        self.entries = {entry.filename: entry for entry in archive.infolist()}
        self.relationships = 0
        self.overrides: dict[str, str] = {}
        self.defaults: dict[str, str] = {}
        self._read_content_types()
        walked = self._walk()
        main = [rel for rel in walked[""] if rel[1].type == OFFICE_DOCUMENT]
        if len(main) != 1:
            raise Unreadable(f"_rels/.rels names {len(main)} main document parts, not one")
        self.main = main[0][1].part
        if self.content_type(self.main) != DOCUMENT_MAIN:
            raise Unreadable(
                f"its main part {self.main} is of type {self.content_type(self.main)}, "
                "not a Word document"
            )
        self.rels = dict(walked[self.main])

    def content_type(self, entry: str) -> str:
        found = self._type_of(entry)
        if found is None:
            raise Unreadable(f"no content type for {entry} in [Content_Types].xml")
        return found

    def _type_of(self, entry: str) -> str | None:
        found = self.overrides.get(f"/{entry}".lower())
        return found or self.defaults.get(posixpath.splitext(entry)[1][1:].lower())

    def related(self, kind: str) -> list[str]:
        """The entries the document part relates to by relationships of type `kind`."""
        return [rel.part for rel in self.rels.values() if rel.type == kind and not rel.external]

    def stream(self, entry: str) -> XmlStream:
        if not is_xml_part(entry, self._type_of(entry) or ""):
            raise Unreadable(f"{entry} is not an XML part")
        return XmlStream(self.archive, self.entries[entry], self.name, self.check)

    def blob(self, entry: str) -> bytes:
        return unpacked(self.archive, self.entries[entry], self.name)

    def _read_content_types(self) -> None:
        """Only the defaults and overrides of entries present are kept: the file may be
        long, the archive holds at most 1,000 entries."""
        present = {f"/{name}".lower() for name in self.entries}
        extensions = {posixpath.splitext(name)[1][1:].lower() for name in present}
        for element in self.stream("[Content_Types].xml").children():
            content_type = element.get("ContentType", "")
            if element.tag == f"{_TYPES}Default":
                extension = element.get("Extension", "").lower()
                if extension in extensions:
                    self.defaults[extension] = content_type
            elif element.tag == f"{_TYPES}Override":
                part = element.get("PartName", "").lower()
                if part in present:
                    self.overrides[part] = content_type

    def _walk(self) -> dict[str, list[tuple[str, Relationship]]]:
        """The relationships of the package ("") and of every part they reach, each
        internal target checked to be present and typed."""
        walked = {"": self._relationships("")}
        waiting = [""]
        while waiting:
            for _id, rel in walked[waiting.pop()]:
                if rel.external or rel.part in walked:
                    continue
                if rel.part not in self.entries:
                    raise Unreadable(f"there is no item named {rel.part!r} in the archive")
                self.content_type(rel.part)
                walked[rel.part] = self._relationships(rel.part)
                waiting.append(rel.part)
        return walked

    def _relationships(self, source: str) -> list[tuple[str, Relationship]]:
        folder, file = posixpath.split(f"/{source}")
        entry = posixpath.join(folder, "_rels", f"{file}.rels")[1:]
        if entry not in self.entries:
            return []
        return list(self._read_relationships(entry, folder))

    def _read_relationships(self, entry: str, base: str) -> Iterator[tuple[str, Relationship]]:
        for element in self.stream(entry).children():
            if element.tag != _RELATIONSHIP:
                continue
            self.relationships += 1
            if self.relationships > MAX_RELATIONSHIPS:
                raise TooLarge(
                    f"{self.name}: more than {MAX_RELATIONSHIPS:,} relationships (links, "
                    "images, parts); split the document"
                )
            yield _relationship(entry, base, element)


def _relationship(entry: str, base: str, element: Element) -> tuple[str, Relationship]:
    rel_id, kind, target = (element.get(key) for key in ("Id", "Type", "Target"))
    if rel_id is None or kind is None or target is None:
        raise Unreadable(f"a relationship in {entry} lacks its Id, Type or Target")
    if element.get("TargetMode") == "External":
        return rel_id, Relationship(kind, target, True, "")
    # As python-docx resolved it: relative to the source's folder, dot segments removed.
    part = posixpath.normpath(posixpath.join(base, target))[1:]
    return rel_id, Relationship(kind, target, False, part)
