"""`sop-platform publish`: a static export has no server to send headers, so every page of it
states the live site's Content-Security-Policy in a `<meta>` before anything it loads (less
the directives a `<meta>` cannot carry); and `--zip` packs the published files only, never
the render cache or the publish ledger."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sop_platform.cli import app
from sop_platform.core.database import Database
from tests.api.test_site import PAGE

# CSP Level 3 drops these from a policy delivered by a <meta> element.
IGNORED_IN_META = {"frame-ancestors", "report-uri", "sandbox"}
LOADS = {"link", "script", "img", "style", "iframe", "object"}


@dataclass
class Head(HTMLParser):
    """The policies a page states in `<meta http-equiv>`, and what it loads before them."""

    policies: list[str] = field(default_factory=list)
    loaded_before: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "meta" and (found.get("http-equiv") or "").lower() == "content-security-policy":
            self.policies.append(found.get("content") or "")
        elif tag in LOADS and not self.policies:
            self.loaded_before.append(tag)


def head_of(page: Path) -> Head:
    parsed = Head()
    parsed.feed(page.read_text("utf-8"))
    return parsed


@pytest.fixture
def export(env: dict[str, str], loaded: Database, tmp_path: Path) -> tuple[Path, Path]:
    """The folder and the zip of one `publish --out DIR --zip FILE`."""
    out, bundle = tmp_path / "site", tmp_path / "site.zip"
    result = CliRunner().invoke(app, ["publish", "--out", str(out), "--zip", str(bundle)], env=env)
    assert result.exit_code == 0, result.output
    return out, bundle


@pytest.fixture
def live_policy(client: TestClient) -> str:
    return client.get(PAGE).headers["content-security-policy"]


def test_every_exported_page_states_the_live_policy_less_what_a_meta_ignores(
    export: tuple[Path, Path], live_policy: str
):
    folder, _bundle = export
    expected = "; ".join(
        directive.strip()
        for directive in live_policy.split(";")
        if directive.strip() and directive.split()[0] not in IGNORED_IN_META
    )
    heads = {str(page.relative_to(folder)): head_of(page) for page in folder.rglob("*.html")}

    assert len(heads) > 30
    assert {name: head.policies for name, head in heads.items()} == {
        name: [expected] for name in heads
    }
    assert {name: head.loaded_before for name, head in heads.items() if head.loaded_before} == {}
    assert "script-src 'self'" in expected and "frame-ancestors" not in expected


def test_a_live_page_gets_the_policy_as_a_header_not_a_meta(client: TestClient):
    page = client.get(PAGE)

    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert 'http-equiv="Content-Security-Policy"' not in page.text


def test_the_zip_holds_neither_the_render_cache_nor_the_publish_ledger(
    export: tuple[Path, Path], env: dict[str, str]
):
    folder, bundle = export
    # What an earlier publish into the same folder, from another process, left there.
    (folder / ".render-cache").mkdir(exist_ok=True)
    (folder / ".render-cache" / "3-earlier.json").write_text("{}", "utf-8")
    again = CliRunner().invoke(
        app, ["publish", "--out", str(folder), "--zip", str(bundle)], env=env
    )
    assert again.exit_code == 0, again.output

    with zipfile.ZipFile(bundle) as opened:
        names = opened.namelist()

    assert (folder / ".published-files.json").is_file()
    assert [name for name in names if name.startswith(".") or "/." in name] == []
    assert {"index.html", "sw.js", "offline-manifest.json"} <= set(names)
