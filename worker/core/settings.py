"""The one settings object. The only module that reads the environment.

Every field can be set as ``INGEST_<FIELD>`` (upper case) or in a ``.env`` file; the
documented defaults live in ``config/defaults.env``.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from worker.core.near import DEFAULT_PARAMS


class Settings(BaseSettings):
    """Configuration of producer, workers and the in-process runner."""

    model_config = SettingsConfigDict(env_prefix="INGEST_", env_file=".env", extra="ignore")

    broker_url: SecretStr = Field(
        SecretStr("redis://127.0.0.1:6379/0"),
        description="Celery broker (Redis). Put the password here, never in a file in git.",
    )
    store_url: SecretStr = Field(
        SecretStr("sqlite:///data/ingest.db"),
        description="Results store: sqlite:///path or postgresql+psycopg://user@host/db.",
    )
    # 200: per-message costs (task, events, one transaction) spread over more articles; the
    # light profile measured 16% faster than at 100, and a batch is ~0.15 s of a worker.
    batch_size: int = Field(200, ge=1, le=5000, description="Items per queue message.")
    max_item_bytes: int = Field(
        5_000_000, ge=1_000, description="Largest accepted item (file, record, page), in bytes."
    )
    max_feed_entries: int = Field(10_000, ge=1, description="Entries read from one feed at most.")
    fetch_timeout: float = Field(15.0, gt=0, description="Seconds for one HTTP fetch, in total.")
    fetch_max_redirects: int = Field(5, ge=0, description="Redirects followed per fetch.")
    fetch_retries: int = Field(3, ge=0, description="Retries of a transient fetch failure.")
    fetch_user_agent: str = Field(
        "ingest-worker/0.1 (+https://github.com/ingest-worker)",
        description="User-Agent sent with every fetch.",
    )
    fetch_allow_private: bool = Field(
        False, description="Allow fetching loopback/private/link-local addresses (SSRF guard)."
    )
    task_time_limit: int = Field(300, ge=1, description="Hard time limit of one batch, seconds.")
    task_max_retries: int = Field(5, ge=0, description="Retries of a batch on transient errors.")
    retry_backoff_max: int = Field(60, ge=1, description="Longest wait between two retries, s.")
    visibility_timeout: int = Field(
        900,
        ge=10,
        description="Seconds before Redis redelivers an unacked message; must exceed the "
        "longest task plus its longest backoff.",
    )
    prefetch_multiplier: int = Field(1, ge=1, description="Messages reserved per worker process.")
    worker_concurrency: int = Field(2, ge=1, description="Worker processes for `ingest worker`.")
    near_threshold: float = Field(
        DEFAULT_PARAMS.threshold,
        ge=0,
        le=1,
        description="Near-duplicate threshold on the verified similarity (see bench/dedup.py).",
    )
    dedup_window_days: int | None = Field(
        None, ge=1, description="Only originals newer than this many days count (None: all)."
    )
    enrich: bool = Field(True, description="Run enrichment (entities, keywords, quotes...).")
    flush_delay: float = Field(
        0.2, gt=0, le=60, description="Seconds a streamed line waits for its batch to fill."
    )
    sources_file: str = Field(
        "config/sources.toml", description="Feeds polled by `celery beat` (TOML, see the file)."
    )
    poll_tick: float = Field(
        1.0, gt=0, description="Seconds between two beat ticks; each polls the feeds due."
    )
    poll_backoff_max: float = Field(
        3600.0, gt=0, description="Longest wait before re-polling a failing feed, seconds."
    )
    watch_interval: float = Field(0.5, gt=0, description="Seconds between two folder scans.")
    watch_settle: float = Field(
        2.0, ge=0, description="Seconds a watched file must stay unchanged before it is read."
    )
    http_enricher_url: str | None = Field(
        None, description="POST each article (JSON) here and store the answer (unset: off)."
    )
    http_enricher_timeout: float = Field(5.0, gt=0, description="Seconds per enricher call.")
    http_enricher_retries: int = Field(2, ge=0, description="Retries of a failed enricher call.")
    http_enricher_breaker: int = Field(
        5, ge=1, description="Consecutive enricher failures that open its circuit breaker."
    )
    http_enricher_cooldown: float = Field(
        30.0, gt=0, description="Seconds the open breaker skips the enricher before a trial."
    )
    reconcile_after: int = Field(
        3600,
        ge=1,
        description="Seconds after which an item with no outcome counts as lost and is "
        "re-enqueued by `ingest reconcile` (redelivery is harmless).",
    )
    metrics_port: int = Field(
        9808,
        ge=0,
        le=65535,
        description="Port of a worker's Prometheus /metrics endpoint (0: no endpoint).",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings are read once per process."""
    return Settings()
