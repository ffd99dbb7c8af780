"""The /metrics endpoint of a real worker answers after a run, and agrees with the ledger;
it listens on loopback only unless INGEST_METRICS_HOST says otherwise."""

from __future__ import annotations

import ipaddress
import socket
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.corpus import write_jsonl
from tests.support import run_cli, wait_until, workers
from worker.store import Store

pytestmark = pytest.mark.integration
PORT = 19861
HOST_PORT = 19862  # the tests below: a port of their own, the default host


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


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on ``port`` (from /proc/net/tcp{,6})."""
    found: set[str] = set()
    for table, size in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, _remote, state = line.split()[1:4]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            # the kernel prints each 32-bit word in host (little-endian) order
            words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(str(ipaddress.ip_address(words if size == 16 else raw[::-1])))
    return found


def connects(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def outward_address() -> str | None:
    """This host's address on its default route (no packet is sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.255", 9))
        except OSError:
            return None
        address = str(s.getsockname()[0])
    return None if ipaddress.ip_address(address).is_loopback else address


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_endpoint_listens_on_loopback_only_by_default(env: dict[str, str]) -> None:
    with workers({**env, "INGEST_METRICS_PORT": str(HOST_PORT)}, count=1, concurrency=1):
        assert wait_until(lambda: connects("127.0.0.1", HOST_PORT), timeout=10)
        assert scrape(HOST_PORT)  # it is the metrics endpoint that answers
        assert listening_addresses(HOST_PORT) == {"127.0.0.1"}
        outward = outward_address()
        if outward is not None:
            assert not connects(outward, HOST_PORT), f"/metrics answers on {outward}"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_endpoint_host_is_a_setting(env: dict[str, str]) -> None:
    # what docker-compose sets for its workers: every address of the container
    env = {**env, "INGEST_METRICS_PORT": str(HOST_PORT), "INGEST_METRICS_HOST": "0.0.0.0"}
    with workers(env, count=1, concurrency=1):
        assert wait_until(lambda: connects("127.0.0.1", HOST_PORT), timeout=10)
        assert listening_addresses(HOST_PORT) == {"0.0.0.0"}
