"""worker/fastjson.py: the message and envelope encoders write what the standard ones would."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import kombu.transport.redis as redis_transport
from kombu.utils.json import dumps as kombu_dumps
from kombu.utils.json import loads as kombu_loads

from worker.app import app  # noqa: F401  (installs the envelope encoder)
from worker.core import fastjson

DOC = {"text": "é\u2028”\ud7ff", "n": 3, "x": 1.5, "none": None, "list": [1, "a"]}


def test_dumps_round_trips_including_what_orjson_refuses() -> None:
    big = {**DOC, "big": 12345678901234567890123456}
    assert json.loads(fastjson.dumps(DOC)) == DOC
    assert json.loads(fastjson.dumps(big)) == big  # the standard-library path


def test_datetimes_are_written_alike_down_either_path() -> None:
    # A ledger row holds datetimes beside a payload that may hold an integer orjson refuses.
    when = {"at": datetime(2024, 6, 1, 12, 0, 0, 123456, tzinfo=UTC), "day": date(2024, 6, 1)}
    fast = json.loads(fastjson.dumps(when))
    slow = json.loads(fastjson.dumps({**when, "big": 12345678901234567890123456}))
    assert fast == {"at": "2024-06-01T12:00:00.123456+00:00", "day": "2024-06-01"}
    assert {k: slow[k] for k in fast} == fast


def test_raw_json_is_embedded_as_it_is() -> None:
    text = json.dumps(DOC)
    assert json.loads(fastjson.dumps([[fastjson.RawJSON(text)], {}])) == [[DOC], {}]
    # also when the rest of the document sends the encoder down the standard-library path
    mixed = [[fastjson.RawJSON(text)], {"big": 12345678901234567890123456}]
    assert json.loads(fastjson.dumps(mixed)) == [[DOC], {"big": 12345678901234567890123456}]


def test_the_redis_transport_uses_the_fast_envelope_encoder() -> None:
    # kombu looks `dumps` up in its module at each call; if a release stops doing that,
    # this fails instead of the speed-up silently disappearing.
    assert redis_transport.dumps is fastjson.envelope_dumps


def test_envelopes_decode_as_kombu_would_write_them() -> None:
    envelope = {
        "body": json.dumps([[DOC], {}, {}]),
        "headers": {"id": str(uuid.uuid4()), "argsrepr": "[100 items]", "eta": None},
        "properties": {"delivery_info": {"exchange": "", "routing_key": "ingest"}},
        "content-type": "application/json",
    }
    assert kombu_loads(fastjson.envelope_dumps(envelope)) == kombu_loads(kombu_dumps(envelope))


def test_typed_values_keep_kombus_own_encoding() -> None:
    # kombu tags datetimes with their type so they decode as datetimes; orjson would not.
    stamped = {"eta": datetime(2024, 6, 1, 12, tzinfo=UTC), "n": 1}
    assert kombu_loads(fastjson.envelope_dumps(stamped)) == stamped
