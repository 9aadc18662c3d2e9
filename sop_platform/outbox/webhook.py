"""The webhook channel: each notification (or a day's digest) POSTed as JSON to
`SOP_WEBHOOK_URL`, for a chat service or an operator's own systems.

The body (UTF-8 JSON):

    {"id": 12, "idempotency_key": "12.webhook", "kind": "edition_issued",
     "subject": "...", "link": "https://sop.example.org/app/...",
     "recipient": {"username": "ayla", "language": "az"},
     "created_at": "2026-05-09T07:00:00+00:00", "params": {...}}

A digest has `"kind": "digest"`, its own key and subject, the recipient, `created_at` (when
it was made) and `items`: the notifications it lists, each as above without `recipient`
and with `repeats`. The subject is in the recipient's language.

Headers: `X-SOP-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with
SOP_WEBHOOK_SECRET>` (a receiver computes the same over the bytes it got and compares in
constant time), and `Idempotency-Key` (the same on every attempt: a repeat after a worker
restart is recognisable). Only a 2xx answer counts as delivered; a redirect does not
(a POST is not followed to another address).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from typing import Any

from sop_platform.core.clock import utc_now
from sop_platform.core.delivery import Item, NotSent, Outgoing
from sop_platform.outbox.wording import absolute, subject_line
from sop_platform.render.notification_mail import digest_subject

SIGNATURE_HEADER = "X-SOP-Signature"
TIMEOUT_SECONDS = 5.0
ANSWER_BYTES = 64 * 1024  # read of an answer, so the connection can be closed cleanly


def signature(secret: str, body: bytes) -> str:
    """The header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _item(item: Item, language: str, base_url: str) -> dict[str, Any]:
    return {
        "id": item.notification_id,
        "kind": item.kind,
        "subject": subject_line(item, language),
        "link": absolute(base_url, item.link),
        "created_at": item.created_at.isoformat(),
        "params": dict(item.params),
    }


def payload(message: Outgoing, base_url: str) -> dict[str, Any]:
    """The JSON object the webhook receives for `message`."""
    recipient = {"username": message.username, "language": message.language}
    if not message.digest:
        item = message.items[0]
        return {
            **_item(item, message.language, base_url),
            "idempotency_key": message.key,
            "recipient": recipient,
        }
    return {
        "idempotency_key": message.key,
        "kind": "digest",
        "subject": digest_subject(len(message.items), message.language),
        "recipient": recipient,
        "created_at": utc_now().isoformat(),
        "items": [
            {**_item(item, message.language, base_url), "repeats": item.repeats}
            for item in message.items
        ],
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is then an answer like any other non-2xx: a failure


class WebhookSender:
    """POSTs signed JSON to one URL."""

    def __init__(
        self, url: str, secret: str, *, base_url: str, timeout: float = TIMEOUT_SECONDS
    ) -> None:
        self.url = url
        self.secret = secret
        self.base_url = base_url
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    def send(self, message: Outgoing) -> None:
        body = json.dumps(
            payload(message, self.base_url), ensure_ascii=False, separators=(",", ":")
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (the URL is checked http(s) by settings)
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                SIGNATURE_HEADER: signature(self.secret, body),
                "Idempotency-Key": message.key,
                "User-Agent": "sop-platform",
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                response.read(ANSWER_BYTES)
                status = response.status
        except urllib.error.HTTPError as error:
            error.close()
            # Said without the URL, which may carry a token of the receiver's.
            raise NotSent(f"the webhook answered {error.code} {error.reason}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise NotSent(f"the webhook did not answer: {reason}") from None
        if not 200 <= status < 300:
            raise NotSent(f"the webhook answered {status}")

    def close(self) -> None:
        """Nothing kept between calls."""
