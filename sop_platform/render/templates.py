"""The one Jinja2 environment of the site's pages and the PDFs: our templates in
`frontend/templates`, every value escaped, an unknown name an error rather than a blank."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from sop_platform.render.site_text import catalogue, said
from sop_platform.resources import shipped_dir


def day(value: date | datetime) -> str:
    return value.strftime("%Y-%m-%d")


@cache
def environment() -> Environment:
    templates = Environment(
        loader=FileSystemLoader(shipped_dir("frontend") / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    templates.filters["day"] = day
    return templates


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
