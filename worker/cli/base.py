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
    return load(Settings, **{k: v for k, v in overrides.items() if v is not None})


def local_runtime(settings: Settings) -> Runtime:
    """A runtime that works on the store only (no broker)."""
    return Runtime(settings)


def broker_runtime(settings: Settings) -> Runtime:
    """A runtime that can also publish, through a Celery app on the configured broker."""
    return Runtime(settings, send=send_with(make_app(settings), settings.broker_full_wait))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Streaming ingestion worker for news articles."""
