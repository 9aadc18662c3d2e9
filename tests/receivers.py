"""Receivers the delivery tests send to, real ones in this process: an SMTP server
(aiosmtpd) keeping every mail it accepts, and an HTTP server keeping every webhook call."""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the SMTP server accepted, in order; `delay`: seconds it takes over each mail
    (a slow server keeps deliveries in flight); `refused`: addresses it refuses (550)."""

    mails: list[EmailMessage] = field(default_factory=list)
    delay: float = 0.0
    refused: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        content = envelope.original_content or b""
        mail = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(mail, EmailMessage)
        with self.lock:
            self.mails.append(mail)
        return "250 Message accepted for delivery"

    def taken(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.mails)


@contextmanager
def smtp_server(mailbox: Mailbox | None = None) -> Iterator[tuple[str, Mailbox]]:
    """An SMTP server on a free port: its `smtp://` URL and its mailbox."""
    mailbox = mailbox or Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", mailbox
    finally:
        controller.stop()


@dataclass
class Call:
    headers: Message  # case-insensitive, as header names are
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        """Whether `X-SOP-Signature` is the HMAC-SHA256 of the body, as a receiver checks."""
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("X-SOP-Signature", ""))


@dataclass
class Hook:
    """The webhook calls received, in order; `status`: what it answers; `delay`: seconds
    before answering."""

    calls: list[Call] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def taken(self) -> list[Call]:
        with self.lock:
            return list(self.calls)


@contextmanager
def webhook_receiver(hook: Hook | None = None) -> Iterator[tuple[str, Hook]]:
    """An HTTP server on a free port taking POSTs: its URL and what it received."""
    hook = hook or Hook()
    received = hook

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if received.delay:
                threading.Event().wait(received.delay)
            with received.lock:
                received.calls.append(Call(self.headers, body))
            self.send_response(received.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
