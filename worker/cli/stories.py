"""`ingest stories`: the recent stories, each with its reports across languages."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from worker.cli.base import cli, load_settings, local_runtime, store_option
from worker.cli.info import warn_if_no_store


@cli.command(name="stories")
@store_option
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
def stories(limit: int, as_json: bool) -> None:
    """Recent stories: id, first seen, languages, number of articles, a title per language.

    A story is every stored report of one event, in any language (`story_id` in exports;
    `ingest export --story ID` lists its articles).
    """
    settings = load_settings()
    warn_if_no_store(settings)
    with local_runtime(settings) as runtime:
        found = runtime.store.stories(limit)
    if as_json:
        for story in found:
            click.echo(json.dumps(story, ensure_ascii=False))
        return
    table = Table("first seen", "languages", "articles", "titles")
    table.add_column("story", no_wrap=True)
    for story in found:
        titles = "\n".join(f"[{lang}] {title}" for lang, title in story["titles"].items())
        table.add_row(
            story["first_seen"][:19], " ".join(story["languages"]), str(story["articles"]),
            titles, story["id"],
        )  # fmt: skip
    Console().print(table)
