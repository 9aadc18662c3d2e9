"""The e-mail channel: a notification (or a day's digest) as a mail of plain text and HTML
in the recipient's language, through the SMTP server `SOP_SMTP_URL` names.

Its `Message-ID` is made from the delivery's idempotency key, so a mail sent again after a
worker died between sending and recording it is the same message to its receiver (mail
clients and archives keep one of two mails with one Message-ID). One connection serves
a batch; the worker closes it when idle.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, parseaddr
from typing import cast
from urllib.parse import unquote, urlsplit

from sop_platform.core.clock import utc_now
from sop_platform.core.delivery import NotSent, Outgoing, Undeliverable
from sop_platform.outbox.wording import absolute, subject_line
from sop_platform.render.notification_mail import MailLine, notification_mail

# Where a person changes what they receive (the mail's footer links it).
SETTINGS_PATH = "/app/settings/notifications"
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TIMEOUT_SECONDS = 30.0
# One boundary for every mail: the parts are base64, whose lines never hold "--" or "_",
# so it cannot occur in them (and is not searched for in each mail's text again).
BOUNDARY = "=_sop-platform-alternative_="
# SMTP wants CRLF line ends (`sendmail` sends bytes as they are).
ON_THE_WIRE = compat32.clone(linesep="\r\n")


@dataclass(frozen=True)
class SmtpServer:
    """`smtp://[user:password@]host:port` taken apart (`settings.py` checked its form)."""

    scheme: str
    host: str
    port: int
    username: str
    password: str

    @classmethod
    def of(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        return cls(
            scheme=parts.scheme,
            host=parts.hostname or "localhost",
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )


def message_id(key: str, mail_from: str) -> str:
    """The Message-ID of the delivery keyed `key`: the same for every attempt."""
    _name, address = parseaddr(mail_from)
    domain = address.rpartition("@")[2] or "localhost"
    return f"<sop.{key}@{domain}>"


def _header(value: str) -> str:
    """A header's text, as RFC 2047 encoded words where it is not ASCII (a `Header`, which
    the generator folds knowing the header's name; typeshed types header values as str)."""
    return value if value.isascii() else cast(str, Header(value, "utf-8"))


def _address(name_and_address: tuple[str, str]) -> str:
    return formataddr(name_and_address, charset="utf-8")


def compose(message: Outgoing, *, mail_from: str, base_url: str) -> Message:
    """The mail telling `message` to its recipient, in their language: plain text and HTML
    as alternatives, each UTF-8 in base64 (7-bit safe through any relay).

    Built with the `email.mime` classes: the same mail as `EmailMessage` makes, at a
    quarter of its cost (bench/notifications.py), which is most of a delivery's."""
    if not message.email:
        raise Undeliverable("the account has no e-mail address")
    lines = [
        MailLine(
            subject=subject_line(item, message.language),
            url=absolute(base_url, item.link),
            at=item.created_at,
            repeats=item.repeats,
        )
        for item in message.items
    ]
    text = notification_mail(
        lines,
        message.language,
        name=message.full_name,
        digest=message.digest,
        settings_url=absolute(base_url, SETTINGS_PATH),
    )
    mail = MIMEMultipart("alternative", boundary=BOUNDARY)
    mail["From"] = _address(parseaddr(mail_from))
    mail["To"] = _address((message.full_name, message.email))
    mail["Subject"] = _header(text.subject)
    mail["Date"] = format_datetime(utc_now())
    mail["Message-ID"] = message_id(message.key, mail_from)
    mail["Content-Language"] = message.language
    # RFC 3834: sent by a machine; vacation responders stay quiet.
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-SOP-Idempotency-Key"] = message.key
    mail.attach(MIMEText(text.text, "plain", "utf-8"))
    mail.attach(MIMEText(text.html, "html", "utf-8"))
    return mail


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


class MailSender:
    """Sends mails through one SMTP server, keeping the connection between mails."""

    def __init__(
        self,
        smtp_url: str,
        *,
        mail_from: str,
        base_url: str,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.server = SmtpServer.of(smtp_url)
        self.mail_from = mail_from
        self.envelope_from = parseaddr(mail_from)[1]
        self.base_url = base_url
        self.timeout = timeout
        # EHLO names the platform's host, not whatever socket.getfqdn() finds (a slow
        # DNS look-up on some hosts).
        self.local_hostname = urlsplit(base_url).hostname or "localhost"
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: Outgoing) -> None:
        mail = compose(message, mail_from=self.mail_from, base_url=self.base_url)
        data = mail.as_bytes(policy=ON_THE_WIRE)
        recipient = str(message.email)
        reused = self._smtp is not None
        try:
            self._send(recipient, data)
        except smtplib.SMTPServerDisconnected:
            self._drop()
            if not reused:
                raise
            # The server closed a connection kept from an earlier mail: once more, anew.
            self._send(recipient, data)

    def _send(self, recipient: str, data: bytes) -> None:
        smtp = self._connected()
        try:
            smtp.sendmail(self.envelope_from, [recipient], data)
        except smtplib.SMTPRecipientsRefused as error:
            # The connection is still good (smtplib sent RSET); the address is not.
            refusals = list(error.recipients.values())
            said = "; ".join(f"{code} {_text(reply)}" for code, reply in refusals)
            if all(500 <= code < 600 for code, _reply in refusals):
                raise Undeliverable(f"the mail server refused the address: {said}") from None
            raise NotSent(f"the mail server deferred the address: {said}") from None
        except smtplib.SMTPDataError as error:
            self._drop()
            said = f"{error.smtp_code} {_text(error.smtp_error)}"
            if 500 <= error.smtp_code < 600:
                raise Undeliverable(f"the mail server refused the message: {said}") from None
            raise
        except (OSError, smtplib.SMTPException):
            self._drop()
            raise

    def _connected(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        server = self.server
        smtp: smtplib.SMTP
        if server.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(
                server.host,
                server.port,
                local_hostname=self.local_hostname,
                timeout=self.timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(
                server.host, server.port, local_hostname=self.local_hostname, timeout=self.timeout
            )
        try:
            if server.scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
            if server.username:
                smtp.login(server.username, server.password)
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        """Say goodbye to the server, if connected."""
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
        finally:
            self._drop()
