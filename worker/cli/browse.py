"""Commands that look up and correct stored articles: show, search, delete, serve."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from worker.cli.base import cli, err, load_settings, local_runtime, store_option
from worker.cli.info import warn_if_no_store
from worker.cli.results import write_rows
from worker.core.settings import Settings
from worker.store.reports import Filters


def _reading() -> Settings:
    settings = load_settings()
    warn_if_no_store(settings)
    return settings


@cli.command()
@store_option
@click.argument("ident", metavar="ID")
def show(ident: str) -> None:
    """One article as JSON, with its revisions and duplicates.

    ID: the article id, the item key of any item (a duplicate shows its original), or a URL
    (its newest revision there).
    """
    with local_runtime(_reading()) as runtime:
        found = runtime.store.show(ident)
        graves = [] if found is not None else runtime.store.tombstones(ident)
    if found is None and graves:
        click.echo(json.dumps({"deleted": graves}, indent=2, ensure_ascii=False, default=str))
        raise click.ClickException(f"{ident} was deleted (ingest delete --undo to allow it again)")
    if found is None:
        raise click.ClickException(f"no article {ident}")
    click.echo(json.dumps(found, indent=2, ensure_ascii=False, default=str))


@cli.command()
@store_option
@click.argument("query", required=False)
@click.option("--reindex", is_flag=True, help="Rebuild the full-text index from scratch first.")
@click.option("--latest", is_flag=True, help="Current revisions only.")
@click.option("--since", type=click.DateTime(), help="Stored at or after (UTC).")
@click.option("--until", type=click.DateTime(), help="Stored before (UTC).")
@click.option("--source", help="Only articles from this source.")
@click.option("--language", help="Only articles in this language (ISO 639-1).")
@click.option("--run", "run_id", help="Only this run.")
@click.option("--story", help="Only the articles of this story (any of its ids).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
def search(
    query: str | None, reindex: bool, latest: bool, since: datetime | None, until: datetime | None,
    source: str | None, language: str | None, run_id: str | None, story: str | None,
    limit: int, fmt: str,
) -> None:  # fmt: skip
    """Full-text search of titles and bodies, best match first (one JSON line each).

    QUERY: words (all must appear), "a phrase", OR between alternatives, -word to exclude.
    Articles stored since the last search are indexed first (progress on stderr when many
    are waiting); --reindex rebuilds the index from scratch (QUERY may then be left out).
    """
    if query is None and not reindex:
        raise click.UsageError("give a QUERY (or --reindex)")
    where = Filters(
        latest=latest, since=_utc(since), until=_utc(until), source=source,
        language=language, run_id=run_id, limit=limit, story=story,
    )  # fmt: skip
    with local_runtime(_reading()) as runtime:
        indexed = runtime.store.index_search(_indexing, rebuild=reindex)
        if reindex:
            err.print(f"indexed {indexed:,} article(s)", highlight=False)
        if query is None:
            return
        rows = runtime.store.search(query, where)
    write_rows(iter(rows), fmt)
    err.print(f"{len(rows)} match(es)")


@cli.command()
@store_option
@click.argument("ident", metavar="[ID]", required=False)
@click.option("--url", help="Delete (or with --undo, allow again) what is stored at this URL.")
@click.option("--undo", is_flag=True, help="Lift the tombstones of an earlier deletion.")
def delete(ident: str | None, url: str | None, undo: bool) -> None:
    """Delete an article and all its revisions; a tombstone keeps it from being stored again.

    ID: the article id or an item key (a duplicate's names its original). A later ingest of
    the same content, canonical URL or source GUID is `rejected` with reason `deleted`, until
    `ingest delete --undo ID` (the ID or URL given to delete, or a deleted article's id)
    lifts the tombstones.
    """
    if (ident is None) == (url is None):
        raise click.UsageError("give an ID or --url URL (one of them)")
    target, by_url = (url, True) if url is not None else (ident, False)
    assert target is not None
    with local_runtime(load_settings()) as runtime:
        if undo:
            ids = runtime.store.undelete(target, by_url)
        else:
            ids = runtime.store.delete(target, datetime.now(UTC), by_url)
    if not ids:
        raise click.ClickException(f"no {'deletion' if undo else 'article'} matches {target}")
    verb = "allowed again" if undo else "deleted"
    err.print(f"{verb}: {len(ids)} article(s) {', '.join(ids)}", highlight=False)


@cli.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
def serve(host: str, port: int) -> None:
    """Read-only HTTP API and page over the store: /, /articles, /articles/ID, /stats,
    /events (Server-Sent Events), /openapi.json.

    Bound to a non-loopback address it requires INGEST_API_TOKEN (Authorization: Bearer, or
    ?token= for a browser's EventSource), and refuses to start without one.
    """
    from worker.api.server import serve as serve_api  # FastAPI loads for this command only

    serve_api(_reading(), host, port)


def _indexing(done: int, backlog: int) -> None:
    err.print(f"indexing for search: {done:,} of up to {backlog:,} articles", highlight=False)


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
