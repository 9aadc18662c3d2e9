"""What a member of staff sees first: their own CRs by where they stand, what waits for
them, and the chapters that call for work (drift, outdated translations, periodic review)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select

from sop_platform.core.chapters import all_documents, chapters_of
from sop_platform.core.drift import flags_of
from sop_platform.core.models import ChangeRequest, Document, DriftFlag, User
from sop_platform.core.periodic_review import ReviewDue, review_due
from sop_platform.core.translations import TranslationStatus, translation_statuses
from sop_platform.review.queue import QueueItem, review_queue
from sop_platform.review.workflow import State

SHOWN = 50


@dataclass
class Home:
    drafts: list[ChangeRequest] = field(default_factory=list)
    awaiting_others: list[ChangeRequest] = field(default_factory=list)
    awaiting_me: list[QueueItem] = field(default_factory=list)
    awaiting_me_total: int = 0
    needs_review: list[tuple[Document, DriftFlag]] = field(default_factory=list)
    translations_outdated: list[tuple[Document, TranslationStatus]] = field(default_factory=list)
    overdue: list[tuple[Document, ReviewDue]] = field(default_factory=list)
    documents: dict[int, Document] = field(default_factory=dict)
    # "4 Manual clearance" of each chapter variant named above: (document, chapter, language).
    chapter_names: dict[tuple[str, str, str], str] = field(default_factory=dict)


def _mine(session: Session, user: User, states: tuple[State, ...]) -> list[ChangeRequest]:
    return list(
        session.exec(
            select(ChangeRequest)
            .where(
                ChangeRequest.author == user.username,
                col(ChangeRequest.state).in_([state.value for state in states]),
            )
            .order_by(col(ChangeRequest.id))
            .limit(SHOWN)
        )
    )


def _count_mine(session: Session, user: User, states: tuple[State, ...]) -> int:
    return session.exec(
        select(func.count())
        .select_from(ChangeRequest)
        .where(
            ChangeRequest.author == user.username,
            col(ChangeRequest.state).in_([state.value for state in states]),
        )
    ).one()


def home_of(session: Session, user: User) -> Home:
    documents = all_documents(session)
    home = Home(documents={doc.id: doc for doc in documents if doc.id is not None})
    home.drafts = _mine(session, user, (State.DRAFT, State.CHANGES_REQUESTED))
    home.awaiting_others = _mine(session, user, (State.SUBMITTED, State.APPROVED))
    queue, total = review_queue(session, user, limit=SHOWN)
    home.awaiting_me = [item for item in queue if item.action != "revise"]
    # The queue also holds my own drafts to revise; they are counted under "my drafts".
    home.awaiting_me_total = total - _count_mine(
        session, user, (State.DRAFT, State.CHANGES_REQUESTED)
    )
    for document in documents:
        if document.kind != "sop" or document.id is None:
            continue
        home.needs_review.extend((document, flag) for flag in flags_of(session, document.id))
        home.translations_outdated.extend(
            (document, status)
            for status in translation_statuses(session, document.id)
            if status.outdated
        )
        home.overdue.extend((document, due) for due in review_due(session, document))
        if any(listed is document for listed, _status in home.translations_outdated):
            home.chapter_names.update(
                (
                    (document.slug, chapter.slug, chapter.language),
                    f"{chapter.number} {chapter.title}",
                )
                for chapter in chapters_of(session, document)
            )
    return home
