"""Field feedback in the domain: a reader's suggestion on clause 4.9 (clearance depth) of
manual clearance, checked against the edition in force; staff's answers as steps that
follow one table; the item closing when an edition with its change takes effect; none of
it ever changed or deleted."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, col, select

from sop_platform.core.accounts import add_user
from sop_platform.core.chapters import (
    document_by_slug,
    find_chapter,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clock import moved_by, utc_now, utc_today
from sop_platform.core.database import Database
from sop_platform.core.editions import issue_edition
from sop_platform.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyAttempts,
)
from sop_platform.core.feedback import (
    ACCEPTED,
    CLOSED,
    DECLINED,
    DUPLICATE,
    LINKED,
    OPEN,
    RATE_LIMIT,
    STEPS,
    feedback_of_change_request,
    item_by_id,
    listed,
    suggest,
)
from sop_platform.core.feedback_triage import (
    check_linkable,
    close_feedback_in_force,
    link_change_request,
    triage,
)
from sop_platform.core.models import (
    AuditEvent,
    ChangeRequest,
    Document,
    Feedback,
    FeedbackEvent,
    Notification,
    User,
)
from tests.support import CHAPTER, DOCUMENT, PASSWORD, edited

TODAY = utc_today()
CLAUSE = "clearance-depth"  # 4.9
# As the page shows it: no emphasis marks, no list numbers.
QUOTE = "The clearance depth shall be 20 cm below the original ground surface"
BODY = "Where the ground was ploughed, measure from the bottom of the ploughed layer."


@pytest.fixture
def session(loaded: Database):
    with loaded.session(write=True) as session:
        yield session


def _user(session: Session, username: str, role: str = "reader", active: bool = True) -> User:
    user = add_user(session, username, full_name=username.title(), role=role, password=PASSWORD)
    if not active:
        user.active = False
        session.add(user)
        session.flush()
    return user


@pytest.fixture
def people(session: Session) -> dict[str, User]:
    return {
        "rauf": _user(session, "rauf"),
        "gunel": _user(session, "gunel"),
        "sarah": _user(session, "sarah", "author"),
        "elvin": _user(session, "elvin", "approver"),
        "gone": _user(session, "gone", "author", active=False),
    }


def _suggest(session: Session, user: User, **given: object) -> Feedback:
    fields: dict[str, object] = {
        "chapter": CHAPTER,
        "clause": CLAUSE,
        "body": BODY,
        "language": "en",
        "quote": QUOTE,
        **given,
    }
    row, _new = suggest(session, user, document_by_slug(session, DOCUMENT), **fields)  # type: ignore[arg-type]
    return row


def _notified(session: Session, kind: str) -> list[tuple[int, dict[str, object], str]]:
    return [
        (row.user_id, json.loads(row.params), row.link)
        for row in session.exec(
            select(Notification).where(Notification.kind == kind).order_by(col(Notification.id))
        )
    ]


def _cr(session: Session, state: str = "draft", document_id: int | None = None) -> ChangeRequest:
    document = document_by_slug(session, DOCUMENT)
    assert document.id is not None
    row = ChangeRequest(
        document_id=document_id or document.id,
        title="Clearance depth in ploughed ground",
        rationale="Field feedback.",
        author="sarah",
        state=state,
        created_at=utc_now(),
    )
    session.add(row)
    session.flush()
    return row


def _set_state(session: Session, cr_id: int | None, state: str) -> None:
    """The CR moved to `state` as the workflow would leave it (merged: with its time)."""
    cr = session.get(ChangeRequest, cr_id)
    assert cr is not None
    cr.state = state
    cr.merged_at = utc_now() if state == "merged" else None
    session.add(cr)
    session.flush()


# Suggesting


def test_a_suggestion_names_the_clause_of_the_edition_in_force_and_both_times(
    session: Session, people: dict[str, User]
) -> None:
    written = utc_now() - timedelta(hours=5)  # on the phone, in the field, offline

    row = _suggest(session, people["rauf"], written_at=written)

    assert (row.edition, row.chapter_slug, row.clause, row.language) == (1, CHAPTER, CLAUSE, "en")
    assert (row.quote, row.body) == (QUOTE, BODY)
    assert row.written_at == written
    assert row.received_at - written >= timedelta(hours=5)
    assert item_by_id(session, row.id or 0).state == OPEN
    event = session.exec(select(AuditEvent).where(AuditEvent.object == f"feedback:{row.id}")).one()
    assert (event.actor, event.action) == ("rauf", "feedback.received")
    assert json.loads(event.details)["clause"] == CLAUSE


def test_the_people_who_triage_are_told_but_not_the_sender_nor_readers(
    session: Session, people: dict[str, User]
) -> None:
    row = _suggest(session, people["sarah"])  # an author may suggest too

    told = _notified(session, "feedback_received")

    assert sorted(user_id for user_id, _params, _link in told) == [people["elvin"].id]
    [(_user_id, params, link)] = told
    assert params["chapter"] == "4" and params["clause"] == "4.9"
    assert params["document"] == "ANAMA National Mine Action Standard Operating Procedures"
    assert link == f"/app/feedback/{row.id}"


def test_a_quote_as_the_azerbaijani_page_shows_it_is_the_clauses(
    session: Session, people: dict[str, User]
) -> None:
    quote = "təmizləmə dərinliyi torpağın ilkin səthindən 20 sm olmalıdır"

    row = _suggest(session, people["rauf"], language="az", quote=quote)

    assert (row.language, row.quote) == ("az", quote)


def test_a_quote_with_what_the_page_adds_to_the_markdown_is_the_clauses(
    session: Session, people: dict[str, User]
) -> None:
    # Clause 4.10 links to the EOD chapter; the page shows the link's target beside it.
    quote = (
        "Every item shall be recorded and dealt with as described in the chapter on explosive "
        "ordnance disposal (7.3 Identification)."
    )

    row = _suggest(session, people["rauf"], clause="finds", quote=quote)

    assert row.clause == "finds"


@pytest.mark.parametrize(
    ("given", "refused", "said"),
    [
        ({"clause": "no-such-clause"}, NotFound, "has no clause 'no-such-clause'"),
        ({"clause": "scope", "chapter": "eod"}, InvalidInput, "not in clause 7.1"),
        ({"chapter": "no-such-chapter"}, NotFound, "no chapter 'no-such-chapter' in 'en'"),
        ({"language": "fr"}, NotFound, "in 'fr'"),
        ({"clause": ""}, InvalidInput, "name the clause"),
        ({"body": "   "}, InvalidInput, "needs a text"),
        ({"body": "x" * 5001}, InvalidInput, "at most 5,000 characters; this one has 5,001"),
        ({"quote": "x" * 2001}, InvalidInput, "at most 2,000 characters"),
        ({"quote": "Deminers may work without a helmet"}, InvalidInput, "not in clause 4.9"),
        ({"written_at": datetime.now(UTC) + timedelta(hours=2)}, InvalidInput, "in the future"),
        ({"written_at": datetime(2026, 1, 1)}, InvalidInput, "time zone"),
    ],
)
def test_a_suggestion_that_cannot_be_kept_is_refused_and_says_why(
    session: Session,
    people: dict[str, User],
    given: dict[str, object],
    refused: type[Exception],
    said: str,
) -> None:
    with pytest.raises(refused, match=said.replace("(", r"\(").replace(")", r"\)")):
        _suggest(session, people["rauf"], **given)

    assert session.exec(select(Feedback)).all() == []


def test_a_quote_or_text_at_its_limit_is_kept(session: Session, people: dict[str, User]) -> None:
    row = _suggest(session, people["rauf"], body="y" * 5000, quote="")

    assert len(row.body) == 5000


def test_a_standard_takes_no_suggestions(session: Session, people: dict[str, User]) -> None:
    standard = session.exec(select(Document).where(Document.kind == "standard")).first()
    assert standard is not None
    with pytest.raises(InvalidInput, match="only SOPs take suggestions"):
        suggest(
            session,
            people["rauf"],
            document_by_slug(session, standard.slug),
            chapter="x",
            clause="x",
            body=BODY,
            language="en",
        )


def test_the_same_suggestion_sent_again_is_kept_once(
    session: Session, people: dict[str, User]
) -> None:
    written = utc_now() - timedelta(minutes=3)
    document = document_by_slug(session, DOCUMENT)
    fields = {"chapter": CHAPTER, "clause": CLAUSE, "body": BODY, "language": "en"}

    first, first_new = suggest(session, people["rauf"], document, written_at=written, **fields)
    again, again_new = suggest(session, people["rauf"], document, written_at=written, **fields)
    other, other_new = suggest(session, people["gunel"], document, written_at=written, **fields)

    assert (first_new, again_new, other_new) == (True, False, True)
    assert again.id == first.id != other.id
    assert len(session.exec(select(Feedback)).all()) == 2


def test_past_the_rate_a_reader_waits_and_may_send_again_an_hour_later(
    session: Session, people: dict[str, User]
) -> None:
    for number in range(RATE_LIMIT):
        _suggest(session, people["rauf"], body=f"Suggestion {number}")

    with pytest.raises(TooManyAttempts) as refused:
        _suggest(session, people["rauf"], body="One too many")
    # Someone else is not held back by rauf.
    _suggest(session, people["gunel"], body="Mine")

    assert 3500 <= refused.value.retry_after_seconds <= 3600
    with moved_by(timedelta(hours=1, seconds=1)):
        assert _suggest(session, people["rauf"], body="Later").body == "Later"


# Answering: every cell of the table


def _in_state(session: Session, people: dict[str, User], state: str) -> tuple[int, int | None]:
    """A new item of rauf's brought to `state`; (its id, its CR's id if linked)."""
    item = _suggest(session, people["rauf"], body=f"Brought to {state}")
    assert item.id is not None
    sarah = people["sarah"]
    other = _suggest(session, people["gunel"], body=f"Other for {state}").id
    cr_id = None
    if state in (ACCEPTED, LINKED, CLOSED):
        triage(session, sarah, item.id, state=ACCEPTED)
    if state == DECLINED:
        triage(session, sarah, item.id, state=DECLINED, reply="Already so.")
    if state == DUPLICATE:
        triage(session, sarah, item.id, state=DUPLICATE, duplicate_of=other)
    if state in (LINKED, CLOSED):
        cr = _cr(session)
        cr_id = cr.id
        link_change_request(session, sarah, item.id, cr)
    if state == CLOSED:
        assert cr_id is not None
        session.add(FeedbackEvent(feedback_id=item.id, state=CLOSED, by="t", at=utc_now()))
        session.flush()
    assert item_by_id(session, item.id).state == state
    return item.id, cr_id


STATES_REACHED = [OPEN, ACCEPTED, DECLINED, DUPLICATE, LINKED, CLOSED]
# Whether each answer is taken in each state: the table of core/feedback.py, written out.
ALLOWED = {
    (OPEN, ACCEPTED),
    (OPEN, DECLINED),
    (OPEN, DUPLICATE),
    (ACCEPTED, DECLINED),
    (ACCEPTED, DUPLICATE),
    (ACCEPTED, LINKED),
    (DECLINED, ACCEPTED),
    (DECLINED, DUPLICATE),
    (DUPLICATE, ACCEPTED),
    (DUPLICATE, DECLINED),
}


def test_the_written_out_table_is_the_module_s_own() -> None:
    from_module = {
        (state, step) for state, steps in STEPS.items() for step in steps if step != CLOSED
    }
    # From `linked`, linking again and declining wait for the CR to end unmerged.
    assert from_module - {(LINKED, LINKED), (LINKED, DECLINED)} == ALLOWED


@pytest.mark.parametrize("state", STATES_REACHED)
@pytest.mark.parametrize("step", [ACCEPTED, DECLINED, DUPLICATE, LINKED])
def test_each_answer_is_taken_only_where_the_table_allows_it(
    session: Session, people: dict[str, User], state: str, step: str
) -> None:
    item_id, _cr_id = _in_state(session, people, state)
    other = _suggest(session, people["gunel"], body="The one it duplicates").id
    sarah = people["sarah"]

    def take() -> None:
        if step == LINKED:
            link_change_request(session, sarah, item_id, _cr(session))
        else:
            triage(
                session,
                sarah,
                item_id,
                state=step,
                reply="Because." if step == DECLINED else "",
                duplicate_of=other if step == DUPLICATE else None,
            )

    if (state, step) in ALLOWED:
        take()
        assert item_by_id(session, item_id).state == step
    else:
        with pytest.raises(Conflict):
            take()
        assert item_by_id(session, item_id).state == state


def test_each_answer_is_a_step_of_its_own_audited_and_told_to_the_reader(
    session: Session, people: dict[str, User]
) -> None:
    item = _suggest(session, people["rauf"])
    assert item.id is not None

    triage(session, people["sarah"], item.id, state=DECLINED, reply="Already 20 cm.")
    triage(session, people["elvin"], item.id, state=ACCEPTED, reply="On reflection, yes.")

    steps = item_by_id(session, item.id).events
    assert [(e.state, e.by, e.reply) for e in steps] == [
        (DECLINED, "sarah", "Already 20 cm."),
        (ACCEPTED, "elvin", "On reflection, yes."),
    ]
    actions = session.exec(
        select(AuditEvent.action)
        .where(AuditEvent.object == f"feedback:{item.id}")
        .order_by(col(AuditEvent.seq))
    ).all()
    assert actions == ["feedback.received", "feedback.declined", "feedback.accepted"]
    told = _notified(session, "feedback_answered")
    assert [(user_id, params["state"], params["variant"]) for user_id, params, _ in told] == [
        (people["rauf"].id, DECLINED, DECLINED),
        (people["rauf"].id, ACCEPTED, ACCEPTED),
    ]
    assert told[0][2] == f"/app/suggestions#feedback-{item.id}"


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ({"state": DECLINED}, "say why it is declined"),
        ({"state": DUPLICATE}, "name the item it duplicates"),
        ({"state": ACCEPTED, "duplicate_of": 1}, "goes with the answer 'duplicate' only"),
        ({"state": "closed"}, "an answer is one of accepted, declined, duplicate"),
        ({"state": ACCEPTED, "reply": "x" * 5001}, "at most 5,000 characters"),
    ],
)
def test_an_answer_missing_what_it_needs_is_refused(
    session: Session, people: dict[str, User], answer: dict[str, object], said: str
) -> None:
    item = _suggest(session, people["rauf"])

    with pytest.raises(InvalidInput, match=said):
        triage(session, people["sarah"], item.id or 0, **answer)  # type: ignore[arg-type]

    assert item_by_id(session, item.id or 0).events == []


def test_a_duplicate_names_another_item_that_exists(
    session: Session, people: dict[str, User]
) -> None:
    item = _suggest(session, people["rauf"])
    assert item.id is not None

    with pytest.raises(InvalidInput, match="cannot duplicate itself"):
        triage(session, people["sarah"], item.id, state=DUPLICATE, duplicate_of=item.id)
    with pytest.raises(NotFound, match="feedback 999 does not exist"):
        triage(session, people["sarah"], item.id, state=DUPLICATE, duplicate_of=999)
    with pytest.raises(NotFound, match="feedback 998 does not exist"):
        triage(session, people["sarah"], 998, state=ACCEPTED)


def test_a_reader_may_not_answer_nor_link(session: Session, people: dict[str, User]) -> None:
    item = _suggest(session, people["rauf"])
    assert item.id is not None

    with pytest.raises(Forbidden, match="'author' role"):
        triage(session, people["gunel"], item.id, state=ACCEPTED)
    with pytest.raises(Forbidden, match="'author' role"):
        check_linkable(session, people["rauf"], item.id)


# Linking to a change request


def test_an_item_joins_an_open_cr_of_its_own_document_only(
    session: Session, people: dict[str, User]
) -> None:
    item = _suggest(session, people["rauf"])
    assert item.id is not None
    sarah = people["sarah"]
    triage(session, sarah, item.id, state=ACCEPTED)
    standard_id = session.exec(select(Document.id).where(Document.kind == "standard")).first()

    with pytest.raises(InvalidInput, match="on another document"):
        link_change_request(session, sarah, item.id, _cr(session, document_id=standard_id))
    with pytest.raises(Conflict, match="is merged: feedback joins an open change request"):
        link_change_request(session, sarah, item.id, _cr(session, "merged"))
    cr = _cr(session, "submitted")
    link_change_request(session, sarah, item.id, cr)
    with pytest.raises(Conflict, match=f"already linked to change request {cr.id}"):
        link_change_request(session, sarah, item.id, _cr(session))

    assert feedback_of_change_request(session, cr.id or 0) == [item.id]
    assert item_by_id(session, item.id).change_request == cr.id


def test_an_item_whose_cr_ended_unmerged_may_be_linked_again_or_declined(
    session: Session, people: dict[str, User]
) -> None:
    item_id, cr_id = _in_state(session, people, LINKED)
    sarah = people["sarah"]
    with pytest.raises(Conflict, match="still open or merged"):
        triage(session, sarah, item_id, state=DECLINED, reply="No.")

    _set_state(session, cr_id, "withdrawn")
    second = _cr(session)
    link_change_request(session, sarah, item_id, second)

    item = item_by_id(session, item_id)
    assert (item.state, item.change_request) == (LINKED, second.id)
    assert feedback_of_change_request(session, cr_id or 0) == [item_id]  # it was, once


# Closing


def _merged_and_issued(session: Session, cr: ChangeRequest, effective: date) -> int:
    """The CR merged (its text saved as the head) and listed in the next edition."""
    document = document_by_slug(session, DOCUMENT)
    _document, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
    _revision, current = revision_text(session, chapter, chapter.head_revision)
    save_chapter_text(
        session,
        chapter,
        edited(current, "**20 cm** below", "**20 cm** below, or the ploughed layer,"),
        author="sarah",
        message="m",
        source="t",
    )
    _set_state(session, cr.id, "merged")
    edition = issue_edition(
        session, document, title="Ploughed ground", effective_date=effective, issued_by="elvin"
    )
    return edition.number


def test_an_item_closes_once_when_an_edition_with_its_change_takes_effect(
    session: Session, people: dict[str, User]
) -> None:
    item_id, cr_id = _in_state(session, people, LINKED)
    waiting, _ = _in_state(session, people, ACCEPTED)  # accepted, never linked: stays
    cr = session.get(ChangeRequest, cr_id)
    assert cr is not None
    tomorrow = TODAY + timedelta(days=1)
    number = _merged_and_issued(session, cr, tomorrow)

    assert close_feedback_in_force(session, TODAY) == 0  # not in effect yet
    assert close_feedback_in_force(session, tomorrow) == 1
    assert close_feedback_in_force(session, tomorrow) == 0

    item = item_by_id(session, item_id)
    assert (item.state, item.closed_in, item.events[-1].by) == (CLOSED, number, "sop-platform")
    assert item_by_id(session, waiting).state == ACCEPTED
    told = _notified(session, "feedback_closed")
    assert [(user_id, params["edition"]) for user_id, params, _link in told] == [
        (people["rauf"].id, number)
    ]
    actions = session.exec(
        select(AuditEvent.action)
        .where(AuditEvent.object == f"feedback:{item_id}")
        .order_by(col(AuditEvent.seq))
    ).all()
    assert actions[-1] == "feedback.closed"


def test_an_item_linked_to_a_cr_not_yet_issued_stays_linked(
    session: Session, people: dict[str, User]
) -> None:
    item_id, cr_id = _in_state(session, people, LINKED)
    _set_state(session, cr_id, "merged")

    assert close_feedback_in_force(session, TODAY + timedelta(days=400)) == 0
    assert item_by_id(session, item_id).state == LINKED


def test_the_queue_lists_by_state_oldest_first_and_a_reader_s_own_newest_first(
    session: Session, people: dict[str, User]
) -> None:
    first = _suggest(session, people["rauf"], body="First")
    second = _suggest(session, people["gunel"], body="Second")
    third = _suggest(session, people["rauf"], body="Third")
    triage(session, people["sarah"], second.id or 0, state=ACCEPTED)

    open_items, open_total = listed(session, state=OPEN)
    accepted, _ = listed(session, state=ACCEPTED)
    mine, mine_total = listed(session, user=people["rauf"], newest_first=True)
    page, total = listed(session, limit=1, offset=1)

    assert ([i.id for i in open_items], open_total) == ([first.id, third.id], 2)
    assert [i.id for i in accepted] == [second.id]
    assert ([i.id for i in mine], mine_total) == ([third.id, first.id], 2)
    assert ([i.id for i in page], total) == ([second.id], 3)
    with pytest.raises(InvalidInput, match="unknown state 'lost'"):
        listed(session, state="lost")


# Never changed, never lost


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE feedback SET body = 'Something else'",
        "DELETE FROM feedback",
        "UPDATE feedback_event SET reply = 'Something else'",
        "DELETE FROM feedback_event",
    ],
)
def test_the_database_refuses_to_change_or_delete_feedback(
    loaded: Database, people: dict[str, User], session: Session, statement: str
) -> None:
    item = _suggest(session, people["rauf"])
    triage(session, people["sarah"], item.id or 0, state=ACCEPTED)
    session.commit()

    with pytest.raises(DatabaseError, match="immutable"), loaded.engine.begin() as connection:
        connection.execute(text(statement))

    with loaded.session(write=False) as reader:
        assert reader.exec(select(Feedback.body)).all() == [BODY]
        assert reader.exec(select(FeedbackEvent.reply)).all() == [""]
