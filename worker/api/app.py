"""The routes of ``ingest serve``, over the store functions of the commands that read it:
``/articles`` (``export --after``'s cursor, ``search`` for ``q``), ``/articles/{id}``
(``show``), ``/stories`` (``stories``), ``/stats`` (``stats``), ``/events`` (``events``),
and the page at ``/``."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from datetime import UTC, datetime
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from worker.api import events
from worker.api.guard import Guard, token_check, without_userinfo
from worker.core.errors import TransientError
from worker.store import Store
from worker.store.reports import Filters

MAX_LIMIT = 200  # articles per page at most
MAX_STORIES = 100  # stories per answer at most
NEWEST = events.NEWEST


class ArticlePage(BaseModel):
    """One page of articles, and where the next one starts."""

    articles: list[dict[str, Any]]
    next_cursor: int | None  # pass as `cursor` for the next page (None: nothing further)
    more: bool  # another page is waiting now


def create_app(store: Store, token: str | None, streams: events.Streams) -> FastAPI:
    """The application: ``token`` (None: none required) guards every data route."""
    guard = token_check(token)
    app = FastAPI(
        title="ingest-worker",
        summary="Read-only access to the stored articles, their outcomes and new arrivals.",
        version="0.1.0",
        docs_url=None,  # Swagger UI and ReDoc load from a CDN: the document is enough
        redoc_url=None,
    )
    app.include_router(_articles(store, guard))
    app.include_router(events.router(store, streams, guard))
    app.include_router(_service(store, streams))
    app.add_exception_handler(TransientError, _unavailable)
    app.add_middleware(Guard, headers=HEADERS)
    return app


def _articles(store: Store, guard: Any) -> APIRouter:
    routes = APIRouter(dependencies=[Depends(guard)], tags=["articles"])

    @routes.get("/articles", response_model=ArticlePage)
    def list_articles(
        q: Annotated[str | None, Query(min_length=1, max_length=500,
                     description='Full text: words, "a phrase", OR, -word.')] = None,
        language: Annotated[str | None, Query(max_length=20)] = None,
        source: Annotated[str | None, Query(max_length=500)] = None,
        since: Annotated[datetime | None, Query(description="Stored at or after.")] = None,
        until: Annotated[datetime | None, Query(description="Stored before.")] = None,
        latest: Annotated[bool, Query(description="Current revisions only.")] = False,
        story: Annotated[str | None, Query(min_length=1, max_length=120,
                         description="One story's articles (any of its ids).")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
        cursor: Annotated[int | None, Query(ge=0, description="A `next_cursor`.")] = None,
        order: Annotated[Literal["asc", "desc"] | None, Query(
            description="asc (default): commit order past `cursor`; desc: newest first, "
            "below `cursor`. Not with `q`, whose matches come best first.")] = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Stored articles, a page at a time in commit order (`cursor` is the `seq` of
        `ingest export --after`), or with `q` the best full-text matches."""
        where = Filters(
            latest=latest, since=_utc(since), until=_utc(until), source=source,
            language=language, story=story,
        )  # fmt: skip
        if q is not None:
            if order is not None:
                raise HTTPException(400, "order does not apply to q: matches come best first")
            found = store.search(q, dataclasses.replace(where, limit=limit, after=cursor))
            return {"articles": found, "next_cursor": None, "more": False}
        if order == "desc":
            top = NEWEST if cursor is None else cursor
            where = dataclasses.replace(where, before=top, limit=limit + 1)
        else:
            where = dataclasses.replace(where, after=cursor or 0, limit=limit + 1)
        rows = list(store.export("stored", where=where))
        more = len(rows) > limit
        rows = rows[:limit]
        if order == "desc":
            following = rows[-1]["seq"] if more else None
        else:  # a follower keeps its cursor when nothing is new
            following = rows[-1]["seq"] if rows else (cursor or 0)
        return {"articles": rows, "next_cursor": following, "more": more}

    @routes.get("/articles/{ident:path}")
    def article(ident: str) -> Any:
        """One article with its revisions and duplicates, as `ingest show` gives it: by
        id, by the item key of any item (a duplicate: its original) or by URL."""
        found = store.show(ident)
        if found is not None:
            return found
        graves = store.tombstones(ident)
        if graves:
            body = {"detail": f"{ident} was deleted", "deleted": graves}
            return JSONResponse(jsonable_encoder(body), status_code=410)
        raise HTTPException(404, f"no article {ident}")

    @routes.get("/stories")
    def recent_stories(
        limit: Annotated[int, Query(ge=1, le=MAX_STORIES)] = 20,
    ) -> dict[str, Any]:
        """Recent stories, most recently active first, as `ingest stories --json` gives
        them: id (the survivor of merges), first and last seen, languages, number of
        articles, a title per language. `/articles?story=ID` lists a story's articles."""
        return {"stories": store.stories(limit)}

    @routes.get("/stats")
    def stats() -> dict[str, Any]:
        """What `ingest stats` reports: counts by status, reason, method, language and
        source, revisions, quarantine, top entities and keywords."""
        summary = {**store.stats(), **store.top_enrichment()}
        sources = summary.get("by_source", {})
        summary["by_source"] = {without_userinfo(name): n for name, n in sources.items()}
        return summary

    return routes


def _service(store: Store, streams: events.Streams) -> APIRouter:
    routes = APIRouter(tags=["service"])

    @routes.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse(PAGE, headers={"Content-Security-Policy": PAGE_POLICY})

    @routes.get("/healthz")
    async def healthz() -> dict[str, Any]:
        """Liveness: the store answers (no token needed, no data)."""
        await run_in_threadpool(store.revision)
        return {"status": "ok", "streams": streams.open}

    return routes


async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    # The store is down or unreachable: say so without the URL or the driver's message.
    return JSONResponse({"detail": "store unavailable, try again later"}, status_code=503)


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _csp_hash(kind: str, html: str) -> str:
    (body,) = re.findall(rf"<{kind}>(.*?)</{kind}>", html, re.S)
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


PAGE = (resources.files("worker.api") / "page.html").read_text(encoding="utf-8")
# Only the page's own script and style run (by hash), and it talks to this server only.
PAGE_POLICY = (
    f"default-src 'none'; script-src {_csp_hash('script', PAGE)}; "
    f"style-src {_csp_hash('style', PAGE)}; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a ?token= in the address never leaves in a Referer
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
