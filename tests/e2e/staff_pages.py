"""Every staff page, each with something on it: one data set that the page-wide browser checks
(fit a phone, axe-core, the focus ring) share, and the list of pages each person opens.

The data set: edition 2 of anama-sop issued over a release-gate blocker (the Azerbaijani
clause 4.9 outdated) and effective in two days; a CR by adam awaiting review; team
mag-mc-3 of MAG led by rauf, who briefed it on edition 1 and suggested a correction that
adam accepted; a controlled copy; a notification that could not be mailed; nigar the
administrator, and ulvi who has not signed the signature statement yet."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from sop_platform.core.accounts import user_by_name
from sop_platform.core.briefings import record_briefing
from sop_platform.core.chapters import (
    document_by_slug,
    find_chapter,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clock import utc_today
from sop_platform.core.controlled_copies import register_copy
from sop_platform.core.database import Database
from sop_platform.core.delivery import Outgoing, Undeliverable, deliver_due
from sop_platform.core.dispatch import dispatch
from sop_platform.core.editions import Override
from sop_platform.core.feedback import suggest
from sop_platform.core.feedback_triage import triage
from sop_platform.core.notifications import EDITION_ISSUED, EMAIL, Event, notify
from sop_platform.core.teams import add_organisation, add_team, set_membership
from sop_platform.review.issuing import issue_signed
from tests.e2e.staff import Account, add_accounts, submitted_by_adam
from tests.support import CHAPTER, DOCUMENT, PASSWORD, edited

NIGAR = Account("nigar", "admin", "Nigar Əliyeva")
ULVI = Account("ulvi", "author", "Ülvi Ünsalov")
SENTENCE = "The clearance depth shall be **20 cm**"
QUOTE = "The clearance depth shall be 20 cm below the original ground surface"


@dataclass(frozen=True)
class PageData:
    """The ids the page addresses need."""

    change_request: int
    feedback: int
    briefing: int


class _Refusing:
    def send(self, message: Outgoing) -> None:
        raise Undeliverable("the mail server refused the address: 550 5.1.1 No such mailbox")

    def close(self) -> None:
        pass


def add_page_data(database: Database) -> PageData:
    """The data set of the module's docstring, added to a copy of the demo database that
    already has `tests.e2e.staff.ACCOUNTS`."""
    add_accounts(database, (NIGAR,))
    add_accounts(database, (ULVI,), attested=False)
    today = utc_today()
    with database.session(write=True) as session:
        document = document_by_slug(session, DOCUMENT)
        _document, english = find_chapter(session, DOCUMENT, CHAPTER, "en")
        _row, text = revision_text(session, english, english.head_revision)
        save_chapter_text(
            session,
            english,
            edited(text, SENTENCE, "The clearance depth shall be **30 cm**"),
            author="adam",
            message="Clearance depth to 30 cm",
            source="test",
        )
        alice = user_by_name(session, "alice")
        issue_signed(
            session,
            document,
            alice,
            title="Edition 2: clearance depth",
            effective_date=today + timedelta(days=2),
            password=PASSWORD,
            overrides=[
                Override(
                    "translation_outdated",
                    CHAPTER,
                    "az",
                    "clearance-depth",
                    "",
                    "The Azerbaijani clause follows; team leaders brief every crew.",
                )
            ],
        )
        add_organisation(session, "MAG", name="Mines Advisory Group", actor="cli")
        add_team(
            session,
            "mag-mc-3",
            name="MAG manual clearance team 3",
            organisation="MAG",
            leader="rauf",
            actor="cli",
        )
        set_membership(session, user_by_name(session, "adam"), team="mag-mc-3", actor="cli")
        register_copy(session, alice, document, edition=1, holder="rauf", location="Vehicle 3")
        rauf = user_by_name(session, "rauf")
        briefing = record_briefing(
            session,
            rauf,
            document,
            edition=1,
            chapters=[CHAPTER],
            team="mag-mc-3",
            attendees=["Elşən Babayev", "Adam Advisor"],
            held_on=today,
            password=PASSWORD,
        )
        feedback, _new = suggest(
            session,
            rauf,
            document,
            chapter=CHAPTER,
            clause="clearance-depth",
            body="In ploughed fields measure the 20 cm below the ploughed layer.",
            language="en",
            quote=QUOTE,
        )
        assert feedback.id is not None and briefing.id is not None
        triage(session, user_by_name(session, "adam"), feedback.id, state="accepted", reply="Yes.")
        rauf.email = "rauf@example.org"
        session.add(rauf)
        assert rauf.id is not None
        notify(session, [rauf.id], Event(EDITION_ISSUED, "edition:x:9", "/anama-sop/", {}))
        dispatch(session, [EMAIL])
        feedback_id, briefing_id = feedback.id, briefing.id
    deliver_due(database, {EMAIL: _Refusing()})
    change_request = submitted_by_adam(
        database,
        "Marking after rain",
        "Marking shall be checked every morning by",
        "Marking shall be checked every morning and after rain by",
    )
    return PageData(change_request, feedback_id, briefing_id)


# Each person's pages, `{cr}`, `{feedback}` and `{briefing}` filled from `PageData`. The
# editor and the CR page are shaped by their own work; they are here to be checked too.
PAGES: dict[str, tuple[str, ...]] = {
    "nigar": (
        "/app",
        "/app/accounts",
        "/app/accounts/rauf/disable",
        "/app/accounts/rauf/password-reset",
        "/app/accounts/rauf/team",
        "/app/deliveries",
        "/app/teams",
    ),
    "alice": (
        "/app",
        "/app/queue",
        "/app/documents",
        f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=en&from=1&to=2",
        f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}/standard?lang=en",
        f"/app/documents/{DOCUMENT}/editions",
        f"/app/documents/{DOCUMENT}/editions/1/readership",
        f"/app/documents/{DOCUMENT}/copies",
        "/app/change-requests/{cr}",
        "/app/feedback",
        "/app/feedback/{feedback}",
        "/app/notifications",
        "/app/settings/notifications",
        "/app/password",
        "/app/reading",
    ),
    "adam": (
        f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=az",
        f"/app/change-requests/new?document={DOCUMENT}&chapter={CHAPTER}:en",
        "/app/change-requests/{cr}/edit?chapter=" + f"{CHAPTER}:az&open={CHAPTER}:az",
        "/app/change-requests/999999",
    ),
    "rauf": (
        "/app",
        "/app/reading",
        "/app/briefings/new",
        "/app/briefings/{briefing}",
        "/app/suggestions",
        f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=az",
    ),
    "ulvi": ("/app/attestation",),
    "": ("/login",),
}
# A page that answers other than 200 on purpose: the staff error page.
STATUS = {"/app/change-requests/999999": 404}


def pages_of(data: PageData) -> Iterator[tuple[str, str]]:
    """(username, address) of every page of `PAGES`, its ids filled; username "" is nobody."""
    for username, paths in PAGES.items():
        for path in paths:
            yield (
                username,
                path.format(cr=data.change_request, feedback=data.feedback, briefing=data.briefing),
            )
