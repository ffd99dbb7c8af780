"""Commands that bring stored records up to date: reenrich."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from worker.broker.connect import broker_redis
from worker.broker.reenrich import read_progress
from worker.cli.base import broker_runtime, cli, err, load_settings, local_runtime, store_option
from worker.cli.display import open_ended, progress_bar
from worker.cli.info import warn_if_no_store
from worker.cli.produce import NO_WORKER_AFTER, workers_answer
from worker.core.errors import ExitCode
from worker.core.models import base_language
from worker.core.settings import Settings
from worker.ingest.reenrich import Published, publish_reenrich
from worker.ingest.reenrich import reenrich as reenrich_stored
from worker.store.reenrich import Selection


@cli.command()
@store_option
@click.option("--language", help="Only articles in this language (ISO 639-1).")
@click.option("--since", type=click.DateTime(), help="Only articles stored at or after (UTC).")
@click.option("--source", help="Only articles from this source.")
@click.option(
    "--all", "force", is_flag=True, help="Also articles already enriched with today's versions."
)
@click.option("--batch-size", type=click.IntRange(min=1), help="Articles per page or message.")
@click.option("--workers", "on_workers", is_flag=True, help="Send the articles to the workers.")
@click.option("--timeout", type=float, default=3600.0, help="Seconds --workers waits at most.")
def reenrich(
    language: str | None,
    since: datetime | None,
    source: str | None,
    force: bool,
    batch_size: int | None,
    on_workers: bool,
    timeout: float,
) -> None:
    """Run enrichment again on stored articles after a model is added or changed
    (INGEST_SPACY_MODELS), in this process or, with --workers, on the workers.

    Only records whose recorded versions (spaCy, model, enrichment) differ from today's are
    rewritten, unless --all; each page (message) commits, so an interrupted run is resumed by
    running it again."""
    settings = load_settings(batch_size=batch_size)
    warn_if_no_store(settings)
    where = Selection(language=base_language(language), since=_utc(since), source=source)
    if on_workers:
        _on_workers(settings, where, force, timeout)
        return
    with local_runtime(settings) as runtime, progress_bar() as bar:
        report = reenrich_stored(
            runtime,
            where,
            force=force,
            **open_ended(bar, "re-enriching"),
        )
    print_report(report.as_dict())


def _on_workers(settings: Settings, where: Selection, force: bool, timeout: float) -> None:
    with broker_runtime(settings) as runtime, progress_bar() as bar:
        published = publish_reenrich(
            runtime,
            where,
            force=force,
            **open_ended(bar, "publishing"),
        )
    err.print(
        f"reenrich {published.run_id}: published {published.articles} article(s) "
        f"in {published.messages} message(s)"
    )
    progress = wait_for_workers(settings, published, timeout)
    print_report(progress, title=f"reenrich {published.run_id}")
    if progress["selected"] < published.articles:
        left = published.articles - progress["selected"]
        err.print(f"reenrich {published.run_id}: {left} article(s) not done after {timeout:g}s")
        raise click.exceptions.Exit(ExitCode.INCOMPLETE)


def wait_for_workers(settings: Settings, published: Published, timeout: float) -> dict[str, Any]:
    """Poll the run's progress in Redis until every published article is done or
    ``timeout``; returns the counts so far."""
    url = settings.broker_url.get_secret_value()
    client = broker_redis(url, settings.broker_master_name, socket_timeout=10)
    started = time.monotonic()
    asked = False
    with progress_bar() as bar:
        task = bar.add_task("re-enriching", total=published.articles, rate="")
        while True:
            progress = read_progress(client, published.run_id)
            bar.update(task, completed=progress.articles)
            waited = time.monotonic() - started
            if progress.articles >= published.articles or waited > timeout:
                break
            if not asked and progress.articles == 0 and waited > NO_WORKER_AFTER:
                asked = True
                if not workers_answer(settings):
                    bar.console.print("no worker is consuming the queue: start `ingest worker`")
            time.sleep(0.25)
    client.close()
    return progress.as_dict()


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def print_report(report: dict[str, Any], title: str = "reenrich") -> None:
    out = Console()
    table = Table(title=title)
    table.add_column("articles")
    table.add_column("model")
    table.add_column("count", justify="right")
    table.add_row("selected", "", str(report["selected"]))
    table.add_row("re-enriched", "", str(report["enriched"]))
    for model, n in report["by_model"].items():
        table.add_row("", model, str(n))
    table.add_row("already current", "", str(report["current"]))
    table.add_row("failed (left as they were)", "", str(report["failed"]))
    table.add_row("given a story", "", str(report.get("stories", 0)))
    out.print(table)
    if report["failed"]:
        err.print(f"{report['failed']} article(s) failed; the log names them")
