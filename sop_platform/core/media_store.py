"""Images of chapters, content-addressed: stored once by the sha256 of their bytes and
named in Markdown as `/media/{sha256}.{extension}`. Rows are never changed or deleted."""

from __future__ import annotations

import re

from sqlmodel import Session

from sop_platform.core.clock import utc_now
from sop_platform.core.errors import InvalidInput, NotFound
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import Media

MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif"}
MAX_MEDIA_BYTES = 10 * 1024 * 1024
# How a chapter text names an image; the only form the media routes answer.
MEDIA_NAME = re.compile(r"^([0-9a-f]{64})\.(png|jpg|gif)$")
MEDIA_IN_TEXT = re.compile(r"/media/([0-9a-f]{64}\.(?:png|jpg|gif))\b")


def media_name(item: Media) -> str:
    return f"{item.sha256}.{item.extension}"


def stored_media(session: Session, data: bytes, extension: str, *, actor: str) -> Media:
    """The row holding `data`, added if no chapter showed these bytes before."""
    if extension not in MEDIA_TYPES:
        raise InvalidInput(f"images must be {', '.join(MEDIA_TYPES)}, not '{extension}'")
    if len(data) > MAX_MEDIA_BYTES:
        raise InvalidInput(f"an image may be at most {MAX_MEDIA_BYTES // (1024 * 1024)} MiB")
    sha256 = sha256_hex(data)
    found = session.get(Media, sha256)
    if found is not None:
        return found
    item = Media(
        sha256=sha256,
        media_type=MEDIA_TYPES[extension],
        extension=extension,
        size=len(data),
        data=data,
        created_at=utc_now(),
        created_by=actor,
    )
    session.add(item)
    session.flush()
    return item


def media_by_name(session: Session, name: str) -> Media:
    """The image a text names `{sha256}.{extension}`."""
    match = MEDIA_NAME.match(name)
    item = session.get(Media, match.group(1)) if match else None
    if item is None or match is None or item.extension != match.group(2):
        raise NotFound(f"no image '{name[:80]}'")
    return item


def media_named_in(text: str) -> set[str]:
    """The image names (`{sha256}.{extension}`) a chapter text shows."""
    return set(MEDIA_IN_TEXT.findall(text))


def media_payloads(session: Session, names: set[str]) -> dict[str, tuple[str, bytes]]:
    """name → (media type, bytes) of the named images that are stored."""
    found = {}
    for name in sorted(names):
        try:
            item = media_by_name(session, name)
        except NotFound:
            continue
        found[name] = (item.media_type, item.data)
    return found
