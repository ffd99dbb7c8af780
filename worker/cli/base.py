"""The ``ingest`` command group and what every command shares: settings, runtimes, output."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from worker.broker.app import make_app
from worker.broker.send import send_with
from worker.core.settings import Settings, load
from worker.ingest.runtime import Runtime

err = Console(stderr=True, soft_wrap=True)  # one message, one line: greppable, never wrapped
STATUSES = ("stored", "duplicate", "rejected", "pending")


def load_settings(**overrides: Any) -> Settings:
    context = click.get_current_context(silent=True)
    if context is not None and overrides.get("store_url") is None:
        overrides["store_url"] = context.meta.get(STORE_KEY)  # from --store, see store_option
    return load(Settings, **{k: v for k, v in overrides.items() if v is not None})


STORE_KEY = "ingest.store_url"


def _remember_store(context: click.Context, _: click.Parameter, value: str | None) -> None:
    if value is not None:
        context.meta[STORE_KEY] = value


# Every command that reads or writes the store takes --store (it wins over INGEST_STORE_URL).
store_option = click.option(
    "--store",
    metavar="URL",
    expose_value=False,
    callback=_remember_store,
    help="Store URL (default: INGEST_STORE_URL, else sqlite:///data/ingest.db here).",
)


def local_runtime(settings: Settings) -> Runtime:
    """A runtime that works on the store only (no broker)."""
    return Runtime(settings)


def broker_runtime(settings: Settings) -> Runtime:
    """A runtime that can also publish, through a Celery app on the configured broker."""
    return Runtime(settings, send=send_with(make_app(settings), settings.broker_full_wait))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Streaming ingestion worker for news articles."""
