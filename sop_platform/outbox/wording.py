"""What both channels say of a notification: its subject in the reader's language and its
page as an absolute address."""

from __future__ import annotations

from sop_platform.core.delivery import Item
from sop_platform.render.notification_text import subject_of


def subject_line(item: Item, language: str) -> str:
    """The notification's subject; `params["variant"]` names a second wording of its kind
    (`leader`: a team leader told of a member's overdue reading)."""
    variant = str(item.params.get("variant", ""))
    return subject_of(item.kind, item.params, language, variant=variant)


def absolute(base_url: str, link: str) -> str:
    """`link` (a path of the platform) at `base_url`; the home page when it has none."""
    path = link if link.startswith("/") else "/" + link
    return base_url.rstrip("/") + path
