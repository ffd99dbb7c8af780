"""The Grafana dashboard against what really runs: every metric it charts is served by a real
worker's /metrics (quarantines and sweep re-sends included, after both happened), and the
`monitoring` compose profile scrapes the workers where docker-compose.yml exposes them and
provisions Grafana from the repository."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from tests.dashboard import (
    DASHBOARD,
    DASHBOARD_PROVIDERS,
    DATASOURCES,
    PROMETHEUS_CONFIG,
    expressions,
    load,
    problems,
    read,
    served_labels,
)
from tests.integration.test_compose import (
    SECRETS,
    _host_ip,
    _mount,
    _target_port,
    compose,
    environment,
    yaml_to_data,
)
from tests.support import run_cli, wait_until, workers
from worker.core.keys import item_key, new_run_id
from worker.core.models import Kind, RawItem
from worker.core.settings import Settings
from worker.store import Store

pytestmark = pytest.mark.integration
PORT = 19863
POISON = """
CREATE TRIGGER poison BEFORE INSERT ON articles WHEN NEW.title = 'poison'
BEGIN SELECT RAISE(ABORT, 'storage policy refuses this article'); END
"""


def scrape(port: int) -> str:
    url = f"http://127.0.0.1:{port}/metrics"
    return str(urllib.request.urlopen(url, timeout=5).read().decode())


def resent(port: int) -> float:
    for family in text_string_to_metric_families(scrape(port)):
        for sample in family.samples:
            if sample.name == "ingest_sweep_resent_total":
                return float(sample.value)
    return 0.0


def lost_items(count: int) -> list[RawItem]:
    """Items registered by a producer that died before publishing them."""
    run = new_run_id()
    return [
        RawItem(
            item_key=item_key(run, n),
            source="lost.jsonl",
            kind=Kind.RECORD,
            payload={"record": {"title": f"Lost {n}", "body": f"Lost article {n} has a body."}},
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_worker_serves_every_metric_the_dashboard_uses(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(POISON))  # one item will be quarantined (store_refused)
    store.register(lost_items(3), datetime.now(UTC) - timedelta(hours=1))  # for the sweep
    lines = [
        {"title": "fine", "body": "A good article with a body of its own, stored as it is."},
        {"title": "poison", "body": "This article cannot be stored until the policy changes."},
        {"title": "fine", "body": "A good article with a body of its own, stored as it is."},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    # The sweep runs every max(10 s, visibility timeout): 10 s here, not 30.
    env = {**env, "INGEST_METRICS_PORT": str(PORT), "INGEST_VISIBILITY_TIMEOUT": "10"}
    with workers(env, count=1, concurrency=1):
        result = run_cli(["enqueue", str(path), "--wait", "--timeout", "60"], env)
        assert result.returncode == 0, result.stderr
        assert wait_until(lambda: resent(PORT) == 3, timeout=60), scrape(PORT)
        assert wait_until(lambda: "pending" not in store.stats()["by_status"], timeout=30)
        served = scrape(PORT)
    families = list(text_string_to_metric_families(served))
    values = {
        (s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples
    }
    assert values[("ingest_quarantined_total", (("reason", "store_refused"),))] == 1
    # rare events are served at 0 before they happen, so the first one is an increase
    assert values[("ingest_quarantined_total", (("reason", "crashed_worker"),))] == 0
    assert values[("ingest_batches_total", (("result", "handed_back"),))] == 0
    assert values[("ingest_sweep_resent_total", ())] == 3
    assert store.stats()["by_status"] == {"stored": 4, "duplicate": 1, "rejected": 1}

    dashboard = load()
    assert problems(dashboard, served_labels(families)) == []
    # and the other way round: every metric the workers serve has a panel
    charted = {name for _title, expr in expressions(dashboard) for name in read(expr).names}
    ours = [f for f in families if f.name.startswith("ingest_")]
    assert len(ours) >= 7
    for family in ours:
        assert {s.name for s in family.samples} & charted, f"no panel shows {family.name}"


# --- the `monitoring` compose profile ------------------------------------------------------


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("monitoring")
    result = compose("--profile", "monitoring", "config", env=SECRETS, tmp_path=tmp)
    assert result.returncode == 0, result.stderr
    return dict(yaml_to_data(result.stdout)["services"])


def scrape_job() -> dict[str, Any]:
    (job,) = yaml.safe_load(PROMETHEUS_CONFIG.read_text())["scrape_configs"]
    return dict(job)


def test_monitoring_services_are_under_the_profile(services: dict[str, Any]) -> None:
    assert services["prometheus"]["profiles"] == ["monitoring"]
    assert services["grafana"]["profiles"] == ["monitoring"]
    for name in ("redis", "postgres", "worker", "fetcher", "flower"):
        assert not services[name].get("profiles"), name


def test_prometheus_scrapes_the_port_the_workers_expose(services: dict[str, Any]) -> None:
    job = scrape_job()
    (discovery,) = job["dns_sd_configs"]
    assert discovery["type"] == "A"  # every replica's address, so --scale needs no change
    default = Settings.model_fields["metrics_port"].default
    assert sorted(discovery["names"]) == ["fetcher", "worker"]
    for name in discovery["names"]:
        service = services[name]
        exposed = {int(str(port).split("/")[0]) for port in service.get("expose") or []}
        assert discovery["port"] in exposed, f"{name} does not expose {discovery['port']}"
        # the port the worker really binds: INGEST_METRICS_PORT, left to its default here
        assert environment(service).get("INGEST_METRICS_PORT") in (None, "", str(default))
        assert discovery["port"] == default
        assert environment(service)["INGEST_METRICS_HOST"] == "0.0.0.0"
        assert not service.get("ports"), f"{name} publishes a host port"
    mounted = {_mount(v)["target"]: _mount(v) for v in services["prometheus"]["volumes"]}
    config = mounted["/etc/prometheus/prometheus.yml"]
    assert Path(config["source"]).resolve() == PROMETHEUS_CONFIG and config["read_only"]


def test_prometheus_and_the_workers_share_a_network(services: dict[str, Any]) -> None:
    def networks(service: dict[str, Any]) -> set[str]:
        return set(service.get("networks") or ["default"])

    for name in ("worker", "fetcher", "grafana"):
        assert networks(services["prometheus"]) & networks(services[name]), name


def test_grafana_datasource_is_the_compose_prometheus(services: dict[str, Any]) -> None:
    (source,) = yaml.safe_load(DATASOURCES.read_text())["datasources"]
    url = urlsplit(source["url"])
    assert url.hostname in services and url.hostname == "prometheus"
    assert url.port == 9090  # Prometheus's listening port in its image
    assert {_target_port(p) for p in services["prometheus"]["ports"]} == {9090}


def test_grafana_is_provisioned_from_the_repository(services: dict[str, Any]) -> None:
    grafana = services["grafana"]
    mounts = {_mount(v)["target"]: _mount(v) for v in grafana["volumes"]}

    def host_path(container_path: str) -> Path:
        for target, mount in mounts.items():
            inside = PurePosixPath(container_path)
            if inside == PurePosixPath(target) or PurePosixPath(target) in inside.parents:
                assert mount["read_only"], target
                rest = inside.relative_to(target)
                return Path(mount["source"]).resolve() / rest
        raise AssertionError(f"{container_path} is not mounted")

    assert host_path("/etc/grafana/provisioning/datasources/prometheus.yml") == DATASOURCES
    assert host_path("/etc/grafana/provisioning/dashboards/ingest.yml") == DASHBOARD_PROVIDERS
    (provider,) = yaml.safe_load(DASHBOARD_PROVIDERS.read_text())["providers"]
    assert host_path(provider["options"]["path"]) == DASHBOARD.parent
    env = environment(grafana)
    assert host_path(env["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]) == DASHBOARD
    # no clicks, and no password: anonymous viewers, no admin account, no login
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "true"
    assert env["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
    assert env["GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION"] == "true"
    assert env["GF_AUTH_DISABLE_LOGIN_FORM"] == "true" and env["GF_AUTH_BASIC_ENABLED"] == "false"
    assert grafana["depends_on"]["prometheus"]["condition"] == "service_healthy"


def test_monitoring_is_published_on_loopback_only(services: dict[str, Any]) -> None:
    # Prometheus has no authentication, and Grafana lets anyone view.
    for name in ("prometheus", "grafana"):
        assert [_host_ip(p) for p in services[name]["ports"]] == ["127.0.0.1"], name
