"""Structured logs: one JSON line per batch, easy to grep and to load into anything."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from worker.core.models import Outcome

batch_log = logging.getLogger("worker.batches")


def outcome_counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
    return counts


def batch_record(
    task_id: str | None,
    outcomes: Sequence[Outcome],
    timings: Mapping[str, float],
    **extra: Any,
) -> dict[str, Any]:
    """What the line says: ids, item count, outcome counts, stage durations in ms."""
    return {
        "event": "batch",
        "task_id": task_id,
        "items": len(outcomes),
        "outcomes": outcome_counts(outcomes),
        "ms": {stage: round(seconds * 1000, 2) for stage, seconds in timings.items()},
        **extra,
    }


def log_batch(
    task_id: str | None,
    outcomes: Sequence[Outcome],
    timings: Mapping[str, float],
    **extra: Any,
) -> dict[str, Any]:
    """Log the batch as one JSON line (logger ``worker.batches``); returns the record."""
    record = batch_record(task_id, outcomes, timings, **extra)
    batch_log.info(json.dumps(record, separators=(",", ":"), sort_keys=True))
    return record
