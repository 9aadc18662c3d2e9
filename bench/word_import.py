"""Time and memory of converting a Word file (`word/convert.converted`), with the
converter before streaming (python-docx, from git) as the baseline measured in the same run.

Cases, built here as real .docx files:

* (a) the seed SOP (`content/sops/anama-sop/<language>/*.md`, 9 chapters) written to Word
  with python-docx: headings, paragraphs with bold and italic, lists and tables;
* (b) the bomb of issue 15: a document.xml of about 95 MiB of plain paragraphs, deflated
  about 13:1 to a file of 7 MiB or so, under the upload limit and every ratio limit;
* (c) a text bomb just under the XML budget: 60 MB of such paragraphs, whose text is nine
  times the limit; streaming must stop at the limit, not read the part to its end;
* (d) the most text accepted: 6 MB of such paragraphs, just under 2,000,000 characters: what
  a legitimate file at the limit costs, against MAX_CONVERSION_SECONDS.

Each file is built, and each conversion runs, in a child process of its own, so that the
parent stays small (Linux carries a parent's peak RSS into the `ru_maxrss` of the children
it spawns). A converting child reports its processor time (user + system,
`resource.getrusage`), its wall time and its peak RSS (`ru_maxrss`), with the RSS it had
before converting (imports and the file read). Case (a) is converted
`--repeat` times (median times, highest RSS). The baseline is the converter of `--old-ref`
(default: the last commit before streaming), read with `git show`; it runs on (a) always
and on the bombs only with `--old-bombs` (about 50 s of CPU and 2.4 GB each).

Targets: (a) no slower than before; (b) refused before anything is unpacked; (c) refused for
about the CPU of (d), far below the old path's, and (b), (c), (d) within some 50 MB of RSS
above what the child had before converting. Nothing is asserted; the figures are printed.

Run from the project root:

    .venv/bin/python bench/word_import.py
    .venv/bin/python bench/word_import.py --repeat 3 --old-bombs
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _corpus

ROOT = Path(__file__).resolve().parent.parent
OLD_REF = "29bf7aa"  # the last commit whose converter parsed the whole file with python-docx
NAMESPACE = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_INLINE = re.compile(r"(\*\*[^*]+\*\*|\*[^*]+\*)")
_ATTRIBUTES = re.compile(r"\s*\{[^{}]*\}\s*$")
_NUMBERED = re.compile(r"^\d+\. ")
POOL = 48  # distinct paragraphs in a bomb: fewer deflate better
VOCABULARY = 50  # distinct words in them: fewer deflate better


# -- the files --------------------------------------------------------------------------


def _runs(paragraph: Any, text: str) -> None:
    for piece in _INLINE.split(text):
        if piece.startswith("**"):
            paragraph.add_run(piece[2:-2]).bold = True
        elif piece.startswith("*"):
            paragraph.add_run(piece[1:-1]).italic = True
        elif piece:
            paragraph.add_run(piece)


def _block(document: Any, block: str) -> None:
    lines = block.splitlines()
    if block.startswith("#"):
        marks, _, title = lines[0].partition(" ")
        document.add_heading(_ATTRIBUTES.sub("", title), len(marks))
    elif all(line.startswith("|") for line in lines):
        rows = [
            [cell.strip() for cell in line.strip("|").split("|")]
            for line in lines
            if not set(line) <= set("|-: ")
        ]
        table = document.add_table(rows=len(rows), cols=max(len(row) for row in rows))
        for cells, row in zip(table.rows, rows, strict=True):
            for cell, text in zip(cells.cells, row, strict=False):
                _runs(cell.paragraphs[0], text)
    elif all(_NUMBERED.match(line) for line in lines):
        for line in lines:
            _runs(document.add_paragraph(style="List Number"), _NUMBERED.sub("", line))
    elif all(line.startswith("- ") for line in lines):
        for line in lines:
            _runs(document.add_paragraph(style="List Bullet"), line[2:])
    else:
        _runs(document.add_paragraph(), " ".join(lines))


def seed_docx(language: str) -> bytes:
    """The seed SOP in one language as a Word file, one Heading 1 per chapter."""
    import docx
    import yaml

    document = docx.Document()
    for path in sorted((ROOT / "content" / "sops" / "anama-sop" / language).glob("*.md")):
        _, front, body = path.read_text("utf-8").split("---\n", 2)
        fields = yaml.safe_load(front)
        document.add_heading(f"{fields['number']} {fields['title']}", 1)
        for block in body.strip().split("\n\n"):
            _block(document, block.strip())
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _paragraph_xml(rng: random.Random, vocabulary: list[str]) -> str:
    """Runs of two to five words, every other one bold, as Word writes them."""
    runs = []
    for index in range(40):
        words = " ".join(rng.choices(vocabulary, k=rng.randint(2, 5)))
        bold = "<w:rPr><w:b/></w:rPr>" if index % 2 else ""
        runs.append(f'<w:r>{bold}<w:t xml:space="preserve">{words} </w:t></w:r>')
    return "".join(runs)


def bomb_docx(unpacked: int, seed: int = 15) -> bytes:
    """A real Word file whose document.xml is `unpacked` bytes of paragraphs: a Heading 1,
    then paragraphs of formatted runs drawn from a pool, each numbered, so that it deflates
    about 13:1 (deflate finds most, not all, paragraphs again within its 32 KiB window)."""
    rng = random.Random(seed)
    vocabulary = _corpus.Vocabulary(seed).words[:VOCABULARY]
    pool = [_paragraph_xml(rng, vocabulary) for _ in range(POOL)]
    head = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {NAMESPACE}>'
        '<w:body><w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>4 Manual '
        "clearance</w:t></w:r></w:p>"
    ).encode()
    tail = b"<w:sectPr/></w:body></w:document>"
    parts, size, number = [head], len(head) + len(tail), 0
    while True:
        number += 1
        paragraph = f"<w:p><w:r><w:t>{number}. </w:t></w:r>{rng.choice(pool)}</w:p>".encode()
        if size + len(paragraph) > unpacked:
            break
        parts.append(paragraph)
        size += len(paragraph)
    parts.append(tail)
    with zipfile.ZipFile(io.BytesIO(seed_docx("en"))) as template:
        others = {n: template.read(n) for n in template.namelist() if n != "word/document.xml"}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in others.items():
            archive.writestr(name, data)
        with archive.open("word/document.xml", "w") as entry:
            for part in parts:
                entry.write(part)
    return out.getvalue()


# -- converting in a child --------------------------------------------------------------


def _old_converter(folder: Path) -> Callable[[bytes, str], Any]:
    sys.path.insert(0, str(folder))
    import old_word_convert  # type: ignore[import-not-found]

    return old_word_convert.converted  # type: ignore[no-any-return]


def child(which: str, path: str, old_folder: str) -> None:
    """Convert the file once and print what it cost, as JSON."""
    from sop_platform.core.errors import DomainError
    from sop_platform.word.convert import converted  # the same imports for both

    convert: Callable[[bytes, str], Any] = converted
    if which == "old":
        convert = _old_converter(Path(old_folder))
    data = Path(path).read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter()
    try:
        conversion = convert(data, "bench.docx")
        made = sum(len(chapter.body) for chapter in conversion.chapters)
        outcome = f"{len(conversion.chapters)} chapters, {made:,} characters"
    except DomainError as error:
        outcome = f"refused: {error.detail[:150]}"
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(
        json.dumps(
            {
                "cpu": cpu,
                "wall": wall,
                "rss_before_mb": before.ru_maxrss / 1024,
                "rss_mb": after.ru_maxrss / 1024,
                "outcome": outcome,
            }
        )
    )


def build(case: str, path: str, language: str) -> None:
    """Write the file of one case and print its sizes, as JSON."""
    data = seed_docx(language) if case == "seed" else bomb_docx(int(case))
    Path(path).write_bytes(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
    sizes = {"file": len(data), "unpacked": info.file_size, "packed": info.compress_size}
    print(json.dumps(sizes))


def _child(*arguments: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *arguments], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def measure(which: str, path: Path, old_folder: Path, repeat: int) -> dict[str, Any]:
    runs = [_child("--child", which, str(path), str(old_folder)) for _ in range(repeat)]
    return {
        "cpu": statistics.median(run["cpu"] for run in runs),
        "wall": statistics.median(run["wall"] for run in runs),
        "rss_before_mb": max(run["rss_before_mb"] for run in runs),
        "rss_mb": max(run["rss_mb"] for run in runs),
        "outcome": runs[-1]["outcome"],
    }


def old_sources(ref: str, folder: Path) -> bool:
    """Write the converter of `ref` (and its safety check) as importable modules."""
    sources = {}
    for module in ("word_convert", "word_safety"):
        shown = subprocess.run(
            ["git", "show", f"{ref}:sop_platform/core/{module}.py"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if shown.returncode != 0:
            return False
        sources[module] = shown.stdout
    converter = sources["word_convert"].replace(
        "from sop_platform.core.word_safety import", "from old_word_safety import"
    )
    (folder / "old_word_convert.py").write_text(converter, "utf-8")
    (folder / "old_word_safety.py").write_text(sources["word_safety"], "utf-8")
    return True


def _line(label: str, figures: dict[str, Any]) -> str:
    return (
        f"  {label:<4} CPU {figures['cpu']:7.3f} s   wall {figures['wall']:7.3f} s   "
        f"peak RSS {figures['rss_mb']:7.1f} MB (before converting {figures['rss_before_mb']:.1f})"
        f"\n       {figures['outcome']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="conversions of (a)")
    parser.add_argument("--language", default="en", help="of the seed SOP for (a)")
    parser.add_argument("--old-ref", default=OLD_REF, help="git ref of the baseline")
    parser.add_argument("--old-bombs", action="store_true", help="also run (b), (c) the old way")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--build", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(*options.child)
        return
    if options.build:
        build(*options.build)
        return
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        old = old_sources(options.old_ref, folder)
        if not old:
            print(f"baseline: no converter at {options.old_ref}; the old path is skipped")
        cases = [
            ("(a) seed SOP", "seed", options.repeat, True),
            ("(b) 95 MiB bomb", str(95 * 1024 * 1024), 1, options.old_bombs),
            ("(c) 60 MB text bomb", "60000000", 1, options.old_bombs),
            ("(d) 6 MB, the most text accepted", "6000000", 1, True),
        ]
        for label, case, repeat, with_old in cases:
            path = folder / "case.docx"
            sizes = _child("--build", case, str(path), options.language)
            print(
                f"{label}: {sizes['file']:,} bytes; word/document.xml {sizes['unpacked']:,} "
                f"bytes unpacked, {sizes['unpacked'] / sizes['packed']:.1f}:1"
                + (f"; median of {repeat}" if repeat > 1 else "")
            )
            new = measure("new", path, folder, repeat)
            print(_line("new", new))
            if old and with_old:
                before = measure("old", path, folder, repeat)
                print(_line("old", before))
                print(
                    f"  new/old: CPU {new['cpu'] / before['cpu']:.3f}, wall "
                    f"{new['wall'] / before['wall']:.3f}, peak RSS "
                    f"{new['rss_mb'] / before['rss_mb']:.3f}"
                )


if __name__ == "__main__":
    main()
