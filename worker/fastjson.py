"""One JSON encoder for the store's JSON columns and the broker's messages.

Encoding: orjson, several times faster than the standard library (every ledger row and every
batch message carries whole articles), with the standard library for what orjson refuses,
such as integers beyond 64 bits. The output is plain JSON either way.

Decoding stays with the standard library: its C scanner is about as fast on our messages,
and orjson would read an integer beyond 64 bits as a float, silently losing digits.
"""

from __future__ import annotations

import json

import orjson

loads = json.loads


def dumps(value: object) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)
