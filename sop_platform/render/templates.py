"""The one Jinja2 environment of the site's pages and the PDFs: our templates in
`frontend/templates`, every value escaped, an unknown name an error rather than a blank."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket
from markupsafe import Markup

from sop_platform.render.diff_html import ops_html
from sop_platform.render.site_text import catalogue, said
from sop_platform.resources import shipped_dir


def day(value: date | datetime) -> str:
    return value.strftime("%Y-%m-%d")


def _utc(value: datetime) -> datetime:
    # Stored times are UTC; a naive one is taken as UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_minute(value: datetime) -> str:
    """A signature's time as 21 CFR 11.50 shows it: UTC date and time to the minute."""
    return _utc(value).strftime("%Y-%m-%d %H:%M UTC")


def utc_iso(value: datetime) -> str:
    return _utc(value).isoformat()


def word_diff_html(ops: Iterable[tuple[int, str]], words: Mapping[str, str]) -> Markup:
    """A word diff already computed, as escaped HTML (`words`: the catalogue, for the
    screen-reader labels of insertions and deletions)."""
    labels = {"inserted": words["inserted"], "deleted": words["deleted"]}
    return Markup(ops_html(list(ops), labels))  # noqa: S704  (ops_html escapes)


@cache
def environment() -> Environment:
    templates = Environment(
        loader=FileSystemLoader(shipped_dir("frontend") / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship with the code: no need to look at every file's time on every
        # page (a publish asks for templates hundreds of times).
        auto_reload=False,
    )
    templates.filters["day"] = day
    templates.filters["utc_minute"] = utc_minute
    templates.filters["utc_iso"] = utc_iso
    templates.filters["word_diff_html"] = word_diff_html
    return templates


class _CompiledTemplates(FileSystemBytecodeCache):
    """Compiled templates kept in a folder (by name, source checksum, Jinja and Python
    version); a folder that cannot be read or written only means compiling again."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def keep_compiled(folder: Path) -> None:
    """Keep compiled templates in `folder` for the next process: a short-lived command
    (`publish`) otherwise spends a third of a second compiling the site's templates."""
    environment().bytecode_cache = _CompiledTemplates(str(folder))


def rendered(template: str, language: str, **context: Any) -> str:
    """A template in `language`: its interface words are `t` (the catalogue) and `said`
    (a catalogue entry with its placeholders filled)."""
    return (
        environment()
        .get_template(template)
        .render(
            t=catalogue(language),
            said=lambda key, **values: said(language, key, **values),
            lang=language,
            **context,
        )
    )
