"""Fixtures of the API tests that drive the staff application as a browser does."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.web_browser import SignIn, signed_in_browser
from tests.support import Api


@pytest.fixture
def sign_in(client: TestClient, staff: dict[str, Api]) -> SignIn:
    """`sign_in("sarah")`: the client's browser, signed in through the form as one of the
    `staff` fixture's people."""
    return lambda username: signed_in_browser(client, username)
