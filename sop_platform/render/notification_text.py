"""A notification's subject in the reader's language, made from its kind and the values the
event recorded (`core/notifications.Event.params`): the bell, the e-mail and the webhook say
the same words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sop_platform.render.site_text import catalogue


class _Values(dict[str, Any]):
    # A value the event did not record reads as "…", not as an error: an old notification
    # stays readable after a subject's wording gains a placeholder.
    def __missing__(self, key: str) -> str:
        return "…"


def subject_of(kind: str, params: Mapping[str, Any], language: str, *, variant: str = "") -> str:
    """The one-line subject of a notification of `kind` (`variant`: a second wording of the
    same kind, such as `leader` for a team leader told of a member's overdue reading; by
    default the one the event recorded in its `variant` param, if any)."""
    texts = catalogue(language)
    variant = variant or str(params.get("variant") or "")
    key = f"notify_{kind}_{variant}" if variant else f"notify_{kind}"
    template = texts.get(key) or texts.get(f"notify_{kind}") or kind.replace("_", " ")
    return template.format_map(_Values(params))
