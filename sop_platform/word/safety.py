"""Refusing a hostile or unusable Word file before anything in it is unpacked.

A .docx is a zip of XML parts. Before a converter opens one, `checked_docx` looks at its
size, its magic bytes and its central directory (reading the directory is not unpacking),
then reads every XML part through a size limit and parses it with defusedxml, so that a zip
bomb, a zip-slip name, a macro-enabled or encrypted file, an XML part larger than the text a
Word file may convert to could need, or an XML part with a DTD or entities (XXE, billion
laughs) is refused with a one-line reason. Nothing is written anywhere: the archive is read
from memory.

`XmlStream` is how the converter then reads a part it has checked: parsed as it is unpacked,
64 KiB at a time, so that neither the part nor its whole tree is ever held in memory.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import Protocol, cast
from xml.etree.ElementTree import Element, XMLPullParser

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from sop_platform.core.chapters import TEXT_LIMIT
from sop_platform.core.errors import InvalidInput, TooLarge

MIB = 1024 * 1024
MAX_UPLOAD_BYTES = 10 * MIB
MAX_UNPACKED_BYTES = 100 * MIB
MAX_ENTRIES = 1000
MAX_RATIO = 100
# A part that unpacks to less than this cannot be a bomb, and short repetitive XML (an empty
# table, a style list) legitimately compresses better than 100:1: the ratio is judged above it.
RATIO_GRACE_BYTES = 1 * MIB
# Word writes 3 to 10 bytes of XML for each character of text, some 30 where every run
# carries its own fonts: no part needs more than this for the most text a file may convert
# to, and a part is never read past it.
XML_BYTES_PER_CHARACTER = 32
MAX_XML_PART_BYTES = XML_BYTES_PER_CHARACTER * TEXT_LIMIT
# The most XML one element held whole while a part streams may span (a paragraph, a table
# row, a style): parsed, it takes about 15 times as much memory.
MAX_ELEMENT_XML_BYTES = 4 * MIB

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
REQUIRED_PARTS = ("[Content_Types].xml", "word/document.xml")
_CHUNK = 64 * 1024
_STORED_OR_DEFLATED = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_DRIVE = re.compile(r"^[A-Za-z]:")
_MACROS = re.compile(r"macroenabled|vbaproject", re.IGNORECASE)
_XML_NAME = re.compile(r"\.(xml|rels|vml)$", re.IGNORECASE)

# The zip format's own records (APPNOTE.TXT 4.3.12 to 4.3.16).
_END = struct.Struct("<4s4H2LH")
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
_DIRECTORY_ENTRY = struct.Struct("<4s4B4HL2L5H2L")


class _Refuse(Protocol):
    """Makes the error to raise: `InvalidInput` (422) unless a subclass is given."""

    def __call__(self, problem: str, error: type[InvalidInput] = ...) -> InvalidInput: ...


def checked_docx(data: bytes, name: str = "upload.docx") -> None:
    """_Refuse `data` unless it is a .docx that is safe to unpack and parse.

    Raises `InvalidInput` whose detail begins with `name` and says what is wrong: its
    subclass `TooLarge` (413) when the upload or what it unpacks to is over its size."""

    def refuse(problem: str, error: type[InvalidInput] = InvalidInput) -> InvalidInput:
        return error(f"{shown(name)}: {problem}")

    if not data:
        raise refuse("the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise refuse(
            f"the file is {len(data)} bytes; "
            f"an upload may be at most {MAX_UPLOAD_BYTES // MIB} MiB",
            TooLarge,
        )
    if data.startswith(OLE_MAGIC):
        raise refuse(
            "an encrypted or legacy Word file (.doc); save it as a .docx without a password"
        )
    if not data.startswith(ZIP_MAGIC):
        raise refuse("not a .docx (zip) file")
    _count_entries(data, refuse)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, struct.error) as e:
        raise refuse(f"a corrupt zip archive ({shown(str(e))})") from e
    with archive:
        entries = archive.infolist()
        _check_directory(entries, refuse)
        _check_word_parts(archive, entries, refuse)


def _count_entries(data: bytes, refuse: _Refuse) -> None:
    """Count the central directory's records the way zipfile will read them, stopping
    past MAX_ENTRIES: a 10 MiB directory of empty entries would otherwise cost zipfile
    over a hundred thousand objects before we could count them."""
    end = _end_record_at(data)
    if end < 0:
        raise refuse("a corrupt zip archive (no end of central directory record)")
    _, _, _, _, declared, size, _, _ = _END.unpack_from(data, end)
    stop = end
    locator = end - _END64_LOCATOR.size
    if locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":
        record = locator - _END64.size
        if record < 0 or data[record : record + 4] != b"PK\x06\x06":
            raise refuse("a corrupt zip archive (bad zip64 end record)")
        fields = _END64.unpack_from(data, record)
        declared, size, stop = fields[7], fields[8], record
    if declared > MAX_ENTRIES:
        raise refuse(f"{declared} entries; a .docx may have at most {MAX_ENTRIES}")
    start = stop - size
    if start < 0:
        raise refuse("a corrupt zip archive (bad central directory size)")
    position, count = start, 0
    while position < stop:
        if position + _DIRECTORY_ENTRY.size > stop:
            raise refuse("a corrupt zip archive (truncated central directory)")
        fields = _DIRECTORY_ENTRY.unpack_from(data, position)
        if fields[0] != b"PK\x01\x02":
            raise refuse("a corrupt zip archive (bad central directory entry)")
        count += 1
        if count > MAX_ENTRIES:
            raise refuse(f"more than {MAX_ENTRIES} entries; a .docx may have at most that")
        position += _DIRECTORY_ENTRY.size + fields[12] + fields[13] + fields[14]


def _end_record_at(data: bytes) -> int:
    """Where the end of central directory record starts, found as zipfile finds it."""
    tail = len(data) - _END.size
    if tail >= 0 and data[tail : tail + 4] == b"PK\x05\x06" and data[-2:] == b"\0\0":
        return tail
    floor = max(len(data) - (1 << 16) - _END.size, 0)
    found = data.rfind(b"PK\x05\x06", floor)
    return found if 0 <= found <= tail else -1


def _check_directory(entries: list[zipfile.ZipInfo], refuse: _Refuse) -> None:
    if len(entries) > MAX_ENTRIES:
        raise refuse(f"{len(entries)} entries; a .docx may have at most {MAX_ENTRIES}")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise refuse(
            f"it would unpack to {unpacked} bytes; "
            f"at most {MAX_UNPACKED_BYTES // MIB} MiB is allowed",
            TooLarge,
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_GRACE_BYTES and ratio > MAX_RATIO:
            raise refuse(
                f"entry {shown(entry.filename)} is compressed {ratio:.0f}:1; "
                f"at most {MAX_RATIO}:1 is allowed (a zip bomb?)"
            )
    ratio = unpacked / max(sum(entry.compress_size for entry in entries), 1)
    if unpacked > RATIO_GRACE_BYTES and ratio > MAX_RATIO:
        raise refuse(
            f"the archive is compressed {ratio:.0f}:1 overall; "
            f"at most {MAX_RATIO}:1 is allowed (a zip bomb?)"
        )
    seen: set[str] = set()
    for entry in entries:
        unsafe = _unsafe_name(entry.orig_filename)
        if unsafe:
            raise refuse(f"unsafe entry name {shown(entry.orig_filename)} ({unsafe})")
        if entry.filename in seen:
            raise refuse(f"the entry name {shown(entry.filename)} occurs twice")
        seen.add(entry.filename)
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise refuse(f"entry {shown(entry.filename)} is encrypted")
        if entry.compress_type not in _STORED_OR_DEFLATED:
            raise refuse(
                f"entry {shown(entry.filename)} uses compression method "
                f"{entry.compress_type}; a .docx uses only stored or deflated entries"
            )


def _unsafe_name(name: str) -> str:
    """Why an entry name could escape the folder it is unpacked into, or ''."""
    if "\0" in name:
        return "a NUL character"
    if "\\" in name:
        return "a backslash"
    if name.startswith("/"):
        return "an absolute path"
    if _DRIVE.match(name):
        return "a drive letter"
    if ".." in name.split("/"):
        return "a '..' part: zip slip"
    return ""


def _check_word_parts(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], refuse: _Refuse
) -> None:
    names = {entry.filename: entry for entry in entries}
    for required in REQUIRED_PARTS:
        if required not in names:
            raise refuse(f"{required} is missing; this is not a Word document")
    if any(n.rsplit("/", 1)[-1].lower() == "vbaproject.bin" for n in names):
        raise refuse(
            "a macro-enabled document (.docm: vbaProject.bin); save it as a .docx without macros"
        )
    types = _ContentTypes(set(names))
    _check_xml_size(names["[Content_Types].xml"], refuse)
    _check_xml(archive, names["[Content_Types].xml"], refuse, types)
    if types.macros:
        raise refuse(
            "a macro-enabled document (.docm: content type "
            f"{shown(types.macros)}); save it as a .docx without macros"
        )
    parts = [
        entry
        for entry in entries
        if entry.filename != "[Content_Types].xml"
        and not entry.is_dir()
        and is_xml_part(entry.filename, types.of(entry.filename))
    ]
    for entry in parts:  # all sizes first: a part over the budget is refused unread
        _check_xml_size(entry, refuse)
    for entry in parts:
        _check_xml(archive, entry, refuse, _Nothing())


def is_xml_part(name: str, content_type: str) -> bool:
    """Whether `checked_docx` parses the part as XML (so refuses a DTD in it)."""
    return bool(_XML_NAME.search(name)) or content_type.endswith("xml")


def _check_xml_size(entry: zipfile.ZipInfo, refuse: _Refuse) -> None:
    if entry.file_size > MAX_XML_PART_BYTES:
        raise refuse(
            f"{shown(entry.filename)} would unpack to {entry.file_size:,} bytes; an XML part "
            f"may hold at most {MAX_XML_PART_BYTES:,} bytes, {XML_BYTES_PER_CHARACTER} for "
            "each character a Word file may convert to",
            TooLarge,
        )


def _chunks(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, refuse: _Refuse) -> Iterator[bytes]:
    """The entry's bytes, never more than it declared: its declared size is bounded above,
    the bytes that arrive are bounded here."""
    left = entry.file_size + 1
    try:
        with archive.open(entry) as stream:
            while left > 0:
                chunk = stream.read(min(_CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                if left <= 0:
                    raise refuse(
                        f"entry {shown(entry.filename)} holds more than its declared "
                        f"{entry.file_size} bytes"
                    )
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as e:
        raise refuse(f"entry {shown(entry.filename)} is corrupt ({shown(str(e))})") from e


def unpacked(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, name: str) -> bytes:
    """A checked entry's bytes (an image), never more than it declared."""

    def refuse(problem: str, error: type[InvalidInput] = InvalidInput) -> InvalidInput:
        return error(f"{shown(name)}: {problem}")

    return b"".join(_chunks(archive, entry, refuse))


def _check_xml(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo, refuse: _Refuse, target: object
) -> None:
    """Parse the part as a stream with any DTD, entity or external reference forbidden.
    No tree is built: the target keeps only what it is asked to."""
    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    # ElementTree's catch-all handler would call Python for every tag and every piece of
    # text (0.3 s a MiB); without it expat checks the part at C speed, and still refuses an
    # undeclared entity itself. The DTD and entity handlers above stay.
    parser.parser.DefaultHandlerExpand = None
    try:
        for chunk in _chunks(archive, entry, refuse):
            parser.feed(chunk)
        parser.close()
    except DefusedXmlException as e:
        raise refuse(_forbidden(entry.filename, e)) from e
    except ParseError as e:
        raise refuse(f"{shown(entry.filename)} is not well-formed XML ({e})") from e


def _forbidden(part: str, error: DefusedXmlException) -> str:
    return (
        f"{shown(part)} declares a DTD or entities ({type(error).__name__}); "
        "refused as an XXE or entity-expansion attack"
    )


def shown(text: str) -> str:
    """A name or message as one printable line of bounded length."""
    shown = repr(text)[1:-1] if not text.isprintable() else text
    return shown if len(shown) <= 120 else shown[:117] + "..."


class _Nothing:
    """A parser target that keeps nothing."""

    def close(self) -> None:
        return None


class _ContentTypes(_Nothing):
    """A parser target for [Content_Types].xml: the first macro-enabled content type, and
    the defaults and overrides of the parts actually present (so it stays small)."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.extensions = {name.rsplit(".", 1)[-1].lower() for name in names}
        self.defaults: dict[str, str] = {}
        self.overrides: dict[str, str] = {}
        self.macros = ""

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        content_type = attributes.get("ContentType", "")
        if not self.macros and _MACROS.search(content_type):
            self.macros = content_type
        if tag.endswith("}Default"):
            extension = attributes.get("Extension", "").lower()
            if extension in self.extensions:
                self.defaults[extension] = content_type
        elif tag.endswith("}Override"):
            name = attributes.get("PartName", "").lstrip("/")
            if name in self.names:
                self.overrides[name] = content_type

    def of(self, name: str) -> str:
        extension = name.rsplit(".", 1)[-1].lower()
        return self.overrides.get(name, self.defaults.get(extension, ""))


class XmlStream:
    """The start and end events of a checked part's XML, parsed as it is unpacked, 64 KiB
    at a time; `read` counts the bytes unpacked so far, and `check` runs after each chunk
    (a time budget). The part is never read past MAX_XML_PART_BYTES.

    Only a part `checked_docx` has parsed (`is_xml_part`) may be streamed: that check
    refused any DTD with defusedxml, and the standard library's parser never loads an
    external entity and bounds the expansion of internal ones (expat 2.4 and later)."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        entry: zipfile.ZipInfo,
        name: str,
        check: Callable[[], None] = lambda: None,
    ) -> None:
        self.archive = archive
        self.entry = entry
        self.part = shown(entry.filename)
        self.name = name
        self.check = check
        self.read = 0

    def refuse(self, problem: str, error: type[InvalidInput] = InvalidInput) -> InvalidInput:
        return error(f"{shown(self.name)}: {problem}")

    def __iter__(self) -> Iterator[tuple[str, Element]]:
        parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
        try:
            for chunk in _chunks(self.archive, self.entry, self.refuse):
                self.read += len(chunk)
                if self.read > MAX_XML_PART_BYTES:
                    raise self.refuse(
                        f"{self.part} holds more than {MAX_XML_PART_BYTES:,} bytes of XML",
                        TooLarge,
                    )
                parser.feed(chunk)
                self.check()
                yield from _events(parser)
            parser.close()
        except ParseError as e:
            raise self.refuse(f"{self.part} is not well-formed XML ({e})") from e
        yield from _events(parser)

    def children(self) -> Iterator[Element]:
        """Each child of the root element once it is complete, then dropped from the tree:
        a part of any length costs the memory of its largest child."""
        path: list[Element] = []
        start = 0
        for event, element in self:
            if event == "start":
                path.append(element)
                if len(path) == 2:
                    start = self.read
            else:
                path.pop()
                if len(path) == 1:
                    yield element
                    path[0].remove(element)
            if len(path) > 1 and self.read - start > MAX_ELEMENT_XML_BYTES:
                raise self.refuse(
                    f"an element of {self.part} holds more than "
                    f"{MAX_ELEMENT_XML_BYTES // MIB} MiB of XML",
                    TooLarge,
                )


def _events(parser: XMLPullParser[Element]) -> Iterator[tuple[str, Element]]:
    # Only start and end events were asked for: each is (event, element).
    return cast(Iterator[tuple[str, Element]], parser.read_events())
