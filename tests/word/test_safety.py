"""Hostile Word files, built here in memory, are refused before anything is unpacked: each
with its own reason, and without the memory a bomb would cost."""

from __future__ import annotations

import io
import random
import struct
import tracemalloc
import zipfile
from collections.abc import Callable

import docx
import pytest

from sop_platform.core.errors import InvalidInput, TooLarge
from sop_platform.word.safety import (
    MAX_ENTRIES,
    MAX_UPLOAD_BYTES,
    MAX_XML_PART_BYTES,
    MIB,
    checked_docx,
)

DOCUMENT = "word/document.xml"
RELS = "word/_rels/document.xml.rels"
TYPES = "[Content_Types].xml"
STYLES = "word/styles.xml"
XXE = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
LAUGHS = (  # lol9 expands to 10**9 "lol"s
    '<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    + "]>"
)
MACRO_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"


def _valid() -> bytes:
    document = docx.Document()
    document.add_heading("4 Manual clearance", 1)
    document.add_paragraph("The clearance depth shall be 20 cm.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


VALID = _valid()


def _parts() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(VALID)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zipped(parts: dict[str, bytes], level: int = 6) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _docx_with(changes: dict[str, bytes | None]) -> bytes:
    """The valid file with parts replaced or added (name: bytes) or removed (name: None)."""
    parts = _parts()
    for name, data in changes.items():
        if data is None:
            del parts[name]
        else:
            parts[name] = data
    return _zipped(parts)


def _with_doctype(part: str, doctype: str, old: str = "", new: str = "") -> bytes:
    """The part with a DTD after its XML declaration and, if asked, `old` text replaced by
    `new` (an entity reference) once."""
    xml = _parts()[part].decode()
    declaration_end = xml.index("?>") + 2
    xml = xml[:declaration_end] + doctype + xml[declaration_end:]
    return (xml.replace(old, new, 1) if old else xml).encode()


def _zeros(megabytes: int, name: str = "word/media/zeros.bin") -> bytes:
    """A real bomb: `megabytes` MiB of zeros, deflated as they are written."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for part, data in _parts().items():
            archive.writestr(part, data)
        with archive.open(name, "w") as entry:
            for _ in range(megabytes):
                entry.write(bytes(MIB))
    return out.getvalue()


def _bare_zip(names: list[str], declared: int | None = None) -> bytes:
    """Empty stored entries, written by hand: fast for a hundred thousand of them, and the
    end record can lie about how many there are."""
    local, central = bytearray(), bytearray()
    for name in names:
        raw = name.encode()
        central += struct.pack(
            "<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0,
            len(raw), 0, 0, 0, 0, 0, len(local),
        ) + raw  # fmt: skip
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(raw), 0)
        local += raw
    count = min(len(names) if declared is None else declared, 0xFFFF)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), len(local), 0)
    return bytes(local + central + end)


def _renamed(data: bytes, old: str, new: bytes) -> bytes:
    """The archive with an entry name replaced by raw bytes of the same length, in both the
    local header and the central directory: names zipfile itself would refuse to write."""
    assert len(old.encode()) == len(new) and data.count(old.encode()) == 2
    return data.replace(old.encode(), new)


def _directory_record(data: bytes, name: str) -> int:
    """Where the central directory record of entry `name` starts."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        position = archive.start_dir  # type: ignore[attr-defined]
    while data[position + 46 : position + 46 + len(name)] != name.encode():
        position = data.index(b"PK\x01\x02", position + 1)
    return position


def _encrypted(data: bytes, name: str) -> bytes:
    """The archive with one entry flagged as encrypted (bit 0), as a zip tool encrypting
    it would flag it, in its local header and its directory record."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        patched[archive.getinfo(name).header_offset + 6] |= 0x1
    patched[_directory_record(data, name) + 8] |= 0x1
    return bytes(patched)


def _declaring(data: bytes, name: str, size: int) -> bytes:
    """The archive with one entry's unpacked size understated in the directory."""
    patched = bytearray(data)
    record = _directory_record(data, name)
    patched[record + 24 : record + 28] = struct.pack("<L", size)
    return bytes(patched)


def _bzip2_entry() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in _parts().items():
            method = zipfile.ZIP_BZIP2 if name == "word/styles.xml" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return out.getvalue()


def _duplicate_names() -> bytes:
    parts = _parts()
    parts["word/documenX.xml"] = parts[DOCUMENT]
    return _renamed(_zipped(parts), "word/documenX.xml", DOCUMENT.encode())


def _many_entries() -> bytes:
    parts = _parts()
    parts.update({f"word/media/x{n}.bin": b"" for n in range(MAX_ENTRIES + 1 - len(parts))})
    return _zipped(parts)


def _slipped(name: str) -> bytes:
    return _docx_with({name: b"owned"})


UPLOAD_TOO_LARGE = "an upload may be at most 10 MiB"
UNPACKS_TOO_LARGE = "at most 100 MiB is allowed"
# Sizes answer 413 (TooLarge); every other refusal 422 (InvalidInput).
TOO_LARGE = (UPLOAD_TOO_LARGE, UNPACKS_TOO_LARGE)

HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "plain text": (lambda: b"The clearance depth shall be 20 cm.\n", "not a .docx (zip) file"),
    "a PDF": (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "not a .docx (zip) file"),
    "an encrypted or legacy .doc (OLE)": (
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "an encrypted or legacy Word file",
    ),
    "an empty file": (lambda: b"", "the file is empty"),
    "an upload over 10 MiB": (
        lambda: b"PK\x03\x04" + bytes(MAX_UPLOAD_BYTES - 3),
        UPLOAD_TOO_LARGE,
    ),
    "more than 1,000 entries": (_many_entries, "1001 entries; a .docx may have at most 1000"),
    "100,000 entries behind an end record claiming one": (
        lambda: _bare_zip([f"{n:x}" for n in range(100_000)], declared=1),
        "more than 1000 entries",
    ),
    "a 101 MiB entry of zeros": (lambda: _zeros(101), UNPACKS_TOO_LARGE),
    "an entry compressed over 100:1": (
        lambda: _zeros(5),
        "entry word/media/zeros.bin is compressed",
    ),
    "small entries compressed over 100:1 together": (
        lambda: _docx_with({f"word/media/z{n}.bin": bytes(MIB) for n in range(8)}),
        "overall; at most 100:1 is allowed",
    ),
    "a zip-slip '..' name": (lambda: _slipped("../evil1234"), "a '..' part: zip slip"),
    "a zip-slip '..' name inside a folder": (lambda: _slipped("word/../.."), "zip slip"),
    "an absolute name": (lambda: _slipped("/etc/passwd"), "an absolute path"),
    "a Windows name with a backslash": (lambda: _slipped("C:\\evil.xx"), "a backslash"),
    "a name with a drive letter": (lambda: _slipped("C:/evil.xx"), "a drive letter"),
    "a name with a NUL": (
        lambda: _renamed(_docx_with({"word/media/x": b""}), "word/media/x", b"word/med\0a/x"),
        "a NUL character",
    ),
    "the same name twice": (_duplicate_names, "the entry name word/document.xml occurs twice"),
    "an encrypted entry": (
        lambda: _encrypted(VALID, DOCUMENT),
        "entry word/document.xml is encrypted",
    ),
    "a bzip2 entry": (_bzip2_entry, "uses compression method 12"),
    "no word/document.xml": (
        lambda: _docx_with({DOCUMENT: None}),
        "word/document.xml is missing; this is not a Word document",
    ),
    "a .docm by its content type": (
        lambda: _docx_with(
            {
                "[Content_Types].xml": _parts()["[Content_Types].xml"].replace(
                    b"application/vnd.openxmlformats-officedocument.wordprocessingml"
                    b".document.main+xml",
                    MACRO_TYPE.encode(),
                )
            }
        ),
        f"a macro-enabled document (.docm: content type {MACRO_TYPE})",
    ),
    "a .docm by its vbaProject.bin": (
        lambda: _docx_with({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
        "a macro-enabled document (.docm: vbaProject.bin)",
    ),
    "an external entity (XXE) in the document": (
        lambda: _docx_with({DOCUMENT: _with_doctype(DOCUMENT, XXE, "20 cm", "&e;")}),
        "word/document.xml declares a DTD or entities",
    ),
    "a billion laughs in the styles": (
        lambda: _docx_with(
            {STYLES: _with_doctype(STYLES, LAUGHS, 'w:val="Normal"', 'w:val="&lol9;"')}
        ),
        "word/styles.xml declares a DTD or entities",
    ),
    "a DTD in a .rels part": (
        lambda: _docx_with({RELS: _with_doctype(RELS, "<!DOCTYPE Relationships>")}),
        "word/_rels/document.xml.rels declares a DTD or entities",
    ),
    "a DTD in [Content_Types].xml": (
        lambda: _docx_with({TYPES: _with_doctype(TYPES, "<!DOCTYPE Types>")}),
        "[Content_Types].xml declares a DTD or entities",
    ),
    "XML that is not well-formed": (
        lambda: _docx_with({DOCUMENT: b"<w:document><w:body>"}),
        "word/document.xml is not well-formed XML",
    ),
    "a corrupt zip": (
        lambda: b"PK\x03\x04" + b"\x14\x00" + bytes(200),
        "a corrupt zip archive",
    ),
    "a truncated .docx": (lambda: VALID[: len(VALID) // 2], "a corrupt zip archive"),
    "an entry larger than it declares": (
        lambda: _declaring(VALID, DOCUMENT, 100),
        "entry word/document.xml is corrupt",
    ),
}


@pytest.mark.parametrize(("build", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_file_is_refused_with_its_own_reason(build: Callable[[], bytes], reason: str):
    data = build()

    with pytest.raises(InvalidInput) as refusal:
        checked_docx(data, "sop.docx")

    assert refusal.value.detail.startswith("sop.docx: ")
    assert reason in refusal.value.detail
    assert "\n" not in refusal.value.detail
    assert isinstance(refusal.value, TooLarge) == (reason in TOO_LARGE)


@pytest.mark.parametrize(
    "build",
    [
        lambda: _zeros(101),
        lambda: _zeros(5),
        _many_entries,
        lambda: _bare_zip([f"{n:x}" for n in range(100_000)], declared=1),
        lambda: _docx_with(
            {STYLES: _with_doctype(STYLES, LAUGHS, 'w:val="Normal"', 'w:val="&lol9;"')}
        ),
    ],
    ids=["101 MiB of zeros", "5 MiB of zeros", "1001 entries", "100,000 entries", "laughs"],
)
def test_refusing_a_bomb_costs_little_memory(build: Callable[[], bytes]):
    data = build()
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput):
            checked_docx(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 20 * MIB


def test_a_real_word_file_passes():
    checked_docx(VALID)


def test_a_small_part_that_compresses_very_well_is_not_a_bomb():
    # 512 KiB of one repeated table row: far better than 100:1, far too small to hurt.
    row = b"<tr><tc><p/></tc></tr>"
    parts = _parts()
    parts["customXml/item9.xml"] = b"<rows>" + row * (512 * 1024 // len(row)) + b"</rows>"
    data = _zipped(parts, level=9)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("customXml/item9.xml")
    assert info.file_size / info.compress_size > 100

    checked_docx(data)


def test_the_refusal_names_the_file_it_was_given_on_one_line():
    with pytest.raises(InvalidInput) as refusal:
        checked_docx(b"not a zip", "Fəsil 4\nclearance.docx")

    assert refusal.value.detail == "Fəsil 4\\nclearance.docx: not a .docx (zip) file"


def _xml_over_the_part_budget() -> bytes:
    """A real Word file whose document.xml, of plain paragraphs, unpacks to just over the
    XML budget at about 13:1: under every other limit (upload, unpacked total, ratio)."""
    rng = random.Random(15)
    pool = [
        f"<w:p><w:r><w:t>{rng.randbytes(40).hex()} {'lane ' * 180}</w:t></w:r></w:p>".encode()
        for _ in range(4096)
    ]
    head = _parts()[DOCUMENT].split(b"<w:body>")[0] + b"<w:body>"
    paragraphs, size = [], len(head)
    while size <= MAX_XML_PART_BYTES:
        paragraphs.append(pool[len(paragraphs) % len(pool)])
        size += len(paragraphs[-1])
    parts = _parts()
    parts[DOCUMENT] = head + b"".join(paragraphs) + b"</w:body></w:document>"
    return _zipped(parts, level=1)


def test_an_xml_part_over_the_budget_is_refused_from_the_directory_alone():
    data = _xml_over_the_part_budget()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(DOCUMENT)
    assert len(data) < MAX_UPLOAD_BYTES and info.file_size / info.compress_size < 100
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge) as refusal:
            checked_docx(data, "sop.docx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert refusal.value.detail == (
        f"sop.docx: word/document.xml would unpack to {info.file_size:,} bytes; an XML part "
        f"may hold at most {MAX_XML_PART_BYTES:,} bytes, 32 for each character a Word file "
        "may convert to"
    )
    assert peak < MIB  # nothing was unpacked
