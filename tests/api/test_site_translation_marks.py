"""The published site marks an outdated translated clause itself: a badge, a notice in the
reader's language naming the source edition, and the source text in force beside it; its
search result says so too. Marks belong to the edition, not only to the text."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from sop_platform.core.chapters import (
    chapter_by_slug,
    document_by_slug,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clauses import clauses_of
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import issue_edition
from tests.support import CHAPTER, DOCUMENT

PAGE = f"/sop/{DOCUMENT}/{CHAPTER}"
CLAUSE = "clearance-depth"
ADDED = "Record the depth reached in the lane log."


def _save(database: Database, language: str, change: Any, issue: bool = True) -> None:
    """Change the head of the chapter in `language` (`change`: text -> text), and issue."""
    with database.session(write=True) as session:
        document = document_by_slug(session, DOCUMENT)
        chapter = chapter_by_slug(session, document, CHAPTER, language)
        _revision, text = revision_text(session, chapter, chapter.head_revision)
        save_chapter_text(
            session, chapter, change(text), author="sarah", message="m", source="test"
        )
        if issue:
            issue_edition(
                session,
                document,
                title="Next",
                effective_date=utc_today(),
                issued_by="elvin",
            )


def _extended(anchor: str, sentence: str) -> Any:
    def change(text: str) -> str:
        [clause] = [c for c in clauses_of(text) if c.anchor == anchor]
        return text.replace(clause.text, f"{clause.text} {sentence}", 1)

    return change


def _section(page: str, anchor: str) -> str:
    """The HTML of the clause section whose heading has `anchor`."""
    start = page.index(f'id="{anchor}"')
    start = page.rindex("<section", 0, start)
    return page[start : page.index("</section>", start)]


def _index(client: TestClient) -> dict[str, list[str]]:
    script = client.get(f"/sop/{DOCUMENT}/search-index.js").text
    data = json.loads(script[len("window.sopSearchIndex = ") :].rstrip().rstrip(";"))
    # Per language: [chapter, number, title, text, href, outdated] for each clause.
    sections = data["languages"].values()
    return {row[4]: row for section in sections for row in section["clauses"]}


def test_an_english_only_change_marks_the_azerbaijani_clause_on_the_site(
    client: TestClient, loaded: Database
) -> None:
    _save(loaded, "en", _extended(CLAUSE, ADDED))

    page = client.get(f"{PAGE}?lang=az").text

    marked = _section(page, CLAUSE)
    assert '<span class="outdated-badge">Tərcümə köhnəlib</span>' in marked
    assert '<aside class="clause-outdated" role="note"' in marked
    assert (
        "Bu bəndin ingiliscə mətni 2 nömrəli nəşrdə dəyişib; bu azərbaycanca mətn isə hələ "
        "1 nömrəli nəşrin mətninə uyğundur."
    ) in marked
    assert "Qüvvədə olan ingiliscə mətn:" in marked
    assert re.search(r'<blockquote class="source-clause" lang="en">.*' + ADDED, marked, re.DOTALL)
    assert page.count('class="outdated-badge"') == 1
    assert '<p class="translation-outdated" role="note">' in page
    english = client.get(f"{PAGE}?lang=en").text
    assert "outdated-badge" not in english and "translation-outdated" not in english


def test_the_search_result_of_an_outdated_clause_says_so(
    client: TestClient, loaded: Database
) -> None:
    _save(loaded, "en", _extended(CLAUSE, ADDED))

    rows = _index(client)

    assert rows[f"{PAGE}?lang=az#{CLAUSE}"][5] == (
        "Tərcümə köhnəlib: bu bəndin ingiliscə mətni 2 nömrəli nəşrdə dəyişib."
    )
    assert rows[f"{PAGE}?lang=az#marking"][5] == ""
    assert rows[f"{PAGE}?lang=en#{CLAUSE}"][5] == ""


def test_the_marks_belong_to_the_edition_shown(client: TestClient, loaded: Database) -> None:
    first = client.get(f"/sop/{DOCUMENT}/editions/1/{CHAPTER}?lang=az").text
    _save(loaded, "en", _extended(CLAUSE, ADDED))
    _save(loaded, "az", _extended(CLAUSE, "Dərinlik zolaq jurnalında qeyd edilir."))

    current = client.get(f"{PAGE}?lang=az").text
    second = client.get(f"/sop/{DOCUMENT}/editions/2/{CHAPTER}?lang=az").text
    again = client.get(f"/sop/{DOCUMENT}/editions/1/{CHAPTER}?lang=az").text

    # The Azerbaijani text is the same in editions 1 and 2; only edition 2 pairs it with
    # the changed English clause.
    assert "outdated-badge" not in first and "outdated-badge" not in again
    assert "outdated-badge" in _section(second, CLAUSE)
    assert "outdated-badge" not in current and "clause-outdated" not in current


def test_a_new_english_clause_is_listed_as_not_yet_translated(
    client: TestClient, loaded: Database
) -> None:
    _save(
        loaded,
        "en",
        lambda text: (
            text.rstrip("\n")
            + "\n\n## Night work {#night-work}\n\nClearance shall not take place at night.\n"
        ),
    )

    page = client.get(f"{PAGE}?lang=az").text

    assert '<aside class="missing-clauses" role="note"' in page
    assert "Hələ tərcümə edilməmiş bəndlər" in page
    assert "«Night work» bəndi 2 nömrəli nəşrdən bəri ingiliscə mətndə var" in page
    assert "Clearance shall not take place at night." in page
