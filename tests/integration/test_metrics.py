"""The /metrics endpoint of a real worker answers after a run, and agrees with the ledger."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.corpus import write_jsonl
from tests.support import run_cli, wait_until, workers
from worker.store import Store

pytestmark = pytest.mark.integration
PORT = 19861


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def items_by_outcome(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> dict:
    counts: dict[tuple[str, str], int] = {}
    for (name, labels), value in samples.items():
        if name == "ingest_items_total" and value:
            key = (dict(labels)["outcome"], dict(labels)["reason"])
            counts[key] = int(value)
    return counts


def test_endpoint_counters_match_the_ledger(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", 250)
    (folder / "again.jsonl").write_text((folder / "a.jsonl").read_text().splitlines()[0] + "\n")
    (folder / "empty.txt").write_text("Only a title\n")
    env = {**env, "INGEST_METRICS_PORT": str(PORT)}
    with workers(env, count=1, concurrency=2):
        result = run_cli(["enqueue", str(folder), "--wait", "--timeout", "60"], env)
        assert result.returncode == 0, result.stderr
        samples = wait_until(lambda: scrape(PORT), timeout=10)
    stats = store.stats()
    ledger = {("stored", ""): stats["by_status"].get("stored", 0)}
    ledger.update({("duplicate", m): n for m, n in stats["by_method"].items()})
    ledger.update({("rejected", r): n for r, n in stats["by_reason"].items()})
    assert items_by_outcome(samples) == {k: v for k, v in ledger.items() if v}
    assert sum(items_by_outcome(samples).values()) == stats["items"] == 252
    assert samples[("ingest_queue_depth", (("queue", "ingest"),))] == 0
    assert samples[("ingest_stage_seconds_count", (("stage", "commit"),))] >= 1
    assert samples[("ingest_batch_size_sum", ())] == 252
