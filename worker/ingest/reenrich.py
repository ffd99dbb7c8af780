"""Enrichment again over stored articles, after a model is added or changed.

The same stage the workers run (``pipeline.enrich.enrich_batch``), with the runtime's spaCy
pipelines, each loaded once per process. A record is *stale* when the ``versions`` it holds
differ from what its language would get now (spaCy, model, enrichment code): never enriched
(stored with ``INGEST_ENRICH=false``), enriched before a model for its language was
configured, or by another model or code version. Only stale records are enriched unless
``force``; each page of ``INGEST_BATCH_SIZE`` articles is written in its own transaction, so an
interrupted run is resumed by running it again: what was written is current by then.

An article without a story (``story_id`` null: stored with enrichment off, or its encoder
pass failed) gets one in the same transaction, current or not: its signature is made from
its enrichment as the workers make it (``pipeline.story``), and the store decides its
story as the commit does (``store.story_backfill``). Stories are written once: ``--all``
re-enriches an article but leaves its story as it is.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from worker.core.keys import new_run_id
from worker.core.messages import REENRICH_TASK
from worker.core.story import StorySig
from worker.ingest import nlp
from worker.ingest.encoder import load_encoder
from worker.ingest.publish import Send
from worker.ingest.runtime import Runtime
from worker.pipeline.enrich import EnrichInput, enrich_batch, model_language, model_versions
from worker.pipeline.story import sign_batch
from worker.store import reenrich as stored
from worker.store.reenrich import Selection, StoredText

log = logging.getLogger(__name__)

# Keys of a record's enrichment that this stage does not produce and must keep: the external
# enricher's answer (INGEST_HTTP_ENRICHER_URL) is not recomputed here.
KEPT_KEYS = ("http",)

Enrichment = dict[str, Any]
NO_MODEL = "(no model)"  # in ``Report.by_model``: records of a language without a pipeline


@dataclass
class Report:
    """What a run did; ``selected`` is counted when it starts."""

    selected: int = 0
    enriched: int = 0
    current: int = 0  # already enriched with today's versions: left as they were
    failed: int = 0  # the stage raised on the article: left as it was, logged
    stories: int = 0  # articles that had no story and got one
    by_model: Counter[str] = field(default_factory=Counter)  # re-enriched records per model

    def as_dict(self) -> dict[str, Any]:
        return {
            "selected": self.selected,
            "enriched": self.enriched,
            "current": self.current,
            "failed": self.failed,
            "stories": self.stories,
            "by_model": dict(self.by_model.most_common()),
        }


def reenrich(
    runtime: Runtime,
    where: Selection,
    force: bool = False,
    start: Callable[[int], None] = lambda total: None,
    tick: Callable[[int], None] = lambda n: None,
) -> Report:
    """Enrich the selected stored articles again, page by page; returns the counts.

    Runs whatever ``INGEST_ENRICH`` says: asking for it is the point. A configured pipeline
    that is not installed stops it before anything is read.
    """
    nlp.check_installed(runtime.settings.spacy_models)
    models = _models(runtime)
    store = runtime.store
    report = Report(selected=stored.count(store, where))
    start(report.selected)
    after: int | None = None
    while rows := stored.page(store, where, after, runtime.settings.batch_size):
        after = rows[-1].seq
        _do_page(rows, models, runtime, force, report)
        tick(len(rows))
    return report


def reenrich_ids(runtime: Runtime, ids: Sequence[str], force: bool = False) -> Report:
    """What a worker does with one message: the articles of ``ids`` (those that still
    exist), enriched again if stale (or ``force``), written in one transaction."""
    nlp.check_installed(runtime.settings.spacy_models)  # never "skipped" for want of one
    rows = stored.by_ids(runtime.store, ids)
    report = Report(selected=len(rows))
    _do_page(rows, _models(runtime), runtime, force, report)
    return report


def _models(runtime: Runtime) -> Mapping[str, Any]:
    loaded = runtime.deps().models  # lazy: a language's model loads on its first article
    return loaded if loaded is not None else {}  # not `or {}`: empty is falsy


@dataclass(frozen=True)
class Published:
    run_id: str
    articles: int
    messages: int


def publish_reenrich(
    runtime: Runtime,
    where: Selection,
    force: bool = False,
    start: Callable[[int], None] = lambda total: None,
    tick: Callable[[int], None] = lambda n: None,
) -> Published:
    """Send the selected articles' ids to the workers, in messages of at most
    ``INGEST_BATCH_SIZE`` articles and ``INGEST_BATCH_MAX_BYTES`` of body text (the same
    bounds as ingestion, so a message's enrichment ends well within the task time limit).
    Bodies are not read here: the workers read them from the store."""
    if runtime.send is None:
        raise RuntimeError("this runtime was built without a send callable")
    send, settings = runtime.send, runtime.settings
    start(stored.count(runtime.store, where))
    outbox = _Outbox(send, new_run_id(), force, tick)
    after: int | None = None
    while page := stored.sizes(runtime.store, where, after, ID_PAGE):
        after = page[-1][0]
        for _, article_id, size in page:
            if outbox.ids and (
                len(outbox.ids) >= settings.batch_size
                or outbox.size + size > settings.batch_max_bytes
            ):
                outbox.flush()
            outbox.add(article_id, size)
    outbox.flush()
    return Published(outbox.run_id, outbox.articles, outbox.messages)


ID_PAGE = 5000  # ids read per query by the producer (they are small)


class _Outbox:
    def __init__(self, send: Send, run_id: str, force: bool, tick: Callable[[int], None]) -> None:
        self.send, self.run_id, self.force, self.tick = send, run_id, force, tick
        self.ids: list[str] = []
        self.size = self.articles = self.messages = 0

    def add(self, article_id: str, size: int) -> None:
        self.ids.append(article_id)
        self.size += size

    def flush(self) -> None:
        if not self.ids:
            return
        body = reenrich_message(self.run_id, str(self.messages), self.force, self.ids)
        self.send(REENRICH_TASK, [body])
        self.tick(len(self.ids))
        self.articles += len(self.ids)
        self.messages += 1
        self.ids, self.size = [], 0


def reenrich_message(run_id: str, part: str, force: bool, ids: list[str]) -> dict[str, Any]:
    """One message's body. ``received_at`` dates it for the ledger sweep, as items do."""
    return {
        "run": run_id,
        "part": part,
        "force": force,
        "ids": ids,
        "received_at": datetime.now(UTC).isoformat(),
    }


def _do_page(
    rows: list[StoredText],
    models: Mapping[str, Any],
    runtime: Runtime,
    force: bool,
    report: Report,
) -> None:
    versions = _Versions(models)
    stale = [r for r in rows if force or r.enrichment.get("versions") != versions.of(r.language)]
    report.current += len(rows) - len(stale)
    done: list[tuple[str, Enrichment]] = []
    failed: set[str] = set()
    for row, result in zip(stale, enrich_rows(stale, models), strict=True):
        if result is None:
            report.failed += 1
            failed.add(row.id)
            continue
        done.append((row.id, merged(row.enrichment, result)))
        report.by_model[str(result["versions"].get("model") or NO_MODEL)] += 1
    fresh = dict(done)
    storyless = [r for r in rows if r.story_id is None and r.id not in failed]
    signatures = sign_rows(storyless, [fresh.get(r.id, r.enrichment) for r in storyless])
    enriched, storied = stored.write(runtime.store, done, signatures, datetime.now(UTC))
    report.enriched += enriched
    report.stories += storied


def sign_rows(rows: Sequence[StoredText], enrichments: Sequence[Enrichment]) -> dict[str, StorySig]:
    """Article id -> story signature, one encoder pass over the rows; none if it fails (the
    articles keep no story: the next run tries again)."""
    if not rows:
        return {}
    items = [
        (r.title, r.body, r.language, e, r.published_at)
        for r, e in zip(rows, enrichments, strict=True)
    ]
    try:
        signatures = sign_batch(items, load_encoder())
    except Exception:
        log.exception("story signatures failed on %d article(s); left without a story", len(rows))
        return {}
    return {r.id: s for r, s in zip(rows, signatures, strict=True)}


class _Versions:
    """What a record in a language would hold under ``versions`` now (per page, cached)."""

    def __init__(self, models: Mapping[str, Any]) -> None:
        self._models = models
        self._known: dict[str | None, dict[str, str | None]] = {}

    def of(self, language: str | None) -> dict[str, str | None]:
        key = model_language(language)
        if key not in self._known:
            self._known[key] = model_versions(self._models.get(key) if key else None)
        return self._known[key]


def enrich_rows(rows: Sequence[StoredText], models: Mapping[str, Any]) -> list[Enrichment | None]:
    """The stage over the rows at once (one ``nlp.pipe`` per language), as the workers run
    it; if it raises, row by row, and a row that still fails gets None."""
    if not rows:
        return []
    inputs = [_input(r) for r in rows]
    try:
        return list(enrich_batch(inputs, models))
    except Exception:
        return [_enrich_one(row, one, models) for row, one in zip(rows, inputs, strict=True)]


def _enrich_one(row: StoredText, one: EnrichInput, models: Mapping[str, Any]) -> Enrichment | None:
    try:
        (result,) = enrich_batch([one], models)
    except Exception:
        log.exception("enrichment failed on article %s; left as it was", row.id)
        return None
    return result


def _input(row: StoredText) -> EnrichInput:
    return EnrichInput(
        title=row.title, body=row.body, language=row.language, published_at=row.published_at
    )


def merged(old: Enrichment, new: Enrichment) -> Enrichment:
    """The new enrichment, keeping what another enricher added to the old one."""
    return {**{k: old[k] for k in KEPT_KEYS if k in old}, **new}
