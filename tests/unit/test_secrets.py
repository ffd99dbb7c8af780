"""Passwords come from the environment and never show in a repr or a log line."""

from __future__ import annotations

import logging

import pytest

from worker.broker.app import celery_config
from worker.core.settings import Settings

SECRET = "s3cr3t-Pa55"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("INGEST_BROKER_URL", f"redis://:{SECRET}@redis:6379/0")
    monkeypatch.setenv("INGEST_STORE_URL", f"postgresql+psycopg://ingest:{SECRET}@pg/ingest")
    return Settings()


def test_settings_repr_and_str_hide_the_passwords(settings: Settings) -> None:
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings)
    assert SECRET not in repr(settings.model_dump())
    assert settings.broker_url.get_secret_value().endswith("@redis:6379/0")  # still usable


def test_logging_the_settings_does_not_leak(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("worker").info("starting with %s", settings)
    assert SECRET not in caplog.text


def test_celery_masks_the_broker_password_when_it_prints_it(settings: Settings) -> None:
    from celery import Celery

    app = Celery("t")
    app.conf.update(celery_config(settings))
    with app.connection_for_write() as conn:
        assert SECRET not in conn.as_uri()  # what the worker banner and its logs show
