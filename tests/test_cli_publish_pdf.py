"""`sop-platform publish --pdf`: the edition and each chapter as PDFs under `pdf/`, linked
from the pages, packed into the zip but left out of the reader's offline copy. A small
document of two short chapters in English and Azerbaijani keeps the PDFs quick to make."""

from __future__ import annotations

import io
import json
import posixpath
import re
import shutil
import zipfile
from pathlib import Path

import pypdf
import pytest
from typer.testing import CliRunner

from sop_platform.cli import app
from sop_platform.core.database import Database
from tests.support import BACKENDS, module_database_url

runner = CliRunner()

DOC = "field-sop"
TITLE = "Field SOP for the test"
# slug -> number, English title, Azerbaijani title
CHAPTERS = {
    "worksite": ("1", "Worksite marking", "İş sahəsinin nişanlanması"),
    "first-aid": ("2", "First aid", "İlk tibbi yardım"),
}
AZ_LETTERS = "əƏıİşŞğçÇöü"
AZ_SENTENCE = (
    "Çöldə işləyən hər bir minaaxtaran ağır şəraitdə gündəlik yoxlamadan keçməlidir. "
    "Şəxsi qoruyucu vasitələr Əlavə 1-ə uyğun olmalıdır."
)
PDFS = {
    f"pdf/{DOC}/{name}.{language}.pdf"
    for name in ("edition", *CHAPTERS)
    for language in ("en", "az")
}


def _chapter_file(slug: str, language: str) -> str:
    number, english, azerbaijani = CHAPTERS[slug]
    title = english if language == "en" else azerbaijani
    body = (
        "The team leader shall check the marking every morning."
        if language == "en"
        else AZ_SENTENCE
    )
    source = "translation_of: en\n" if language == "az" else ""
    return (
        f"---\ndocument: {DOC}\nid: {slug}\nnumber: {number}\ntitle: {title}\n"
        f"language: {language}\n{source}---\n\n"
        f"## Scope {{#scope}}\n\n{body}\n\n## Records {{#records}}\n\nKept for five years.\n"
    )


def _written_content(folder: Path) -> Path:
    """One SOP document: two short chapters, each in English and Azerbaijani."""
    document = folder / "sops" / DOC
    for language in ("en", "az"):
        (document / language).mkdir(parents=True)
        for slug in CHAPTERS:
            (document / language / f"{slug}.md").write_text(_chapter_file(slug, language), "utf-8")
    (document / "document.yaml").write_text(
        f"title: {TITLE}\nlanguages: [en, az]\napprovals: 2\n", "utf-8"
    )
    return folder


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    return _written_content(tmp_path / "content")


def _publish(env: dict[str, str], *options: str) -> None:
    result = runner.invoke(app, ["publish", *options], env=env)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module", params=BACKENDS)
def published(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """`publish --out DIR --pdf --zip FILE` of edition 1: the folder and the zip, made once
    per backend for the module's tests, which only read them."""
    folder = tmp_path_factory.mktemp("publish-pdf")
    content = _written_content(folder / "content")
    url = module_database_url(request, folder, content)
    out, bundle = folder / "site", folder / "site.zip"
    _publish({"SOP_DATABASE_URL": url}, "--out", str(out), "--pdf", "--zip", str(bundle))
    return out, bundle


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _written(out: Path) -> set[str]:
    return {str(path.relative_to(out)) for path in out.rglob("*.pdf")}


def test_publish_pdf_writes_the_edition_and_every_chapter_in_each_language(
    published: tuple[Path, Path],
):
    out, _bundle = published

    assert _written(out) == PDFS
    for name in PDFS:
        pdf = (out / name).read_bytes()
        assert pdf.startswith(b"%PDF-"), name
        assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) >= 1, name


def test_the_edition_pdfs_hold_every_chapter_title_in_their_language(
    published: tuple[Path, Path],
):
    out, _bundle = published

    english = _text((out / f"pdf/{DOC}/edition.en.pdf").read_bytes())
    azerbaijani = _text((out / f"pdf/{DOC}/edition.az.pdf").read_bytes())

    assert TITLE in english and "Edition 1" in english
    for number, english_title, azerbaijani_title in CHAPTERS.values():
        assert f"{number}. {english_title}" in english
        assert f"{number}. {azerbaijani_title}" in azerbaijani
    assert AZ_SENTENCE in azerbaijani
    for letter in AZ_LETTERS:
        assert letter in azerbaijani, letter


def test_a_chapter_pdf_holds_its_own_chapter_with_azerbaijani_letters(
    published: tuple[Path, Path],
):
    out, _bundle = published

    chapter = _text((out / f"pdf/{DOC}/first-aid.az.pdf").read_bytes())

    assert "2. İlk tibbi yardım" in chapter
    assert AZ_SENTENCE in chapter
    assert "İş sahəsinin nişanlanması" not in chapter


def _pdf_links(page: Path) -> list[str]:
    return re.findall(r'href="([^"]*\.pdf)"', page.read_text("utf-8"))


def test_the_pages_link_their_pdfs_by_relative_address(published: tuple[Path, Path]):
    out, _bundle = published
    chapter = out / "sop" / DOC / "worksite.az.html"
    document = out / "sop" / DOC / "index.html"

    assert _pdf_links(chapter) == [f"../../pdf/{DOC}/worksite.az.pdf"]
    assert _pdf_links(document) == [f"../../pdf/{DOC}/edition.en.pdf"]
    for page in (chapter, document):
        for link in _pdf_links(page):
            target = posixpath.normpath(posixpath.join(f"sop/{DOC}", link))
            assert (out / target).is_file(), link


def test_the_offline_copy_leaves_the_pdfs_out_but_the_zip_holds_them(
    published: tuple[Path, Path],
):
    out, bundle = published
    manifest = json.loads((out / "offline-manifest.json").read_text("utf-8"))

    with zipfile.ZipFile(bundle) as opened:
        names = set(opened.namelist())
        zipped = opened.read(f"pdf/{DOC}/edition.az.pdf")

    assert not any(url.endswith(".pdf") or url.startswith("pdf/") for url in manifest["urls"])
    assert f"sop/{DOC}/worksite.en.html" in manifest["urls"]
    assert names >= PDFS
    assert zipped == (out / f"pdf/{DOC}/edition.az.pdf").read_bytes()


def test_a_publish_without_pdf_writes_no_pdf_and_links_none(
    env: dict[str, str], loaded: Database, tmp_path: Path
):
    out = tmp_path / "site"

    _publish(env, "--out", str(out))

    assert not (out / "pdf").exists()
    assert (out / "sop" / DOC / "worksite.en.html").is_file()
    for page in out.rglob("*.html"):
        assert _pdf_links(page) == [], page
        assert "/pdf" not in page.read_text("utf-8"), page


def test_a_republish_without_pdf_removes_the_pdfs_and_their_links(
    env: dict[str, str], loaded: Database, published: tuple[Path, Path], tmp_path: Path
):
    out = tmp_path / "site"
    shutil.copytree(published[0], out)

    _publish(env, "--out", str(out))

    assert _written(out) == set()
    assert _pdf_links(out / "sop" / DOC / "worksite.en.html") == []
