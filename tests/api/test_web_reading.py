"""The staff pages of reaching the lane, as a browser drives them: "My reading", the briefing
form of a team leader, who has read an edition (with its chart) and the register of
controlled copies, each for the right people only, in English and Azerbaijani."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from sop_platform.core.chapters import (
    document_by_slug,
    find_chapter,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import issue_edition
from tests.api.web_browser import HTML, SignIn, textarea
from tests.support import CHAPTER, DOCUMENT, PASSWORD, Api, MakeUser, edited

TEAM = {"id": "mag-mc-3", "name": "MAG manual clearance team 3", "organisation": "MAG"}
REPORT = f"/app/documents/{DOCUMENT}/editions/1/readership"
COPIES = f"/app/documents/{DOCUMENT}/copies"


@pytest.fixture
def lane(staff: dict[str, Api], make_user: MakeUser) -> dict[str, Api]:
    """Team mag-mc-3 led by rauf with deminer ilkin; team halo-1 led by tom."""
    make_user("ilkin", "reader", "Ilkin Mammadov")
    admin = staff["nigar"]
    admin._call("POST", "/api/v1/organisations", 201, json={"code": "MAG", "name": "MAG"})
    admin._call("POST", "/api/v1/teams", 201, json={**TEAM, "leader": "rauf"})
    admin._call("PATCH", "/api/v1/users/ilkin", 200, json={"team": "mag-mc-3"})
    admin._call(
        "POST",
        "/api/v1/teams",
        201,
        json={"id": "halo-1", "name": "HALO team 1", "organisation": "MAG", "leader": "tom"},
    )
    return staff


def _issue_second_edition(database: Database) -> None:
    with database.session(write=True) as session:
        _doc, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
        _revision, text = revision_text(session, chapter, chapter.head_revision)
        changed = edited(text, "**20 cm**", "**30 cm**")
        save_chapter_text(session, chapter, changed, author="t", message="m", source="t")
        document = document_by_slug(session, DOCUMENT)
        issue_edition(
            session, document, title="Second", effective_date=utc_today(), issued_by="elvin"
        )


def _in_azerbaijani(client: TestClient, path: str) -> str:
    client.get(f"/app/language/az?next={path}", headers=HTML)
    page = client.get(path, headers=HTML)
    client.get(f"/app/language/en?next={path}", headers=HTML)
    assert page.status_code == 200, page.text
    return page.text


def test_my_reading_lists_what_is_owed_and_what_was_confirmed(
    client: TestClient, sign_in: SignIn, lane: dict[str, Api]
):
    rauf = sign_in("rauf")
    before = rauf.get("/app/reading")
    owed = lane["rauf"]._call("GET", "/api/v1/me/acknowledgements", 200)["owed"]
    item = next(row for row in owed if row["chapter"] == CHAPTER)
    lane["rauf"]._call(
        "POST",
        "/api/v1/acknowledgements",
        201,
        json={key: item[key] for key in ("document", "edition", "chapter", "language", "sha256")},
    )
    after = rauf.get("/app/reading")
    home = rauf.get("/app")
    azerbaijani = _in_azerbaijani(client, "/app/reading")

    assert before.status_code == 200
    assert f'href="/sop/{DOCUMENT}/{CHAPTER}?lang={item["language"]}"' in before.text
    assert f'id="owed-{DOCUMENT}-{CHAPTER}"' in before.text
    assert f'id="owed-{DOCUMENT}-{CHAPTER}"' not in after.text
    done = after.text.split('id="done"', 1)[1]
    assert f'href="/sop/{DOCUMENT}/{CHAPTER}?lang={item["language"]}"' in done
    assert "UTC</time>" in done
    assert 'href="/app/reading"' in home.text
    assert "Oxuduqlarım" in azerbaijani and "Təsdiqlənib" in azerbaijani


def test_a_team_leader_records_a_briefing_and_the_deminer_sees_it(
    client: TestClient, sign_in: SignIn, lane: dict[str, Api]
):
    rauf = sign_in("rauf")
    form = rauf.get("/app/briefings/new")
    attendees = textarea(form, "briefing-attendees")
    fields = {
        "document": DOCUMENT,
        "edition": "1",
        "team": "mag-mc-3",
        "chapters": [CHAPTER],
        "held_on": utc_today().isoformat(),
        "attendees": attendees + "\nRashad (driver)",
    }
    wrong = rauf.post("/app/briefings", form, **fields, password="not it")
    no_token = client.post("/app/briefings", data={**fields, "password": PASSWORD}, headers=HTML)
    recorded = rauf.post("/app/briefings", form, **fields, password=PASSWORD)
    shown = rauf.get(recorded.headers["location"])
    azerbaijani = _in_azerbaijani(client, "/app/briefings/new")
    ilkin = sign_in("ilkin").get("/app/reading")
    not_hers = sign_in("sarah").get(recorded.headers["location"])

    assert form.status_code == 200 and attendees == "Ilkin Mammadov"
    assert f'value="{CHAPTER}" id="chapter-{CHAPTER}" checked' in form.text
    assert wrong.status_code == 403
    assert "The password does not match: nothing was signed." in wrong.text
    assert "Rashad (driver)" in textarea(wrong, "briefing-attendees")
    assert no_token.status_code == 403
    assert recorded.status_code == 303
    assert re.fullmatch(r"/app/briefings/\d+\?done=briefing_recorded", recorded.headers["location"])
    assert "The briefing is recorded and signed." in shown.text
    assert "Rashad (driver)" in shown.text and 'title="ilkin">Ilkin Mammadov</span>' in shown.text
    assert "Komanda təlimatını qeyd et" in azerbaijani
    briefed = ilkin.text.split('id="briefed"', 1)[1].split("</section>", 1)[0]
    assert CHAPTER in briefed and 'title="rauf">Rauf</span>' in briefed
    assert not_hers.status_code == 403


def test_only_team_leaders_and_admins_open_the_briefing_form(sign_in: SignIn, lane: dict[str, Api]):
    sarah = sign_in("sarah").get("/app/briefings/new")
    elvin = sign_in("elvin").get("/app/briefings/new")
    nigar = sign_in("nigar").get("/app/briefings/new")

    assert sarah.status_code == elvin.status_code == 403
    assert nigar.status_code == 200 and 'id="briefing-team"' in nigar.text


def test_the_readership_report_per_role(client: TestClient, sign_in: SignIn, lane: dict[str, Api]):
    elvin = sign_in("elvin")
    everyone = elvin.get(REPORT)
    one_team = elvin.get(f"{REPORT}?team=halo-1")
    editions = elvin.get(f"/app/documents/{DOCUMENT}/editions")
    azerbaijani = _in_azerbaijani(client, REPORT)
    rauf = sign_in("rauf")
    own = rauf.get(REPORT)
    other = rauf.get(f"{REPORT}?team=halo-1")
    rauf_editions = rauf.get(f"/app/documents/{DOCUMENT}/editions")
    sarah = sign_in("sarah")
    refused = sarah.get(REPORT)
    sarah_editions = sarah.get(f"/app/documents/{DOCUMENT}/editions")
    csv = client.get(f"/api/v1/documents/{DOCUMENT}/editions/1/readership.csv?team=mag-mc-3")

    assert everyone.status_code == 200
    assert 'role="img"' in everyone.text and "<title id=" in everyone.text
    assert 'id="team-mag-mc-3"' in everyone.text and 'id="team-halo-1"' in everyone.text
    assert 'href="/api/v1/documents/anama-sop/editions/1/readership.csv"' in everyone.text
    assert 'id="team-halo-1"' in one_team.text and 'id="team-mag-mc-3"' not in one_team.text
    assert f'href="{REPORT}"' in editions.text and f'href="{COPIES}"' in editions.text
    assert "Yekunlar" in azerbaijani and "Gözləyir" in azerbaijani
    assert own.status_code == 200 and 'id="team-mag-mc-3"' in own.text
    assert 'id="team-halo-1"' not in own.text
    assert "?team=mag-mc-3" in own.text
    assert other.status_code == 403
    assert f'href="{REPORT}"' in rauf_editions.text
    assert 'href="/app/briefings/new?document=anama-sop"' in rauf_editions.text
    assert f'href="{COPIES}"' not in rauf_editions.text
    assert refused.status_code == 403 and f'href="{REPORT}"' not in sarah_editions.text
    assert csv.status_code == 403  # sarah's cookie: a GET with the session works, and is refused


def test_controlled_copies_registered_and_replaced(
    client: TestClient, sign_in: SignIn, lane: dict[str, Api], loaded: Database
):
    elvin = sign_in("elvin")
    page = elvin.get(COPIES)
    missing = elvin.post(COPIES, page, edition="1", holder="", location="Vehicle 3")
    no_token = client.post(
        COPIES, data={"edition": "1", "holder": "rauf", "location": "x"}, headers=HTML
    )
    first = elvin.post(COPIES, page, edition="1", holder="rauf", location="MAG vehicle 3")
    second = elvin.post(COPIES, page, edition="1", holder="Barda field office", location="Desk")
    _issue_second_edition(loaded)
    register = elvin.get(COPIES)
    by_approver = elvin.post(
        f"{COPIES}/2/replaced", register, edition="2", holds="1", password=PASSWORD
    )
    after_approver = elvin.get(COPIES)
    azerbaijani = _in_azerbaijani(client, COPIES)

    rauf = sign_in("rauf")
    mine = rauf.get("/app/reading")
    wrong = rauf.post(
        f"{COPIES}/1/replaced", mine, edition="2", holds="1", password="nope", back="reading"
    )
    replaced = rauf.post(
        f"{COPIES}/1/replaced", mine, edition="2", holds="1", password=PASSWORD, back="reading"
    )
    done = rauf.get(replaced.headers["location"])
    refused_register = rauf.get(COPIES)

    assert page.status_code == 200 and 'id="no-copies"' in page.text
    assert missing.status_code == 422 and 'value="Vehicle 3"' in missing.text
    assert no_token.status_code == 403
    assert first.headers["location"] == f"{COPIES}?done=copy_registered#copy-1"
    assert second.headers["location"] == f"{COPIES}?done=copy_registered#copy-2"
    row = register.text.split('id="row-copy-1"', 1)[1].split("</tr>", 1)[0]
    assert "MAG vehicle 3" in row and "edition 2 by" in row
    assert f'href="/api/v1/documents/{DOCUMENT}/editions/1/copies/1.pdf"' in row
    assert 'id="replace-anama-sop-1"' in register.text
    assert by_approver.headers["location"] == f"{COPIES}?done=copy_replaced#copy-2"
    row = after_approver.text.split('id="row-copy-2"', 1)[1].split("</tr>", 1)[0]
    assert "up to date" in row and "/editions/2/copies/2.pdf" in row
    assert "Nəzarət nüsxələri" in azerbaijani
    assert 'id="replace-anama-sop-1"' in mine.text and 'name="back" value="reading"' in mine.text
    assert wrong.status_code == 403 and "The password does not match" in wrong.text
    assert replaced.headers["location"] == "/app/reading?done=copy_replaced#copies"
    assert "The replacement is recorded and signed." in done.text
    assert 'id="replace-anama-sop-1"' not in done.text
    assert refused_register.status_code == 403
