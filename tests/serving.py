"""``ingest serve`` in a real process for tests, a store filled by the real ``ingest run``,
and a reader of Server-Sent Events."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from tests.servers import free_port
from tests.support import ROOT, run_cli, stop_group

TOKEN = "test-token-0123456789abcdef"
BRIDGE_URL = "https://news.example.org/2024/06/swing-bridge?utm_source=rss"
BRIDGE = (
    "BRISTOL - The old swing bridge over the floating harbour opened to walkers again on "
    "Tuesday after eight months of work on its rusted gears, the city engineers said. The "
    "council paid 1.1 million pounds for the repairs and promised a new coat of paint in spring."
)
BRIDGE_UPDATE = (
    "BRISTOL - Cyclists crossed the restored swing bridge on Wednesday, one day after walkers, "
    "and a first barge passed under it in the afternoon. Engineers said the gears would be "
    "checked every week until the autumn, while the painters wait for a dry and mild spring."
)
_VOCABULARY = (
    "council budget river bridge school teacher farmer market election museum library "
    "hospital nurse doctor train station airport pilot festival concert orchestra theatre "
    "stadium football tennis mayor minister senator court judge lawyer police harbour ship "
    "storm flood drought harvest wheat coffee bakery factory worker union strike salary "
    "energy solar wind battery garden forest park mountain lake island village city region"
)
WORDS = _VOCABULARY.split()


class ApiServer:
    """``python -m worker serve`` on a free port, in its own process group."""

    def __init__(
        self, store_url: str, env: Mapping[str, str] | None = None, host: str = "127.0.0.1"
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(os.environ.get("TEST_LOG_DIR", "/tmp")) / (
            f"serve-{uuid.uuid4().hex[:6]}.log"
        )
        self._log: IO[bytes] = self.log_path.open("wb")
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
        settings = {"INGEST_API_POLL_INTERVAL": "0.2", "INGEST_API_HEARTBEAT": "0.5", **(env or {})}
        argv = [sys.executable, "-m", "worker", "serve", "--host", host, "--port", str(self.port),
                "--store", store_url]  # fmt: skip
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, env={**inherited, **settings}, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 60.0) -> ApiServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ingest serve exited {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"ingest serve not ready after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, as compose and systemd stop it; returns the exit code."""
        stop_group(self.proc, signal.SIGTERM, timeout)
        self._log.close()
        return int(self.proc.returncode)


def generated(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` distinct English records of random sentences (never near duplicates)."""
    rng = random.Random(seed)
    records = []
    for n in range(count):
        words = [rng.choice(WORDS) for _ in range(70)]
        sentences = [" ".join(words[i : i + 10]).capitalize() + "." for i in range(0, 70, 10)]
        records.append({
            "id": f"gen-{seed}-{n:03d}", "title": f"Generated report {seed}-{n}",
            "body": " ".join(sentences), "language": "en", "source": f"generator-{seed}",
            "published_at": f"2024-05-{1 + n % 28:02d}T08:00:00+00:00",
        })  # fmt: skip
    return records


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return path


def ingest(store_url: str, *paths: Path | str) -> None:
    """The real in-process run (``ingest run``), enrichment off to keep it quick."""
    env = {"INGEST_ENRICH": "false"}
    result = run_cli(["run", *map(str, paths), "--store", store_url], env)
    assert result.returncode == 0, result.stderr[-3000:]


def fill(store_url: str, folder: Path) -> None:
    """seeds/, 30 generated articles and a first version at BRIDGE_URL; then its revision,
    an exact copy of the revision and a record without body (rejected, empty_body)."""
    first = write_jsonl(folder / "first.jsonl", [
        *generated(30),
        {"id": "bridge", "url": BRIDGE_URL, "title": "Swing bridge reopens", "body": BRIDGE},
    ])  # fmt: skip
    ingest(store_url, ROOT / "seeds", first)
    second = write_jsonl(folder / "second.jsonl", [
        {"id": "bridge", "url": BRIDGE_URL, "title": "Cyclists cross the bridge",
         "body": BRIDGE_UPDATE},
        {"id": "bridge-copy", "title": "Cyclists cross (a copy)", "body": BRIDGE_UPDATE},
        {"id": "no-body", "title": "A record without a body"},
    ])  # fmt: skip
    ingest(store_url, second)


@dataclass
class Event:
    id: str | None = None
    event: str | None = None
    data: str = ""
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.data)


def events(response: httpx.Response) -> Iterator[Event]:
    """Each event of an SSE response as it arrives; a comment-only block is an event too
    (its ``comments`` set, nothing else)."""
    current = Event()
    for line in response.iter_lines():
        if line == "":
            yield current
            current = Event()
        elif line.startswith(":"):
            current.comments.append(line[1:].strip())
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                current.data = f"{current.data}\n{value}" if current.data else value
            elif name in ("id", "event"):
                setattr(current, name, value)
