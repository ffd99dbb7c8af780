"""``ingest prune``: drop old rejected payloads and old ledger rows (see worker.store.prune)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import click

from worker.cli.base import cli, err, load_settings, store_option
from worker.cli.info import sqlite_file
from worker.core.errors import ConfigError
from worker.store import Store
from worker.store.prune import Plan, Pruned, count, prune

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([wdhm]?)\s*$")
_UNITS = {"w": "weeks", "d": "days", "": "days", "h": "hours", "m": "minutes"}


def parse_age(text: str) -> timedelta:
    """``30`` or ``30d`` (days), ``2w``, ``12h``, ``90m``."""
    match = _AGE.match(text.lower())
    if match is None:
        raise click.BadParameter(f"{text!r}: use a number of days, or 2w, 30d, 12h, 90m")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


@cli.command(name="prune")
@store_option
@click.option(
    "--older-than",
    "age",
    metavar="AGE",
    help="Prune what finished before this age: 30 (days), 30d, 2w, 12h "
    "(default: INGEST_RETENTION_DAYS).",
)
@click.option(
    "--rows",
    is_flag=True,
    help="Delete the duplicate and rejected ledger rows themselves (default: only the "
    "payloads of rejected items; the row keeps its reason and the caller's id, URL, title).",
)
@click.option(
    "--quarantine",
    "with_quarantine",
    is_flag=True,
    help="Also delete quarantine entries (replayed or not) and refused messages that old.",
)
@click.option(
    "--compact",
    is_flag=True,
    help="SQLite: also rewrite every finished ledger row, unchanged, so that the page space "
    "its pending payload took in a store written by an earlier version is reused (outcomes "
    "now replace their pending row; PostgreSQL's vacuum does this by itself).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=100, max=100_000),
    default=5000,
    show_default=True,
    help="Rows per write transaction (short ones: workers go on in between).",
)
@click.option("--dry-run", is_flag=True, help="Print what would go; change nothing.")
def prune_command(
    age: str | None,
    rows: bool,
    with_quarantine: bool,
    compact: bool,
    batch_size: int,
    dry_run: bool,
) -> None:
    """Drop old rejected payloads (and, with --rows, old duplicate and rejected ledger rows).

    Stored articles, stored and pending ledger rows, and items waiting in quarantine are
    never changed (the quarantine only with --quarantine). With --compact alone, nothing is
    pruned: the ledger is only compacted.
    """
    settings = load_settings()
    days = settings.retention_days
    if age is None and days is None and not compact:
        raise click.UsageError("give --older-than AGE (or set INGEST_RETENTION_DAYS), or --compact")
    span = parse_age(age) if age is not None else None if days is None else timedelta(days=days)
    url = settings.store_url.get_secret_value()
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise ConfigError(f"no store at {path}: nothing to prune (`ingest info` shows the store)")
    cutoff = None if span is None else datetime.now(UTC) - span
    plan = Plan(cutoff, rows, with_quarantine, compact=compact, batch_size=batch_size)
    store = Store(url)
    try:
        store.ensure_schema()
        if cutoff is not None:
            err.print(f"pruning what finished before {cutoff:%Y-%m-%d %H:%M:%S} UTC")
        if compact and store.dialect != "sqlite":
            err.print("--compact: nothing to do on PostgreSQL, where (auto)vacuum does it")
        result = count(store.engine, plan) if dry_run else prune(store.engine, plan, _progress)
    finally:
        store.close()
    _summary(result, dry_run)


def _progress(step: str, scanned: int, changed: int) -> None:
    err.print(f"{step}: {changed:,} ({scanned:,} rows scanned)", highlight=False)


def _summary(result: Pruned, dry_run: bool) -> None:
    mark = " (dry run)" if dry_run else ""
    for step, number in result.counts.items():
        click.echo(f"{step}{mark}: {number:,}")
    if not dry_run and result.total():
        click.echo(
            "the space is reused for new rows; to give it back to the file system see the "
            "README's 'Disk, retention, backup'"
        )
