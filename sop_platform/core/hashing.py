"""Content addressing: the sha256 that binds revisions, signatures and ETags."""

from __future__ import annotations

import hashlib


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
