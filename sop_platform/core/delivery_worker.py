"""The delivery worker's loop: `core/dispatch.py` and `core/delivery.py`'s steps, again
and again, with the senders it is given (`outbox/worker.py` makes them from the settings)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from sop_platform.core.clock import utc_now
from sop_platform.core.database import Database
from sop_platform.core.delivery import (
    DISPATCH_BATCH,
    LEASE,
    MAX_ATTEMPTS,
    Sender,
    Tally,
    deliver_due,
    send_digests,
)
from sop_platform.core.dispatch import dispatch
from sop_platform.core.models import Notification

log = logging.getLogger("sop_platform.delivery")


PeriodicJob = Callable[[Session, datetime], object]


@dataclass
class Worker:
    """The delivery worker: a thread per channel sends (a channel that times out delays
    no other), the calling thread dispatches and runs `periodic_jobs` (each with a write
    session of its own and the time, every `periodic_every`; they must be safe to run
    twice, since two workers may). Runs until `stop` is set."""

    database: Database
    senders: Mapping[str, Sender]
    digest_hour: int = 7
    periodic_jobs: Sequence[PeriodicJob] = ()
    periodic_every: timedelta = timedelta(minutes=1)
    idle_seconds: float = 1.0
    lease: timedelta = LEASE
    max_attempts: int = MAX_ATTEMPTS
    _nudges: dict[str, threading.Event] = field(default_factory=dict, init=False, repr=False)

    def run(self, stop: threading.Event) -> None:
        self._nudges = {channel: threading.Event() for channel in self.senders}
        threads = [
            threading.Thread(
                target=self._send_loop,
                args=(channel, sender, stop),
                name=f"sop-delivery-{channel}",
                daemon=True,
            )
            for channel, sender in self.senders.items()
        ]
        for thread in threads:
            thread.start()
        try:
            self._dispatch_loop(stop)
        finally:
            stop.set()
            for nudge in self._nudges.values():
                nudge.set()
            for thread in threads:
                thread.join()

    def dispatch_once(self) -> int:
        with self.database.session(write=False) as session:
            waiting = session.exec(
                select(Notification.id).where(col(Notification.dispatched_at).is_(None)).limit(1)
            ).first()
        if waiting is None:
            return 0  # and no write lock taken for it
        with self.database.session(write=True) as session:
            taken = dispatch(session, list(self.senders), digest_hour=self.digest_hour)
        if taken:
            for nudge in self._nudges.values():
                nudge.set()
        return taken

    def run_periodic_jobs(self) -> None:
        for job in self.periodic_jobs:
            try:
                with self.database.session(write=True) as session:
                    job(session, utc_now())
            except Exception:
                log.exception("periodic job %s failed", getattr(job, "__name__", job))

    def _dispatch_loop(self, stop: threading.Event) -> None:
        next_jobs = utc_now()
        while not stop.is_set():
            try:
                if utc_now() >= next_jobs:
                    next_jobs = utc_now() + self.periodic_every
                    self.run_periodic_jobs()
                if self.dispatch_once() == DISPATCH_BATCH:
                    continue
            except Exception:  # the database gone for a while: try again, do not die
                log.exception("dispatching notifications failed")
            stop.wait(self.idle_seconds)

    def _send_loop(self, channel: str, sender: Sender, stop: threading.Event) -> None:
        one = {channel: sender}
        nudge = self._nudges[channel]
        try:
            while not stop.is_set():
                try:
                    tally = deliver_due(
                        self.database,
                        one,
                        lease=self.lease,
                        max_attempts=self.max_attempts,
                        stop=stop,
                    )
                    tally += send_digests(
                        self.database,
                        one,
                        digest_hour=self.digest_hour,
                        lease=self.lease,
                        max_attempts=self.max_attempts,
                        stop=stop,
                    )
                except Exception:
                    log.exception("delivering %s failed", channel)
                    tally = Tally()
                if not tally.attempted:
                    sender.close()
                    nudge.wait(self.idle_seconds)
                    nudge.clear()
        finally:
            sender.close()
