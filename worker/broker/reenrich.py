"""The reenrich task (``ingest reenrich --workers``) and its progress, kept in Redis.

A message names stored articles by id; the task runs ``ingest.reenrich.reenrich_ids`` on
them (one transaction) and then records the message's counts under its part in one Redis
hash per run, which the command line reads to show progress and the summary. A part is
recorded once (``HSETNX``): a redelivered message finds its records current and changes
neither them nor the counts. Like ingestion batches, a message whose soft time limit is up
is sent again as two halves (parts ``N.0`` and ``N.1``); a single article still over the
limit counts as failed and is left as it was. While the store is down the message goes back
to the queue as it is.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import redis
from celery import Task
from celery.exceptions import Reject

from worker.broker.connect import broker_redis
from worker.broker.process import arm_soft_time_limit, runtime
from worker.core.errors import ConfigError, OutOfTime, TransientError
from worker.core.messages import REENRICH_TASK
from worker.core.settings import get_settings
from worker.ingest.reenrich import Report, reenrich_ids

log = logging.getLogger("worker.broker.reenrich")
PROGRESS_TTL = 7 * 24 * 3600  # seconds a run's progress stays readable
COUNTS = ("enriched", "current", "failed", "stories")  # a part's counts (a Report's)
_client: redis.Redis | None = None


def progress_key(run_id: str) -> str:
    return f"ingest:reenrich:{run_id}"


@dataclass
class Progress:
    """A run's counts over the parts the workers finished."""

    articles: int = 0  # articles of the finished messages (the progress bar's measure)
    counts: Counter[str] = field(default_factory=Counter)  # enriched, current, failed, stories
    by_model: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "selected": self.articles,
            **{k: self.counts[k] for k in COUNTS},
            "by_model": dict(self.by_model.most_common()),
        }


def read_progress(client: redis.Redis, run_id: str) -> Progress:
    """The counts of every finished part (split parts count through their halves)."""
    progress = Progress()
    for raw in client.hvals(progress_key(run_id)):
        record = json.loads(raw)
        if "split" in record:
            continue
        progress.articles += int(record["articles"])
        progress.counts.update({k: int(record.get(k, 0)) for k in COUNTS})
        progress.by_model.update(record["by_model"])
    return progress


def _record(client: redis.Redis, run_id: str, part: str, record: dict[str, Any]) -> None:
    key = progress_key(run_id)
    with client.pipeline() as pipe:
        pipe.hsetnx(key, part, json.dumps(record))
        pipe.expire(key, PROGRESS_TTL)
        pipe.execute()


def _redis() -> redis.Redis:
    global _client
    if _client is None:  # built in the pool process on first use, never before the fork
        settings = get_settings()
        url = settings.broker_url.get_secret_value()
        _client = broker_redis(url, settings.broker_master_name, socket_timeout=10)
    return _client


def reenrich_batch_task(self: Task, messages: list[Any]) -> dict[str, int]:
    arm_soft_time_limit()
    done = 0
    for message in messages if isinstance(messages, list) else []:
        if not _valid(message):
            log.error("refused a reenrich message without run, part and ids")
            continue
        done += _handle(self, message)
    return {"articles": done}


def _valid(message: object) -> bool:
    return (
        isinstance(message, dict)
        and isinstance(message.get("run"), str)
        and isinstance(message.get("part"), str)
        and isinstance(message.get("ids"), list)
        and all(isinstance(i, str) for i in message["ids"])
    )


def _handle(task: Task, message: dict[str, Any]) -> int:
    ids: list[str] = message["ids"]
    try:
        report = reenrich_ids(runtime(), ids, bool(message.get("force")))
    except OutOfTime:
        if len(ids) > 1:
            _split(task, message)
            return 0
        log.error("article %s: enrichment over the soft time limit alone; left as it was", ids)
        report = Report(selected=1, failed=1)
    except ConfigError as exc:  # this worker lacks a configured pipeline: say so, skip
        log.error("reenrich message of %d articles not done: %s", len(ids), exc)
        report = Report(selected=len(ids), failed=len(ids))
    except TransientError as exc:
        log.warning("store unavailable (%s): reenrich message handed back to the queue", exc)
        raise Reject(str(exc), requeue=True) from exc
    counts = report.as_dict()
    # Articles gone since publishing (a prune) count as done: nothing is left to enrich.
    _record(_redis(), message["run"], message["part"], {**counts, "articles": len(ids)})
    return len(ids)


def _split(task: Task, message: dict[str, Any]) -> None:
    ids, part = message["ids"], message["part"]
    half = len(ids) // 2
    log.warning("reenrich message of %d articles out of time: sent again as two halves", len(ids))
    for n, chunk in enumerate((ids[:half], ids[half:])):
        task.app.send_task(REENRICH_TASK, args=[[{**message, "part": f"{part}.{n}", "ids": chunk}]])
    _record(_redis(), message["run"], part, {"split": 2})
