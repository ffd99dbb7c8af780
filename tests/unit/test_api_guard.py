"""What decides whether ``ingest serve`` needs a token, and what it masks (worker/api/guard)."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from worker.api.guard import (
    RedactToken,
    check_bind,
    is_loopback,
    without_token,
    without_userinfo,
)
from worker.core.errors import ConfigError
from worker.core.settings import Settings

TOKEN = "0123456789abcdef0123"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "api.example"])
def test_wide_addresses_and_names(host: str) -> None:
    assert not is_loopback(host)


def settings(token: str | None) -> Settings:
    return Settings(_env_file=None, api_token=None if token is None else SecretStr(token))  # type: ignore[call-arg]


def test_loopback_needs_no_token_but_uses_one_when_set() -> None:
    assert check_bind(settings(None), "127.0.0.1") is None
    assert check_bind(settings(""), "127.0.0.1") is None  # empty is unset (compose, .env)
    assert check_bind(settings(TOKEN), "127.0.0.1") == TOKEN


@pytest.mark.parametrize("token", [None, ""])
def test_a_wide_bind_without_a_token_is_a_config_error(token: str | None) -> None:
    with pytest.raises(ConfigError, match="INGEST_API_TOKEN"):
        check_bind(settings(token), "0.0.0.0")
    assert check_bind(settings(TOKEN), "0.0.0.0") == TOKEN


def test_a_short_token_is_refused_without_being_shown() -> None:
    with pytest.raises(ConfigError) as raised:
        check_bind(settings("hunter2"), "0.0.0.0")
    assert "hunter2" not in str(raised.value) and "too short" in str(raised.value)


def test_the_token_is_masked_in_access_log_lines() -> None:
    assert without_token(f"/events?cursor=3&token={TOKEN}&x=1") == "/events?cursor=3&token=***&x=1"
    record = logging.LogRecord("uvicorn.access", 20, "", 0, '%s - "%s %s"', (
        "127.0.0.1:5", "GET", f"/events?token={TOKEN}"), None)  # fmt: skip
    assert RedactToken().filter(record)
    assert TOKEN not in record.getMessage() and "token=***" in record.getMessage()


def test_passwords_in_urls_are_masked() -> None:
    assert without_userinfo("https://user:pw@feeds.example/rss") == "https://***@feeds.example/rss"
    assert without_userinfo("/data/wire.jsonl:3") == "/data/wire.jsonl:3"
