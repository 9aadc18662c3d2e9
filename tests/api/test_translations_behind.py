"""A change request that changes an English clause but not its Azerbaijani counterpart is
warned about it (CR JSON, CR page) with a one-click way to add the translation to the same
CR: the editor opens the Azerbaijani chapter beside the changed English clause. The staff
chapter page and the CR page mark the outdated translated clauses themselves."""

from __future__ import annotations

import html
from typing import Any

from sop_platform.core.chapters import find_chapter, revision_text, save_chapter_text
from sop_platform.core.clauses import clauses_of
from sop_platform.core.database import Database
from tests.api.web_browser import SignIn, textarea
from tests.support import CHAPTER, DOCUMENT, Api

CLAUSE = "clearance-depth"
EN_ADDED = "Record the depth reached in the lane log."
AZ_ADDED = "Çatılan dərinlik zolaq jurnalında qeyd edilir."


def _extended(text: str, anchor: str, sentence: str) -> str:
    [clause] = [c for c in clauses_of(text) if c.anchor == anchor]
    assert text.count(clause.text) == 1
    return text.replace(clause.text, f"{clause.text} {sentence}")


def _put(api: Api, cr_id: int, markdown: str, base: int, lang: str) -> Any:
    return api._call(
        "PUT",
        f"/api/v1/change-requests/{cr_id}/chapters/{CHAPTER}?lang={lang}",
        200,
        json={"markdown": markdown, "base_revision": base},
    )


def _english_only(api: Api, anchor: str = CLAUSE) -> int:
    head = api.head_of()
    cr = api.open_cr("Record the depth")
    _put(api, cr["id"], _extended(head["markdown"], anchor, EN_ADDED), head["revision"], "en")
    return int(cr["id"])


def _number(api: Api, anchor: str, lang: str = "az") -> str:
    [clause] = [c for c in clauses_of(api.head_of(lang=lang)["markdown"]) if c.anchor == anchor]
    return clause.number


def test_an_english_only_change_leaves_the_azerbaijani_clause_behind(
    staff: dict[str, Api],
) -> None:
    sarah = staff["sarah"]

    cr = sarah.get(_english_only(sarah))

    assert cr["translations_behind"] == [
        {
            "chapter": CHAPTER,
            "language": "az",
            "clause": CLAUSE,
            "number": _number(sarah, CLAUSE),
            "source_language": "en",
            "missing": False,
        }
    ]


def test_changing_the_translated_clause_in_the_same_cr_clears_the_warning(
    staff: dict[str, Api],
) -> None:
    sarah = staff["sarah"]
    cr_id = _english_only(sarah)
    az = sarah.head_of(lang="az")

    _put(sarah, cr_id, _extended(az["markdown"], CLAUSE, AZ_ADDED), az["revision"], "az")

    assert sarah.get(cr_id)["translations_behind"] == []


def test_a_translation_change_to_another_clause_does_not_clear_it(staff: dict[str, Api]) -> None:
    sarah = staff["sarah"]
    cr_id = _english_only(sarah)
    az = sarah.head_of(lang="az")

    _put(sarah, cr_id, _extended(az["markdown"], "marking", AZ_ADDED), az["revision"], "az")

    assert [row["clause"] for row in sarah.get(cr_id)["translations_behind"]] == [CLAUSE]


def test_a_new_english_clause_is_missing_in_the_translation(staff: dict[str, Api]) -> None:
    sarah = staff["sarah"]
    head = sarah.head_of()
    cr = sarah.open_cr("Night work")
    added = head["markdown"].rstrip("\n") + "\n\n## Night work {#night-work}\n\nNo work at night.\n"
    _put(sarah, cr["id"], added, head["revision"], "en")

    [row] = sarah.get(cr["id"])["translations_behind"]

    assert (row["clause"], row["missing"]) == ("night-work", True)


def test_the_cr_page_warns_and_links_to_the_translation_in_the_editor(
    staff: dict[str, Api], sign_in: SignIn
) -> None:
    sarah = staff["sarah"]
    cr_id = _english_only(sarah)
    number = _number(sarah, CLAUSE)
    browser = sign_in("sarah")

    page = browser.get(f"/app/change-requests/{cr_id}").text

    assert 'id="translations-behind"' in page
    assert f"This change leaves the Azerbaijani clause {number} behind." in page
    link = f"/app/change-requests/{cr_id}/edit?chapter={CHAPTER}:az&amp;open={CHAPTER}:az"
    assert f'<a class="button add-translation" href="{link}"' in page
    editor = browser.get(html.unescape(link))
    assert editor.status_code == 200
    # The editor starts from the translation's current text, beside the changed clause.
    assert textarea(editor, "markdown") == sarah.head_of(lang="az")["markdown"]
    assert 'id="source-behind"' in editor.text
    assert EN_ADDED in editor.text


def test_the_cr_page_marks_a_proposed_translation_that_stays_behind(
    staff: dict[str, Api], sign_in: SignIn
) -> None:
    sarah = staff["sarah"]
    cr_id = _english_only(sarah)
    az = sarah.head_of(lang="az")
    _put(sarah, cr_id, _extended(az["markdown"], "marking", AZ_ADDED), az["revision"], "az")

    page = sign_in("sarah").get(f"/app/change-requests/{cr_id}").text

    assert f'<div class="outdated-clause" data-clause="{CLAUSE}">' in page
    assert (
        "This change request changes the English text of this clause, "
        "but not this Azerbaijani text."
    ) in page
    assert EN_ADDED in page


def test_the_staff_chapter_page_marks_the_outdated_clause(
    staff: dict[str, Api], sign_in: SignIn, database: Database
) -> None:
    with database.session(write=True) as session:
        _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
        _row, text = revision_text(session, chapter, chapter.head_revision)
        save_chapter_text(
            session,
            chapter,
            _extended(text, CLAUSE, EN_ADDED),
            author="sarah",
            message="m",
            source="test",
        )

    page = sign_in("sarah").get(f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=az").text

    start = page.index(f'id="{CLAUSE}"')
    marked = page[start : page.index("</section>", start)]
    assert '<span class="outdated-badge">Translation outdated</span>' in marked
    assert (
        "The English text of this clause changed after revision 1, which this Azerbaijani "
        "text follows (the English text is now at revision 2)."
    ) in marked
    assert EN_ADDED in marked
    assert page.count('class="outdated-badge"') == 1
