"""The bounds of one conversion: the processor time it takes, the Markdown it makes, and the
styles and list definitions it keeps. Each is refused with 413 and its reason (`TooLarge`)."""

from __future__ import annotations

import time
from typing import NoReturn

from sop_platform.core.chapters import TEXT_LIMIT
from sop_platform.core.errors import TooLarge

# Processor time of the converting thread (not wall time, which other requests would take
# from it). A file at the text limit converts in under 2 s (bench/word_import.py).
MAX_CONVERSION_SECONDS = 20.0
# Styles, list definitions and their levels, kept for the whole conversion: a long document
# has a few thousand; this bounds what a styles or numbering part can make us keep.
MAX_DEFINITIONS = 100_000


class Budget:
    """The bounds of one conversion: processor time and the Markdown made so far."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = time.thread_time()
        self.made = 0  # characters of Markdown
        self.kept = 0  # styles, list definitions and levels

    def check(self) -> None:
        if time.thread_time() - self.started > MAX_CONVERSION_SECONDS:
            raise TooLarge(
                f"{self.name}: converting it took more than {MAX_CONVERSION_SECONDS:g} s of "
                "processor time; split it into smaller files"
            )

    def keep(self, definitions: int) -> None:
        self.kept += definitions
        if self.kept > MAX_DEFINITIONS:
            raise TooLarge(
                f"{self.name}: more than {MAX_DEFINITIONS:,} styles and list definitions; "
                "a Word document needs far fewer"
            )

    def grow(self, characters: int) -> None:
        self.made += characters
        if self.made > TEXT_LIMIT:
            self.refuse(f"{self.made:,} when conversion stopped")

    def refuse(self, length: str) -> NoReturn:
        raise TooLarge(
            f"{self.name}: the converted text is longer than {TEXT_LIMIT:,} characters "
            f"({length}); a Word file may convert to at most {TEXT_LIMIT:,} characters, the "
            "most one chapter text may hold: split it into smaller files"
        )
