"""Translation drift: a translation records the source revision it matches; a merged change
to the source marks it `translation outdated` (API, review queue, published page) until a
merged update states the source revision it now matches."""

from __future__ import annotations

from typing import Any

from sop_platform.core.clock import utc_today
from tests.support import CHAPTER, DOCUMENT, PASSWORD, Api, approved_and_merged, edited

EN_OLD = "Marking shall be checked every morning by the section leader"
EN_NEW = "Marking shall be checked every morning and after rain by the section leader"
AZ_OLD = "Nişanlama hər səhər bölmə rəhbəri tərəfindən yoxlanılmalı"
AZ_NEW = "Nişanlama hər səhər və yağışdan sonra bölmə rəhbəri tərəfindən yoxlanılmalı"
PAGE = f"/sop/{DOCUMENT}/{CHAPTER}?lang=az"
NOTICE = '<p class="translation-outdated" role="note">Tərcümə köhnəlib:'


def _put(api: Api, cr_id: int, markdown: str, base: int, lang: str, expect: int = 200) -> Any:
    return api._call(
        "PUT",
        f"/api/v1/change-requests/{cr_id}/chapters/{CHAPTER}?lang={lang}",
        expect,
        json={"markdown": markdown, "base_revision": base},
    )


def _merged(staff: dict[str, Api], texts: dict[str, str]) -> dict[str, Any]:
    """One CR proposing `texts` (by language) for the chapter, approved by two, merged."""
    sarah = staff["sarah"]
    cr = sarah.open_cr("Check marking after rain")
    for lang, markdown in texts.items():
        _put(sarah, cr["id"], markdown, sarah.head_of(lang=lang)["revision"], lang)
    merged: dict[str, Any] = approved_and_merged(staff, cr["id"])
    return merged


def _english_changed(staff: dict[str, Api]) -> int:
    """Merge a change to the English chapter; its new revision number."""
    _merged(staff, {"en": edited(staff["sarah"].head_of()["markdown"], EN_OLD, EN_NEW)})
    revision: int = staff["sarah"].head_of()["revision"]
    return revision


def _translation_update(api: Api, source_revision: int) -> str:
    """The Azerbaijani text updated to match, stating the source revision in front matter."""
    text = edited(api.head_of(lang="az")["markdown"], AZ_OLD, AZ_NEW)
    return edited(
        text, "translation_of: en\n", f"translation_of: en\nsource_revision: {source_revision}\n"
    )


def _listed(api: Api) -> dict[tuple[str, str], dict[str, Any]]:
    rows = api._call("GET", f"/api/v1/documents/{DOCUMENT}/translations", 200)
    return {(row["chapter"], row["language"]): row for row in rows}


def _queued(api: Api) -> set[tuple[str, str]]:
    queue = api._call("GET", "/api/v1/review-queue", 200)
    return {(row["chapter"], row["language"]) for row in queue["translations_outdated"]}


def _issue_edition(api: Api, title: str, overrides: list[dict[str, Any]] | None = None) -> None:
    api._call(
        "POST",
        f"/api/v1/documents/{DOCUMENT}/editions",
        201,
        json={
            "effective_date": str(utc_today()),
            "title": title,
            "password": PASSWORD,
            "overrides": overrides or [],
        },
    )


def test_a_translation_loaded_with_its_source_is_not_outdated(staff: dict[str, Api]) -> None:
    sarah = staff["sarah"]

    translation = sarah.head_of(lang="az")["translation"]

    assert translation["source_language"] == "en"
    assert (translation["source_revision"], translation["source_head"]) == (1, 1)
    assert translation["outdated"] is False
    assert translation["source_diff"] is None
    assert _listed(sarah)[(CHAPTER, "az")]["outdated"] is False
    assert _queued(sarah) == set()
    assert sarah.head_of()["translation"] is None


def test_a_merged_change_to_the_source_makes_the_translation_outdated(
    staff: dict[str, Api],
) -> None:
    sarah, rauf = staff["sarah"], staff["rauf"]

    source_head = _english_changed(staff)

    translation = sarah.head_of(lang="az")["translation"]
    assert translation["outdated"] is True
    assert (translation["source_revision"], translation["source_head"]) == (1, source_head)
    # A reader reads edition 1, where both languages are still in step.
    assert rauf.head_of(lang="az")["translation"]["outdated"] is False
    # The source's unissued revision is for authors and above (readers read what is in force).
    diff = sarah._call("GET", translation["source_diff"], 200)
    assert any(op == 1 and "after rain" in text for op, text in diff["ops"])
    assert all("after rain" not in text for op, text in diff["ops"] if op <= 0)
    listed = _listed(rauf)
    assert listed[(CHAPTER, "az")]["outdated"] is True
    assert listed[(CHAPTER, "az")]["source_diff"] == translation["source_diff"]
    assert listed[("general", "az")]["outdated"] is False
    assert _queued(sarah) == {(CHAPTER, "az")}


def test_a_merged_translation_update_stating_the_source_revision_clears_it(
    staff: dict[str, Api],
) -> None:
    sarah = staff["sarah"]
    source_head = _english_changed(staff)

    _merged(staff, {"az": _translation_update(sarah, source_head)})

    translation = sarah.head_of(lang="az")["translation"]
    assert translation["outdated"] is False
    assert translation["source_revision"] == source_head
    assert translation["source_diff"] is None
    assert _listed(sarah)[(CHAPTER, "az")]["outdated"] is False
    assert _queued(sarah) == set()


def test_a_merged_translation_change_to_the_changed_clause_clears_it_without_a_statement(
    staff: dict[str, Api],
) -> None:
    """Translation status is per clause (issue 14): a translated clause changed without a
    `source_revision` statement matches the source's head when it was written, so updating
    the one clause the source changed brings the chapter up to date. (Before, a chapter
    stayed outdated until a merged text stated the source revision.)"""
    sarah = staff["sarah"]
    source_head = _english_changed(staff)

    _merged(staff, {"az": edited(sarah.head_of(lang="az")["markdown"], AZ_OLD, AZ_NEW)})

    translation = sarah.head_of(lang="az")["translation"]
    assert translation["outdated"] is False
    assert translation["source_revision"] == source_head


def test_a_change_request_changing_both_languages_leaves_the_translation_current(
    staff: dict[str, Api],
) -> None:
    sarah = staff["sarah"]

    _merged(
        staff,
        {
            "en": edited(sarah.head_of()["markdown"], EN_OLD, EN_NEW),
            "az": edited(sarah.head_of(lang="az")["markdown"], AZ_OLD, AZ_NEW),
        },
    )

    english, translation = sarah.head_of(), sarah.head_of(lang="az")["translation"]
    assert english["revision"] == 2
    assert translation["outdated"] is False
    assert translation["source_revision"] == english["revision"]
    assert _queued(sarah) == set()


def test_a_source_revision_beyond_the_source_head_blocks_submission(
    staff: dict[str, Api],
) -> None:
    sarah = staff["sarah"]
    head = sarah.head_of(lang="az")
    cr = sarah.open_cr("Claim a source revision that does not exist")

    saved = _put(sarah, cr["id"], _translation_update(sarah, 5), head["revision"], "az")

    [problem] = saved["problems"]
    assert (problem["kind"], problem["chapter"], problem["language"]) == (
        "source_revision",
        CHAPTER,
        "az",
    )
    assert problem["blocking"] is True
    assert "source_revision 5" in problem["message"]
    refused = sarah.client.post(f"/api/v1/change-requests/{cr['id']}/submit", headers=sarah.headers)
    assert refused.status_code == 422
    assert "source_revision 5" in refused.json()["detail"]
    assert sarah.get(cr["id"])["state"] == "draft"


def test_the_published_translation_shows_the_outdated_notice_until_it_is_updated(
    staff: dict[str, Api],
) -> None:
    sarah, elvin = staff["sarah"], staff["elvin"]
    assert NOTICE not in sarah.client.get(PAGE).text
    source_head = _english_changed(staff)
    # Published ahead of its translation: the approver issues over that gate, by name.
    behind = {"kind": "translation_outdated", "chapter": CHAPTER, "language": "az"}
    reason = "Marking after rain is urgent; the translation follows."
    _issue_edition(
        elvin, "Marking after rain (English)", [{**behind, "clause": "marking", "reason": reason}]
    )

    outdated = sarah.client.get(PAGE)

    assert outdated.status_code == 200
    assert NOTICE in outdated.text
    assert f'href="/sop/{DOCUMENT}/{CHAPTER}?lang=en"' in outdated.text
    _merged(staff, {"az": _translation_update(sarah, source_head)})
    _issue_edition(elvin, "Marking after rain (Azerbaijani)")
    updated = sarah.client.get(PAGE)
    assert updated.status_code == 200
    assert "yağışdan sonra" in updated.text
    assert "translation-outdated" not in updated.text
