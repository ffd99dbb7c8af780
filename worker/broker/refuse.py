"""Record broker messages the worker refuses to decode (pickle, unknown content types).

Celery already refuses them (``accept_content=["json"]``), logs and acks them; we also keep
a row per refused message in the store, so a refusal is visible in ``ingest stats`` and
not only in a log line that scrolls away.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from celery.worker.consumer import Consumer

log = logging.getLogger("worker.broker.refuse")
_store: Any = None


def refused_row(message: Any, exc: BaseException, now: datetime) -> dict[str, Any]:
    body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
    headers = {k: str(v)[:200] for k, v in (message.headers or {}).items()}
    return {
        "content_type": str(message.content_type)[:120],
        "reason": f"{type(exc).__name__}: {exc}"[:500],
        "headers": headers,
        "body_head": body[:200].hex(),  # hex: the body is untrusted and may be binary
        "received_at": now,
    }


def _record(message: Any, exc: BaseException) -> None:
    global _store
    try:
        if _store is None:
            from worker.core.settings import get_settings
            from worker.ingest.runtime import Runtime

            _store = Runtime(get_settings()).store
        _store.record_refused(refused_row(message, exc, datetime.now(UTC)))
    except Exception:  # recording is best effort; refusing the message is what matters
        log.exception("could not record a refused message")


class RecordingConsumer(Consumer):
    """Celery's consumer, plus a record of every message it refuses."""

    def on_decode_error(self, message: Any, exc: BaseException) -> None:
        _record(message, exc)
        super().on_decode_error(message, exc)

    def on_invalid_task(self, body: Any, message: Any, exc: BaseException) -> None:
        _record(message, exc)  # a task message whose body we refused to deserialise
        super().on_invalid_task(body, message, exc)

    def on_unknown_message(self, body: Any, message: Any) -> None:
        _record(message, ValueError("not a task message"))
        super().on_unknown_message(body, message)

    def on_unknown_task(self, body: Any, message: Any, exc: BaseException) -> None:
        _record(message, exc)
        super().on_unknown_task(body, message, exc)
