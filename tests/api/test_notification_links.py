"""A notification's link opens the exact page it is about, for the person told: every kind
the workflow and the calendar produce, followed in that person's signed-in browser, answers
200 and holds the element its fragment names."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from sop_platform.core.chapters import document_by_slug
from sop_platform.core.clock import moved_by, utc_today
from sop_platform.core.controlled_copies import register_copy
from sop_platform.core.database import Database
from sop_platform.core.models import Notification, User
from sop_platform.core.notification_sweep import sweep
from sop_platform.core.periodic_review import set_review_interval
from sop_platform.core.standards import import_standard_chapter
from sop_platform.core.teams import (
    add_organisation,
    add_team,
    set_leader,
    set_membership,
    team_by_id,
)
from sop_platform.resources import shipped_dir
from tests.api.web_browser import SignIn
from tests.support import AFTER_RAIN, CHAPTER, DOCUMENT, Api, MakeUser, edited


def _user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def _links(database: Database) -> dict[str, tuple[str, str]]:
    """One (recipient, link) per kind and subject variant."""
    with database.session(write=False) as session:
        rows = session.exec(
            select(Notification, User.username)
            .join(User, col(User.id) == Notification.user_id)
            .order_by(col(Notification.id))
        ).all()
    links: dict[str, tuple[str, str]] = {}
    for row, username in rows:
        variant = json.loads(row.params).get("variant", "")
        links.setdefault(f"{row.kind}/{variant}", (username, row.link))
    return links


def _opens(sign_in: SignIn, username: str, link: str) -> None:
    parts = urlsplit(link)
    browser = sign_in(username)
    page = browser.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert page.status_code == 200, (username, link, page.status_code)
    if parts.fragment:
        assert f'id="{parts.fragment}"' in page.text, (username, link)


def test_each_kind_of_notification_links_to_its_page(
    client: TestClient,
    staff: dict[str, Api],
    sign_in: SignIn,
    loaded: Database,
    make_user: MakeUser,
):
    sarah, aynur, elvin, leyla = staff["sarah"], staff["aynur"], staff["elvin"], staff["leyla"]
    make_user("ilkin", "reader", "Ilkin Mammadov")
    with loaded.session(write=True) as session:
        add_organisation(session, "MAG", name="Mines Advisory Group", actor="nigar")
        add_team(session, "mag-mc-3", name="MAG team 3", organisation="MAG", actor="nigar")
        for username in ("rauf", "ilkin"):
            set_membership(session, _user(session, username), team="mag-mc-3", actor="nigar")
        set_leader(session, team_by_id(session, "mag-mc-3"), "rauf", actor="nigar")
        document = document_by_slug(session, DOCUMENT)
        register_copy(
            session, _user(session, "elvin"), document, edition=1, holder="ilkin", location="Base"
        )
        set_review_interval(session, document, 1, actor="nigar")

    # A change request through its steps, with a thread and a reply.
    rejected = sarah.open_cr("Not this one")
    head = sarah.head_of()
    sarah.put(
        rejected["id"],
        edited(head["markdown"], "It applies to every deminer", "It binds all deminers"),
        head["revision"],
    )
    leyla.act(rejected["id"], "reject", reason="Out of scope.")
    cr = sarah.open_cr("Marking after rain")
    for language, (old, new) in AFTER_RAIN.items():
        text = sarah.head_of(lang=language)
        sarah.put(cr["id"], edited(text["markdown"], old, new), text["revision"], lang=language)
    sarah.act(cr["id"], "submit")
    aynur.act(
        cr["id"],
        "comments",
        201,
        body="After every rain?",
        chapter=CHAPTER,
        language="en",
        quote="after rain",
    )
    elvin.act(cr["id"], "comments", 201, body="Yes.", parent=1)
    aynur.act(cr["id"], "reviews", 201, decision="request_changes", body="Say heavy rain.")
    sarah.act(cr["id"], "submit")
    elvin.approve(cr["id"])
    leyla.approve(cr["id"])
    elvin.act(cr["id"], "merge")
    elvin.issue(effective_date=utc_today() + timedelta(days=1))

    # A standard amended under a national clause.
    seed = shipped_dir("content") / "standards/imas/09.10-clearance-requirements.md"
    amended = edited(seed.read_text("utf-8"), "amendment: 0", "amendment: 1")
    with loaded.session(write=True) as session:
        import_standard_chapter(
            session,
            document_by_slug(session, "imas"),
            edited(amended, "not less than 13 cm", "not less than 15 cm"),
            actor="elvin",
            source="t",
        )

    # The calendar: edition 2 in effect, readings due and overdue, a review due and late.
    for days in (1, 12, 15, 40):
        with moved_by(timedelta(days=days)), loaded.session(write=True) as session:
            sweep(session)

    links = _links(loaded)
    assert set(links) == {
        "review_waiting/",
        "changes_requested/",
        "cr_approved/",
        "cr_merged/",
        "cr_rejected/",
        "comment/",
        "reply/",
        "edition_issued/",
        "edition_in_effect/",
        "acknowledgement_due/",
        "acknowledgement_overdue/",
        "acknowledgement_overdue/leader",
        "copy_to_replace/",
        "periodic_review_due/",
        "periodic_review_overdue/",
        "clause_needs_review/",
    }
    with moved_by(timedelta(days=40)):
        for username, link in links.values():
            _opens(sign_in, username, link)
