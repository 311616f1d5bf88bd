"""Settings that Telegram itself constrains fail at start-up with one line naming the variable."""

from __future__ import annotations

import pytest

from bot.config import SettingsError, load_settings


@pytest.mark.parametrize(("url", "says"), [
    ("http://bot.example.org", "must start with https://"),
    ("https://bot.example.org:8080/bot", "has port 8080"),
    ("ftp://bot.example.org", "must be an https:// URL"),
])
def test_a_webhook_url_telegram_would_refuse_is_refused_at_start(url: str, says: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(webhook_url=url)
    message = str(refused.value)
    assert message.startswith("WEBHOOK_URL: ") and says in message
    assert "https:// URLs on port 80, 88, 443 or 8443" in message


@pytest.mark.parametrize("url", [
    "https://bot.example.org", "https://bot.example.org:8443/hook", "https://bot.example.org:88",
    "http://127.0.0.1:8081",  # a local emulator (tests, the sandbox) takes plain http on any port
])
def test_webhook_urls_telegram_takes(url: str) -> None:
    assert load_settings(webhook_url=url).webhook_url == url
