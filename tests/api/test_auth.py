from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from sop_platform.core.accounts import issue_token
from sop_platform.core.clock import utc_now
from tests.support import PASSWORD, SECRET, AuthFor, MakeUser


def _sign_in(client: TestClient, username: str, password: str):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_signing_in_gives_a_bearer_token_that_works(client: TestClient, make_user: MakeUser):
    make_user("leyla", "reviewer", "Leyla Məmmədova")

    answer = _sign_in(client, "leyla", PASSWORD)
    token = answer.json()["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 200
    assert answer.json()["token_type"] == "bearer"
    assert me.json() | {"attested_at": None} == {
        "username": "leyla",
        "full_name": "Leyla Məmmədova",
        "role": "reviewer",
        "active": True,
        "must_change_password": False,
        "attested_at": None,
        "organisation": None,
        "team": None,
        "email": None,
    }
    assert me.json()["attested_at"].endswith("Z")  # UTC


def test_a_wrong_password_is_401(client: TestClient, make_user: MakeUser):
    make_user("leyla")

    answer = _sign_in(client, "leyla", "not the password")

    assert answer.status_code == 401
    assert answer.json() == {"detail": "wrong username or password"}


def test_an_unknown_account_looks_like_a_wrong_password(client: TestClient):
    answer = _sign_in(client, "nobody", PASSWORD)

    assert (answer.status_code, answer.json()["detail"]) == (401, "wrong username or password")


def test_ten_failures_lock_the_account_for_a_while(client: TestClient, make_user: MakeUser):
    make_user("leyla")
    for _ in range(10):
        assert _sign_in(client, "leyla", "guess guess guess").status_code == 401

    locked = _sign_in(client, "leyla", PASSWORD)

    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60


def test_an_expired_token_is_refused(client: TestClient, make_user: MakeUser):
    make_user("leyla")
    token = issue_token("leyla", SECRET, 1, now=utc_now() - timedelta(minutes=2))

    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]


def test_a_token_signed_with_another_key_is_refused(client: TestClient, make_user: MakeUser):
    make_user("leyla")
    token = issue_token("leyla", "another-key-another-key-another-key!", 5)

    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 401


def test_the_api_needs_a_signed_in_user(client: TestClient):
    answer = client.get("/api/v1/documents")

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_only_admins_manage_accounts(client: TestClient, auth_for: AuthFor):
    new = {"username": "tural", "full_name": "Tural Rzayev", "role": "author", "password": PASSWORD}

    refused = client.post("/api/v1/users", json=new, headers=auth_for("approver"))
    created = client.post("/api/v1/users", json=new, headers=auth_for("admin"))
    again = client.post("/api/v1/users", json=new, headers=auth_for("admin"))

    assert refused.status_code == 403
    assert created.status_code == 201
    assert created.json() == {
        "username": "tural",
        "full_name": "Tural Rzayev",
        "role": "author",
        "active": True,
        "must_change_password": False,
        "attested_at": None,  # an account signs its statement itself
        "organisation": None,
        "team": None,
        "email": None,
    }
    assert again.status_code == 409
    assert _sign_in(client, "tural", PASSWORD).status_code == 200


def test_a_weak_password_or_unknown_role_is_422(client: TestClient, auth_for: AuthFor):
    admin = auth_for("admin")
    weak = {"username": "tural", "full_name": "T R", "role": "author", "password": "short"}
    odd = {"username": "tural", "full_name": "T R", "role": "king", "password": PASSWORD}

    assert client.post("/api/v1/users", json=weak, headers=admin).status_code == 422
    assert client.post("/api/v1/users", json=odd, headers=admin).status_code == 422
