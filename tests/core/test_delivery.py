"""Notifications leave by e-mail and webhook: a real SMTP server and a real HTTP receiver
in this process take what the worker's steps send (`core/delivery.py`, `outbox/`)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlmodel import Session, col, select

from sop_platform.core.clock import moved_by, utc_now
from sop_platform.core.database import Database
from sop_platform.core.deliveries import deliveries
from sop_platform.core.delivery import (
    FAILED,
    MAX_ATTEMPTS,
    PENDING,
    SENT,
    Tally,
    deliver_due,
    next_digest_at,
    send_digests,
)
from sop_platform.core.delivery_worker import Worker
from sop_platform.core.dispatch import dispatch
from sop_platform.core.models import (
    Notification,
    NotificationDelivery,
    NotificationPreference,
    User,
)
from sop_platform.core.notifications import (
    ACKNOWLEDGEMENT_OVERDUE,
    COMMENT,
    EDITION_IN_EFFECT,
    EDITION_ISSUED,
    EMAIL,
    REPLY,
    WEBHOOK,
    Event,
    notify,
    set_preference,
)
from sop_platform.outbox.mail import MailSender, message_id
from sop_platform.outbox.webhook import WebhookSender
from sop_platform.render.notification_text import subject_of
from tests.receivers import Hook, Mailbox, smtp_server, webhook_receiver

BASE = "https://sop.example.org"
FROM = "SOP platform <sop@example.org>"
SECRET = "webhook secret of the test, long enough"
ISSUED = Event(
    kind=EDITION_ISSUED,
    key="edition:anama-sop:3",
    link="/app/documents/anama-sop/editions",
    params={"document": "ANAMA SOP", "edition": 3, "effective_date": "2026-06-01"},
)


def add_people(database: Database, *people: tuple[str, str | None, str]) -> dict[str, int]:
    """Accounts (username, e-mail or None, language), added as rows: no password is used."""
    with database.session(write=True) as session:
        users = [
            User(
                username=name,
                full_name=f"{name.title()} Test",
                role="reader",
                password_hash="-",
                email=address,
                language=language,
                created_at=utc_now(),
            )
            for name, address, language in people
        ]
        session.add_all(users)
        session.flush()
        return {user.username: user.id for user in users if user.id is not None}


def told(database: Database, user_ids: list[int], event: Event = ISSUED) -> int:
    with database.session(write=True) as session:
        return notify(session, user_ids, event)


@pytest.fixture
def mail() -> Iterator[tuple[str, Mailbox]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def hook() -> Iterator[tuple[str, Hook]]:
    with webhook_receiver() as receiver:
        yield receiver


@pytest.fixture
def senders(mail: tuple[str, Mailbox], hook: tuple[str, Hook]) -> Iterator[dict[str, Any]]:
    channels: dict[str, Any] = {
        EMAIL: MailSender(mail[0], mail_from=FROM, base_url=BASE),
        WEBHOOK: WebhookSender(hook[0], SECRET, base_url=BASE),
    }
    yield channels
    for sender in channels.values():
        sender.close()


def run_steps(database: Database, senders: dict[str, Any], **options: Any) -> Tally:
    """Dispatch, then deliver until nothing is due: what the worker's loops do."""
    with database.session(write=True) as session:
        while dispatch(session, list(senders)):
            pass
    total = Tally()
    while (done := deliver_due(database, senders, **options)).attempted:
        total += done
    return total


def delivery_rows(database: Database) -> list[NotificationDelivery]:
    with database.session(write=False) as session:
        return list(
            session.exec(select(NotificationDelivery).order_by(col(NotificationDelivery.id)))
        )


def notification_ids(database: Database) -> dict[int, int]:
    """user id -> notification id."""
    with database.session(write=False) as session:
        return {
            user_id: note_id
            for note_id, user_id in session.exec(select(Notification.id, Notification.user_id))
            if note_id is not None
        }


def to_address(mail: EmailMessage) -> str:
    return str(mail["To"].addresses[0].addr_spec)


def test_each_person_gets_one_mail_and_one_webhook_call_in_their_language(
    database: Database, senders: dict[str, Any], mail: tuple[str, Mailbox], hook: tuple[str, Hook]
):
    people = add_people(
        database,
        ("ayla", "ayla@example.org", "az"),
        ("ben", "ben@example.org", "en"),
        ("cem", None, "en"),  # no address: the webhook and the bell only
    )
    assert told(database, list(people.values())) == 3

    tally = run_steps(database, senders)

    assert tally == Tally(sent=5)
    mails = {to_address(each): each for each in mail[1].taken()}
    assert sorted(mails) == ["ayla@example.org", "ben@example.org"]
    notes = notification_ids(database)
    for name, language in (("ayla", "az"), ("ben", "en")):
        sent = mails[f"{name}@example.org"]
        assert sent["Subject"] == subject_of(EDITION_ISSUED, ISSUED.params, language)
        assert sent["Content-Language"] == language
        assert sent["Message-ID"] == message_id(f"{notes[people[name]]}.email", FROM)
        assert sent["From"] == FROM
        text = sent.get_body(("plain",))
        html = sent.get_body(("html",))
        assert text is not None and html is not None
        assert f"{BASE}/app/documents/anama-sop/editions" in text.get_content()
        assert f'href="{BASE}/app/documents/anama-sop/editions"' in html.get_content()
        # The footer leads to where the person changes what they receive.
        assert f'href="{BASE}/app/settings/notifications"' in html.get_content()
    assert "Salam, Ayla Test!" in mails["ayla@example.org"].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Hello Ben Test," in mails["ben@example.org"].get_body(("plain",)).get_content()  # type: ignore[union-attr]

    calls = hook[1].taken()
    assert len(calls) == 3
    assert all(call.signed_with(SECRET) for call in calls)
    assert not any(call.signed_with("another secret of the same length!") for call in calls)
    bodies = {call.json()["recipient"]["username"]: call for call in calls}
    assert sorted(bodies) == ["ayla", "ben", "cem"]
    ayla = bodies["ayla"].json()
    assert ayla == {
        "id": notes[people["ayla"]],
        "idempotency_key": f"{notes[people['ayla']]}.webhook",
        "kind": EDITION_ISSUED,
        "subject": subject_of(EDITION_ISSUED, ISSUED.params, "az"),
        "link": f"{BASE}/app/documents/anama-sop/editions",
        "recipient": {"username": "ayla", "language": "az"},
        "created_at": ayla["created_at"],
        "params": {"document": "ANAMA SOP", "edition": 3, "effective_date": "2026-06-01"},
    }
    assert datetime.fromisoformat(ayla["created_at"]).tzinfo is not None
    assert bodies["ayla"].headers["Idempotency-Key"] == ayla["idempotency_key"]

    # Nothing goes twice: the steps again, and the same event notified again.
    assert told(database, list(people.values())) == 0
    assert run_steps(database, senders) == Tally()
    assert len(mail[1].taken()) == 2 and len(hook[1].taken()) == 3
    rows = delivery_rows(database)
    assert len(rows) == 5 and {row.state for row in rows} == {SENT}
    assert all(row.sent_at is not None and row.attempts == 0 for row in rows)


def test_a_mail_escapes_what_the_event_recorded(
    database: Database, senders: dict[str, Any], mail: tuple[str, Mailbox]
):
    people = add_people(database, ("dan", "dan@example.org", "en"))
    event = Event(
        kind=COMMENT,
        key="comment:1",
        link="/app/change-requests/7",
        params={"cr": 7, "title": "<script>alert(1)</script> & more", "by": "Eve"},
    )
    told(database, [people["dan"]], event)

    run_steps(database, {EMAIL: senders[EMAIL]})

    sent = mail[1].taken()[0]
    html = sent.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "<script>alert(1)</script> & more" in text  # plain text is not HTML
    assert "<script>alert(1)</script> & more" in str(sent["Subject"])


def test_preferences_are_honoured_and_safety_notifications_cannot_be_switched_off(
    database: Database, senders: dict[str, Any], mail: tuple[str, Mailbox], hook: tuple[str, Hook]
):
    people = add_people(
        database, ("fay", "fay@example.org", "en"), ("gus", "gus@example.org", "en")
    )
    with database.session(write=True) as session:
        set_preference(session, people["fay"], COMMENT, "off")
        set_preference(session, people["fay"], EDITION_ISSUED, "digest")
        # Written around `set_preference`, which refuses it: a safety kind still goes.
        session.add(
            NotificationPreference(user_id=people["fay"], kind=EDITION_IN_EFFECT, mode="off")
        )
    comment = Event(COMMENT, "comment:9", "/app/change-requests/9", {"cr": 9, "by": "X"})
    in_effect = Event(EDITION_IN_EFFECT, "in-effect:3", "/anama-sop/", {"edition": 3})
    for event in (comment, ISSUED, in_effect):
        told(database, [people["fay"], people["gus"]], event)

    run_steps(database, senders)

    got = Counter((to_address(each), str(each["Subject"])) for each in mail[1].taken())
    fay, gus = "fay@example.org", "gus@example.org"
    assert {address for address, _subject in got} == {fay, gus}
    assert [subject for address, subject in got if address == fay] == [
        subject_of(EDITION_IN_EFFECT, in_effect.params, "en")
    ]
    assert len([1 for address, _subject in got if address == gus]) == 3
    assert set(got.values()) == {1}
    calls = Counter(call.json()["recipient"]["username"] for call in hook[1].taken())
    assert calls == {"fay": 1, "gus": 3}
    rows = delivery_rows(database)
    # Fay's comment made no delivery at all; her edition waits for the digest.
    assert Counter((row.mode, row.state) for row in rows) == {
        ("immediate", SENT): 8,
        ("digest", PENDING): 2,
    }


def test_a_days_digest_is_one_message_per_person_and_channel_with_repeats_collapsed(
    database: Database, senders: dict[str, Any], mail: tuple[str, Mailbox], hook: tuple[str, Hook]
):
    people = add_people(database, ("hal", "hal@example.org", "az"))
    hal = people["hal"]
    with database.session(write=True) as session:
        set_preference(session, hal, REPLY, "digest")
        set_preference(session, hal, COMMENT, "digest")
    for number in range(3):  # three replies in one thread: one line, three times
        told(database, [hal], Event(REPLY, f"reply:{number}", "/app/change-requests/4", {"cr": 4}))
    told(database, [hal], Event(COMMENT, "comment:5", "/app/change-requests/5", {"cr": 5}))

    assert run_steps(database, senders) == Tally()  # not before the digest hour
    assert send_digests(database, senders) == Tally()
    digest_at = next_digest_at(utc_now(), 7)
    with moved_by(digest_at - utc_now() + timedelta(minutes=1)):
        tally = send_digests(database, senders)
        assert send_digests(database, senders) == Tally()

    assert tally == Tally(sent=2)
    [digest] = mail[1].taken()
    assert digest["Subject"] == "SOP platforması: 2 bildiriş"
    text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.count(f"{BASE}/app/change-requests/4") == 1
    assert "3 dəfə" in text and f"{BASE}/app/change-requests/5" in text
    day = digest_at.date().isoformat()
    assert digest["Message-ID"] == message_id(f"digest.{hal}.email.{day}", FROM)
    [call] = hook[1].taken()
    body = call.json()
    assert call.signed_with(SECRET)
    assert body["kind"] == "digest" and body["idempotency_key"] == f"digest.{hal}.webhook.{day}"
    assert [(item["kind"], item["repeats"]) for item in body["items"]] == [(REPLY, 3), (COMMENT, 1)]
    assert {row.state for row in delivery_rows(database)} == {SENT}


def test_a_failing_webhook_is_retried_with_back_off_then_failed_while_mail_goes(
    database: Database, senders: dict[str, Any], mail: tuple[str, Mailbox], hook: tuple[str, Hook]
):
    hook[1].status = 500
    people = add_people(
        database, ("ida", "ida@example.org", "en"), ("jon", "jon@example.org", "en")
    )
    told(database, list(people.values()))
    rng = random.Random(1)

    first = run_steps(database, senders, rng=rng)

    assert first == Tally(sent=2, retried=2)
    assert len(mail[1].taken()) == 2  # the mail went, the webhook's failure did not hold it
    waits = []
    offset = timedelta(0)  # how far the clock has been moved
    for attempt in range(1, MAX_ATTEMPTS):
        with moved_by(offset):
            hooks = [row for row in delivery_rows(database) if row.channel == WEBHOOK]
            assert {row.attempts for row in hooks} == {attempt}
            assert {row.state for row in hooks} == {PENDING}
            now = utc_now()
            each = [row.next_attempt_at - now for row in hooks]
            # Doubling from 30 s, at most an hour, up to a tenth more.
            base = min(timedelta(seconds=30) * 2 ** (attempt - 1), timedelta(hours=1))
            assert all(base - timedelta(seconds=5) <= wait <= base * 1.1 for wait in each)
            wait = max(each)
            assert deliver_due(database, senders) == Tally()  # not before its time
        waits.append(wait)
        offset += wait + timedelta(seconds=5)
        with moved_by(offset):
            expected = Tally(failed=2) if attempt == MAX_ATTEMPTS - 1 else Tally(retried=2)
            assert run_steps(database, senders, rng=rng) == expected
    assert waits[-1] > timedelta(minutes=30)

    assert len(hook[1].taken()) == 2 * MAX_ATTEMPTS
    rows = delivery_rows(database)
    assert Counter((row.channel, row.state) for row in rows) == {
        (EMAIL, SENT): 2,
        (WEBHOOK, FAILED): 2,
    }
    failed = [row for row in rows if row.state == FAILED]
    assert {row.attempts for row in failed} == {MAX_ATTEMPTS}
    assert {row.last_error for row in failed} == {"the webhook answered 500 Internal Server Error"}
    with database.session(write=False) as session:
        views, total = deliveries(session, FAILED)
    assert total == 2
    assert {(view.recipient, view.channel, view.kind, view.attempts) for view in views} == {
        ("ida", WEBHOOK, EDITION_ISSUED, MAX_ATTEMPTS),
        ("jon", WEBHOOK, EDITION_ISSUED, MAX_ATTEMPTS),
    }
    # Later runs leave a failed delivery alone.
    with moved_by(timedelta(days=1)):
        assert run_steps(database, senders) == Tally()


def test_an_address_the_server_refuses_fails_at_once(
    database: Database, senders: dict[str, Any], mail: tuple[str, Mailbox]
):
    mail[1].refused.add("nobody@example.org")
    people = add_people(
        database, ("kim", "nobody@example.org", "en"), ("lea", "lea@example.org", "en")
    )
    told(database, list(people.values()))

    tally = run_steps(database, {EMAIL: senders[EMAIL]})

    assert tally == Tally(sent=1, failed=1)
    [row] = [row for row in delivery_rows(database) if row.state == FAILED]
    assert row.attempts == 1
    assert row.last_error is not None and row.last_error.startswith(
        "the mail server refused the address: 550"
    )
    assert [to_address(each) for each in mail[1].taken()] == ["lea@example.org"]


def test_a_disabled_account_and_an_unconfigured_channel_get_nothing(
    database: Database, senders: dict[str, Any], mail: tuple[str, Mailbox]
):
    people = add_people(
        database, ("max", "max@example.org", "en"), ("ned", "ned@example.org", "en")
    )
    with database.session(write=True) as session:
        user = session.get(User, people["ned"])
        assert user is not None
        user.active = False
        session.add(user)
    told(database, list(people.values()))

    run_steps(database, {EMAIL: senders[EMAIL]})

    assert [to_address(each) for each in mail[1].taken()] == ["max@example.org"]
    assert [(row.channel, row.state) for row in delivery_rows(database)] == [(EMAIL, SENT)]
    with database.session(write=False) as session:
        undispatched = session.exec(
            select(Notification).where(col(Notification.dispatched_at).is_(None))
        ).all()
    assert undispatched == []


def test_two_workers_at_once_send_each_message_once(
    database: Database, mail: tuple[str, Mailbox], hook: tuple[str, Hook]
):
    """Two workers' loops over the same outbox, as two `sop-platform worker` processes or
    two app servers run them: no message goes twice (no kill here, so no repeat at all)."""
    mail[1].delay = 0.002
    count = 120
    people = add_people(
        database,
        *((f"p{number:03d}", f"p{number:03d}@example.org", "en") for number in range(count)),
    )
    told(database, list(people.values()))
    stop = threading.Event()
    workers = []
    for _ in range(2):
        channels = {
            EMAIL: MailSender(mail[0], mail_from=FROM, base_url=BASE),
            WEBHOOK: WebhookSender(hook[0], SECRET, base_url=BASE),
        }
        worker = Worker(database, channels, idle_seconds=0.05)
        workers.append(threading.Thread(target=worker.run, args=(stop,)))
    for thread in workers:
        thread.start()
    try:
        deadline = utc_now() + timedelta(seconds=120)
        while utc_now() < deadline:
            rows = delivery_rows(database)
            if len(rows) == 2 * count and {row.state for row in rows} == {SENT}:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        for thread in workers:
            thread.join()

    assert {row.state for row in delivery_rows(database)} == {SENT}
    mail_ids = Counter(str(each["Message-ID"]) for each in mail[1].taken())
    hook_keys = Counter(call.headers["Idempotency-Key"] for call in hook[1].taken())
    assert len(mail_ids) == count and set(mail_ids.values()) == {1}
    assert len(hook_keys) == count and set(hook_keys.values()) == {1}


def test_the_worker_runs_periodic_jobs_and_stops_when_told(database: Database):
    people = add_people(database, ("oli", "oli@example.org", "en"))
    ran: list[datetime] = []
    stop = threading.Event()

    def sweep(session: Session, now: datetime) -> None:
        ran.append(now)
        notify(session, [people["oli"]], Event(ACKNOWLEDGEMENT_OVERDUE, "overdue:1", "/", {}))
        stop.set()

    thread = threading.Thread(
        target=Worker(database, {}, periodic_jobs=[sweep], idle_seconds=0.05).run, args=(stop,)
    )
    thread.start()
    thread.join(timeout=60)

    assert not thread.is_alive()
    assert len(ran) == 1 and ran[0].tzinfo == UTC
    with database.session(write=False) as session:
        [note] = session.exec(select(Notification)).all()
    assert note.kind == ACKNOWLEDGEMENT_OVERDUE


SOP_PLATFORM = Path(sys.executable).with_name("sop-platform")
KILL_PEOPLE = 150


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`sop-platform worker` with a lease of 2 s: a killed worker's claims are free again
    2 s later (300 s in production)."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [str(SOP_PLATFORM), "worker", "--lease", "2"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )


def wait_for(condition: Callable[[], bool], worker: subprocess.Popen[bytes], log: Path) -> None:
    """Until `condition` holds; fails if the worker exits or takes minutes."""
    deadline = time.monotonic() + 180
    while not condition():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the worker stopped or stalled; its output:\n{log.read_text()}")
        # A tenth of a second apart: each look reads every delivery row, and the lease of
        # a killed worker runs for seconds.
        time.sleep(0.1)


@pytest.mark.slow
def test_a_worker_killed_mid_delivery_and_restarted_delivers_everything_once(
    database: Database, mail: tuple[str, Mailbox], hook: tuple[str, Hook], tmp_path: Path
):
    """SIGKILL in the middle of sending 150 mails and 150 webhook calls, then a new worker:
    every notification reaches its person once per channel by its idempotency key. A kill
    can repeat physically at most the one message per channel that its receiver had
    accepted when the worker died before recording it (the new worker sends it again,
    with the same Message-ID / Idempotency-Key); the rest of the dead worker's claims are
    taken again when its lease ends. Runs here repeated 0 or 1 mail and 0 or 1 call (a
    repeat more only where a send timed out and was retried)."""
    mail[1].delay = 0.02  # a slow server: many deliveries in flight when the kill comes
    hook[1].delay = 0.01
    people = add_people(
        database,
        *((f"k{number:03d}", f"k{number:03d}@example.org", "en") for number in range(KILL_PEOPLE)),
    )
    told(database, list(people.values()))
    env = {
        **os.environ,
        "SOP_DATABASE_URL": database.url.replace("postgresql+psycopg://", "postgresql://", 1),
        "SOP_SMTP_URL": mail[0],
        "SOP_MAIL_FROM": FROM,
        "SOP_WEBHOOK_URL": hook[0],
        "SOP_WEBHOOK_SECRET": SECRET,
        "SOP_BASE_URL": BASE,
    }
    log = tmp_path / "worker.log"

    first = start_worker(env, log)
    wait_for(lambda: len(mail[1].taken()) >= 61, first, log)  # in its second batch
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    mails_at_kill, calls_at_kill = len(mail[1].taken()), len(hook[1].taken())
    assert first.returncode == -signal.SIGKILL
    assert mails_at_kill < KILL_PEOPLE  # killed mid-delivery
    unsent = [row for row in delivery_rows(database) if row.state != SENT]
    assert unsent and any(row.claimed_until is not None for row in unsent)

    second = start_worker(env, log)
    wait_for(
        lambda: (
            {row.state for row in delivery_rows(database)} == {SENT}
            and len(delivery_rows(database)) == 2 * KILL_PEOPLE
        ),
        second,
        log,
    )
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=60) == 0  # a clean stop

    notes = notification_ids(database)
    ids = Counter(str(each["Message-ID"]) for each in mail[1].taken())
    keys = Counter(call.headers["Idempotency-Key"] for call in hook[1].taken())
    assert set(ids) == {message_id(f"{notes[user]}.email", FROM) for user in people.values()}
    assert set(keys) == {f"{notes[user]}.webhook" for user in people.values()}
    assert Counter(to_address(each) for each in mail[1].taken()).keys() == {
        f"{name}@example.org" for name in people
    }
    mail_repeats = sum(ids.values()) - len(ids)
    call_repeats = sum(keys.values()) - len(keys)
    print(
        f"\nkilled after {mails_at_kill} mails and {calls_at_kill} webhook calls; physical "
        f"repeats: {mail_repeats} mail(s), {call_repeats} call(s), recognised by key"
    )
    # The kill repeats at most the one message per channel in flight. A send that failed
    # after its receiver took it (an answer later than the time-out, on a loaded machine)
    # is retried too: each failed attempt, counted in `attempts`, may add one.
    retried = Counter()
    for row in delivery_rows(database):
        retried[row.channel] += row.attempts
    assert mail_repeats <= 1 + retried[EMAIL], log.read_text()
    assert call_repeats <= 1 + retried[WEBHOOK], log.read_text()
    assert all(call.signed_with(SECRET) for call in hook[1].taken())


def test_an_idle_worker_takes_no_write_lock(
    database: Database, senders: dict[str, Any], monkeypatch: pytest.MonkeyPatch
):
    """On SQLite a write transaction locks the whole database: a worker with nothing to do
    must not take one every second beside the app's writers."""
    people = add_people(database, ("quinn", "quinn@example.org", "en"))
    told(database, [people["quinn"]])
    worker = Worker(database, senders)
    assert worker.dispatch_once() == 1
    assert deliver_due(database, senders) == Tally(sent=2)
    writes: list[bool] = []
    session = Database.session

    def counted(self: Database, *, write: bool) -> Any:
        writes.append(write)
        return session(self, write=write)

    monkeypatch.setattr(Database, "session", counted)

    assert worker.dispatch_once() == 0
    assert deliver_due(database, senders) == Tally()
    assert send_digests(database, senders) == Tally()
    assert writes and not any(writes)


def test_an_edition_to_5000_people_is_one_insert_then_fanned_out_in_batches(database: Database):
    """A storm cannot happen: `notify` writes one row per person in the request's
    transaction, once however often the event is told; the worker fans them out a batch
    (2,000) per transaction."""
    now = utc_now()
    with database.session(write=True) as session:
        session.execute(
            insert(User),
            [
                {
                    "username": f"s{number:04d}",
                    "full_name": f"S {number}",
                    "role": "reader",
                    "password_hash": "-",
                    "created_at": now,
                    "email": f"s{number:04d}@example.org" if number % 5 else None,
                }
                for number in range(5000)
            ],
        )
        everyone = [user_id for user_id in session.exec(select(User.id)) if user_id is not None]
    assert told(database, everyone) == 5000
    assert told(database, everyone) == 0

    batches = []
    while True:
        with database.session(write=True) as session:
            taken = dispatch(session, [EMAIL, WEBHOOK])
        if not taken:
            break
        batches.append(taken)

    assert batches == [2000, 2000, 1000]
    rows = Counter((row.channel, row.state, row.mode) for row in delivery_rows(database))
    assert rows == {(EMAIL, PENDING, "immediate"): 4000, (WEBHOOK, PENDING, "immediate"): 5000}
