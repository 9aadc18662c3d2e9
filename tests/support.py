"""Constants and fixture types shared by the tests."""

from __future__ import annotations

from collections.abc import Callable

from sop_platform.core.models import User

SECRET = "test-secret-key-that-is-long-enough-for-hs256"
PASSWORD = "correct horse battery staple"

MakeUser = Callable[..., User]
AuthFor = Callable[..., dict[str, str]]
