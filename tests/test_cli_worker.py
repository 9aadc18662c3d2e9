"""`sop-platform worker`, and the worker `serve` runs in a thread unless SOP_WORKER=off.
(The worker process itself, killed and restarted: tests/core/test_delivery.py.)"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import uvicorn
from sqlmodel import col, select
from typer.testing import CliRunner

from sop_platform.cli import app
from sop_platform.core.clock import utc_now
from sop_platform.core.database import Database
from sop_platform.core.models import Notification, User
from sop_platform.core.notifications import EDITION_IN_EFFECT, Event, notify
from tests.support import SECRET

runner = CliRunner()


def test_a_webhook_without_its_secret_stops_the_worker_at_once(env: dict[str, str]):
    result = runner.invoke(app, ["worker"], env={**env, "SOP_WEBHOOK_URL": "https://x.example"})

    assert result.exit_code == 2
    assert "SOP_WEBHOOK_SECRET must be set to at least 16 characters" in result.output


def test_a_wrong_smtp_url_is_named(env: dict[str, str]):
    result = runner.invoke(app, ["worker"], env={**env, "SOP_SMTP_URL": "mail:25"})

    assert result.exit_code == 2
    assert "setting SOP_SMTP_URL: SOP_SMTP_URL must be smtp://" in result.output


def _a_notification(database: Database) -> None:
    with database.session(write=True) as session:
        user = User(
            username="pat", full_name="Pat", role="reader", password_hash="-", created_at=utc_now()
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        notify(session, [user.id], Event(EDITION_IN_EFFECT, "in-effect:1", "/", {}))


def _dispatched(database: Database) -> bool:
    with database.session(write=False) as session:
        return (
            session.exec(
                select(Notification).where(col(Notification.dispatched_at).is_not(None))
            ).first()
            is not None
        )


@pytest.mark.parametrize("worker", ["on", "off"])
def test_serve_runs_the_worker_beside_the_app_unless_it_is_off(
    env: dict[str, str], database: Database, monkeypatch: pytest.MonkeyPatch, worker: str
):
    _a_notification(database)
    seen: dict[str, Any] = {}

    def serving(*_args: Any, **_kwargs: Any) -> None:
        # What happens while the app would serve: the worker thread takes the notification.
        seen["thread"] = [thread.name for thread in threading.enumerate()]
        if worker == "on":
            for _ in range(600):
                if _dispatched(database):
                    break
                threading.Event().wait(0.05)
        seen["dispatched"] = _dispatched(database)

    monkeypatch.setattr(uvicorn, "run", serving)
    result = runner.invoke(
        app, ["serve"], env={**env, "SOP_SECRET_KEY": SECRET, "SOP_WORKER": worker}
    )

    assert result.exit_code == 0, result.output
    assert ("sop-worker" in seen["thread"]) == (worker == "on")
    assert seen["dispatched"] == (worker == "on")
    # serve stopped its worker when the app stopped.
    assert "sop-worker" not in [thread.name for thread in threading.enumerate()]
