"""Stories through real worker processes: two reports of one new event, in two languages,
handled by two workers at the same moment, end in one story; a redelivery changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.integration.test_workers import wait_all_final
from tests.support import ROOT, workers
from worker.core.models import Kind, RawItem
from worker.store import Store

pytestmark = pytest.mark.integration
DEVSET = {r["id"]: r for r in json.loads((ROOT / "bench" / "stories_devset.json").read_text())}
# Per round: two reports of one event in two languages, sent to the two workers at once.
ROUNDS = [
    ("kremlin-fr", "kremlin-id"),
    ("bus-java-id", "bus-java-en"),
    ("quake-fr", "quake-es"),
    ("tesla-recall-en", "tesla-recall-es"),
]


def item(key: str) -> RawItem:
    row = DEVSET[key]
    record = {k: row[k] for k in ("title", "body", "published_at")}
    return RawItem(item_key=key, source="test", kind=Kind.RECORD, payload={"record": record})


def test_two_reports_of_a_new_event_on_two_workers_at_once(
    env: dict[str, str], store: Store
) -> None:
    from worker.broker.app import make_app
    from worker.core.messages import PROCESS_TASK
    from worker.core.settings import Settings

    env = {**env, "INGEST_ENRICH": "true"}
    app = make_app(Settings(broker_url=env["INGEST_BROKER_URL"]))  # type: ignore[arg-type]
    sent = [item(key) for pair in ROUNDS for key in pair]
    with workers(env, count=2, concurrency=1):
        store.register(sent, datetime.now(UTC))
        for one in sent:  # one item per message: the two of a round go to the two workers
            app.send_task(PROCESS_TASK, args=[[one.model_dump(mode="json")]])
        done = wait_all_final(store, len(sent), timeout=180)
        assert done["by_status"] == {"stored": len(sent)}
        before = {r["id"]: r["story_id"] for r in store.export()}
        for one in sent[:2]:  # redelivered
            app.send_task(PROCESS_TASK, args=[[one.model_dump(mode="json")]])
        wait_all_final(store, len(sent), timeout=60)
    after = {r["id"]: r["story_id"] for r in store.export()}
    assert after == before and None not in before.values()
    for a, b in ROUNDS:
        assert before[a] == before[b], (a, b)
    assert len({before[a] for a, _ in ROUNDS}) == len(ROUNDS)
