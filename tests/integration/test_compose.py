"""docker-compose.yml: valid, and shaped the way the deployment needs it.

No Docker engine runs here; `docker-compose config` (Debian's docker-compose package, or
the `docker compose` plugin) validates and resolves the file without one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from worker.core.settings import Settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "config" / ".env.example"
SECRETS = {
    "REDIS_PASSWORD": "redis-test-pw",
    "POSTGRES_PASSWORD": "pg-test-pw",
    "FLOWER_BASIC_AUTH": "admin:flower-test-pw",
    "INGEST_API_TOKEN": "api-test-token-0123456789",
}
BACKENDS = {"redis", "postgres"}
BUILT_HERE = {"worker", "fetcher", "flower", "producer", "api"}


def compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and _runs(["docker", "compose", "version"]):
        return ["docker", "compose"]
    pytest.skip("neither docker-compose nor the docker compose plugin is installed")


def _runs(argv: list[str]) -> bool:
    return subprocess.run(argv, capture_output=True, check=False).returncode == 0


def compose(
    *args: str,
    env: dict[str, str] | None = None,
    tmp_path: Path,
    env_file: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run compose with exactly `env` as the secrets: no INGEST_*/secret from the caller's
    shell, and an empty --env-file (or `env_file`) so a developer's `.env` does not leak in
    either."""
    if env_file is None:
        env_file = tmp_path / "empty.env"
        env_file.write_text("")
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in SECRETS and not k.startswith(("INGEST_", "POSTGRES_"))
    }
    argv = [*compose_command(), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), *args]
    return subprocess.run(
        argv, cwd=ROOT, env={**clean, **(env or {})}, capture_output=True, text=True, timeout=120
    )


def resolved(tmp_path: Path) -> dict[str, Any]:
    """The resolved configuration, as data."""
    # compose 2.x prints JSON; 1.x does not know --format (it prints its help, exit 0).
    as_json = compose("config", "--format", "json", env=SECRETS, tmp_path=tmp_path)
    if as_json.returncode == 0 and as_json.stdout.lstrip().startswith("{"):
        return json.loads(as_json.stdout)
    as_yaml = compose("config", env=SECRETS, tmp_path=tmp_path)
    assert as_yaml.returncode == 0, as_yaml.stderr
    return yaml_to_data(as_yaml.stdout)


def yaml_to_data(text: str) -> dict[str, Any]:
    try:
        import yaml
    except ImportError:
        return _yaml_via_compose_interpreter(text)
    return yaml.safe_load(text)


def _yaml_via_compose_interpreter(text: str) -> dict[str, Any]:
    # docker-compose 1.x is a Python program that depends on PyYAML: its interpreter can
    # parse what it printed, even where this venv has no PyYAML.
    script = Path(shutil.which("docker-compose") or "")
    first = script.read_text(errors="replace").splitlines()[0] if script.is_file() else ""
    if not first.startswith("#!"):
        pytest.skip("no YAML parser: install PyYAML, or docker compose v2 for --format json")
    code = "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"
    out = subprocess.run(
        [*first[2:].split(), "-c", code], input=text, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return resolved(tmp_path_factory.mktemp("compose"))


@pytest.fixture(scope="module")
def services(config: dict[str, Any]) -> dict[str, Any]:
    return config["services"]


def environment(service: dict[str, Any]) -> dict[str, Any]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # KEY=VALUE form
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def command_text(service: dict[str, Any]) -> str:
    command = service.get("command") or []
    return command if isinstance(command, str) else " ".join(command)


def test_config_is_valid(tmp_path: Path) -> None:
    result = compose("config", "-q", env=SECRETS, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_each_secret_is_required(missing: str, tmp_path: Path) -> None:
    env = {k: v for k, v in SECRETS.items() if k != missing}
    result = compose("config", "-q", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert f"set {missing}" in result.stderr


def example_with(tmp_path: Path, values: dict[str, str]) -> Path:
    """config/.env.example as a user copies it to `.env`, with `values` filled in."""
    lines = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        name = line.split("=", 1)[0]
        lines.append(f"{name}={values[name]}" if "=" in line and name in values else line)
    path = tmp_path / "example.env"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_example_env_file_sets_no_secret() -> None:
    from dotenv import dotenv_values

    values = dotenv_values(ENV_EXAMPLE)
    assert {name: values.get(name) for name in SECRETS} == dict.fromkeys(SECRETS, "")


def test_compose_refuses_the_example_env_file_as_it_is(tmp_path: Path) -> None:
    result = compose("config", "-q", env_file=ENV_EXAMPLE, tmp_path=tmp_path)
    assert result.returncode != 0
    assert re.search(f"set ({'|'.join(SECRETS)})", result.stderr)


@pytest.mark.parametrize("unset", sorted(SECRETS))
def test_compose_names_each_secret_left_as_in_the_example(unset: str, tmp_path: Path) -> None:
    env_file = example_with(tmp_path, {k: v for k, v in SECRETS.items() if k != unset})
    result = compose("config", "-q", env_file=env_file, tmp_path=tmp_path)
    assert result.returncode != 0
    assert f"set {unset}" in result.stderr


def test_compose_accepts_the_example_once_the_secrets_are_set(tmp_path: Path) -> None:
    result = compose("config", env_file=example_with(tmp_path, SECRETS), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"redis://:{SECRETS['REDIS_PASSWORD']}@redis:6379/0" in result.stdout


def test_the_expected_services(services: dict[str, Any]) -> None:
    assert set(services) >= BACKENDS | BUILT_HERE


def test_every_service_has_a_healthcheck(services: dict[str, Any]) -> None:
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_redis_is_persistent_and_password_protected(services: dict[str, Any]) -> None:
    redis = services["redis"]
    mounts = [_mount(v) for v in redis["volumes"]]
    conf = next(m for m in mounts if m["target"].endswith("redis.conf"))
    assert Path(conf["source"]).resolve() == ROOT / "config" / "redis.conf"
    assert conf["target"] in command_text(redis)  # the server is started with that file
    text = (ROOT / "config" / "redis.conf").read_text()
    assert re.search(r"^appendonly yes$", text, re.M)
    assert re.search(r"^maxmemory-policy noeviction$", text, re.M)
    assert any(m["target"] == "/data" for m in mounts), "the append-only file needs a volume"
    assert "requirepass" in command_text(redis)
    assert environment(redis)["REDIS_PASSWORD"] == SECRETS["REDIS_PASSWORD"]
    assert "REDISCLI_AUTH" in " ".join(redis["healthcheck"]["test"])


def test_redis_password_is_not_in_the_command(services: dict[str, Any]) -> None:
    assert SECRETS["REDIS_PASSWORD"] not in command_text(services["redis"])


def test_postgres_has_a_volume_and_the_password(services: dict[str, Any]) -> None:
    postgres = services["postgres"]
    assert any(_mount(v)["target"] == "/var/lib/postgresql/data" for v in postgres["volumes"])
    assert environment(postgres)["POSTGRES_PASSWORD"] == SECRETS["POSTGRES_PASSWORD"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_flower_has_basic_auth_and_port_5555(services: dict[str, Any]) -> None:
    flower = services["flower"]
    assert environment(flower)["FLOWER_BASIC_AUTH"] == SECRETS["FLOWER_BASIC_AUTH"]
    assert "flower" in " ".join([*(flower.get("entrypoint") or []), command_text(flower)])
    assert any(_target_port(p) == 5555 for p in flower["ports"])
    assert "/healthcheck" in " ".join(flower["healthcheck"]["test"])


def test_flower_is_published_on_loopback_only(services: dict[str, Any]) -> None:
    # Flower 2.2 answers /metrics without auth (tests/integration/test_flower.py).
    assert [_host_ip(p) for p in services["flower"]["ports"]] == ["127.0.0.1"]


def test_no_service_publishes_a_metrics_port(services: dict[str, Any]) -> None:
    for name, service in services.items():
        assert all(_target_port(p) != 9808 for p in service.get("ports") or []), name


@pytest.mark.parametrize("name", ["worker", "fetcher"])
def test_worker_metrics_bind_every_address_of_the_container(
    services: dict[str, Any], name: str
) -> None:
    # Loopback by default (Settings.metrics_host); in compose a scraper on the network
    # must reach it, and no host port publishes it.
    assert Settings.model_fields["metrics_host"].default == "127.0.0.1"
    assert environment(services[name])["INGEST_METRICS_HOST"] == "0.0.0.0"


@pytest.mark.parametrize("name", ["worker", "fetcher"])
def test_workers_scale_and_wait_for_healthy_backends(services: dict[str, Any], name: str) -> None:
    worker = services[name]
    assert "container_name" not in worker, "--scale needs generated names"
    assert not worker.get("ports"), "a fixed host port breaks --scale"
    depends = worker["depends_on"]
    assert isinstance(depends, dict), "depends_on needs conditions"
    for backend in BACKENDS:
        assert depends[backend]["condition"] == "service_healthy"
    assert worker.get("restart") == "unless-stopped"
    assert _seconds(worker["stop_grace_period"]) >= 60


def test_worker_urls_point_at_the_compose_services(services: dict[str, Any]) -> None:
    env = environment(services["worker"])
    assert env["INGEST_BROKER_URL"] == f"redis://:{SECRETS['REDIS_PASSWORD']}@redis:6379/0"
    assert env["INGEST_STORE_URL"] == (
        f"postgresql+psycopg://ingest:{SECRETS['POSTGRES_PASSWORD']}@postgres:5432/ingest"
    )


def test_fetcher_uses_a_thread_pool_on_the_fetch_queue(services: dict[str, Any]) -> None:
    command = command_text(services["fetcher"])
    assert "-Q fetch" in command and "-P threads" in command


def test_services_built_here_share_one_image(services: dict[str, Any]) -> None:
    images = {services[name].get("image") for name in BUILT_HERE}
    assert len(images) == 1
    for name in BUILT_HERE:
        assert Path(services[name]["build"]["context"]).resolve() == ROOT, name
    assert (ROOT / "Dockerfile").is_file()


def test_every_setting_reaches_the_containers(services: dict[str, Any]) -> None:
    # A new setting in worker/settings.py must be passed through too, or `.env` cannot
    # set it under docker-compose.
    expected = {f"INGEST_{name.upper()}" for name in Settings.model_fields}
    for name in BUILT_HERE:
        passed = {key for key in environment(services[name]) if key.startswith("INGEST_")}
        assert passed == expected, (
            f"{name}: missing {expected - passed}, unknown {passed - expected}"
        )


def test_api_requires_its_token_and_is_published_on_loopback(services: dict[str, Any]) -> None:
    api = services["api"]
    assert "serve --host 0.0.0.0" in command_text(api)
    assert environment(api)["INGEST_API_TOKEN"] == SECRETS["INGEST_API_TOKEN"]
    assert [(_host_ip(p), _target_port(p)) for p in api["ports"]] == [("127.0.0.1", 8000)]
    assert "/healthz" in " ".join(api["healthcheck"]["test"])
    for name in BUILT_HERE - {"api"}:  # the others get an empty token, not the secret
        assert environment(services[name])["INGEST_API_TOKEN"] == "", name


def test_producer_is_a_one_shot_under_a_profile(services: dict[str, Any]) -> None:
    producer = services["producer"]
    assert producer.get("profiles") == ["producer"]
    assert "enqueue" in command_text(producer)
    seeds = next(_mount(v) for v in producer["volumes"] if _mount(v)["target"] == "/app/seeds")
    assert Path(seeds["source"]).resolve() == ROOT / "seeds"
    assert seeds["read_only"]


def test_compose_sees_the_profiles(tmp_path: Path) -> None:
    # producer: the one-shot enqueue; monitoring: Prometheus and Grafana (test_dashboard.py)
    result = compose("config", "--profiles", env=SECRETS, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == ["monitoring", "producer"]


def _mount(volume: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(volume, dict):
        return {"read_only": bool(volume.get("read_only")), **volume}
    parts = volume.split(":")
    return {"source": parts[0], "target": parts[1], "read_only": "ro" in parts[2:]}


def _target_port(port: str | dict[str, Any]) -> int:
    if isinstance(port, dict):
        return int(port["target"])
    return int(port.split("/")[0].rsplit(":", 1)[-1])


def _host_ip(port: str | dict[str, Any]) -> str:
    if isinstance(port, dict):
        return str(port.get("host_ip") or "0.0.0.0")
    parts = port.split("/")[0].split(":")
    return parts[0] if len(parts) == 3 else "0.0.0.0"


def _seconds(duration: str | int | float) -> float:
    if isinstance(duration, int | float):
        return duration / 1e9 if duration > 10_000 else duration  # v2 JSON: nanoseconds
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(float(n) * units[u] for n, u in re.findall(r"([\d.]+)(ms|h|m|s)", duration))


def test_postgres_is_sized_for_the_dedup_index(tmp_path: Path) -> None:
    # The defaults (128 MB of buffers, a checkpoint every 1 GB of WAL, pages logged whole)
    # halved throughput at a million stored articles; shared_buffers can be set in .env.
    command = resolved(tmp_path)["services"]["postgres"]["command"]
    settings = dict(arg.split("=", 1) for arg in command if "=" in arg)
    assert settings == {
        "shared_buffers": "1GB",
        "max_wal_size": "8GB",
        "checkpoint_timeout": "15min",
        "wal_compression": "lz4",
    }
    custom = tmp_path / "custom.env"
    custom.write_text("POSTGRES_SHARED_BUFFERS=4GB\n")
    as_yaml = compose("config", env=SECRETS, tmp_path=tmp_path, env_file=custom)
    assert as_yaml.returncode == 0, as_yaml.stderr
    assert "shared_buffers=4GB" in as_yaml.stdout
