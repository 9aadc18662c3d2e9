"""The settings of notification delivery: a mistake stops the start with a clear message."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sop_platform.settings import Settings


def test_delivery_defaults():
    settings = Settings()

    assert (settings.smtp_url, settings.webhook_url, settings.worker) == ("", "", True)
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.mail_from == "SOP platform <sop@localhost>"
    assert settings.digest_hour == 7


def test_delivery_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOP_SMTP_URL", "smtp+starttls://sop:p%40ss@mail.example.org:587")
    monkeypatch.setenv("SOP_WEBHOOK_URL", "https://chat.example.org/hooks/abc")
    monkeypatch.setenv("SOP_WEBHOOK_SECRET", "s" * 16)
    monkeypatch.setenv("SOP_WORKER", "off")
    monkeypatch.setenv("SOP_BASE_URL", "https://sop.example.org/")

    settings = Settings()

    assert settings.worker is False
    assert settings.base_url == "https://sop.example.org"  # links are made by appending
    assert "p%40ss" not in repr(settings) and "s" * 16 not in repr(settings)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"smtp_url": "mail.example.org:25"}, "SOP_SMTP_URL must be smtp://"),
        ({"smtp_url": "http://mail.example.org"}, "SOP_SMTP_URL must be smtp://"),
        ({"smtp_url": "smtp://"}, "SOP_SMTP_URL must be smtp://"),
        ({"smtp_url": "smtp://mail:99999"}, "port that is not a number from 0 to 65535"),
        ({"mail_from": "nobody"}, "SOP_MAIL_FROM must be an e-mail address"),
        ({"mail_from": "a@b\r\nBcc: x@y"}, "SOP_MAIL_FROM must be an e-mail address"),
        ({"webhook_url": "ftp://x.example.org"}, "SOP_WEBHOOK_URL must be an http:// or https://"),
        ({"webhook_url": "https://x.example.org"}, "SOP_WEBHOOK_SECRET must be set"),
        (
            {"webhook_url": "https://x.example.org", "webhook_secret": "short"},
            "at least 16 characters",
        ),
        ({"base_url": "sop.example.org"}, "SOP_BASE_URL must be an http:// or https://"),
        ({"digest_hour": 24}, "less than or equal to 23"),
        ({"worker": "maybe"}, "valid boolean"),
    ],
)
def test_a_wrong_delivery_setting_is_refused_with_its_name(values: dict[str, object], message: str):
    with pytest.raises(ValidationError) as refused:
        Settings(**values)  # type: ignore[arg-type]

    assert message in str(refused.value)


def test_a_webhook_url_is_not_repeated_in_the_refusal():
    with pytest.raises(ValidationError) as refused:
        Settings(webhook_url="ftp://token-of-the-receiver@x.example.org")

    [error] = refused.value.errors()
    assert "token-of-the-receiver" not in error["msg"]  # what `sop-platform` prints
