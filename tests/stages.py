"""Test helper: every pure stage over a batch, enrichment included, as the workers run them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from worker.core.models import Prepared, RawItem
from worker.pipeline.prepare import Deps, enrich_prepared, prepare_batch


def run_batch(items: Sequence[RawItem], deps: Deps, now: datetime) -> list[Prepared]:
    """Every item comes back, either with its article or with a ``rejected`` outcome."""
    prepared = prepare_batch(items, deps, now)
    enrich_prepared(prepared, deps)
    return prepared
