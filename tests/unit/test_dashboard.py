"""The Grafana dashboard's own shape: its PromQL reads, the provisioned data source, the
scrape job it names; and the checker that tests/integration/test_dashboard.py runs against a
real worker's /metrics, shown to catch a metric or a label no worker serves."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests.dashboard import (
    DASHBOARD_PROVIDERS,
    DATASOURCES,
    PROMETHEUS_CONFIG,
    PromQLError,
    expressions,
    load,
    panels,
    problems,
    read,
    served_labels,
)
from worker.observe.metrics import Metrics, QueueDepth, SweepResent


def test_reads_names_labels_and_grouping() -> None:
    reading = read(
        "histogram_quantile(0.95, sum by (le, stage) "
        '(rate(ingest_stage_seconds_bucket{stage!="total"}[$__rate_interval])))'
    )
    assert reading.names == {"ingest_stage_seconds_bucket"}
    assert reading.selectors[0].matchers == [("stage", "!=", "total")]
    assert reading.grouping == {"le", "stage"}
    both = read("sum(rate(a_sum[5m])) / on (job) group_left(x) sum(rate(a_count[1h30m] offset 1d))")
    assert both.names == {"a_sum", "a_count"} and both.grouping == {"job", "x"}
    assert read("sum(increase(c_total[$__range])) or vector(0)").names == {"c_total"}
    assert read('max(up{job="ingest"}) by (service)').grouping == {"service"}
    assert read("rate(x[5m:1m]) > bool 0").names == {"x"}


@pytest.mark.parametrize(
    "expr",
    [
        "sum(rat(ingest_items_total[5m]))",  # a misspelt function
        "sum(rate(ingest_items_total[5m])",  # unbalanced
        '{__name__="ingest_items_total"}',  # no metric name to check
        "ingest_items_total{outcome=stored}",  # an unquoted value
        "ingest_items_total ~ 1",  # a stray character
    ],
)
def test_refuses_what_it_does_not_understand(expr: str) -> None:
    with pytest.raises(PromQLError):
        read(expr)


def test_every_expression_of_the_dashboard_reads_a_series() -> None:
    found = expressions(load())
    assert len(found) >= 15
    for title, expr in found:
        assert read(expr).selectors, title


def provisioned_uid() -> str:
    (source,) = yaml.safe_load(DATASOURCES.read_text())["datasources"]
    assert source["type"] == "prometheus" and source["uid"]
    return str(source["uid"])


def test_every_panel_and_query_uses_the_provisioned_datasource() -> None:
    uid = provisioned_uid()
    dashboard = load()
    assert "__inputs" not in dashboard, "an exported dashboard asks for its data source"
    queried = [p for p in panels(dashboard) if p.get("targets")]
    assert queried
    for panel in queried:
        assert panel["datasource"] == {"type": "prometheus", "uid": uid}, panel["title"]
        for target in panel["targets"]:
            assert target.get("datasource", panel["datasource"])["uid"] == uid, panel["title"]
    assert [p for p in panels(dashboard) if p["type"] not in ("row", "text")] == queried


def test_the_datasource_is_the_compose_prometheus() -> None:
    (source,) = yaml.safe_load(DATASOURCES.read_text())["datasources"]
    # the service name and port of docker-compose.yml's prometheus (test_dashboard.py there)
    assert source["url"] == "http://prometheus:9090" and source["access"] == "proxy"


def test_the_provider_loads_the_dashboards_folder() -> None:
    (provider,) = yaml.safe_load(DASHBOARD_PROVIDERS.read_text())["providers"]
    assert provider["type"] == "file" and provider["options"]["path"] == "/etc/grafana/dashboards"


def test_job_matchers_name_the_scrape_job() -> None:
    jobs = {
        job["job_name"] for job in yaml.safe_load(PROMETHEUS_CONFIG.read_text())["scrape_configs"]
    }
    named = {
        value
        for _title, expr in expressions(load())
        for selector in read(expr).selectors
        for label, _op, value in selector.matchers
        if label == "job"
    }
    assert named and named <= jobs


def test_story_assignment_time_is_not_charted_yet() -> None:
    # Stories are not built: no metric exists to chart; the description says so.
    assert "Story assignment time is not here yet" in load()["description"]


# --- the checker the integration test runs, on a /metrics it is given ------------------------


def registry_labels() -> dict[str, set[str]]:
    """What a worker's registry serves once each labelled metric has a sample (the real
    endpoint's text is checked by tests/integration/test_dashboard.py)."""
    registry = CollectorRegistry()
    m = Metrics(registry)
    for metric in (m.items, m.batches, m.stage_seconds, m.quarantined):
        metric.labels(*["x"] * len(metric._labelnames))
    registry.register(QueueDepth(lambda queue: 0, ["ingest"]))
    registry.register(SweepResent())
    return served_labels(text_string_to_metric_families(generate_latest(registry).decode()))


SERVED = registry_labels()


def with_expr(dashboard: dict[str, Any], expr: str) -> dict[str, Any]:
    changed = copy.deepcopy(dashboard)
    next(p for p in panels(changed) if p.get("targets"))["targets"][0]["expr"] = expr
    return changed


def test_the_checker_passes_the_dashboard_on_these_metrics() -> None:
    assert problems(load(), SERVED) == []


@pytest.mark.parametrize(
    ("expr", "complaint"),
    [
        ("sum(rate(ingest_stories_assigned_total[5m]))", "no worker serves"),
        ("sum(rate(ingest_items[5m]))", "no worker serves ingest_items"),  # the _total missing
        ("rate(ingest_stage_seconds[5m])", "no worker serves"),  # a histogram without suffix
        ('sum(rate(ingest_items_total{outcom="stored"}[5m]))', "has no label outcom"),
        ("sum by (stage) (rate(ingest_items_total[5m]))", "grouped by stage"),
        ("sum(rat(ingest_items_total[5m]))", "unknown function"),
        ("vector(1)", "reads no series"),
    ],
)
def test_the_checker_names_what_no_worker_serves(expr: str, complaint: str) -> None:
    found = problems(with_expr(load(), expr), SERVED)
    assert len(found) == 1 and complaint in found[0], found
