"""A malformed broker message is refused and recorded; the worker lives on and consumes the
next one. Real worker processes with the default settings, entries pushed to Redis by hand.

Before the fix, each entry pushed here ended the worker with "Unrecoverable error" and
was lost: kombu's Redis transport decodes the list entry (JSON) and the body
(``body_encoding``) inside the consumer loop, below Celery's refusal of bad messages.
"""

from __future__ import annotations

import ast
import base64
import inspect
import json
import os
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select

from tests.corpus import write_jsonl
from tests.support import WorkerProcess, run_cli, wait_until, workers
from worker.broker.refuse import RAW_HEAD, RefusingChannel
from worker.store import Store
from worker.store.schema import refused_messages

pytestmark = pytest.mark.integration


def envelope(body: str, body_encoding: str | None, **properties: Any) -> bytes:
    """A kombu Redis envelope as a hostile producer might write it."""
    return json.dumps(
        {
            "body": body,
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": {"lang": "py", "task": "ingest.process_batch", "id": str(uuid.uuid4())},
            "properties": {
                "body_encoding": body_encoding,
                "delivery_tag": str(uuid.uuid4()),
                "delivery_info": {"exchange": "", "routing_key": "ingest"},
                "priority": 0,
                **properties,
            },
        }
    ).encode()


def push(env: dict[str, str], *entries: bytes) -> None:
    client = redis.Redis.from_url(env["INGEST_BROKER_URL"])
    for entry in entries:
        client.lpush("ingest", entry)  # kombu's own publish: LPUSH, consumed by BRPOP


def rows(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        result = conn.execute(select(refused_messages).order_by(refused_messages.c.id))
        return [dict(row._mapping) for row in result]


def enqueue_valid(env: dict[str, str], tmp_path: Path, count: int = 5) -> str:
    """A valid batch, published the normal way, after the malformed entries."""
    path = write_jsonl(tmp_path / f"valid-{uuid.uuid4().hex[:6]}.jsonl", count)
    result = run_cli(["enqueue", str(path), "--wait", "--timeout", "60"], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def assert_alive(worker: WorkerProcess) -> None:
    assert worker.proc.poll() is None, f"the worker died:\n{worker.log()}"
    assert "Unrecoverable error" not in worker.log_path.read_text(errors="replace")


def test_non_json_and_bad_base64_are_refused_and_the_worker_goes_on(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    not_json = b"not json at all " + os.urandom(6000)  # longer than what a row keeps
    bad_base64 = "!!! this is not base64 ***"
    before = len(rows(store))
    with workers(env, count=1, concurrency=1) as (worker,):
        push(env, not_json, envelope(bad_base64, "base64"))
        run_id = enqueue_valid(env, tmp_path)
        assert wait_until(lambda: len(rows(store)) == before + 2, 30), worker.log()
        assert_alive(worker)
    stats = store.stats(run_id)
    assert stats["items"] == 5 and stats["by_status"] == {"stored": 5}
    first, second = rows(store)[before:]
    assert first["body_head"] == not_json[:RAW_HEAD].hex()  # the raw entry, bounded
    assert len(first["body_head"]) == 2 * RAW_HEAD
    assert "MalformedEnvelope" in first["reason"] and "JSON" in first["reason"]
    assert second["body_head"] == bad_base64.encode().hex()  # the body as it came
    assert "MalformedEnvelope" in second["reason"] and "base64" in second["reason"]
    assert second["headers"]["task"] == "ingest.process_batch"
    assert store.stats()["refused_messages"] == before + 2


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_other_malformed_entries_are_refused_too(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    entries = [
        b"\xff\xfe not UTF-8",
        b"[1, 2, 3]",  # JSON, not an envelope
        b'{"body": "x"}',  # no properties
        envelope("[[[]], {}, {}]", "utf-8", delivery_info=None),  # nowhere to redeliver to
        envelope("[[[]], {}, {}]", "utf-8", delivery_tag=["not", "a", "tag"]),
        envelope("[[[]], {}, {}]", "rot13"),  # an encoding kombu does not know
        b"[" * 100_000 + b"]" * 100_000,  # deeper than the JSON decoder recurses
    ]
    with workers(env, count=1, concurrency=1) as (worker,):
        push(env, *entries)
        run_id = enqueue_valid(env, tmp_path, count=3)
        assert wait_until(lambda: len(rows(store)) == len(entries), 30), worker.log()
        assert_alive(worker)
    assert store.stats(run_id)["by_status"] == {"stored": 3}
    for entry, row in zip(entries, rows(store), strict=True):
        if entry.startswith(b"{") and b"rot13" in entry:
            body = json.loads(entry)["body"].encode()
            assert row["body_head"] == body.hex()
        else:
            assert row["body_head"] == entry[:RAW_HEAD].hex()
        assert row["reason"].startswith("MalformedEnvelope")


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_valid_base64_message_is_still_accepted(env: dict[str, str], store: Store) -> None:
    """The refusal is about bodies that do not decode: a base64 body that does (kombu's
    default encoding, when a producer does not set ours) is processed."""
    from datetime import UTC, datetime

    from worker.broker.app import make_app
    from worker.core.messages import PROCESS_TASK
    from worker.core.models import Kind, RawItem
    from worker.core.settings import Settings

    item = RawItem(
        item_key="b64-1", source="b64", kind=Kind.RECORD,
        payload={"record": {"title": "Base64", "body": "A body sent base64-encoded, as kombu "
                            "does by default; it must be processed like any other."}},
    )  # fmt: skip
    store.register([item], datetime.now(UTC))
    app = make_app(Settings(broker_url=env["INGEST_BROKER_URL"]))  # type: ignore[arg-type]
    app.send_task(PROCESS_TASK, args=[[item.model_dump(mode="json")]])
    client = redis.Redis.from_url(env["INGEST_BROKER_URL"])
    message = json.loads(client.rpop("ingest") or b"{}")
    message["body"] = base64.b64encode(message["body"].encode()).decode()
    message["properties"]["body_encoding"] = "base64"
    push(env, json.dumps(message).encode())
    with workers(env, count=1, concurrency=1) as (worker,):
        done = wait_until(lambda: store.stats()["by_status"] == {"stored": 1}, 30)
        assert done, worker.log()
        assert_alive(worker)
    assert rows(store) == []


def _normalised(function: Any, replace: dict[str, str]) -> str:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    assert isinstance(tree, ast.FunctionDef)
    tree.returns = None
    for arg in [*tree.args.args, *tree.args.kwonlyargs, tree.args.vararg, tree.args.kwarg]:
        if arg is not None:
            arg.annotation = None
    text = ast.unparse(tree)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def test_refusing_channel_copies_kombus_methods() -> None:
    """RefusingChannel's _brpop_read and _get are kombu's with one call replaced; if kombu
    changed them (an upgrade), re-copy them into worker/broker/refuse.py."""
    import kombu.transport.redis as kombu_redis

    import worker.app  # noqa: F401  (builds the app, which installs the channel)

    base = kombu_redis.Channel
    assert _normalised(RefusingChannel._brpop_read, {}) == _normalised(
        base._brpop_read, {"loads(bytes_to_str(item))": "read_envelope(item, dest)"}
    )
    assert _normalised(RefusingChannel._get, {}) == _normalised(
        base._get, {"loads(bytes_to_str(item))": "read_envelope(item, queue)"}
    )
    assert kombu_redis.Transport.Channel is RefusingChannel  # installed by make_app
