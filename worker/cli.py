"""The ``ingest`` command: argument parsing and display only; the work is in ``ingest.*``."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from worker.broker.app import make_app
from worker.broker.send import send_with
from worker.core.errors import ExitCode, IngestError
from worker.core.keys import new_run_id
from worker.core.models import RawItem
from worker.core.settings import Settings
from worker.ingest.feeds import poll_now, source_rows
from worker.ingest.inprocess import process_items, run_inprocess
from worker.ingest.publish import estimate_items, read_items
from worker.ingest.runtime import Runtime
from worker.ingest.stream import stop_on_signals, stream_in
from worker.ingest.watch import watch_folder
from worker.store import Store

err = Console(stderr=True)
STATUSES = ("stored", "duplicate", "rejected", "pending")


def load_settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def local_runtime(settings: Settings) -> Runtime:
    """A runtime that works on the store only (no broker)."""
    return Runtime(settings)


def broker_runtime(settings: Settings) -> Runtime:
    """A runtime that can also publish, through a Celery app on the configured broker."""
    return Runtime(settings, send=send_with(make_app(settings)))


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
    )


def rate_ticker(bar: Progress, task: TaskID) -> Callable[[int], None]:
    """Advance ``task`` by n items and show the rate since it started."""
    started = time.monotonic()

    def tick(n: int) -> None:
        bar.advance(task, n)
        done = bar.tasks[0].completed
        bar.update(task, rate=f"{done / max(time.monotonic() - started, 1e-6):,.0f} items/s")

    return tick


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Streaming ingestion worker for news articles."""


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--store", "store_url", help="Store URL (default: INGEST_STORE_URL or data/).")
@click.option("--enrich/--no-enrich", default=None, help="Run the enrichment stages.")
@click.option("--batch-size", type=int, help="Items per batch.")
def run(
    targets: tuple[str, ...], store_url: str | None, enrich: bool | None, batch_size: int | None
) -> None:
    """Ingest files, folders, URLs or '-' (JSON lines on stdin) in-process."""

    settings = load_settings(store_url=store_url, enrich=enrich, batch_size=batch_size)
    with local_runtime(settings) as runtime, progress_bar() as bar:
        task = bar.add_task("ingesting", total=None, rate="")
        tick = rate_ticker(bar, task)
        summary = run_inprocess(targets, runtime, lambda t: bar.update(task, total=t), tick)
    print_summary(summary)


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("--batch-size", type=int, help="Items per message.")
@click.option("--wait", is_flag=True, help="Wait until every item has an outcome.")
@click.option("--timeout", type=float, default=600.0, help="Seconds --wait waits at most.")
@click.option(
    "--follow", metavar="FILE", help="Follow FILE (tail -f): publish JSON lines as appended."
)
def enqueue(
    targets: tuple[str, ...], batch_size: int | None, wait: bool, timeout: float, follow: str | None
) -> None:
    """Publish items to the workers (Redis); URLs go to the fetch queue.

    '-' and --follow stream: lines are published as they arrive, in batches flushed when
    full or after INGEST_FLUSH_DELAY, until end of input or SIGINT."""

    if not targets and not follow:
        raise click.UsageError("give TARGETS, '-' for stdin, or --follow FILE")
    if follow and "-" in targets:
        raise click.UsageError("stream one of stdin ('-') or --follow FILE, not both")
    streamed = follow or ("-" if "-" in targets else None)
    targets = tuple(t for t in targets if t != "-")
    settings = load_settings(batch_size=batch_size)
    with broker_runtime(settings) as runtime:
        _enqueue(runtime, targets, streamed, wait, timeout)


def _enqueue(
    runtime: Runtime, targets: tuple[str, ...], streamed: str | None, wait: bool, timeout: float
) -> None:
    settings, publisher, run_id = runtime.settings, runtime.publisher, new_run_id()
    stop = stop_on_signals()  # SIGINT: finish the chunk in hand, then stop (nothing half-done)
    with progress_bar() as bar:
        # An estimate (lines, feed entries, files) is enough for an ETA; reading stays lazy.
        task = bar.add_task("publishing", total=estimate_items(targets), rate="")
        items = read_items(targets, settings, run_id)
        result = publisher.publish(items, run_id, rate_ticker(bar, task), stop)
    if stop.is_set():
        err.print(f"run {run_id}: interrupted after {result.items} items; run again to resume")
        click.echo(run_id)
        raise click.exceptions.Abort()
    if streamed:
        path = None if streamed == "-" else streamed
        streamed_in = stream_in(publisher.publish, settings, run_id, path, start_seq=result.items)
        result.items += streamed_in.items
        result.messages += streamed_in.batches
    err.print(f"run {run_id}: published {result.items} items in {result.messages} messages")
    pending = wait_for_run(runtime.store, run_id, result.items, timeout) if wait else 0
    click.echo(run_id)
    if pending:
        err.print(f"run {run_id}: {pending} item(s) still pending after {timeout:g}s")
        raise click.exceptions.Exit(ExitCode.INCOMPLETE)


def wait_for_run(store: Store, run_id: str, total: int, timeout: float) -> int:
    """Poll the run's outcome counts until none is pending or ``timeout``; returns pending."""
    deadline = time.monotonic() + timeout
    with progress_bar() as bar:
        task = bar.add_task("processing", total=total, rate="")
        while True:
            stats = store.stats(run_id)
            done = stats["items"] - stats["by_status"].get("pending", 0)
            bar.update(task, completed=done, total=stats["items"])
            if stats["by_status"].get("pending", 0) == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.25)
    print_summary({"run_id": run_id, **stats})
    return int(stats["by_status"].get("pending", 0))


@cli.command()
@click.option("--queues", "-Q", default="ingest,fetch", show_default=True)
@click.option(
    "--concurrency", "-c", type=int, help="Processes (default: INGEST_WORKER_CONCURRENCY)."
)
@click.option(
    "--pool", "-P", default="prefork", show_default=True, help="prefork, or threads for fetching."
)
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.option("--hostname", "-n", default=None, help="Node name, e.g. worker1@%h.")
def worker(
    queues: str, concurrency: int | None, pool: str, loglevel: str, hostname: str | None
) -> None:
    """Start a Celery worker (same as `celery -A worker.app worker`)."""

    settings = load_settings()
    argv = ["worker", "-Q", queues, "-P", pool, "-l", loglevel, "-E"]
    argv += ["-c", str(concurrency or settings.worker_concurrency)]
    if hostname:
        argv += ["-n", hostname]
    make_app(settings).worker_main(argv)


@cli.command()
@click.option("--run", "run_id", help="Only this run.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def stats(run_id: str | None, as_json: bool) -> None:
    """Outcome counts by status, reason, method, language and source."""

    with local_runtime(load_settings()) as runtime:
        summary = {**runtime.store.stats(run_id), **runtime.store.top_enrichment()}
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
    else:
        print_summary(summary, detailed=True)


@cli.command()
@click.option("--status", type=click.Choice(STATUSES[:3]), default="stored", show_default=True)
def export(status: str) -> None:
    """Write records (or duplicate / rejected outcomes) as JSON lines to stdout."""

    with local_runtime(load_settings()) as runtime:
        for row in runtime.store.export(status):
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


@cli.group()
def quarantine() -> None:
    """Items that failed for a reason other than bad input: list, show, replay."""


@quarantine.command("list")
@click.option("--all", "include_replayed", is_flag=True, help="Include replayed entries.")
@click.option("--limit", type=int, default=100, show_default=True)
def quarantine_list(include_replayed: bool, limit: int) -> None:

    with local_runtime(load_settings()) as runtime:
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
@click.argument("entry_id", type=int)
def quarantine_show(entry_id: int) -> None:

    with local_runtime(load_settings()) as runtime:
        row = runtime.store.quarantine_get(entry_id)
    if row is None:
        raise click.ClickException(f"no quarantine entry {entry_id}")
    click.echo(json.dumps(row, indent=2, ensure_ascii=False, default=str))


@quarantine.command("replay")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "replay_all", is_flag=True, help="Replay every entry not yet replayed.")
@click.option("--local", is_flag=True, help="Process in this process instead of the workers.")
def quarantine_replay(ids: tuple[int, ...], replay_all: bool, local: bool) -> None:
    """Send quarantined items through the normal path again; their outcome is updated."""
    from datetime import UTC, datetime

    if not ids and not replay_all:
        raise click.UsageError("give entry ids or --all")
    settings = load_settings()
    with _runtime(settings, local) as runtime:
        items = runtime.store.quarantine_take(None if replay_all else ids, datetime.now(UTC))
        _resubmit(items, runtime, local)
    err.print(f"replayed {len(items)} item(s)")


@cli.command()
@click.option(
    "--older-than", type=float, help="Seconds without outcome (default: INGEST_RECONCILE_AFTER)."
)
@click.option("--local", is_flag=True, help="Process in this process instead of the workers.")
def reconcile(older_than: float | None, local: bool) -> None:
    """Re-enqueue items that have waited too long for an outcome (lost work)."""
    from datetime import UTC, datetime, timedelta

    settings = load_settings()
    age = older_than if older_than is not None else settings.reconcile_after
    with _runtime(settings, local) as runtime:
        items = runtime.store.lost_items(datetime.now(UTC) - timedelta(seconds=age))
        _resubmit(items, runtime, local)
    err.print(f"re-enqueued {len(items)} item(s) with no outcome after {age:g}s")
    click.echo(len(items))


def _runtime(settings: Settings, local: bool) -> Runtime:
    return local_runtime(settings) if local else broker_runtime(settings)


def _resubmit(items: list[RawItem], runtime: Runtime, local: bool) -> None:
    """The same item keys again: through the workers, or in this process."""
    if local:
        process_items(items, runtime)
    else:
        runtime.publisher.publish(items, "replay")


@cli.command()
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


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--once", is_flag=True, help="Enqueue what is there (once settled), then exit.")
def watch(folder: str, once: bool) -> None:
    """Ingest files dropped into FOLDER, once each (remembered across restarts), until SIGINT."""
    from pathlib import Path

    with broker_runtime(load_settings()) as runtime:
        result = watch_folder(Path(folder), runtime, stop_on_signals(), once)
    err.print(f"watch: {result.files} files, {result.items} items enqueued, {result.skipped} known")


def print_summary(summary: dict[str, Any], detailed: bool = False) -> None:
    out = Console()
    table = Table(title=f"outcomes {summary.get('run_id') or ''}".strip())
    table.add_column("outcome")
    table.add_column("reason / method")
    table.add_column("items", justify="right")
    for status, count in summary["by_status"].items():
        table.add_row(status, "", str(count))
        detail = (
            summary["by_reason"]
            if status == "rejected"
            else summary["by_method"]
            if status == "duplicate"
            else {}
        )
        for reason, n in detail.items():
            table.add_row("", reason, str(n))
    table.add_row("[bold]total", "", f"[bold]{summary['items']}")
    out.print(table)
    if detailed:
        for key in ("by_language", "by_source", "top_entities", "top_keywords"):
            out.print(_small_table(key.removeprefix("by_"), summary[key]))


def _small_table(title: str, counts: dict[str, int], limit: int = 15) -> Table:
    table = Table(title=title)
    table.add_column(title)
    table.add_column("items", justify="right")
    for name, n in list(counts.items())[:limit]:
        table.add_row(name, str(n))
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; returns an ``ExitCode`` (see the README's table)."""
    try:
        code = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.exceptions.Abort:
        err.print("aborted")
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except IngestError as exc:
        err.print(f"[red]error[/red] ({exc.reason}): {exc}")
        return ExitCode.FAILED
    return code if isinstance(code, int) else ExitCode.DONE
