"""A notification's e-mail in the reader's language: subject, plain text and HTML, made
from lines already worded (`render/notification_text.subject_of`) and absolute links.
One notification is a mail of one line; a day's digest lists several, repeats counted.
The HTML is escaped by the templates (`frontend/templates/mail/`) like every page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sop_platform.render.site_text import said
from sop_platform.render.templates import rendered


@dataclass(frozen=True)
class MailLine:
    """One thing a mail tells: its subject, the page it is about (an absolute URL), when,
    and how many of the same a digest collapsed into it."""

    subject: str
    url: str
    at: datetime
    repeats: int = 1


@dataclass(frozen=True)
class MailText:
    subject: str
    text: str
    html: str


def digest_subject(count: int, language: str) -> str:
    """A digest's subject: how many things it lists."""
    key = "delivery_digest_subject_one" if count == 1 else "delivery_digest_subject"
    return said(language, key, count=count)


def notification_mail(
    lines: Sequence[MailLine],
    language: str,
    *,
    name: str,
    digest: bool,
    settings_url: str,
) -> MailText:
    """The mail to `name` telling `lines` (one, unless a `digest`); `settings_url`: where
    they choose what they receive."""
    if not lines:
        raise ValueError("a mail tells at least one thing")
    subject = digest_subject(len(lines), language) if digest else lines[0].subject
    context = {
        "subject": subject,
        "lines": lines,
        "name": name,
        "digest": digest,
        "settings_url": settings_url,
    }
    return MailText(
        subject=subject,
        text=rendered("mail/notification.txt", language, **context),
        html=rendered("mail/notification.html", language, **context),
    )
