"""PDFs laid out once per run, whichever worker asks first (see `pdfs_laid_out_once`)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path

from sop_platform.core.hashing import sha256_hex


class LaidOutOnce:
    """`lay_out(html)`, kept in `folder` by the HTML's sha256. A worker asking for an HTML
    another is laying out waits for that PDF rather than making it again."""

    def __init__(self, folder: Path, lay_out: Callable[[str], bytes]) -> None:
        self._folder = folder
        self._lay_out = lay_out

    def __call__(self, html: str) -> bytes:
        self._folder.mkdir(parents=True, exist_ok=True)
        key = sha256_hex(html.encode())
        target = self._folder / f"{key}.pdf"
        with (self._folder / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if target.exists():
                return target.read_bytes()
            pdf = self._lay_out(html)
            partial = target.with_suffix(".part")
            partial.write_bytes(pdf)
            os.replace(partial, target)
            return pdf
