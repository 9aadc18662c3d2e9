"""`sop-platform publish --out DIR`: the current edition as a static site."""

from __future__ import annotations

import gzip
import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sop_platform.cli import app
from sop_platform.core.database import Database
from sop_platform.render import outlines, page_parts
from tests.api.test_site import MARKING, NEW_MARKING, _revise

runner = CliRunner()


def _said(output: str) -> str:
    return " ".join(output.split())  # rich wraps long lines


@pytest.fixture
def site(env: dict[str, str], loaded: Database, tmp_path: Path) -> Path:
    out = tmp_path / "site"
    result = runner.invoke(app, ["publish", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    return out


def test_publish_writes_every_chapter_in_every_language_with_relative_links(site: Path):
    page = (site / "sop/anama-sop/manual-clearance.en.html").read_text("utf-8")

    assert '<a class="clause-number" href="#marking">4.4</a>' in page
    assert 'href="../../sop/anama-sop/manual-clearance.az.html"' in page
    assert 'href="../../static/site.css"' in page
    assert (site / "sop/anama-sop/eod.az.html").is_file()  # "not yet translated" page
    assert (site / "index.html").is_file()
    assert (site / "sw.js").is_file()


def test_publish_writes_the_comparison_compliance_and_deviation_pages(site: Path):
    compare = (site / "sop/anama-sop/manual-clearance.compare.en.html").read_text("utf-8")
    compliance = (site / "sop/anama-sop/compliance.html").read_text("utf-8")

    assert "IMAS 09.10 6.2" in compare
    assert 'href="../../sop/anama-sop/compliance.csv"' in compliance
    assert (site / "sop/anama-sop/compliance.csv").read_text("utf-8-sig").startswith("standard,")
    assert (site / "sop/anama-sop/deviations.html").is_file()


def test_the_offline_manifest_lists_every_written_page(site: Path):
    manifest = json.loads((site / "offline-manifest.json").read_text("utf-8"))

    pages = {str(path.relative_to(site)) for path in site.rglob("*.html")}
    assert pages <= set(manifest["urls"])
    assert all((site / url).is_file() for url in manifest["urls"])


def test_a_republish_reuses_every_unchanged_chapter(env: dict[str, str], site: Path):
    again = runner.invoke(app, ["publish", "--out", str(site)], env=env)

    assert again.exit_code == 0
    assert "chapters rendered 0, reused 18" in _said(again.output)


def test_a_republish_after_a_new_edition_renders_only_the_changed_chapter(
    env: dict[str, str], site: Path, loaded: Database
):
    # A text no other test has rendered: the render cache is shared by the whole process.
    _revise(loaded, MARKING, f"{NEW_MARKING} ({uuid.uuid4().hex})")

    again = runner.invoke(app, ["publish", "--out", str(site)], env=env)

    assert again.exit_code == 0
    # Only the new text is rendered; its previous text (for what changed) is in the cache.
    assert "chapters rendered 1, reused 18" in _said(again.output)
    page = (site / "sop/anama-sop/manual-clearance.en.html").read_text("utf-8")
    assert "after rain" in page and "changed-badge" in page


def _tree(root: Path) -> dict[str, bytes]:
    """Every file a publish wrote under `root` (its render cache aside), by path."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and ".render-cache" not in path.parts
    }


def _unpacked(tree: dict[str, bytes]) -> dict[str, bytes]:
    """`tree` with each gzip read back: the gzip of a page made from kept parts holds the
    same text as one compressed whole, in other bytes."""
    return {
        name: gzip.decompress(content) if name.endswith(".gz") else content
        for name, content in tree.items()
    }


def test_a_republish_after_a_new_edition_writes_what_a_full_publish_writes(
    env: dict[str, str], site: Path, loaded: Database, tmp_path: Path
):
    _revise(loaded, MARKING, f"{NEW_MARKING} ({uuid.uuid4().hex})")

    runner.invoke(app, ["publish", "--out", str(site)], env=env)
    fresh = tmp_path / "fresh"
    uncached = {**env, "SOP_CACHE_DIR": str(tmp_path / "empty-cache")}
    result = runner.invoke(app, ["publish", "--out", str(fresh)], env=uncached)

    # Nothing kept there: every text, and the changed chapter's text before, for its marks.
    assert "chapters rendered 19, reused 0" in _said(result.output)
    assert _unpacked(_tree(site)) == _unpacked(_tree(fresh))


def test_a_publish_into_a_new_folder_reuses_the_render_cache_and_keeps_none_in_it(
    env: dict[str, str], site: Path, tmp_path: Path
):
    fresh = tmp_path / "fresh"
    result = runner.invoke(app, ["publish", "--out", str(fresh)], env=env)

    assert "chapters rendered 0, reused 18" in _said(result.output)
    assert _tree(fresh) == _tree(site)  # the same bytes, gzips too
    assert (Path(env["SOP_CACHE_DIR"]) / "outlines").is_dir()
    assert (Path(env["SOP_CACHE_DIR"]) / "pieces").is_dir()
    assert not any(name.startswith(".render-cache") for name in _tree(site))


def test_a_render_cache_of_other_renderer_code_is_not_used(
    env: dict[str, str], site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    page = (site / "sop/anama-sop/manual-clearance.en.html").read_bytes()
    # As if the renderer's code, templates or words had changed since the cache was made.
    monkeypatch.setattr(page_parts, "render_code", lambda: "other-code")
    monkeypatch.setattr(outlines, "render_code", lambda: "other-code")

    fresh = tmp_path / "fresh"
    result = runner.invoke(app, ["publish", "--out", str(fresh)], env=env)

    assert "chapters rendered 18, reused 0" in _said(result.output)
    assert (fresh / "sop/anama-sop/manual-clearance.en.html").read_bytes() == page


def test_a_damaged_render_cache_is_rendered_again(env: dict[str, str], site: Path, tmp_path: Path):
    cache = Path(env["SOP_CACHE_DIR"])
    for kept in [*cache.rglob("*.json"), *(cache / "pieces").rglob("*")]:
        if kept.is_file():
            kept.write_bytes(b"12\nnot what was kept")

    fresh = tmp_path / "fresh"
    result = runner.invoke(app, ["publish", "--out", str(fresh)], env=env)

    assert result.exit_code == 0, result.output
    assert "chapters rendered 18, reused 0" in _said(result.output)
    assert _unpacked(_tree(fresh)) == _unpacked(_tree(site))


def test_a_changed_chapter_s_pages_change_and_the_others_are_not_written_again(
    env: dict[str, str], site: Path, loaded: Database
):
    other = site / "sop/anama-sop/eod.en.html"
    before = other.read_bytes()
    # Every page names the edition in its banner; a file of no edition keeps its bytes and
    # is not written again.
    icon = site / "static/icon.svg"
    icon_written = icon.stat().st_mtime_ns
    _revise(loaded, MARKING, f"{NEW_MARKING} ({uuid.uuid4().hex})")

    again = runner.invoke(app, ["publish", "--out", str(site)], env=env)

    assert "chapters rendered 1, reused 18" in _said(again.output)
    page = (site / "sop/anama-sop/manual-clearance.en.html").read_text("utf-8")
    assert "after rain" in page and "changed-badge" in page
    assert (
        "after rain"
        in gzip.decompress(
            (site / "sop/anama-sop/manual-clearance.en.html.gz").read_bytes()
        ).decode()
    )
    assert other.read_bytes() != before  # its banner names the new edition
    assert icon.stat().st_mtime_ns == icon_written


def test_a_publish_removes_the_render_cache_earlier_versions_kept_in_the_folder(
    env: dict[str, str], site: Path
):
    (site / ".render-cache").mkdir()
    (site / ".render-cache" / "3-earlier.json").write_text("{}", "utf-8")

    runner.invoke(app, ["publish", "--out", str(site)], env=env)

    assert not (site / ".render-cache").exists()


def test_every_text_file_above_1_kb_has_its_gzip_beside_it(site: Path):
    files = _tree(site)

    for name, content in files.items():
        if name.endswith(".gz"):
            assert gzip.decompress(content) == files[name.removesuffix(".gz")], name
        elif (
            Path(name).suffix in {".html", ".js", ".css", ".json", ".csv"}
            and len(content) > 1024
            and not name.startswith(".")  # the publish's own listing is no page
        ):
            assert f"{name}.gz" in files, name
    assert (
        len(files["sop/anama-sop/manual-clearance.en.html.gz"])
        < len(files["sop/anama-sop/manual-clearance.en.html"]) / 3
    )
    listed = json.loads(files[".published-files.json"])
    assert "index.html.gz" in listed  # removed like any other file when no longer written


def test_files_no_longer_in_the_edition_are_removed(env: dict[str, str], site: Path):
    listing = json.loads((site / ".published-files.json").read_text("utf-8"))
    (site / "sop/anama-sop/retired.en.html").write_text("old", "utf-8")
    (site / ".published-files.json").write_text(
        json.dumps([*listing, "sop/anama-sop/retired.en.html"]), "utf-8"
    )
    (site / "notes.txt").write_text("mine", "utf-8")

    runner.invoke(app, ["publish", "--out", str(site)], env=env)

    assert not (site / "sop/anama-sop/retired.en.html").exists()
    assert (site / "notes.txt").exists()  # never written by publish, so never removed


def test_publish_into_a_file_exits_1(env: dict[str, str], loaded: Database, tmp_path: Path):
    target = tmp_path / "a-file"
    target.write_text("x", "utf-8")

    result = runner.invoke(app, ["publish", "--out", str(target)], env=env)

    assert result.exit_code == 1
    assert "not a folder" in result.output
    assert target.read_text("utf-8") == "x"


def test_publish_without_any_edition_exits_1(
    env: dict[str, str], database: Database, tmp_path: Path
):
    result = runner.invoke(app, ["publish", "--out", str(tmp_path / "s")], env=env)

    assert result.exit_code == 1
    assert "nothing to publish" in result.output
