"""The store URL's ``prepare_threshold`` (PostgreSQL behind a transaction-pooling pgbouncer)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from worker.core.errors import ConfigError
from worker.store.engine import make_engine

BASE = "postgresql+psycopg://ingest:secret@pgbouncer:6432/ingest"


def connect_params(url: str) -> dict[str, Any]:
    """What psycopg.connect would be called with (no server needed: the call is stopped)."""
    engine = make_engine(url)
    seen: dict[str, Any] = {}

    @event.listens_for(engine, "do_connect")
    def _capture(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        seen.update(cparams)
        raise _Stop

    with pytest.raises(_Stop):
        engine.raw_connection()
    assert "prepare_threshold" not in engine.url.query
    return seen


class _Stop(Exception):
    pass


def test_psycopg_defaults_are_kept_without_the_option() -> None:
    params = connect_params(BASE)
    assert "prepare_threshold" not in params
    assert params["host"] == "pgbouncer" and params["dbname"] == "ingest"


@pytest.mark.parametrize(("given", "expected"), [("none", None), ("None", None), ("0", 0),
                                                 ("10", 10)])  # fmt: skip
def test_prepare_threshold_reaches_psycopg_as_its_value(given: str, expected: int | None) -> None:
    params = connect_params(f"{BASE}?prepare_threshold={given}&application_name=w")
    assert params["prepare_threshold"] == expected
    assert params["application_name"] == "w"  # the other parameters still go through


@pytest.mark.parametrize("given", ["off", "-1", "five"])
def test_a_bad_prepare_threshold_is_one_config_error_without_the_password(given: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_engine(f"{BASE}?prepare_threshold={given}")
    assert "prepare_threshold" in str(caught.value) and "secret" not in str(caught.value)
