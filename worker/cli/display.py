"""What the commands print: progress bars with rates, outcome tables."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

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

from worker.cli.base import err


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


def open_ended(bar: Progress, label: str) -> dict[str, Callable[[int], None]]:
    """A task of ``bar`` whose total is learnt later: ``start(total)`` and ``tick(n)``, as
    the use cases take them."""
    task = bar.add_task(label, total=None, rate="")
    return {"start": lambda total: bar.update(task, total=total), "tick": rate_ticker(bar, task)}


def rate_ticker(bar: Progress, task: TaskID) -> Callable[[int], None]:
    """Advance ``task`` by n items and show the rate since it started."""
    started = time.monotonic()

    def tick(n: int) -> None:
        bar.advance(task, n)
        done = bar.tasks[0].completed
        bar.update(task, rate=f"{done / max(time.monotonic() - started, 1e-6):,.0f} items/s")

    return tick


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
