"""The worker notices what the date brings: its periodic job announces an edition on the day
it takes effect, once however often it runs (the sweep's own cases:
tests/core/test_notification_events.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, func, select

from sop_platform.core.chapters import (
    document_by_slug,
    find_chapter,
    revision_text,
    save_chapter_text,
)
from sop_platform.core.clock import moved_by, utc_today
from sop_platform.core.database import Database
from sop_platform.core.delivery_worker import Worker
from sop_platform.core.editions import issue_edition
from sop_platform.core.models import Notification, User
from sop_platform.core.notifications import EDITION_IN_EFFECT
from sop_platform.outbox.worker import PERIODIC_JOBS
from tests.support import CHAPTER, DOCUMENT, MakeUser, edited


def _announced(database: Database, edition: int) -> int:
    with database.session(write=False) as session:
        return session.exec(
            select(func.count())
            .select_from(Notification)
            .where(
                col(Notification.kind) == EDITION_IN_EFFECT,
                col(Notification.event_key) == f"edition:{DOCUMENT}/{edition}:in_effect",
            )
        ).one()


def test_the_worker_announces_an_edition_on_the_day_it_takes_effect_once(
    loaded: Database, make_user: MakeUser
):
    for username in ("ilkin", "samir", "ayla"):
        make_user(username)
    with loaded.session(write=True) as session:
        _doc, chapter = find_chapter(session, DOCUMENT, CHAPTER, "en")
        _revision, text = revision_text(session, chapter, chapter.head_revision)
        save_chapter_text(
            session,
            chapter,
            edited(text, "**20 cm**", "**30 cm**"),
            author="t",
            message="m",
            source="t",
        )
        number = issue_edition(
            session,
            document_by_slug(session, DOCUMENT),
            title="Deeper",
            effective_date=utc_today() + timedelta(days=1),
            issued_by="ayla",
        ).number
    worker = Worker(loaded, {}, periodic_jobs=PERIODIC_JOBS)

    worker.run_periodic_jobs()
    before = _announced(loaded, number)
    with moved_by(timedelta(days=1)):
        worker.run_periodic_jobs()
        worker.run_periodic_jobs()

    with loaded.session(write=False) as session:
        accounts = session.exec(select(func.count()).select_from(User)).one()
    assert before == 0
    assert accounts >= 3 and _announced(loaded, number) == accounts
