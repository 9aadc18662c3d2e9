"""Drift: importing an amended standard flags `needs review` exactly the national clauses
mapped to the clauses whose wording changed; an approver's signed acknowledgement or a
merged change to the clause clears a flag."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sop_platform.core.accounts import user_by_name
from sop_platform.core.clauses import Clause, clauses_of
from sop_platform.core.database import Database
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.signatures import manifest_sha256
from sop_platform.resources import shipped_dir
from sop_platform.review.imports import import_chapters, import_files
from tests.api.web_browser import SignIn
from tests.support import DOCUMENT, PASSWORD, Api, approved_and_merged, edited

SEED = shipped_dir("content")
STANDARD = SEED / "standards" / "imas" / "09.10-clearance-requirements.md"
# The two clauses whose wording the amendment changes: (old words, new words).
REWORDED = {
    "09.10#6.2": ("a depth of not less than 13 cm below", "a depth of not less than 20 cm below"),
    "09.10#7.2": ("Quality control should use sampling", "Quality control shall use sampling"),
}
HEADING = re.compile(r"^#{2,6} .*\{#([^\s}]+)[^}]*\bimas=\"([^\"]*)\"", re.MULTILINE)
NEEDS_REVIEW = f"/api/v1/documents/{DOCUMENT}/needs-review"
MEANING = "acknowledged"


def _mapped_to(keys: set[str]) -> set[tuple[str, str]]:
    """(chapter, anchor) of every clause of the seed SOPs' source-language files whose
    `imas=` names one of `keys`: read straight from the files, not through the product."""
    found = set()
    for path in sorted((SEED / "sops").rglob("*.md")):
        text = path.read_text("utf-8")
        front = text.split("---\n")[1]
        if re.search(r"^translation_of:", front, re.MULTILINE):
            continue
        match = re.search(r"^id: *\"?([\w-]+)", front, re.MULTILINE)
        assert match is not None, path
        for anchor, imas in HEADING.findall(text):
            if keys & set(imas.split()):
                found.add((match.group(1), anchor))
    return found


def _amended_text() -> str:
    text = edited(STANDARD.read_text("utf-8"), "amendment: 0", "amendment: 1")
    for old, new in REWORDED.values():
        text = edited(text, old, new)
    return text


@pytest.fixture
def amended(loaded: Database, staff: dict[str, Api], tmp_path: Path) -> Database:
    """The seed with IMAS 09.10 amendment 1 imported by an approver."""
    return _import_amendment(loaded, tmp_path)


def _import_amendment(loaded: Database, tmp_path: Path) -> Database:
    path = tmp_path / "09.10-amendment-1.md"
    path.write_text(_amended_text(), "utf-8")
    with loaded.session(write=True) as session:
        report = import_chapters(
            session, import_files(path), user_by_name(session, "elvin"), origin=path.name
        )
    [imported] = report.standards
    assert (imported.status, imported.revision) == ("revised", 2)
    return loaded


def _flags(api: Api, include_cleared: bool = False) -> list[dict[str, Any]]:
    query = "?include_cleared=true" if include_cleared else ""
    flags: list[dict[str, Any]] = api._call("GET", NEEDS_REVIEW + query, 200)
    return flags


def _flag(api: Api, anchor: str) -> dict[str, Any]:
    [flag] = [f for f in _flags(api, include_cleared=True) if f["anchor"] == anchor]
    return flag


def _clause_sha256(markdown: str, matches: Callable[[Clause], bool]) -> str:
    [clause] = [clause for clause in clauses_of(markdown) if matches(clause)]
    return sha256_hex(clause.text.encode("utf-8"))


def _acknowledge(api: Api, flag_id: int, expect: int, password: str = PASSWORD) -> Any:
    return api._call(
        "POST",
        f"/api/v1/needs-review/{flag_id}/acknowledge",
        expect,
        json={"note": "20 cm stays: stricter than the new minimum.", "password": password},
    )


def _statuses(api: Api) -> dict[str, str]:
    matrix = api._call("GET", f"/api/v1/documents/{DOCUMENT}/compliance", 200)
    return {row["standard_clause"]["key"]: row["status"] for row in matrix["rows"]}


def _merged(staff: dict[str, Api], chapter: str, old: str, new: str) -> dict[str, Any]:
    """A CR changing `old` to `new` in `chapter`, reviewed, approved by two and merged."""
    sarah = staff["sarah"]
    head = sarah.head_of(chapter)
    cr = sarah.open_cr(f"Review {chapter} against IMAS 09.10 amendment 1")
    sarah.put(cr["id"], edited(head["markdown"], old, new), head["revision"], chapter=chapter)
    merged: dict[str, Any] = approved_and_merged(staff, cr["id"])
    return merged


def test_the_seed_maps_the_reworded_clauses_in_more_than_one_chapter() -> None:
    expected = _mapped_to(set(REWORDED))

    assert {chapter for chapter, _anchor in expected} == {"manual-clearance", "quality-management"}


@pytest.mark.usefixtures("amended")
def test_exactly_the_clauses_mapped_to_the_reworded_clauses_need_review(
    staff: dict[str, Api],
) -> None:
    flags = _flags(staff["rauf"])

    # A list, not a set: one flag per clause, none doubled for a translation.
    assert sorted((f["chapter"], f["anchor"]) for f in flags) == sorted(_mapped_to(set(REWORDED)))
    assert sorted(f["standard_key"] for f in flags) == sorted(REWORDED)
    assert all(f["cleared_at"] is None for f in flags)


@pytest.mark.usefixtures("amended")
def test_a_clause_mapped_only_to_an_unchanged_clause_is_not_flagged(
    staff: dict[str, Api],
) -> None:
    unchanged = _mapped_to({"09.10#6.3"}) | _mapped_to({"09.10#8"})
    assert ("manual-clearance", "detector-checks") in unchanged

    flagged = {(f["chapter"], f["anchor"]) for f in _flags(staff["rauf"])}
    statuses = _statuses(staff["rauf"])

    assert not unchanged & flagged
    assert statuses["09.10#6.3"] == "covered"
    assert statuses["09.10#8"] == "deviates"


@pytest.mark.usefixtures("amended")
def test_a_flag_carries_the_old_and_new_standard_text_and_their_diff(
    staff: dict[str, Api],
) -> None:
    old, new = REWORDED["09.10#6.2"]

    flag = _flag(staff["rauf"], "clearance-depth")

    assert flag["standard_key"] == "09.10#6.2"
    assert (flag["from_revision"], flag["to_revision"]) == (1, 2)
    assert old in flag["old_text"] and new not in flag["old_text"]
    assert new in flag["new_text"] and old not in flag["new_text"]
    diff = flag["diff"]
    assert "".join(text for op, text in diff if op <= 0) == flag["old_text"]
    assert "".join(text for op, text in diff if op >= 0) == flag["new_text"]
    assert any(op == -1 and "13" in text for op, text in diff)
    assert any(op == 1 and "20" in text for op, text in diff)
    assert flag["raised_by"] == "elvin"


@pytest.mark.usefixtures("amended")
def test_the_chapter_api_the_review_queue_and_the_matrix_show_the_flags(
    staff: dict[str, Api],
) -> None:
    rauf, sarah = staff["rauf"], staff["sarah"]

    manual = rauf.head_of("manual-clearance")
    quality = rauf.head_of("quality-management")
    eod = rauf.head_of("eod")
    compared = rauf._call(
        "GET", f"/api/v1/documents/{DOCUMENT}/chapters/manual-clearance/compare", 200
    )
    queue = sarah._call("GET", "/api/v1/review-queue", 200)
    statuses = _statuses(rauf)

    assert [f["anchor"] for f in manual["needs_review"]] == ["clearance-depth"]
    assert manual["needs_review"][0]["new_text"]
    assert [f["anchor"] for f in quality["needs_review"]] == ["quality-control"]
    assert eod["needs_review"] == []
    beside = {row["clause"]["anchor"]: row["needs_review"] for row in compared["clauses"]}
    assert [f["standard_key"] for f in beside["clearance-depth"]] == ["09.10#6.2"]
    assert beside["detector-checks"] == []
    queued = sorted((f["chapter"], f["anchor"]) for f in queue["needs_review"])
    assert queued == sorted(_mapped_to(set(REWORDED)))
    assert statuses["09.10#6.2"] == statuses["09.10#7.2"] == "needs review"


@pytest.mark.usefixtures("amended")
def test_an_approver_acknowledges_a_flag_with_a_signed_and_audited_note(
    staff: dict[str, Api],
) -> None:
    elvin = staff["elvin"]
    flag = _flag(elvin, "clearance-depth")

    acknowledged = _acknowledge(elvin, flag["id"], 200)

    assert acknowledged["cleared_how"] == "acknowledged"
    assert acknowledged["cleared_by"] == "elvin"
    assert acknowledged["note"] == "20 cm stays: stricter than the new minimum."
    signature = acknowledged["signature"]
    assert (signature["name"], signature["meaning"]) == ("Elvin", MEANING)
    # It binds the amended standard clause's text and the national clause's text.
    standard = _clause_sha256(_amended_text(), lambda clause: clause.number == "6.2")
    national = _clause_sha256(
        elvin.head_of("manual-clearance")["markdown"],
        lambda clause: clause.anchor == "clearance-depth",
    )
    assert (acknowledged["standard_sha256"], acknowledged["national_sha256"]) == (
        standard,
        national,
    )
    assert signature["sha256"] == manifest_sha256(
        {"09.10#6.2": standard, "manual-clearance#clearance-depth": national}
    )
    assert [f["anchor"] for f in _flags(elvin)] == ["quality-control"]
    assert _flag(elvin, "clearance-depth")["signature"] == signature
    assert elvin.head_of("manual-clearance")["needs_review"] == []
    assert _statuses(elvin)["09.10#6.2"] == "stricter"
    [event] = elvin._call("GET", "/api/v1/audit?action=drift.acknowledged", 200)["items"]
    assert (event["actor"], event["object"]) == ("elvin", f"drift:{flag['id']}")
    assert event["details"]["note"] == acknowledged["note"]
    assert event["details"]["standard_clause"] == "09.10#6.2"
    assert event["details"]["sha256"] == signature["sha256"]
    assert elvin._call("GET", "/api/v1/audit/verify", 200)["ok"] is True


@pytest.mark.usefixtures("amended")
def test_a_wrong_password_is_refused_and_the_flag_stays_open(staff: dict[str, Api]) -> None:
    elvin = staff["elvin"]
    flag = _flag(elvin, "clearance-depth")

    _acknowledge(elvin, flag["id"], 403, password="not my password")

    assert _flag(elvin, "clearance-depth")["cleared_at"] is None
    assert elvin._call("GET", "/api/v1/audit?action=drift.acknowledged", 200)["total"] == 0


@pytest.mark.usefixtures("amended")
def test_a_reviewer_may_not_acknowledge(staff: dict[str, Api]) -> None:
    flag = _flag(staff["aynur"], "clearance-depth")

    _acknowledge(staff["aynur"], flag["id"], 403)

    assert _flag(staff["aynur"], "clearance-depth")["cleared_at"] is None


@pytest.mark.usefixtures("amended")
def test_an_acknowledgement_needs_a_note(staff: dict[str, Api]) -> None:
    elvin = staff["elvin"]
    flag = _flag(elvin, "clearance-depth")

    elvin._call(
        "POST",
        f"/api/v1/needs-review/{flag['id']}/acknowledge",
        422,
        json={"note": "   ", "password": PASSWORD},
    )

    assert _flag(elvin, "clearance-depth")["cleared_at"] is None


@pytest.mark.usefixtures("amended")
def test_acknowledging_twice_is_a_conflict(staff: dict[str, Api]) -> None:
    elvin, leyla = staff["elvin"], staff["leyla"]
    flag = _flag(elvin, "clearance-depth")
    _acknowledge(elvin, flag["id"], 200)

    _acknowledge(leyla, flag["id"], 409)

    assert _flag(elvin, "clearance-depth")["cleared_by"] == "elvin"


@pytest.mark.usefixtures("amended")
def test_a_merged_change_to_a_flagged_clause_clears_its_flag_and_no_other(
    staff: dict[str, Api],
) -> None:
    elvin = staff["elvin"]
    assert _statuses(elvin)["09.10#7.2"] == "needs review"

    cr = _merged(
        staff,
        "quality-management",
        "shall pass QC by ANAMA before it is handed over.",
        "shall pass QC by ANAMA, using sampling, before it is handed over.",
    )

    cleared = _flag(elvin, "quality-control")
    assert cleared["cleared_how"] == "merged"
    assert cleared["change_request"] == cr["id"]
    assert cleared["signature"] is None
    assert [f["anchor"] for f in _flags(elvin)] == ["clearance-depth"]
    assert _statuses(elvin)["09.10#7.2"] not in ("needs review", "not covered")
    [event] = elvin._call("GET", "/api/v1/audit?action=drift.cleared", 200)["items"]
    assert event["object"] == f"drift:{cleared['id']}"
    assert event["details"]["change_request"] == cr["id"]
    assert elvin._call("GET", "/api/v1/audit/verify", 200)["ok"] is True


@pytest.mark.usefixtures("amended")
def test_a_merged_change_to_another_clause_of_the_chapter_leaves_the_flag(
    staff: dict[str, Api],
) -> None:
    _merged(
        staff,
        "manual-clearance",
        "## Scope {#scope}",
        "## Scope and purpose {#scope}",
    )

    assert _flag(staff["rauf"], "clearance-depth")["cleared_at"] is None
    assert _statuses(staff["rauf"])["09.10#6.2"] == "needs review"


def test_a_cached_chapter_is_sent_again_when_a_flag_is_raised(
    loaded: Database, staff: dict[str, Api], tmp_path: Path
) -> None:
    rauf = staff["rauf"]
    path = f"/api/v1/documents/{DOCUMENT}/chapters/manual-clearance"
    before = rauf.client.get(path, headers=rauf.headers).headers["ETag"]

    _import_amendment(loaded, tmp_path)
    again = rauf.client.get(path, headers={**rauf.headers, "If-None-Match": before})

    assert again.status_code == 200
    assert [flag["anchor"] for flag in again.json()["needs_review"]] == ["clearance-depth"]
    assert again.headers["ETag"] != before


@pytest.mark.usefixtures("amended")
def test_an_acknowledgement_shows_on_the_staff_chapter_page_as_a_signature_with_its_hash(
    staff: dict[str, Api], sign_in: SignIn
) -> None:
    elvin = staff["elvin"]
    signature = _acknowledge(elvin, _flag(elvin, "clearance-depth")["id"], 200)["signature"]

    page = sign_in("leyla").get(f"/app/documents/{DOCUMENT}/chapters/manual-clearance?lang=en")

    acknowledged = re.search(r'<li class="acknowledgement".*?</li>', page.text, re.DOTALL)
    assert acknowledged is not None
    shown = acknowledged.group(0)
    assert f'data-sha256="{signature["sha256"]}"' in shown
    assert "Elvin" in shown and "acknowledged against the amended standard" in shown
    assert signature["sha256"][:12] in shown and "09.10#6.2" in shown
