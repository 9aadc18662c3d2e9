"""The tests of accounts hash passwords as production does (`production_password_hashing`);
the rest of the domain's tests keep the suite's cheap profile: a production hash costs
0.05-0.1 s, and the feedback tests alone add five accounts to each of their 121 tests."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import patch

import pytest
from argon2 import PasswordHasher

from sop_platform.core import accounts
from tests.support import PRODUCTION_DUMMY_HASH, PRODUCTION_HASHER


@pytest.fixture
def production_password_hashing() -> Iterator[PasswordHasher]:
    """Production's Argon2id parameters, not the cheap profile of tests/conftest.py: here
    the accounts, their throttle and their hashes are what is tested."""
    with patch.multiple(accounts, _HASHER=PRODUCTION_HASHER, _DUMMY_HASH=PRODUCTION_DUMMY_HASH):
        yield PRODUCTION_HASHER
