"""The pure stages over a batch: parse -> normalise -> fingerprint -> sign, then enrich.

The dedup decision itself happens in the store's write transaction (see ``dedup.decide``);
this module prepares everything that can be computed without the store.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from worker.core.errors import PermanentError, Reason
from worker.core.models import Article, Outcome, Prepared, RawItem, base_language
from worker.pipeline.articles import parse_item
from worker.pipeline.identity import content_key, is_thin
from worker.pipeline.language import detect_language
from worker.pipeline.neardup import DEFAULT_PARAMS, NearParams, near_signature, signatures_of_folded
from worker.pipeline.normalise import (
    canonical_url,
    fingerprint_of_folded,
    normalise_text,
    normalise_title,
)


@dataclass(frozen=True)
class Deps:
    """What the stages need from outside, passed in so the stages stay pure."""

    near_params: NearParams = DEFAULT_PARAMS
    models: Mapping[str, Any] | None = None  # language -> spaCy pipeline; None: no enrichment
    enrich: bool = False
    max_body_chars: int = 2_000_000
    encoder: Any = None  # the story encoder (``pipeline.story.Encoder``); None: no stories


def prepare_batch(items: Sequence[RawItem], deps: Deps, now: datetime) -> list[Prepared]:
    """parse -> normalise -> fingerprint -> near signature (enrichment comes later)."""
    prepared = [_prepare(item, deps, now) for item in items]
    _sign([p for p in prepared if p.article is not None], deps.near_params)
    return prepared


def _sign(ready: list[Prepared], params: NearParams) -> None:
    """Near signatures for the whole batch in one pass (array work amortised over it)."""
    try:
        signatures = signatures_of_folded([_folded(p) for p in ready], params)
    except Exception:  # find the item that breaks it; the others go on
        for p in ready:
            _sign_one(p, params)
        return
    finally:
        for p in ready:
            p.folded = None
    for p, signature in zip(ready, signatures, strict=True):
        p.near = signature


def _sign_one(p: Prepared, params: NearParams) -> None:
    try:
        p.near = near_signature(_body(p), params)
    except Exception as exc:
        p.quarantine(exc)


def _body(p: Prepared) -> str:
    assert p.article is not None
    return p.article.body


def _folded(p: Prepared) -> str:
    return p.folded if p.folded is not None else _body(p).casefold()


def enrich_prepared(
    prepared: list[Prepared], deps: Deps, skip: Collection[str] = frozenset()
) -> None:
    """Enrichment of the prepared items (a no-op unless ``deps.enrich``).

    ``skip``: item keys already known to be duplicates; enriching them would be thrown away.
    """
    if deps.enrich:
        _enrich([p for p in prepared if p.item.item_key not in skip], deps)


def _prepare(item: RawItem, deps: Deps, now: datetime) -> Prepared:
    """Parse and normalise one item; its near signature comes with the batch's."""
    try:
        article, folded = _normalise(parse_item(item, now), deps.max_body_chars)
    except PermanentError as exc:
        return Prepared(item, rejection=Outcome.rejected(item.item_key, exc.reason, exc.message))
    except Exception as exc:  # a bug must cost one item, not the batch: quarantine it
        return Prepared(item).quarantine(exc)
    return Prepared(item, article=article, folded=folded)


def normalise_article(article: Article, max_body_chars: int) -> Article:
    """Clean text, drop a repeated title line, fingerprint, canonical URL and language."""
    return _normalise(article, max_body_chars)[0]


def _normalise(article: Article, max_body_chars: int) -> tuple[Article, str]:
    """``normalise_article``, and the body case-folded (for the near signature)."""
    title = normalise_title(article.title)
    body = _drop_title_line(normalise_text(article.body), title)
    if not body:
        raise PermanentError("the article has no body text", reason=Reason.EMPTY_BODY)
    if len(body) > max_body_chars:
        raise PermanentError(f"body of {len(body)} characters is too long", reason=Reason.TOO_LARGE)
    language, confidence = detect_language(f"{title}\n{body}")
    url = canonical_url(article.url)
    thin = is_thin(body)
    folded = body.casefold()
    key = fingerprint_of_folded(folded)
    if thin:  # a teaser is not evidence on its own: its headline and address count too
        key = content_key(key, title, article.external_id or url)
    update = {
        "title": title,
        "body": body,
        "canonical_url": url,
        "fingerprint": key,
        "thin": thin,
        "language": language,
        "language_confidence": confidence,
        "declared_language": base_language(article.declared_language),
    }
    return article.model_copy(update=update), folded


def _drop_title_line(body: str, title: str) -> str:
    first, _, rest = body.partition("\n")
    return rest if title and first.strip() == title else body


def _enrich(prepared: list[Prepared], deps: Deps) -> None:
    # Imported here: the enrichment stack is heavy and the light profile must not pay for it.
    from worker.pipeline.enrich import enrich_batch

    ready = [p for p in prepared if p.article is not None]
    inputs = [_enrich_input(p.article) for p in ready if p.article is not None]
    try:
        results = enrich_batch(inputs, _models(deps))
    except Exception:  # find the item that breaks it; the others go on
        _enrich_one_by_one(ready, inputs, deps)
        _sign_stories(ready, deps)
        return
    for p, result in zip(ready, results, strict=True):
        _set_enrichment(p, result)
    _sign_stories(ready, deps)


def _sign_stories(ready: list[Prepared], deps: Deps) -> None:
    """Story signatures of the enriched articles, one encoder pass for the batch; if it
    fails, the articles are stored without a story (`ingest reenrich` fills it in)."""
    from worker.pipeline.story import sign_batch

    done = [p for p in ready if p.article is not None]
    if deps.encoder is None or not done:
        return
    items = [_story_input(p.article) for p in done if p.article is not None]
    try:
        signatures = sign_batch(items, deps.encoder)
    except Exception:
        return
    for p, signature in zip(done, signatures, strict=True):
        p.story = signature


def _story_input(article: Article) -> Any:
    return (article.title, article.body, article.language, article.enrichment, article.published_at)


def _enrich_one_by_one(ready: list[Prepared], inputs: list[Any], deps: Deps) -> None:
    from worker.pipeline.enrich import enrich_batch

    for p, one in zip(ready, inputs, strict=True):
        try:
            (result,) = enrich_batch([one], _models(deps))
        except Exception as exc:
            p.quarantine(exc)
        else:
            _set_enrichment(p, result)


def _set_enrichment(p: Prepared, result: dict[str, Any]) -> None:
    assert p.article is not None
    p.article = p.article.model_copy(update={"enrichment": result})


def _enrich_input(article: Article) -> Any:
    from worker.pipeline.enrich import EnrichInput

    return EnrichInput(
        title=article.title,
        body=article.body,
        language=article.language,
        published_at=_as_datetime(article.published_at),
    )


def _as_datetime(value: datetime | date | None) -> datetime | None:
    """Relative dates resolve against a day; a bare date counts from its start."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time())


def _models(deps: Deps) -> Mapping[str, Any]:
    # Not `deps.models or {}`: a lazy mapping with nothing loaded yet is empty, hence falsy.
    return deps.models if deps.models is not None else {}
