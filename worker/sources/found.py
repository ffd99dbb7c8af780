"""What a reader finds: an item without its key yet (the producer numbers them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from worker.models import Kind


@dataclass(frozen=True)
class Found:
    source: str
    kind: Kind
    payload: dict[str, Any]


def invalid(source: str, reason: str, message: str) -> Found:
    """A reader's verdict that the input is bad: it still becomes an item, then ``rejected``."""
    return Found(source, Kind.INVALID, {"reason": reason, "message": message[:500]})
