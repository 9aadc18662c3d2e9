"""Who may do what in the review workflow: every role against every endpoint of issue 3.

The matrix has one row per endpoint (method, path, body, who may call it) and one column
per person. Anonymous callers get 401, a person below the row's bar 403, and a person at or
above it the endpoint's own answer, on objects prepared for the row: a change request by
`sarah` in the state the endpoint needs. Change requests belong to their author: only she
or an admin may write to one; reviews and thread discussion are for reviewers and above, and
for the author on her own CR.

One loaded database per backend serves the whole module (loading the seed content into
PostgreSQL takes seconds, and the matrix has two dozen rows). Every call that should change
something gets objects of its own, and reads and refusals share one per row, so the rows
depend neither on each other nor on their order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from sop_platform.api.app import create_app
from sop_platform.core.clock import utc_today
from sop_platform.core.roles import Role
from sop_platform.settings import Settings
from tests.support import (
    BACKENDS,
    CHAPTER,
    DOCUMENT,
    PASSWORD,
    SECRET,
    Api,
    module_database_url,
    module_staff,
)

STAFF = {
    "sarah": Role.AUTHOR,  # the author of every change request in the matrix
    "tom": Role.AUTHOR,
    "aynur": Role.REVIEWER,
    "elvin": Role.APPROVER,
    "leyla": Role.APPROVER,  # leyla and murad prepare approvals and merges
    "murad": Role.APPROVER,
    "nigar": Role.ADMIN,
    "rauf": Role.READER,
}
AUTHOR = "sarah"
# The matrix's columns: who calls, as which account (None: no credentials at all).
COLUMNS = {
    "anonymous": None,
    "reader": "rauf",
    "author": "sarah",
    "other author": "tom",
    "reviewer": "aynur",
    "approver": "elvin",
    "admin": "nigar",
}

# Who may call, in the matrix: a minimum role, or one of these two.
OWNER = "owner"  # the CR's author, or an admin
DISCUSSION = "discussion"  # the CR's author, or a reviewer and above

# What a row needs before each call.
NOTHING = "nothing"
DRAFT = "a draft CR with a proposed text"
SUBMITTED = "a submitted CR"
APPROVED = "an approved CR"
THREAD = "a submitted CR with an open comment thread"
RESOLVED = "a submitted CR with a resolved thread"
MOVED_ON = "a chapter changed since the last edition"

# Stand-ins in a body for what the prepared object gives.
NEW_TEXT = "<a new proposed text>"
BASE = "<the revision it starts from>"
NEXT_WEEK = "<an effective date next week>"

CRS = "/api/v1/change-requests"
CR = CRS + "/{cr}"
DOC = f"/api/v1/documents/{DOCUMENT}"
QUOTE = {"quote": "drills and safety rules", "prefix": "sets out the ", "suffix": " for"}
NEW_CR = {"document": DOCUMENT, "title": "Lane width", "rationale": "Field evidence."}
PUT_TEXT = {"markdown": NEW_TEXT, "base_revision": BASE}
REJECT = {"reason": "Out of scope."}
APPROVE = {"decision": "approve", "body": "Checked.", "password": PASSWORD}
REQUEST_CHANGES = {"decision": "request_changes", "body": "Cite IMAS 09.10."}
REVIEW_COMMENT = {"decision": "comment", "body": "Reads well."}
COMMENT = {"chapter": CHAPTER, "body": "Why this wording?", **QUOTE}
EDITION = {"title": "Amendment", "effective_date": NEXT_WEEK, "password": PASSWORD}
DESCRIBE = {"title": "Clearance depth to 20 cm, reworded"}
POLICY = {"approvals": 2}  # the default: the other rows still need two approvals


def row(method: str, path: str, body: Any, bar: str, needs: str, ok: int) -> Any:
    name = f"{method} {path.removeprefix('/api/v1/')}"
    if body and "decision" in body:
        name += f" {body['decision']}"
    return pytest.param(method, path, body, bar, needs, ok, id=name)


# fmt: off
MATRIX = [
    #   method  path                             body             who may      needs      answer
    row("POST", CRS,                             NEW_CR,          "author",    NOTHING,   201),
    row("GET",  CRS,                             None,            "author",    DRAFT,     200),
    row("GET",  CR,                              None,            "author",    DRAFT,     200),
    row("GET",  CR + "/diff",                    None,            "author",    DRAFT,     200),
    row("GET",  CR + "/word",                    None,            "author",    DRAFT,     200),
    row("GET",  CR + f"/chapters/{CHAPTER}",     None,            "author",    DRAFT,     200),
    row("PUT",  CR + f"/chapters/{CHAPTER}",     PUT_TEXT,        OWNER,       DRAFT,     200),
    row("PATCH", CR,                             DESCRIBE,        OWNER,       DRAFT,     200),
    row("POST", CR + "/submit",                  None,            OWNER,       DRAFT,     200),
    row("POST", CR + "/withdraw",                None,            OWNER,       SUBMITTED, 200),
    row("POST", CR + "/reject",                  REJECT,          "approver",  SUBMITTED, 200),
    row("POST", CR + "/reviews",                 APPROVE,         "approver",  SUBMITTED, 201),
    row("POST", CR + "/reviews",                 REQUEST_CHANGES, "reviewer",  SUBMITTED, 201),
    row("POST", CR + "/reviews",                 REVIEW_COMMENT,  "reviewer",  SUBMITTED, 201),
    row("POST", CR + "/comments",                COMMENT,         DISCUSSION,  SUBMITTED, 201),
    row("POST", CR + "/comments/{comment}/resolve", None,         DISCUSSION,  THREAD,    200),
    row("POST", CR + "/comments/{comment}/reopen",  None,         DISCUSSION,  RESOLVED,  200),
    row("POST", CR + "/merge",                   None,            "approver",  APPROVED,  200),
    row("GET",  "/api/v1/review-queue",          None,            "author",    SUBMITTED, 200),
    row("GET",  "/api/v1/audit",                 None,            "approver",  NOTHING,   200),
    row("GET",  "/api/v1/audit/verify",          None,            "approver",  NOTHING,   200),
    row("POST", DOC + "/editions",               EDITION,         "approver",  MOVED_ON,  201),
    row("GET",  DOC + "/editions",               None,            "reader",    NOTHING,   200),
    row("GET",  DOC + "/editions/1",             None,            "reader",    NOTHING,   200),
    row("PUT",  DOC + "/policy",                 POLICY,          "admin",     NOTHING,   200),
    row("GET",  DOC + "/review-due",             None,            "reader",    NOTHING,   200),
]
# fmt: on


def may_call(bar: str, username: str) -> bool:
    role = STAFF[username]
    if bar == OWNER:
        return username == AUTHOR or role is Role.ADMIN
    if bar == DISCUSSION:
        return username == AUTHOR or role.includes(Role.REVIEWER)
    return role.includes(Role(bar))


def expected_answer(bar: str, username: str | None, ok: int) -> int:
    if username is None:
        return 401
    return ok if may_call(bar, username) else 403


@pytest.fixture(scope="module", params=BACKENDS)
def office(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Api]]:
    """The seed content and the eight accounts, once per backend for the whole module, as
    `Api`s by username (and `anonymous`, without credentials)."""
    url = module_database_url(request, tmp_path_factory.mktemp("permissions"))
    with module_staff(url) as people:
        yield people | {"anonymous": Api(people["sarah"].client, {}, "anonymous")}


@dataclass(frozen=True)
class Prepared:
    cr: int = 0
    comment: int = 0
    new_text: str = ""
    base: int = 0


def _proposed(office: dict[str, Api], author: str = AUTHOR) -> tuple[int, str, int]:
    """A draft CR by `author` with one proposed text; and a second, different text."""
    api = office[author]
    head = api.head_of()
    note = f"Note {uuid.uuid4().hex[:8]}"
    cr = api.open_cr()
    api.put(cr["id"], f"{head['markdown']}\n{note}.\n", head["revision"])
    return cr["id"], f"{head['markdown']}\n{note}, revised.\n", head["revision"]


def _translated(office: dict[str, Api], cr: int) -> None:
    """The CR's note added to the Azerbaijani text as well: merged, it leaves no translation
    behind (every note in this module ends the last clause), so an edition may be issued."""
    api = office[AUTHOR]
    head = api.head_of(lang="az")
    note = f"Qeyd {uuid.uuid4().hex[:8]}"
    api.put(cr, f"{head['markdown']}\n{note}.\n", head["revision"], lang="az")


def prepare(office: dict[str, Api], needs: str) -> Prepared:
    if needs == NOTHING:
        return Prepared()
    cr, new_text, base = _proposed(office)
    if needs == MOVED_ON:
        _translated(office, cr)
    if needs == DRAFT:
        return Prepared(cr, new_text=new_text, base=base)
    office[AUTHOR].act(cr, "submit")
    comment = 0
    if needs in (THREAD, RESOLVED):
        thread = office["aynur"].act(cr, "comments", 201, chapter=CHAPTER, body="Why?", **QUOTE)
        comment = thread["comments"][0]["id"]
    if needs == RESOLVED:
        office["aynur"].act(cr, f"comments/{comment}/resolve")
    if needs in (APPROVED, MOVED_ON):
        office["leyla"].approve(cr)
        assert office["murad"].approve(cr)["state"] == "approved"
    if needs == MOVED_ON:
        office["murad"].act(cr, "merge")
    return Prepared(cr, comment, new_text, base)


def filled(body: Any, prepared: Prepared) -> Any:
    if body is None:
        return None
    stand_ins = {
        NEW_TEXT: prepared.new_text,
        BASE: prepared.base,
        NEXT_WEEK: str(utc_today() + timedelta(days=7)),
    }
    return {key: stand_ins.get(value, value) for key, value in body.items()}


@pytest.mark.parametrize(("method", "path", "body", "bar", "needs", "ok"), MATRIX)
def test_each_person_is_refused_or_served_as_their_role_says_and_refusals_change_nothing(
    office: dict[str, Api],
    method: str,
    path: str,
    body: Any,
    bar: str,
    needs: str,
    ok: int,
) -> None:
    expected = {column: expected_answer(bar, username, ok) for column, username in COLUMNS.items()}
    unchanging = prepare(office, needs)  # for reads and refusals, which change nothing
    before = office[AUTHOR].get(unchanging.cr) if unchanging.cr else None
    answered: dict[str, Any] = {}
    for column, username in COLUMNS.items():
        writes = method != "GET" and expected[column] == ok
        prepared = prepare(office, needs) if writes else unchanging
        api = office[username or "anonymous"]
        response = api.client.request(
            method,
            path.format(cr=prepared.cr, comment=prepared.comment),
            headers=api.headers,
            json=filled(body, prepared),
        )
        status = response.status_code
        answered[column] = status if status == expected[column] else (status, response.text)

    assert answered == expected
    assert (office[AUTHOR].get(unchanging.cr) if unchanging.cr else None) == before


def _of_issue_3(path: str) -> bool:
    return path.startswith(
        ("/api/v1/change-requests", "/api/v1/review-queue", "/api/v1/audit")
    ) or (
        path.startswith("/api/v1/documents/")
        and path.endswith(("/editions", "/editions/{n}", "/policy", "/review-due"))
    )


def test_the_matrix_names_every_endpoint_of_the_review_workflow_and_every_role() -> None:
    app = create_app(Settings(secret_key=SECRET, database_url="sqlite:///unused.db"))
    review_routes = {
        (method, route.path)
        for route in (context.original_route for context in iter_route_contexts(app.routes))
        if isinstance(route, APIRoute) and _of_issue_3(route.path)
        for method in route.methods
    }
    as_declared = {
        "{cr}": "{cr_id}",
        "{comment}/resolve": "{comment_id}/{change}",
        "{comment}/reopen": "{comment_id}/{change}",
        f"/{CHAPTER}": "/{ch}",
        DOCUMENT: "{doc}",
        "/editions/1": "/editions/{n}",
    }
    tried = set()
    for param in MATRIX:
        method, path = param.values[0], param.values[1]
        for literal, placeholder in as_declared.items():
            path = path.replace(literal, placeholder)
        tried.add((method, path))

    assert tried == review_routes
    assert {STAFF[name] for name in COLUMNS.values() if name} == set(Role)


# The cases the issue names, one story each.


def test_an_author_cannot_write_to_another_authors_change_request(
    office: dict[str, Api],
) -> None:
    tom = office["tom"]
    cr, new_text, base = _proposed(office)
    before = office[AUTHOR].get(cr)

    tom.put(cr, new_text, base, expect=403)

    assert office[AUTHOR].get(cr) == before


def test_an_admin_may_write_to_another_authors_change_request(office: dict[str, Api]) -> None:
    nigar = office["nigar"]
    cr, new_text, base = _proposed(office)

    after = nigar.put(cr, new_text, base)

    assert after["author"] == AUTHOR
    assert [(it["number"], it["author"]) for it in after["iterations"]] == [
        (1, AUTHOR),
        (2, "nigar"),
    ]


@pytest.mark.parametrize("author", ["elvin", "nigar"])
def test_an_author_cannot_approve_their_own_change_request_even_as_approver_or_admin(
    office: dict[str, Api], author: str
) -> None:
    api = office[author]
    cr, _, _ = _proposed(office, author)
    api.act(cr, "submit")

    api.approve(cr, expect=403)

    assert api.get(cr)["reviews"] == []


def test_a_reviewer_cannot_approve(office: dict[str, Api]) -> None:
    cr = prepare(office, SUBMITTED).cr

    office["aynur"].approve(cr, expect=403)

    assert office[AUTHOR].get(cr)["reviews"] == []


def test_a_reviewer_approving_a_draft_is_forbidden_not_told_the_state_is_wrong(
    office: dict[str, Api],
) -> None:
    """A reviewer can never approve: the answer is 403 in any state, as it is for an author
    approving their own CR, and not a 409 that suggests trying again once it is submitted."""
    draft = prepare(office, DRAFT).cr

    office["aynur"].approve(draft, expect=403)
