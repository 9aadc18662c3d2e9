"""The staff application as a browser drives it, for tests over HTTP: a client holding a
session cookie, and the hidden fields, text areas and CSRF token read from its pages."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import httpx2
from fastapi.testclient import TestClient

from tests.support import PASSWORD

HTML = {"Accept": "text/html"}


class Browser:
    """One person's browser: a client holding their session cookie, which sends each form
    with the hidden token of the page that holds it."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, path: str) -> httpx2.Response:
        return self.client.get(path, headers=HTML, follow_redirects=False)

    def post(self, path: str, page: httpx2.Response, **fields: Any) -> httpx2.Response:
        data = {"csrf_token": hidden(page, "csrf_token"), **fields}
        return self.client.post(path, data=data, headers=HTML, follow_redirects=False)


def hidden(page: httpx2.Response, name: str, form: str | None = None) -> str:
    """The value of a hidden field of `page` (of the form with id `form`, if given)."""
    text = page.text
    if form is not None:
        found = re.search(rf'<form[^>]*id="{form}".*?</form>', text, re.DOTALL)
        assert found, f"no form #{form}"
        text = found.group(0)
    value = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', text)
    assert value, f"no hidden {name}"
    return html.unescape(value.group(1))


def textarea(page: httpx2.Response, element_id: str) -> str:
    found = re.search(rf'<textarea id="{element_id}"[^>]*>(.*?)</textarea>', page.text, re.DOTALL)
    assert found, f"no textarea #{element_id}"
    return html.unescape(found.group(1))


def meta_csrf(page: httpx2.Response) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]*)">', page.text)
    assert found
    return html.unescape(found.group(1))


SignIn = Callable[[str], Browser]


def signed_in_browser(client: TestClient, username: str) -> Browser:
    """The client's browser, signed in through the form as `username`."""
    form = client.get("/login", headers=HTML)
    answer = client.post(
        "/login",
        data={
            "csrf_token": hidden(form, "csrf_token"),
            "next": hidden(form, "next"),
            "username": username,
            "password": PASSWORD,
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return Browser(client)
