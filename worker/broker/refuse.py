"""Refuse the broker messages a worker must not run, record them, and keep consuming.

Two places refuse a message:

- Celery, for a message kombu could read: a pickle or another content type than JSON
  (``accept_content=["json"]``), a message that is not a task. It logs and acks them.
- Below Celery, for a Redis list entry that is not a kombu message at all: not UTF-8, not
  JSON, not the envelope's shape, or a body that does not decode as its ``body_encoding``
  claims (bad base64). kombu 5.7 raises there from inside the consumer loop (``loads`` in
  ``Channel._brpop_read``/``_get``, ``decode_body`` in ``Message.__init__``), and Celery stops
  the worker with "Unrecoverable error", the message lost. ``RefusingChannel`` turns such an
  entry into a message carrying the decoding error the way kombu carries its own
  (``Message.errors``): the consumer's ``on_decode_error`` then logs and acks it like any
  undecodable message, and the worker goes on with the next one.

``RecordingConsumer`` keeps a row per refused message in the store (``refused_messages``,
with the first ``RAW_HEAD`` bytes, hex), so a refusal shows in ``ingest stats`` and not only
in a log line that scrolls away.
"""

from __future__ import annotations

import base64
import logging
import sys
import uuid
from datetime import UTC, datetime
from queue import Empty
from types import TracebackType
from typing import Any

import kombu.transport.redis as redis_transport
from celery.worker.consumer import Consumer
from kombu.transport import virtual
from kombu.utils.encoding import bytes_to_str

log = logging.getLogger("worker.broker.refuse")
_store: Any = None

RAW_HEAD = 4096  # bytes of a refused message kept in its row (hex, so twice that in text)
REFUSED = "x-ingest-refused"  # property of the envelope that stands in for a malformed entry
ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]


class MalformedEnvelope(ValueError):
    """A broker message below Celery's level: not a kombu envelope we can decode."""


def refused_row(message: Any, exc: BaseException, now: datetime) -> dict[str, Any]:
    body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
    headers = {k: str(v)[:200] for k, v in (message.headers or {}).items()}
    content_type = message.content_type
    return {
        "content_type": None if content_type is None else str(content_type)[:120],
        "reason": f"{type(exc).__name__}: {exc}"[:500],
        "headers": headers,
        "body_head": body[:RAW_HEAD].hex(),  # hex: the body is untrusted and may be binary
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
        _record(message, exc)  # includes the malformed entries RefusingChannel hands over
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


# --- below Celery: list entries kombu cannot read ------------------------------------


def envelope_problem(payload: Any) -> str | None:
    """What keeps ``payload`` from being a kombu Redis envelope kombu can handle, or None.

    Only what kombu itself relies on before the consumer sees the message (and when it
    keeps the message for redelivery): the rest is Celery's to judge.
    """
    if not isinstance(payload, dict):
        return f"a JSON {type(payload).__name__}, not an envelope object"
    properties = payload.get("properties")
    if not isinstance(properties, dict):
        return "no properties object"
    if not isinstance(properties.get("delivery_tag"), str):
        return "no delivery_tag string"
    info = properties.get("delivery_info")
    if not isinstance(info, dict) or not all(
        isinstance(info.get(key), str) for key in ("exchange", "routing_key")
    ):
        return "no delivery_info with exchange and routing_key"
    if not isinstance(properties.get("body_encoding") or "", str):
        return "body_encoding is not a string"
    if not isinstance(payload.get("headers") or {}, dict):
        return "headers is not an object"
    for key in ("body", "content-type", "content-encoding"):
        if not isinstance(payload.get(key) or "", str):
            return f"{key} is not a string"
    return None


def refusal_envelope(raw: bytes, queue: str, reason: str) -> dict[str, Any]:
    """A well-formed envelope standing in for a malformed list entry: its body is the
    entry's first ``RAW_HEAD`` bytes, its ``REFUSED`` property why it was refused. It is
    JSON, so kombu can keep it in the unacked hash like any message until it is acked.
    """
    return {
        "body": base64.b64encode(raw[:RAW_HEAD]).decode("ascii"),
        "content-type": None,
        "content-encoding": None,
        "headers": {},
        "properties": {
            "body_encoding": "base64",
            "delivery_tag": str(uuid.uuid4()),
            "delivery_info": {"exchange": "", "routing_key": queue},
            "priority": 0,
            REFUSED: f"{reason} ({len(raw)} bytes)",
        },
    }


def read_envelope(item: bytes | str, queue: str) -> dict[str, Any]:
    """A list entry as kombu's Redis transport reads it, or its refusal envelope."""
    raw = item if isinstance(item, bytes) else item.encode("utf-8", "surrogateescape")
    try:
        payload = redis_transport.loads(bytes_to_str(item))
    except Exception as exc:  # not UTF-8, not JSON, too deep, a bad kombu type tag...
        return refusal_envelope(raw, queue, f"not a JSON envelope: {type(exc).__name__}: {exc}")
    problem = envelope_problem(payload)
    if problem is not None:
        return refusal_envelope(raw, queue, problem)
    return payload


def _carried(error: MalformedEnvelope, cause: BaseException | None = None) -> ExcInfo:
    """``error`` as kombu keeps a decoding error in ``Message.errors`` (raised later, in the
    consumer, to its ``on_decode_error``)."""
    try:
        raise error from cause
    except MalformedEnvelope:
        return sys.exc_info()


class RefusingMessage(virtual.Message):
    """kombu's message, except that a body that does not decode as its ``body_encoding``
    says (or a refusal envelope) gives a message carrying the error, not an exception."""

    def __init__(self, payload: dict[str, Any], channel: Any = None, **kwargs: Any) -> None:
        try:
            super().__init__(payload, channel=channel, **kwargs)
        except Exception as exc:  # only decode_body can fail on an envelope read_envelope let in
            properties = payload["properties"]
            error = MalformedEnvelope(
                f"body is not {properties.get('body_encoding')!r}: {type(exc).__name__}: {exc}"
            )
            as_received = {**payload, "properties": {**properties, "body_encoding": None}}
            super().__init__(as_received, channel=channel, **kwargs)
            self._raw = payload  # kept for redelivery as it came
            self.errors.append(_carried(error, exc))
            return
        refusal = self.properties.get(REFUSED)
        if refusal:
            self.errors.append(_carried(MalformedEnvelope(str(refusal))))


class RefusingChannel(redis_transport.Channel):
    """kombu's Redis channel; a list entry it cannot read becomes a refused message.

    ``_brpop_read`` and ``_get`` are copies of kombu 5.7.0's, with ``read_envelope`` where
    they had ``loads(bytes_to_str(item))``; tests/integration/test_refused.py compares them
    with kombu's (re-copy them if a kombu upgrade makes it fail). Installed on the
    ``redis://``/``rediss://`` transport; ``RefusingSentinelChannel`` on ``sentinel://``.
    """

    Message = RefusingMessage

    def _brpop_read(self, **options: Any) -> bool:
        try:
            try:
                dest__item = self.client.parse_response(self.client.connection, "BRPOP", **options)
            except self.connection_errors:
                # if there's a ConnectionError, disconnect so the next
                # iteration will reconnect automatically.
                self.client.connection.disconnect()
                raise
            if dest__item:
                dest, item = dest__item
                dest = bytes_to_str(dest).rsplit(self.sep, 1)[0]
                self._queue_cycle.rotate(dest)
                self.connection._deliver(read_envelope(item, dest), dest)
                return True
            else:
                raise Empty()
        finally:
            self._in_poll = None  # type: ignore[assignment]  # as kombu does
            # The BRPOP connection is now idle (its reply has been fully
            # consumed and no new BRPOP has been issued yet): this is the
            # safe moment to flush any pending streaming re-auth token.
            self._flush_brpop_reauth()

    def _get(self, queue: str) -> dict[str, Any]:  # type: ignore[override]  # kombu's own
        with self.conn_or_acquire() as client:
            for pri in self.priority_steps:
                item = client.rpop(self._q_for_pri(queue, pri))
                if item:
                    self._maybe_update_queues_expire(client, queue)
                    return read_envelope(item, queue)

            self._maybe_update_queues_expire(client, queue)
            raise Empty()


class RefusingSentinelChannel(redis_transport.SentinelChannel, RefusingChannel):
    """kombu's Sentinel channel (how it finds the master) reading as ``RefusingChannel``."""


def use_refusing_channel() -> None:
    """Make kombu's Redis transports read list entries through ``RefusingChannel``."""
    redis_transport.Transport.Channel = RefusingChannel
    redis_transport.SentinelTransport.Channel = RefusingSentinelChannel
