"""The one settings object: every SOP_* environment variable the platform reads."""

from __future__ import annotations

import os
import tempfile
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sop_platform.resources import shipped_dir

# HS256 wants a key at least as long as its 32-byte output (RFC 7518, 3.2).
MIN_SECRET_KEY_LENGTH = 32
# The webhook's HMAC key: a receiver checks signatures with it, so it must not be guessable.
MIN_WEBHOOK_SECRET_LENGTH = 16
# smtp: plain (a relay on the same host or network); smtp+starttls: upgraded to TLS before
# anything is sent, or not sent at all; smtps: TLS from the first byte.
SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")


def default_cache_dir() -> Path:
    """The user's cache folder (`XDG_CACHE_HOME`, else `~/.cache`), or the temporary folder
    for an account with no home."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            base = tempfile.gettempdir()
    return Path(base) / "sop-platform"


class Settings(BaseSettings):
    """Read once, passed explicitly; nothing reads the environment behind its back."""

    model_config = SettingsConfigDict(env_prefix="SOP_", frozen=True, extra="ignore")

    database_url: str = "sqlite:///./sop.db"
    secret_key: str = Field(default="", repr=False)
    content_dir: Path = Field(default_factory=lambda: shipped_dir("content"))
    public_site: bool = True
    token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    max_body_bytes: int = 5 * 1024 * 1024
    # The proxies (comma-separated addresses, or "*") whose X-Forwarded-For and
    # X-Forwarded-Proto `serve` believes: the client's address and https come from them.
    forwarded_allow_ips: str = Field(default="127.0.0.1,::1", max_length=2000)
    # A staff browser session ends after this long without a request, and in any case
    # after `session_hours`.
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_hours: int = Field(default=12, ge=1, le=7 * 24)
    # How often an app server looks again for a newly issued or newly effective edition.
    site_refresh_seconds: float = Field(default=2.0, ge=0, le=3600)
    # Where notifications go besides the bell (`outbox/`): an SMTP server
    # (smtp://[user:password@]host:port; empty: no e-mail) and a webhook signed with
    # HMAC-SHA256 (empty: none). `worker`: `serve` runs the delivery worker in a thread.
    smtp_url: str = Field(default="", max_length=2000, repr=False)
    mail_from: str = Field(default="SOP platform <sop@localhost>", max_length=320)
    webhook_url: str = Field(default="", max_length=2000)
    webhook_secret: str = Field(default="", max_length=500, repr=False)
    worker: bool = True
    # The address people reach the platform at: a mail's or a webhook's link is made from it.
    base_url: str = Field(default="http://127.0.0.1:8000", max_length=500)
    # The hour (UTC) each day's digest is sent at, to those who chose digests.
    digest_hour: int = Field(default=7, ge=0, le=23)
    # What `publish` keeps between runs (rendered chapters, the large parts of pages),
    # outside the published folder so that a publish into a new folder reuses it.
    cache_dir: Path = Field(default_factory=lambda: default_cache_dir())

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        if not url.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("SOP_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        return url

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, url: str) -> str:
        if not url:
            return url
        parts = urlsplit(url)
        if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
            raise ValueError(
                "SOP_SMTP_URL must be smtp://[user:password@]host:port "
                "(or smtp+starttls://, smtps://), or empty for no e-mail"
            )
        try:
            parts.port  # noqa: B018 (parsing it is the check)
        except ValueError:
            raise ValueError(
                "SOP_SMTP_URL has a port that is not a number from 0 to 65535"
            ) from None
        return url

    @field_validator("mail_from")
    @classmethod
    def _mail_from(cls, sender: str) -> str:
        _name, address = parseaddr(sender)
        if "@" not in address or any(ch in sender for ch in "\r\n"):
            raise ValueError(
                "SOP_MAIL_FROM must be an e-mail address, e.g. 'SOP platform <sop@example.org>'"
            )
        return sender

    @field_validator("webhook_url", "base_url")
    @classmethod
    def _http_url(cls, url: str, info: ValidationInfo) -> str:
        if not url and info.field_name == "webhook_url":
            return url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            name = f"SOP_{(info.field_name or '').upper()}"
            # Not repeated in the message: a webhook's URL may hold the receiver's token.
            raise ValueError(f"{name} must be an http:// or https:// URL")
        return url.rstrip("/")

    @model_validator(mode="after")
    def _webhook_signed(self) -> Settings:
        if self.webhook_url and len(self.webhook_secret) < MIN_WEBHOOK_SECRET_LENGTH:
            raise ValueError(
                f"SOP_WEBHOOK_SECRET must be set to at least {MIN_WEBHOOK_SECRET_LENGTH} "
                "characters when SOP_WEBHOOK_URL is: the receiver checks each call's "
                "signature with it"
            )
        return self

    def signing_key(self) -> str:
        """The key that signs bearer tokens; refuses to run with none."""
        if len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"SOP_SECRET_KEY must be set to at least {MIN_SECRET_KEY_LENGTH} characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return self.secret_key
