"""The CLI as a user runs it, in a fresh folder with the embedded store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import ROOT, run_cli, workers

pytestmark = pytest.mark.e2e

SEED_TITLE = (
    "Le Kremlin exhorte à désescalper les relations entre l'Iran et l'Israël "
    "à briser les relations entre les deux pays"
)


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    # No INGEST_STORE_URL: the embedded default (data/ under the working folder) is used.
    return {"INGEST_ENRICH": "false", "TEST_LOG_DIR": str(tmp_path)}


def test_run_seeds_twice_then_export(tmp_path: Path, user_env: dict[str, str]) -> None:
    first = run_cli(["run", str(ROOT / "seeds")], user_env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "stored" in first.stdout and "total" in first.stdout
    assert (tmp_path / "data" / "ingest.db").exists()
    second = run_cli(["run", str(ROOT / "seeds")], user_env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "duplicate" in second.stdout and "stored" not in second.stdout

    exported = run_cli(["export"], user_env, cwd=tmp_path)
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    seed = next(r for r in records if r["source"].endswith("000_33deb995d6668e48.txt"))
    assert seed["title"] == SEED_TITLE
    assert seed["language"] == "fr"
    assert seed["body"].startswith("JAKARTA")
    assert len(seed["fingerprint"]) == 64
    kinds = {r["kind"] for r in records}
    assert kinds == {"text", "record", "html"}  # feed entries are records
    assert len(records) == len({r["fingerprint"] for r in records})

    duplicates = run_cli(["export", "--status", "duplicate"], user_env, cwd=tmp_path)
    dup_rows = [json.loads(line) for line in duplicates.stdout.splitlines()]
    assert len(dup_rows) == len(records)
    assert {d["duplicate_of"] for d in dup_rows} == {r["id"] for r in records}


def test_stats_and_stdin(tmp_path: Path, user_env: dict[str, str]) -> None:
    good = '{"title": "From stdin", "body": "A story piped in on standard input, one line."}'
    lines = f"{good}\nnot json\n"
    result = run_cli(["run", "-"], user_env, cwd=tmp_path, stdin=lines)
    assert result.returncode == 0, result.stderr
    stats = run_cli(["stats", "--json"], user_env, cwd=tmp_path)
    data = json.loads(stats.stdout)
    assert data["by_status"] == {"rejected": 1, "stored": 1}
    assert data["by_reason"] == {"invalid_json": 1}
    assert data["by_source"] == {"stdin:1": 1, "stdin:2": 1}
    table = run_cli(["stats"], user_env, cwd=tmp_path)
    assert "invalid_json" in table.stdout and "language" in table.stdout


def test_producer_script_with_a_worker(tmp_path: Path, user_env: dict[str, str]) -> None:
    from tests.support import fresh_redis_db

    env = {**user_env, "INGEST_BROKER_URL": fresh_redis_db(12),
           "INGEST_STORE_URL": f"sqlite:///{tmp_path}/store.db"}  # fmt: skip
    import subprocess
    import sys

    with workers(env, count=1, concurrency=1):
        produced = subprocess.run(
            [sys.executable, "-m", "worker.producer", str(ROOT / "seeds")],
            cwd=ROOT, env={**__import__("os").environ, **env}, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert produced.returncode == 0, produced.stderr
        run_id = produced.stdout.strip().splitlines()[-1]
        from tests.support import wait_until
        from worker.store import Store

        store = Store(env["INGEST_STORE_URL"])
        stats = wait_until(
            lambda: (s := store.stats(run_id))["by_status"] == {"stored": 7} and s, 60
        )
    assert stats and stats["items"] == 7
