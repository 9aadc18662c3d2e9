"""The published site's interface text: one catalogue per language in `frontend/i18n/`."""

from __future__ import annotations

from functools import cache

import yaml

from sop_platform.core.front_matter import LANGUAGES
from sop_platform.resources import shipped_dir


@cache
def catalogue(language: str) -> dict[str, str]:
    """Every interface string in `language` (English for a language we have no text for)."""
    chosen = language if language in LANGUAGES else "en"
    path = shipped_dir("frontend") / "i18n" / f"{chosen}.yaml"
    # libyaml's safe loader where it is built in: the pure-Python one takes a tenth of a
    # second per catalogue, which every command that renders a page would pay.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (safe)
    return {str(key): str(value) for key, value in loaded.items()}


def said(language: str, key: str, **values: object) -> str:
    """One interface string with its `{placeholders}` filled."""
    return catalogue(language)[key].format(**values)


def said_count(language: str, key: str, count: int, **values: object) -> str:
    """A catalogue entry that counts something: `key_one` when there is one and the
    catalogue has that form ("1 clause changed"), else `key` ("3 clauses changed")."""
    chosen = f"{key}_one" if count == 1 and f"{key}_one" in catalogue(language) else key
    return said(language, chosen, count=count, **values)
