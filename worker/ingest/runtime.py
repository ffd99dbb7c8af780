"""The one composition root: settings -> policy objects, clients, models, the publisher.

Clients are built on first use, i.e. after Celery forks its pool processes, never in the
parent: a database connection or an HTTP pool shared across a fork breaks in subtle ways.
Publishing goes through the ``send`` callable the caller brings (Celery, or a list in
tests), so this layer never imports the broker.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import httpx

from worker.core.near import DEFAULT_PARAMS, NearParams
from worker.core.settings import DEFAULT_SPACY_MODELS, Settings
from worker.ingest import nlp
from worker.ingest.encoder import load_encoder
from worker.ingest.http_enricher import HttpEnricher
from worker.ingest.publish import Publisher, Send
from worker.pipeline.prepare import Deps
from worker.readers.fetch import FetchPolicy, make_client
from worker.readers.files import Limits
from worker.store import Store


class LazyModels(Mapping[str, Any]):
    """language -> spaCy pipeline, loaded on first lookup; missing when none is configured."""

    def __init__(self, packages: Mapping[str, str] | None = None) -> None:
        self._packages = dict(packages if packages is not None else DEFAULT_SPACY_MODELS)
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, language: str) -> Any:
        if language not in self._loaded:
            self._loaded[language] = nlp.models_for([language], self._packages).get(language)
        if self._loaded[language] is None:
            raise KeyError(language)
        return self._loaded[language]

    def __iter__(self) -> Iterator[str]:
        return (lang for lang, model in self._loaded.items() if model is not None)

    def __len__(self) -> int:
        return sum(model is not None for model in self._loaded.values())


@dataclass
class Runtime:
    settings: Settings
    send: Send | None = None  # publishing: send(task name, bodies); None: cannot publish
    _models: LazyModels = field(init=False)

    def __post_init__(self) -> None:
        self._models = LazyModels(self.settings.spacy_models)

    @cached_property
    def publisher(self) -> Publisher:
        if self.send is None:
            raise RuntimeError("this runtime was built without a send callable")
        s = self.settings
        return Publisher(self.send, self.store, s.batch_size, s.batch_max_bytes)

    @cached_property
    def limits(self) -> Limits:
        return Limits(self.settings.max_item_bytes, self.settings.max_feed_entries)

    @cached_property
    def near_params(self) -> NearParams:
        return dataclasses.replace(DEFAULT_PARAMS, threshold=self.settings.near_threshold)

    @cached_property
    def store(self) -> Store:
        store = Store(
            self.settings.store_url.get_secret_value(),
            near_params=self.near_params,
            window_days=self.settings.dedup_window_days,
            story_window_hours=self.settings.story_window_hours,
        )
        store.ensure_schema()
        return store

    @cached_property
    def fetch_policy(self) -> FetchPolicy:
        s = self.settings
        return FetchPolicy(
            timeout=s.fetch_timeout,
            max_redirects=s.fetch_max_redirects,
            max_bytes=s.max_item_bytes,
            retries=s.fetch_retries,
            user_agent=s.fetch_user_agent,
            allow_private=s.fetch_allow_private,
            max_feed_entries=s.max_feed_entries,
        )

    @cached_property
    def http(self) -> httpx.Client:
        return make_client(self.fetch_policy)

    @cached_property
    def http_enricher(self) -> HttpEnricher | None:
        """The optional external enricher; one client and one breaker per process."""
        s = self.settings
        if not s.http_enricher_url:
            return None
        return HttpEnricher(
            s.http_enricher_url,
            timeout=s.http_enricher_timeout,
            retries=s.http_enricher_retries,
            breaker_threshold=s.http_enricher_breaker,
            breaker_cooldown=s.http_enricher_cooldown,
        )

    def check_models(self) -> None:
        """Fail at start, in one line, when enrichment is on and a configured spaCy
        pipeline is not installed (rather than on the first article in that language)."""
        if self.settings.enrich:
            nlp.check_installed(self.settings.spacy_models)

    def deps(self) -> Deps:
        """Stage dependencies; models load on first use, per language, once per process."""
        return Deps(
            near_params=self.near_params,
            models=self._models,
            enrich=self.settings.enrich,
            max_body_chars=self.settings.max_item_bytes,
            encoder=load_encoder() if self.settings.enrich else None,
        )

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
        if "http" in self.__dict__:
            self.http.close()
        enricher = self.__dict__.get("http_enricher")
        if enricher is not None:
            enricher.close()
