"""The staff application's main pages pass axe-core's WCAG 2 A and AA checks with no
serious or critical violation, in English and in Azerbaijani: every page an author,
reviewer or approver works on, with a change request open so that its forms are shown."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page
from sqlmodel import select

from sop_platform.core.chapters import document_by_slug
from sop_platform.core.controlled_copies import register_copy
from sop_platform.core.database import Database
from sop_platform.core.models import User
from sop_platform.core.teams import add_organisation, add_team
from tests.e2e.staff import Axe, StaffSite, described, sign_in, story_screenshot, submitted_by_adam

SENTENCE = "The clearance depth shall be **20 cm**"


def test_the_main_pages_pass_the_accessibility_check(
    page: Page, staff_site: StaffSite, demo_database: Database, axe: Axe, tmp_path: Path
):
    cr = submitted_by_adam(
        demo_database, "Deeper clearance", SENTENCE, "The clearance depth shall be **25 cm**"
    )
    with demo_database.session(write=True) as session:
        add_organisation(session, "MAG", name="Mines Advisory Group", actor="cli")
        add_team(
            session,
            "mag-mc-3",
            name="MAG manual clearance team 3",
            organisation="MAG",
            leader="rauf",
            actor="cli",
        )
        document = document_by_slug(session, "anama-sop")
        alice = session.exec(select(User).where(User.username == "alice")).one()
        register_copy(session, alice, document, edition=1, holder="rauf", location="Vehicle 3")
    pages = [
        "/app",
        "/app/teams",
        "/app/documents",
        "/app/documents/anama-sop/chapters/manual-clearance?lang=en&from=1&to=1",
        "/app/documents/anama-sop/chapters/manual-clearance/standard?lang=en",
        f"/app/change-requests/{cr}",
        f"/app/change-requests/{cr}/edit?open=manual-clearance:en",
        "/app/queue",
        "/app/documents/anama-sop/editions",
        "/app/reading",
        "/app/documents/anama-sop/editions/1/readership",
        "/app/documents/anama-sop/copies",
        "/app/notifications",
        "/app/settings/notifications",
    ]
    leader_pages = ["/app/reading", "/app/briefings/new"]
    found: dict[str, list[str]] = {}
    sign_in(page, staff_site.base_url, "alice")
    for language in ("en", "az"):
        page.goto(staff_site.url(f"/app/language/{language}?next=/app"))
        for path in pages:
            answer = page.goto(staff_site.url(path))
            assert answer is not None and answer.status == 200, path
            violations = described(axe(page))
            if violations:
                found[f"{language} {path}"] = violations
    story_screenshot(page, tmp_path, "editions-in-azerbaijani")
    page.context.clear_cookies()
    sign_in(page, staff_site.base_url, "rauf")
    for language in ("en", "az"):
        page.goto(staff_site.url(f"/app/language/{language}?next=/app"))
        for path in leader_pages:
            answer = page.goto(staff_site.url(path))
            assert answer is not None and answer.status == 200, path
            violations = described(axe(page))
            if violations:
                found[f"{language} rauf {path}"] = violations

    assert found == {}
