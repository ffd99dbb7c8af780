"""Commands that put items in: run (in-process), enqueue, watch, and the worker itself."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import click

from worker.broker.app import make_app
from worker.cli.base import broker_runtime, cli, err, load_settings, local_runtime, store_option
from worker.cli.display import print_summary, progress_bar, rate_ticker
from worker.core.errors import ExitCode
from worker.core.keys import new_run_id
from worker.core.settings import Settings
from worker.ingest.inprocess import run_inprocess
from worker.ingest.publish import PublishFailed, estimate_items, read_items
from worker.ingest.runtime import Runtime
from worker.ingest.stream import stop_on_signals, stream_in
from worker.ingest.watch import watch_folder
from worker.store import Store


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--store", "store_url", help="Store URL (default: INGEST_STORE_URL or data/).")
@click.option("--enrich/--no-enrich", default=None, help="Run the enrichment stages.")
@click.option("--batch-size", type=int, help="Items per batch.")
def run(
    targets: tuple[str, ...], store_url: str | None, enrich: bool | None, batch_size: int | None
) -> None:
    """Ingest files, folders, URLs or '-' (JSON lines on stdin) in-process."""

    require_paths(targets)
    settings = load_settings(store_url=store_url, enrich=enrich, batch_size=batch_size)
    with local_runtime(settings) as runtime:
        runtime.check_models()  # before the progress bar: one clear line, nothing done
        with progress_bar() as bar:
            task = bar.add_task("ingesting", total=None, rate="")
            tick = rate_ticker(bar, task)
            summary = run_inprocess(targets, runtime, lambda t: bar.update(task, total=t), tick)
    print_summary(summary)


@cli.command()
@store_option
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
    require_paths(targets)
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
        try:
            result = publisher.publish(items, run_id, rate_ticker(bar, task), stop)
        except PublishFailed as exc:
            bar.stop()
            _publish_failed(run_id, exc)
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
    check = partial(workers_answer, settings)
    pending = wait_for_run(runtime.store, run_id, result.items, timeout, check) if wait else 0
    click.echo(run_id)
    if pending:
        err.print(f"run {run_id}: {pending} item(s) still pending after {timeout:g}s")
        raise click.exceptions.Exit(ExitCode.INCOMPLETE)


NO_WORKER_AFTER = 10.0  # seconds without any outcome before asking whether a worker listens


def wait_for_run(
    store: Store,
    run_id: str,
    total: int,
    timeout: float,
    workers_answer: Callable[[], bool] = lambda: True,
) -> int:
    """Poll the run's outcome counts until none is pending or ``timeout``; returns pending.

    With no outcome after ``NO_WORKER_AFTER`` seconds it asks once whether any worker
    answers, and says so if none does (it goes on waiting: one may be starting)."""
    started = time.monotonic()
    deadline, asked = started + timeout, False
    with progress_bar() as bar:
        task = bar.add_task("processing", total=total, rate="")
        while True:
            stats = store.stats(run_id)
            done = stats["items"] - stats["by_status"].get("pending", 0)
            bar.update(task, completed=done, total=stats["items"])
            if stats["by_status"].get("pending", 0) == 0 or time.monotonic() > deadline:
                break
            if not asked and done == 0 and time.monotonic() - started > NO_WORKER_AFTER:
                asked = True
                if not workers_answer():
                    bar.console.print(
                        f"run {run_id}: no worker is consuming the queue: start one with "
                        "`ingest worker` (same INGEST_BROKER_URL); waiting"
                    )
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
@store_option
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--once", is_flag=True, help="Enqueue what is there (once settled), then exit.")
def watch(folder: str, once: bool) -> None:
    """Ingest files dropped into FOLDER, once each (remembered across restarts), until SIGINT."""
    with broker_runtime(load_settings()) as runtime:
        result = watch_folder(Path(folder), runtime, stop_on_signals(), once)
    err.print(f"watch: {result.files} files, {result.items} items enqueued, {result.skipped} known")


def workers_answer(settings: Settings) -> bool:
    """Whether any worker answers a ping on the broker (True when the broker cannot say)."""
    try:
        return bool(make_app(settings).control.ping(timeout=2.0))
    except Exception:  # a broker hiccup is not "no worker": say nothing rather than wrong
        return True


def require_paths(targets: tuple[str, ...]) -> None:
    """A mistyped path is a usage error naming it, before anything is registered or sent.
    (``lexists``: a dangling link is the reader's to refuse, with its own reason.)"""
    for target in targets:
        if target != "-" and "://" not in target and not os.path.lexists(target):
            raise click.UsageError(f"no such file or folder: {target}")


def _publish_failed(run_id: str, exc: PublishFailed) -> None:
    """One line: the run, what went out, what did not and what happens to it."""
    left = exc.registered - exc.published.items
    err.print(
        f"run {run_id}: stopped: {exc.cause}; published {exc.published.items} of "
        f"{exc.registered} registered item(s)"
        + (
            f"; the workers' sweep sends the other {left} once the broker takes them"
            if left
            else ""
        )
    )
    click.echo(run_id)
    raise click.exceptions.Exit(ExitCode.FAILED)
