"""The API description of errors, made true to what `errors.py` sends.

FastAPI documents a 422 as its own `HTTPValidationError` (`detail` an array) and no other
error at all. Here every error answer is `{"detail": ...}`: a sentence (a domain error, a
refusal by a limit or by the input guard) or, for a request the route's declared
parameters refuse, the list of problems, each with where (`loc`), what (`msg`) and its
kind (`type`). A 409 may say more: the passages in conflict of a merge, or the release
gates that blocked an edition. Each operation lists the statuses it can answer with."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

ERROR = "Error"
CONFLICT = "ConflictError"
_PROBLEM = "ValidationProblem"

SCHEMAS: dict[str, dict[str, Any]] = {
    _PROBLEM: {
        "title": _PROBLEM,
        "type": "object",
        "properties": {
            "loc": {
                "title": "Loc",
                "description": "where: body, query, path or header, then the field",
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            },
            "msg": {"title": "Msg", "type": "string"},
            "type": {"title": "Type", "type": "string"},
        },
        "required": ["loc", "msg", "type"],
    },
    ERROR: {
        "title": ERROR,
        "type": "object",
        "properties": {
            "detail": {
                "title": "Detail",
                "description": "what was refused and why; for parameters the route declares, "
                "the list of problems",
                "anyOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"$ref": f"#/components/schemas/{_PROBLEM}"}},
                ],
            }
        },
        "required": ["detail"],
    },
    CONFLICT: {
        "title": CONFLICT,
        "type": "object",
        "properties": {
            "detail": {"title": "Detail", "type": "string"},
            "conflicts": {
                "title": "Conflicts",
                "description": "a merge: each passage changed both in the change request "
                "and in the chapter since",
                "type": "array",
                "items": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "blockers": {
                "title": "Blockers",
                "description": "an edition: each release gate that blocked it and was not "
                "overridden",
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
            },
        },
        "required": ["detail"],
    },
}

SAID = {
    "400": "the request could not be read (its body, or a Content-Length that is no number)",
    "401": "not signed in: no token, an ended token, or a wrong username or password",
    "403": "signed in, but not allowed this (role, CSRF token, a password to change first)",
    "404": "no such document, chapter, revision, change request, user or file",
    "409": "it collides with what is stored (a state, a name, a merge, a release gate)",
    "412": "If-Match names a version that is no longer current: reload it",
    "413": "the body (or what it unpacks to) is over a size limit",
    "422": "refused input: parameters the route declares, a domain rule, or a NUL character",
    "429": "too many attempts: wait for the time Retry-After says",
    "503": "the database is busy or unavailable, or a part of this server is not installed",
}


def _body_fields(operation: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    fields: set[str] = set()
    for media in operation.get("requestBody", {}).get("content", {}).values():
        schema = media.get("schema", {})
        ref = schema.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            schema = schemas.get(ref.rsplit("/", 1)[1], {})
        fields.update(schema.get("properties", {}))
    return fields


def statuses(operation: dict[str, Any], method: str, schemas: dict[str, Any]) -> list[str]:
    """The error statuses `operation` can answer with."""
    headers = {
        parameter["name"].lower()
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "header"
    }
    has_body = "requestBody" in operation
    said = ["401", "404", "422", "503"]
    if "security" in operation:
        said.append("403")
    if has_body:
        said += ["400", "413"]
    if method != "get":
        said.append("409")
    if "if-match" in headers:
        said.append("412")
    if _body_fields(operation, schemas) & {"password", "current"}:
        said.append("429")
    return sorted(said)


def _response(status: str) -> dict[str, Any]:
    name = CONFLICT if status == "409" else ERROR
    return {
        "description": SAID[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }


def describe_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (FastAPI's) with every operation's errors described as they are sent."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in statuses(operation, method, schemas):
                responses[status] = _response(status)
            if any(p.get("name") == "If-None-Match" for p in operation.get("parameters", [])):
                responses["304"] = {"description": "the client's copy (its ETag) is current"}
            operation["responses"] = dict(sorted(responses.items()))
    schemas.pop("HTTPValidationError", None)
    if "#/components/schemas/ValidationError" not in json.dumps(schema):
        schemas.pop("ValidationError", None)
    assert not set(SCHEMAS) & set(schemas), "a model is named as an error schema"
    schemas.update(SCHEMAS)
    return schema


def install_error_schemas(app: FastAPI) -> None:
    """`app.openapi()` describes the errors as `describe_errors` says (made once, kept)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
