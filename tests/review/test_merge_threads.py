"""A document's policy `merge_needs_resolved_threads`: merging waits until every comment
thread of the change request is resolved; without it, open threads do not stop a merge."""

from __future__ import annotations

from sqlmodel import select
from typer.testing import CliRunner

from sop_platform.cli import app
from sop_platform.core.database import Database
from sop_platform.core.models import Document
from tests.support import DOCUMENT, Api, edited

SCOPE = "It applies to every deminer"


def _approved_with_a_thread(staff: dict[str, Api]) -> tuple[int, int]:
    sarah, aynur = staff["sarah"], staff["aynur"]
    cr = sarah.open_cr("Scope wording")
    head = sarah.head_of()
    sarah.put(cr["id"], edited(head["markdown"], SCOPE, "It binds every deminer"), head["revision"])
    sarah.act(cr["id"], "submit")
    thread = aynur._call(
        "POST",
        f"/api/v1/change-requests/{cr['id']}/comments",
        201,
        json={"chapter": "manual-clearance", "quote": "every deminer", "body": "Whom else?"},
    )
    for approver in ("elvin", "leyla"):
        staff[approver].approve(cr["id"])
    return cr["id"], thread["id"]


def _require_resolved(loaded: Database) -> None:
    with loaded.session(write=True) as session:
        document = session.exec(select(Document).where(Document.slug == DOCUMENT)).one()
        document.merge_needs_resolved_threads = True
        session.add(document)


def test_an_open_thread_stops_the_merge_where_the_policy_says_so(
    staff: dict[str, Api], loaded: Database
) -> None:
    _require_resolved(loaded)
    cr_id, thread = _approved_with_a_thread(staff)

    refused = staff["elvin"].act(cr_id, "merge", 409)
    assert "1 comment thread is unresolved" in refused["detail"]

    staff["aynur"]._call("POST", f"/api/v1/change-requests/{cr_id}/comments/{thread}/resolve", 200)
    assert staff["elvin"].act(cr_id, "merge")["state"] == "merged"


def test_without_the_policy_an_open_thread_does_not_stop_the_merge(
    staff: dict[str, Api],
) -> None:
    cr_id, _thread = _approved_with_a_thread(staff)
    assert staff["elvin"].act(cr_id, "merge")["state"] == "merged"


def test_the_policy_is_set_and_shown_by_the_command_line(loaded: Database) -> None:
    runner = CliRunner()
    env = {"SOP_DATABASE_URL": loaded.url}
    answer = runner.invoke(
        app, ["policy", "set", DOCUMENT, "--merge-needs-resolved-threads"], env=env
    )
    assert answer.exit_code == 0, answer.output
    assert "merged once every comment thread is resolved" in answer.output
    with loaded.session(write=False) as session:
        document = session.exec(select(Document).where(Document.slug == DOCUMENT)).one()
        assert document.merge_needs_resolved_threads
