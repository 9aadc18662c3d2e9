"""`sop-platform publish --zip FILE`: the current edition as one zip for a USB stick. Unpacked
anywhere, it opens from `index.html` in Chromium with no server (file://), and its search
finds a clause; it holds the published files only, and the same edition always packs to the
same bytes."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect
from typer.testing import CliRunner

from sop_platform.cli import app
from tests.support import CHAPTER, DOCUMENT

runner = CliRunner()

# A sentence of the "Tripwires and booby traps" clause (4.11) of manual clearance, English.
WORDS = "tripwire feeler"
CLAUSE = "tripwires"
CHAPTER_FILE = f"sop/{DOCUMENT}/{CHAPTER}.en.html"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, sqlite_loaded_template: Path) -> dict[str, str]:
    """A copy of the database with the shipped content loaded: edition 1 of anama-sop.
    Publishing only reads it, so the tests of this module share it."""
    path = tmp_path_factory.mktemp("zip-db") / "sop.db"
    shutil.copyfile(sqlite_loaded_template, path)
    return {"SOP_DATABASE_URL": f"sqlite:///{path}"}


def _publish_zip(env: dict[str, str], target: Path) -> None:
    result = runner.invoke(app, ["publish", "--zip", str(target)], env=env)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def bundle(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The zip that `publish --zip` (and no --out) wrote, alone in its folder."""
    target = tmp_path_factory.mktemp("usb-stick") / "anama-sop.zip"
    _publish_zip(env, target)
    return target


@pytest.fixture(scope="module")
def unpacked(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(bundle) as opened:
        opened.extractall(folder)
    return folder


@pytest.fixture
def requests_made(page: Page) -> list[str]:
    """Every address the page asks for from now on."""
    asked: list[str] = []

    def record(request: Request) -> None:
        asked.append(request.url)

    page.on("request", record)
    return asked


def test_publish_zip_without_out_writes_the_one_zip_only(bundle: Path):
    assert [path.name for path in bundle.parent.iterdir()] == [bundle.name]
    assert zipfile.is_zipfile(bundle)


def test_the_unpacked_zip_opens_from_disk_and_its_search_lands_on_the_clause(
    page: Page, unpacked: Path, requests_made: list[str]
):
    page.goto((unpacked / "index.html").as_uri())
    page.locator(f"a[href='{CHAPTER_FILE}']").click()
    expect(page).to_have_url((unpacked / CHAPTER_FILE).as_uri())
    expect(page.locator("h1.chapter-title")).to_have_text("4. Manual clearance")

    page.locator(".doc-links a[href$='search.html']").click()
    page.locator("#search-query").fill(WORDS)
    hit = page.locator(f".search-results a[href$='{CHAPTER}.en.html#{CLAUSE}']")
    expect(hit).to_have_count(1)
    hit.click()

    expect(page).to_have_url((unpacked / CHAPTER_FILE).as_uri() + f"#{CLAUSE}")
    expect(page.locator(f"#{CLAUSE}")).to_be_in_viewport()
    expect(page.locator(f"#{CLAUSE} .clause-number")).to_have_text("4.11")
    # Nothing but files of the unpacked zip: no server was asked for anything.
    assert requests_made
    assert all(url.startswith(unpacked.as_uri() + "/") for url in requests_made), requests_made


def test_the_zip_holds_the_published_files_and_no_bookkeeping(bundle: Path, unpacked: Path):
    with zipfile.ZipFile(bundle) as opened:
        names = opened.namelist()
    manifest = json.loads((unpacked / "offline-manifest.json").read_text("utf-8"))

    assert names == sorted(names)
    assert len(names) == len(set(names))
    # The reader's offline copy, the manifest itself and the service worker: nothing else.
    assert set(names) == {*manifest["urls"], "offline-manifest.json", "sw.js"}
    assert not any(name.startswith(".") or "/." in name for name in names)
    assert ".published-files.json" not in names
    assert not any(name.startswith(".render-cache") for name in names)
    assert {"index.html", CHAPTER_FILE, f"sop/{DOCUMENT}/search-index.js"} <= set(names)


def test_the_same_edition_zips_to_the_same_bytes(env: dict[str, str], bundle: Path, tmp_path: Path):
    again = tmp_path / "again.zip"

    _publish_zip(env, again)

    assert again.read_bytes() == bundle.read_bytes()
