"""The delivery worker as `sop-platform worker` and `serve` run it: `core/delivery_worker.Worker`
with the channels the settings configure, and the periodic jobs below."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from sop_platform.core.database import Database
from sop_platform.core.delivery import LEASE, Sender
from sop_platform.core.delivery_worker import PeriodicJob, Worker
from sop_platform.core.feedback_triage import close_feedback_in_force
from sop_platform.core.notification_sweep import sweep
from sop_platform.core.notifications import EMAIL, WEBHOOK
from sop_platform.outbox.mail import MailSender
from sop_platform.outbox.webhook import WebhookSender
from sop_platform.settings import Settings


def notice_the_date(session: Session, now: datetime) -> None:
    """What time alone brings, each found once whoever looks and however often: the
    notifications of the calendar (`core/notification_sweep.sweep`: an edition taking
    effect, readings due and overdue, copies to replace, periodic reviews), and the field
    feedback a correction now in effect answers (closed, its reader told)."""
    sweep(session, now.date())
    close_feedback_in_force(session, now.date())


# Jobs the worker runs about once a minute, each in a write session of its own, given the
# time. Two workers may run one at the same moment: a job must be safe to run twice
# (`notify` is, by event key; a feedback item closes once).
PERIODIC_JOBS: tuple[PeriodicJob, ...] = (notice_the_date,)


def senders_from(settings: Settings) -> dict[str, Sender]:
    """The channels configured: e-mail with `SOP_SMTP_URL`, the webhook with
    `SOP_WEBHOOK_URL` (none: notifications stay in the bell only)."""
    senders: dict[str, Sender] = {}
    if settings.smtp_url:
        senders[EMAIL] = MailSender(
            settings.smtp_url, mail_from=settings.mail_from, base_url=settings.base_url
        )
    if settings.webhook_url:
        senders[WEBHOOK] = WebhookSender(
            settings.webhook_url, settings.webhook_secret, base_url=settings.base_url
        )
    return senders


def run_worker(
    settings: Settings,
    stop: threading.Event,
    periodic_jobs: Sequence[PeriodicJob] = PERIODIC_JOBS,
    *,
    lease: timedelta = LEASE,
    idle_seconds: float = 1.0,
) -> None:
    """Dispatch and deliver notifications, and run `periodic_jobs`, until `stop` is set."""
    database = Database(settings.database_url)
    try:
        Worker(
            database,
            senders_from(settings),
            digest_hour=settings.digest_hour,
            periodic_jobs=periodic_jobs,
            lease=lease,
            idle_seconds=idle_seconds,
        ).run(stop)
    finally:
        database.dispose()
