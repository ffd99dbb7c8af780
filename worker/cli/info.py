"""``ingest info``: what this command line would use (store, broker, versions, models), and
the warning read commands give when the store they would read does not exist yet."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from worker.cli.base import cli, err, load_settings, store_option
from worker.core.settings import Settings
from worker.ingest.nlp import missing_packages

PACKAGES = ("ingest-worker", "celery", "kombu", "redis", "sqlalchemy", "spacy", "trafilatura")


def masked_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (each URL of a ``;`` list of sentinels)."""
    if ";" in url:
        return ";".join(masked_url(part) for part in url.split(";"))
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:***@" if parts.username else ":***@"
    host = parts.hostname or ""
    netloc = user + (f"{host}:{parts.port}" if parts.port else host)
    return urlunsplit(parts._replace(netloc=netloc))


def sqlite_file(store_url: str) -> Path | None:
    """The file of an SQLite store URL, resolved against the working folder (else None)."""
    try:
        parsed = make_url(store_url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve()


def warn_if_no_store(settings: Settings) -> None:
    """A read command about to create an empty SQLite store probably has the wrong folder."""
    path = sqlite_file(settings.store_url.get_secret_value())
    if path is not None and not path.exists():
        err.print(
            f"note: no store at {path} (INGEST_STORE_URL is relative to the working folder): "
            "reading an empty one; `ingest info` shows what is in use"
        )


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


@cli.command()
@store_option
def info() -> None:
    """Store, broker, versions and spaCy pipelines this command line would use."""
    settings = load_settings()
    store = settings.store_url.get_secret_value()
    path = sqlite_file(store)
    where = "" if path is None else f" ({path}, {'exists' if path.exists() else 'not created yet'})"
    click.echo(f"store:   {masked_url(store)}{where}")
    click.echo(f"broker:  {masked_url(settings.broker_url.get_secret_value())}")
    click.echo(f"python:  {platform.python_version()} ({sys.executable})")
    for name in PACKAGES:
        click.echo(f"{name + ':':<15}{_version(name)}")
    missing = missing_packages(settings.spacy_models)
    click.echo(f"enrichment: {'on' if settings.enrich else 'off'}")
    for language, package in sorted(settings.spacy_models.items()):
        state = "MISSING" if language in missing else _version(package.replace("_", "-"))
        click.echo(f"  model {language}: {package} {state}")
