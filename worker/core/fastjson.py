"""One JSON encoder for the store's JSON columns and the broker's messages.

Encoding: orjson, several times faster than the standard library (every ledger row and every
batch message carries whole articles), with the standard library for what orjson refuses,
such as integers beyond 64 bits. The output is plain JSON either way.

Decoding stays with the standard library: its C scanner is about as fast on our messages,
and orjson would read an integer beyond 64 bits as a float, silently losing digits.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import orjson

loads = json.loads


def dumps(value: object) -> str:
    try:
        return orjson.dumps(value, default=_embed, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value, default=_decoded)


class RawJSON:
    """JSON text to embed as it is in what ``dumps`` writes (not encoded a second time)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _embed(value: object) -> Any:
    if isinstance(value, RawJSON):
        return orjson.Fragment(value.text)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _decoded(value: object) -> Any:
    # Only on the standard-library path (orjson refused something else in the document):
    # what orjson writes itself must come out the same here, or one integer beyond 64 bits
    # in a payload makes a datetime beside it unwritable.
    if isinstance(value, RawJSON):
        return json.loads(value.text)
    if isinstance(value, date):  # datetimes too: RFC 3339, as orjson writes them
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_PASSTHROUGH = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
)
kombu_dumps: Any = None  # kombu's encoder, set when worker.app installs envelope_dumps


def envelope_dumps(value: object) -> bytes | str:
    """A kombu transport envelope: orjson when it writes exactly what kombu would."""
    try:
        return orjson.dumps(value, option=_PASSTHROUGH)
    except TypeError:
        return kombu_dumps(value)
