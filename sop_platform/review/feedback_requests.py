"""Field feedback becoming a change: an accepted suggestion opens a draft change request of
its own, or joins one already open on its document. Either way the item is `linked` to the
CR (`core/feedback.link_change_request`), and the CR records it as a change of its own (its
ETag moves, its audit trail says which item joined): the CR's JSON lists its feedback."""

from __future__ import annotations

from sqlmodel import Session

from sop_platform.core.feedback import item_by_id, place_of
from sop_platform.core.feedback_triage import check_linkable, link_change_request
from sop_platform.core.models import ChangeRequest, Document, User
from sop_platform.render.site_text import catalogue
from sop_platform.review.change_requests import (
    cr_state,
    create_change_request,
    locked_change_request,
    record_change,
)


def _joined(session: Session, user: User, feedback_id: int, change_request: ChangeRequest) -> None:
    before = cr_state(change_request)
    link_change_request(session, user, feedback_id, change_request)
    record_change(
        session, change_request, user, "cr.feedback_linked", before, {"feedback": feedback_id}
    )


def open_change_request(session: Session, user: User, feedback_id: int) -> ChangeRequest:
    """A draft CR owned by `user`, made for accepted item `feedback_id`: its title names the
    clause, its rationale carries the reader's words (the author rewords both as needed)."""
    item = item_by_id(session, feedback_id)
    row = item.feedback
    document = session.get(Document, row.document_id)
    assert document is not None
    place = place_of(session, row)
    where = (
        f"clause {place.label} of chapter {place.chapter_number} {place.chapter_title}"
        if place
        else f"clause '{row.clause}' of chapter '{row.chapter_slug}'"
    )
    # The CR is written in English, whatever the reader's language (they are quoted).
    language = catalogue("en").get(f"lang_adj_{row.language}", row.language)
    rationale = (
        f"Correction suggested from the field (feedback {feedback_id}) on {where}, "
        f"edition {row.edition}, {language} text:\n\n{row.body}"
    )
    if row.quote:
        rationale += f"\n\nPassage quoted: “{row.quote}”"
    title = f"Field feedback {feedback_id}: {place.label if place else row.clause}"
    # Checked before anything is made: a refused item leaves no stray draft behind.
    check_linkable(session, user, feedback_id)
    change_request = create_change_request(
        session, document.slug, author=user, title=title[:300], rationale=rationale[:20000]
    )
    _joined(session, user, feedback_id, change_request)
    return change_request


def join_change_request(
    session: Session, user: User, feedback_id: int, change_request_id: int
) -> ChangeRequest:
    """Link accepted item `feedback_id` to the open CR `change_request_id` of its document."""
    change_request = locked_change_request(session, change_request_id)
    _joined(session, user, feedback_id, change_request)
    return change_request
