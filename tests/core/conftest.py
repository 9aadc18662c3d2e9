"""The tests of the domain hash passwords as production does."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import patch

import pytest
from argon2 import PasswordHasher

from sop_platform.core import accounts
from tests.support import PRODUCTION_DUMMY_HASH, PRODUCTION_HASHER


@pytest.fixture(autouse=True)
def password_hashing() -> Iterator[PasswordHasher]:
    """Production's Argon2id parameters, not the cheap profile of tests/conftest.py: here
    the accounts, their throttle and their hashes are what is tested."""
    with patch.multiple(accounts, _HASHER=PRODUCTION_HASHER, _DUMMY_HASH=PRODUCTION_DUMMY_HASH):
        yield PRODUCTION_HASHER
