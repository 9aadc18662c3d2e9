"""What the feedback pages show: the staff queue (each item with its clause, quote, text,
reader, language, steps and the actions open to it) and a reader's own suggestions, in
the interface language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from sop_platform.core.feedback import ANSWERS, LINKED, Item, places_of
from sop_platform.core.feedback_places import Place
from sop_platform.core.feedback_triage import next_steps
from sop_platform.core.models import ChangeRequest, Document
from sop_platform.render.site_text import catalogue
from sop_platform.render.site_urls import AppUrls
from sop_platform.review.workflow import OPEN_STATES

_URLS = AppUrls()


@dataclass(frozen=True)
class StepRow:
    """One step taken with an item, as a sentence's parts."""

    state: str
    label: str
    by: str
    at: datetime
    reply: str
    change_request: int | None
    duplicate_of: int | None
    edition: int | None


@dataclass(frozen=True)
class FeedbackRow:
    item: Item
    state_label: str
    document_title: str
    chapter: str  # "4 Manual clearance"
    clause: str  # "4.9 Clearance depth"
    href: str  # the clause on the published site, in the edition it was written on
    language_name: str
    steps: list[StepRow]
    answers: list[str] = field(default_factory=list)  # the answers open to it now
    may_link: bool = False
    # Open CRs of its document it could join: (id, title).
    open_change_requests: list[tuple[int, str]] = field(default_factory=list)


def state_labels(language: str) -> dict[str, str]:
    texts = catalogue(language)
    return {
        state: texts[f"feedback_state_{state}"]
        for state in ("open", "accepted", "declined", "duplicate", "linked", "closed")
    }


def _open_change_requests(session: Session, items: list[Item]) -> dict[int, list[tuple[int, str]]]:
    documents = {item.feedback.document_id for item in items}
    found: dict[int, list[tuple[int, str]]] = {document: [] for document in documents}
    if not documents:
        return found
    rows = session.exec(
        select(ChangeRequest)
        .where(
            col(ChangeRequest.document_id).in_(documents),
            col(ChangeRequest.state).in_([str(state) for state in OPEN_STATES]),
        )
        .order_by(col(ChangeRequest.id).desc())
    )
    for change_request in rows:
        assert change_request.id is not None
        found[change_request.document_id].append((change_request.id, change_request.title))
    return found


def _href(item: Item, place: Place | None) -> str:
    row = item.feedback
    page = _URLS.chapter(item.document, row.chapter_slug, row.language, row.edition)
    return f"{page}#{row.clause}" if place else page


def feedback_rows(
    session: Session, items: list[Item], language: str, *, staff: bool
) -> list[FeedbackRow]:
    """`items` as the pages show them; with `staff`, each with the actions open to it."""
    texts = catalogue(language)
    labels = state_labels(language)
    places = places_of(session, [item.feedback for item in items])
    titles = {document.id: document.title for document in session.exec(select(Document))}
    joinable = _open_change_requests(session, items) if staff else {}
    rows = []
    for item in items:
        place = places.get(item.id)
        row = item.feedback
        steps = next_steps(session, item) if staff else frozenset()
        linked_to = item.change_request
        rows.append(
            FeedbackRow(
                item=item,
                state_label=labels[item.state],
                document_title=titles.get(row.document_id, item.document),
                chapter=(
                    f"{place.chapter_number} {place.chapter_title}".strip()
                    if place
                    else row.chapter_slug
                ),
                clause=place.label if place else row.clause,
                href=_href(item, place),
                language_name=texts.get(f"lang_adj_{row.language}", row.language),
                steps=[
                    StepRow(
                        state=event.state,
                        label=labels.get(event.state, event.state),
                        by=event.by,
                        at=event.at,
                        reply=event.reply,
                        change_request=event.change_request_id,
                        duplicate_of=event.duplicate_of,
                        edition=event.edition,
                    )
                    for event in item.events
                ],
                answers=[answer for answer in ANSWERS if answer in steps],
                may_link=LINKED in steps,
                open_change_requests=[
                    (cr_id, title)
                    for cr_id, title in joinable.get(row.document_id, [])
                    if cr_id != linked_to
                ],
            )
        )
    return rows
