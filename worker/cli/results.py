"""Commands that read or repair the store: stats, export, migrate, quarantine, reconcile,
sources."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from worker.broker.sweep import lost_after, resend_lost
from worker.cli.base import (
    STATUSES,
    broker_runtime,
    cli,
    err,
    load_settings,
    local_runtime,
    store_option,
)
from worker.cli.display import print_summary
from worker.cli.info import warn_if_no_store
from worker.core.models import RawItem
from worker.core.settings import Settings
from worker.ingest.feeds import poll_now, source_rows
from worker.ingest.inprocess import process_items
from worker.ingest.runtime import Runtime
from worker.store import Store
from worker.store.reports import Filters


@cli.command()
@store_option
@click.option("--run", "run_id", help="Only this run.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def stats(run_id: str | None, as_json: bool) -> None:
    """Outcome counts by status, reason, method, language and source."""

    with local_runtime(_reading(load_settings())) as runtime:
        summary = {**runtime.store.stats(run_id), **runtime.store.top_enrichment()}
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
    else:
        print_summary(summary, detailed=True)


@cli.command()
@click.option("--store", "store_url", help="Store URL (default: INGEST_STORE_URL or data/).")
def migrate(store_url: str | None) -> None:
    """Bring the store's schema to the latest revision (workers also do it at start-up)."""

    # A bare Store, not local_runtime(): Runtime.store migrates on first use, which would
    # hide the revision found.
    store = Store(load_settings(store_url=store_url).store_url.get_secret_value())
    try:
        result = store.migrate()
    finally:
        store.close()
    state = "migrated" if result.changed else "up to date"
    err.print(f"schema revision: {result.before or 'none'} -> {result.after} ({state})")


@cli.command()
@click.option("--status", type=click.Choice(STATUSES[:3]), default="stored", show_default=True)
@click.option("--latest", is_flag=True, help="Stored articles in their current revision only.")
@click.option("--since", type=click.DateTime(), help="Outcomes written at or after (UTC).")
@click.option("--until", type=click.DateTime(), help="Outcomes written before (UTC).")
@click.option("--source", help="Only items from this source.")
@click.option("--language", help="Only articles in this language (ISO 639-1).")
@click.option("--run", "run_id", help="Only this run.")
@click.option("--story", help="Only the articles of this story (any of its ids).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many rows.")
@click.option("--after", type=click.IntRange(min=0), help="Stored articles past this cursor.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option("--store", "store_url", help="Store URL (default: INGEST_STORE_URL or data/).")
def export(
    status: str, latest: bool, since: datetime | None, until: datetime | None,
    source: str | None, language: str | None, run_id: str | None, story: str | None,
    limit: int | None, after: int | None, fmt: str, store_url: str | None,
) -> None:  # fmt: skip
    """Write records (or duplicate / rejected outcomes) to stdout, as JSON lines or CSV.

    --after CURSOR: stored articles in commit order past CURSOR (each record's `seq`; 0 for
    all); the next cursor is printed to stderr at the end ("cursor: N").
    """
    if (after is not None or story) and status != "stored":
        raise click.UsageError("--after and --story apply to --status stored only")
    where = Filters(
        latest=latest, since=_utc(since), until=_utc(until), source=source,
        language=language, run_id=run_id, limit=limit, after=after, story=story,
    )  # fmt: skip
    with local_runtime(_reading(load_settings(store_url=store_url))) as runtime:
        cursor = write_rows(runtime.store.export(status, where=where), fmt, after)
    if after is not None:
        err.print(f"cursor: {cursor}")


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def write_rows(rows: Iterator[dict[str, Any]], fmt: str, cursor: int | None = None) -> int | None:
    """JSON lines, or CSV with nested values as JSON text; returns the last ``seq`` written
    (``cursor`` if none)."""
    if fmt == "jsonl":
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            cursor = row.get("seq", cursor)
        return cursor
    writer: csv.DictWriter[str] | None = None
    for row in rows:
        cursor = row.get("seq", cursor)
        if writer is None:
            writer = csv.DictWriter(sys.stdout, fieldnames=list(row))
            writer.writeheader()
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return cursor


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


@cli.group()
def quarantine() -> None:
    """Items that failed for a reason other than bad input: list, show, replay."""


@quarantine.command("list")
@store_option
@click.option("--all", "include_replayed", is_flag=True, help="Include replayed entries.")
@click.option("--limit", type=int, default=100, show_default=True)
def quarantine_list(include_replayed: bool, limit: int) -> None:

    with local_runtime(_reading(load_settings())) as runtime:
        rows = runtime.store.quarantine_list(limit, include_replayed)
    table = Table(title=f"quarantine ({len(rows)})")
    for column in ("id", "item", "error", "attempts", "quarantined", "replayed"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r["id"]), r["item_key"], f"{r['error_class']}: {r['message'][:60]}",
            str(r["attempts"]), str(r["quarantined_at"])[:19], str(r["replayed_at"] or "")[:19],
        )  # fmt: skip
    Console().print(table)


@quarantine.command("show")
@store_option
@click.argument("entry")
@click.option("--json", "as_json", is_flag=True, help="One JSON document, traceback included.")
def quarantine_show(entry: str, as_json: bool) -> None:
    """One entry with its payload and traceback; ENTRY is its id or its item key."""
    with local_runtime(_reading(load_settings())) as runtime:
        row = _quarantine_entry(runtime.store, entry)
    if row is None:
        raise click.ClickException(f"no quarantine entry {entry}")
    if as_json:
        click.echo(json.dumps(row, indent=2, ensure_ascii=False, default=str))
        return
    trace = row.pop("traceback", None)
    click.echo(json.dumps(row, indent=2, ensure_ascii=False, default=str))
    # Printed as text after the entry: inside JSON its newlines would be "\n" escapes.
    click.echo(f"\ntraceback:\n{trace.rstrip()}" if trace else "\ntraceback: none recorded")


def _quarantine_entry(store: Store, entry: str) -> dict[str, Any] | None:
    # Item keys are "<run id>-<sequence>", never all digits: all digits is an entry id.
    if entry.isascii() and entry.isdigit():
        return store.quarantine_get(int(entry))
    return store.quarantine_get_by_key(entry)


@quarantine.command("replay")
@store_option
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "replay_all", is_flag=True, help="Replay every entry not yet replayed.")
@click.option("--local", is_flag=True, help="Process in this process instead of the workers.")
def quarantine_replay(ids: tuple[int, ...], replay_all: bool, local: bool) -> None:
    """Send quarantined items through the normal path again; their outcome is updated."""
    if not ids and not replay_all:
        raise click.UsageError("give entry ids or --all")
    settings = load_settings()
    with _runtime(settings, local) as runtime:
        items = runtime.store.quarantine_take(None if replay_all else ids, datetime.now(UTC))
        _resubmit(items, runtime, local)
    err.print(f"replayed {len(items)} item(s)")


@cli.command()
@store_option
@click.option(
    "--older-than",
    type=float,
    help="Seconds without outcome (default: the visibility timeout plus the task time limit).",
)
@click.option("--local", is_flag=True, help="Process in this process instead of the workers.")
def reconcile(older_than: float | None, local: bool) -> None:
    """Send again every item that has waited too long for an outcome (workers also sweep)."""
    settings = load_settings()
    age = older_than if older_than is not None else lost_after(settings)
    now = datetime.now(UTC)
    cutoff = now - timedelta(seconds=age)
    with _runtime(settings, local) as runtime:
        if local:
            sent = 0
            while items := runtime.store.take_lost(cutoff, now, 1000):
                sent += process_items(items, runtime)
        else:
            sent = resend_lost(runtime, cutoff, now)
    err.print(f"re-enqueued {sent} item(s) with no outcome after {age:g}s")
    click.echo(sent)


def _reading(settings: Settings) -> Settings:
    warn_if_no_store(settings)
    return settings


def _runtime(settings: Settings, local: bool) -> Runtime:
    return local_runtime(settings) if local else broker_runtime(settings)


def _resubmit(items: list[RawItem], runtime: Runtime, local: bool) -> None:
    """The same item keys again: through the workers, or in this process."""
    if local:
        process_items(items, runtime)
    else:
        runtime.publisher.publish(items, "replay")


@cli.command()
@store_option
@click.option("--poll", is_flag=True, help="Poll the feeds that are due, in this process.")
@click.option("--all", "poll_all", is_flag=True, help="With --poll: every feed, due or not.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def sources(poll: bool, poll_all: bool, as_json: bool) -> None:
    """Feeds of INGEST_SOURCES_FILE: state, last poll, items found, errors."""

    with broker_runtime(load_settings()) as runtime:
        if poll or poll_all:
            for feed, record in poll_now(runtime, every=poll_all):
                err.print(
                    f"{feed.name}: {record.status}, {record.new_items} new {record.error or ''}"
                )
        rows = source_rows(runtime)
        sources_file = runtime.settings.sources_file
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    table = Table(title=f"sources ({sources_file})")
    for column in ("feed", "state", "last poll", "next poll", "polls", "items", "fails", "error"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["name"] + ("" if r["configured"] else " (removed)"), r["status"],
            str(r["last_poll_at"] or "")[:19], str(r["next_poll_at"] or "")[:19], str(r["polls"]),
            str(r["items_found"]), str(r["failures"]), (r["last_error"] or "")[:60],
        )  # fmt: skip
    Console().print(table)
