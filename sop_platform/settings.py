"""The one settings object: every SOP_* environment variable the platform reads."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sop_platform.resources import shipped_dir

# HS256 wants a key at least as long as its 32-byte output (RFC 7518, 3.2).
MIN_SECRET_KEY_LENGTH = 32


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

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        if not url.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("SOP_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        return url

    def signing_key(self) -> str:
        """The key that signs bearer tokens; refuses to run with none."""
        if len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"SOP_SECRET_KEY must be set to at least {MIN_SECRET_KEY_LENGTH} characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return self.secret_key
