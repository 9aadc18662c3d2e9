"""Files the platform writes (a static site, its render cache, exported chapters)."""

from __future__ import annotations

import os
from pathlib import Path


def write_whole(path: Path, content: bytes) -> None:
    """Write a file whole or not at all: a web server serving the folder meanwhile sees the
    old file or the new one, never half of one."""
    unfinished = f"{path.parent}/.{path.name}.{os.getpid()}.tmp"
    with open(unfinished, "wb") as file:
        file.write(content)
    os.replace(unfinished, path)
