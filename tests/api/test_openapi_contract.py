"""The API description tells the truth about errors: each error answer (a domain error's
sentence, the list of a parameter's problems, a refusal of NUL, a conflict that names
its blockers) is a status the operation documents, in the shape documented for it. The
whole API is checked by `bench/schemathesis_battery.py`; here a few operations, quickly."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from sop_platform.core.clock import utc_today
from tests.api.test_release_gates import _merged
from tests.support import CHAPTER, DOCUMENT, PASSWORD, Api

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def api(client: TestClient) -> Any:
    return schemathesis.openapi.from_dict(client.get("/openapi.json").json())


def _conforms(api: Any, method: str, template: str, answer: Any) -> None:
    """`answer` is a status `method template` documents, in the documented shape."""
    names = re.findall(r"{(\w+)}", template)
    pattern = re.sub(r"{\w+}", "([^/]+)", template)
    found = re.fullmatch(pattern, answer.request.url.path)
    assert found, (template, answer.request.url.path)
    case = api[template][method].Case(path_parameters=dict(zip(names, found.groups(), strict=True)))
    case.validate_response(answer, checks=CHECKS)


def test_error_answers_are_what_the_schema_says(
    client: TestClient, staff: dict[str, Api], api: Any
) -> None:
    admin, reader = staff["nigar"].headers, staff["rauf"].headers
    cr = staff["sarah"].open_cr()
    user = {"username": "ab", "full_name": "A B", "role": "author", "password": "short"}
    answers = [
        # A domain rule: detail is a sentence.
        ("POST", "/api/v1/users", client.post("/api/v1/users", json=user, headers=admin)),
        # A parameter the route declares: detail is the list of its problems.
        (
            "GET",
            "/api/v1/change-requests",
            client.get("/api/v1/change-requests", params={"limit": 0}, headers=admin),
        ),
        # The NUL guard, before any route.
        (
            "GET",
            "/api/v1/change-requests",
            client.get("/api/v1/change-requests", params={"author": "\x00"}, headers=admin),
        ),
        ("GET", "/api/v1/documents/{doc}", client.get("/api/v1/documents/nothing", headers=admin)),
        ("GET", "/api/v1/users", client.get("/api/v1/users")),
        ("GET", "/api/v1/users", client.get("/api/v1/users", headers=reader)),
        (
            "POST",
            "/api/v1/users",
            client.post("/api/v1/users", json={**user, "username": "rauf"}, headers=admin),
        ),
        (
            "PATCH",
            "/api/v1/change-requests/{cr_id}",
            client.patch(
                f"/api/v1/change-requests/{cr['id']}",
                json={"title": "Another title"},
                headers={**staff["sarah"].headers, "If-Match": '"stale"'},
            ),
        ),
    ]

    statuses = [answer.status_code for *_, answer in answers]
    assert statuses == [422, 422, 422, 404, 401, 403, 409, 412]
    for method, template, answer in answers:
        _conforms(api, method, template, answer)


def test_a_blocked_edition_names_its_blockers_as_documented(
    client: TestClient, staff: dict[str, Api], api: Any
) -> None:
    _merged(staff, "en")  # the Azerbaijani clause is left behind: a release gate blocks

    answer = client.post(
        f"/api/v1/documents/{DOCUMENT}/editions",
        json={"title": "Edition 2", "effective_date": str(utc_today()), "password": PASSWORD},
        headers=staff["elvin"].headers,
    )

    assert answer.status_code == 409 and answer.json()["blockers"]
    _conforms(api, "POST", "/api/v1/documents/{doc}/editions", answer)


def test_a_diff_is_checked_against_its_schema(
    client: TestClient, staff: dict[str, Api], api: Any
) -> None:
    """A diff's [operation, text] pairs are described as Schemathesis can check them."""
    answer = client.get(
        f"/api/v1/documents/{DOCUMENT}/chapters/{CHAPTER}/diff",
        params={"from": 0},
        headers=staff["rauf"].headers,
    )

    assert answer.status_code == 200 and answer.json()["ops"]
    _conforms(api, "GET", "/api/v1/documents/{doc}/chapters/{ch}/diff", answer)


@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("GET", "/api/v1/change-requests"),
        ("POST", "/api/v1/users"),
        ("PATCH", "/api/v1/change-requests/{cr_id}"),
    ],
)
def test_generated_requests_get_documented_answers(
    client: TestClient, staff: dict[str, Api], api: Any, method: str, template: str
) -> None:
    """Schemathesis's own cases, NUL characters included, as the administrator."""
    staff["sarah"].open_cr()
    operation = api[template][method]
    headers = staff["nigar"].headers

    @settings(
        max_examples=10,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        # Sent through the test's client: Schemathesis's own ASGI client would start the
        # app's lifespan again (a second database engine, never disposed).
        sent = case.as_transport_kwargs(base_url=str(client.base_url))
        answer = client.request(
            sent.pop("method"),
            sent.pop("url"),
            headers={**sent.pop("headers"), **headers},
            params=sent.pop("params", None),
            json=sent.pop("json", None),
        )
        case.validate_response(answer, checks=CHECKS)

    check()
