"""Deny by default: every route declares the role it needs, or that it is public."""

from __future__ import annotations

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from sop_platform.api.app import create_app
from sop_platform.api.deps import declared_access
from sop_platform.core.roles import Role
from sop_platform.settings import Settings
from tests.support import SECRET


def _declared(dependant: Dependant) -> list[Role | bool]:
    found: list[Role | bool] = []
    for dependency in dependant.dependencies:
        access = declared_access(dependency.call) if dependency.call else None
        if access is not None:
            found.append(access)
        found.extend(_declared(dependency))
    return found


def _all_routes() -> list[object]:
    app = create_app(Settings(secret_key=SECRET, database_url="sqlite:///unused.db"))
    return [context.original_route for context in iter_route_contexts(app.routes)]


def _routes() -> list[APIRoute]:
    return [route for route in _all_routes() if isinstance(route, APIRoute)]


def test_every_route_is_an_api_route_whose_dependencies_can_be_read():
    assert len(_routes()) == len(_all_routes()) > 10


def test_every_route_declares_a_permission_or_is_marked_public():
    undeclared = [route.path for route in _routes() if not _declared(route.dependant)]

    assert undeclared == []


def test_the_json_api_is_public_only_for_signing_in():
    public = {
        route.path
        for route in _routes()
        if route.path.startswith("/api/") and True in _declared(route.dependant)
    }

    assert public == {"/api/v1/auth/token"}


def test_reading_needs_the_reader_role_and_accounts_need_admin():
    needs = {
        (method, route.path): max(
            (access for access in _declared(route.dependant) if isinstance(access, Role)),
            key=lambda role: role.rank,
        )
        for route in _routes()
        if route.path.startswith("/api/v1/") and route.path != "/api/v1/auth/token"
        for method in route.methods
    }

    assert needs[("GET", "/api/v1/documents")] == Role.READER
    assert needs[("POST", "/api/v1/users")] == Role.ADMIN
    assert needs[("PATCH", "/api/v1/users/{username}")] == Role.ADMIN
    assert needs[("POST", "/api/v1/users/{username}/password-reset")] == Role.ADMIN
    assert needs[("POST", "/api/v1/me/password")] == Role.READER
    assert needs[("POST", "/api/v1/teams")] == Role.ADMIN
    assert needs[("POST", "/api/v1/organisations")] == Role.ADMIN
    assert needs[("GET", "/api/v1/teams")] == Role.READER
    assert needs[("PATCH", "/api/v1/teams/{team_id}")] == Role.ADMIN
    assert all(role.includes(Role.READER) for role in needs.values())
