"""The Grafana dashboard (config/grafana/dashboards/ingest.json) read back: its PromQL
expressions, the metric names and labels they select, and what a worker's /metrics lacks.

A small PromQL reader: a tokenizer for the whole language (strings, numbers, durations,
Grafana's ``$variables``, operators) and a walk over the tokens that tells a series
selector from a function, an aggregation, a keyword and a grouping clause. Enough to name
every series an expression reads and every label it matches or groups by, and to refuse
what it does not understand (an unknown function, an unbalanced bracket, a stray
character, a selector without a metric name) rather than pass it silently.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "config" / "grafana" / "dashboards" / "ingest.json"
DATASOURCES = ROOT / "config" / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD_PROVIDERS = ROOT / "config" / "grafana" / "provisioning" / "dashboards" / "ingest.yml"
PROMETHEUS_CONFIG = ROOT / "config" / "prometheus.yml"

# Series Prometheus itself writes for each scrape target, and the labels it attaches to
# every scraped series (job and instance; service comes from config/prometheus.yml).
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
TARGET_LABELS = {"job", "instance", "service"}

AGGREGATORS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio",
}  # fmt: skip
FUNCTIONS = {
    "abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max",
    "clamp_min", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "delta",
    "deriv", "exp", "floor", "histogram_avg", "histogram_count", "histogram_fraction",
    "histogram_quantile", "histogram_stddev", "histogram_stdvar", "histogram_sum", "hour",
    "idelta", "increase", "irate", "label_join", "label_replace", "ln", "log2", "log10",
    "minute", "month", "predict_linear", "rate", "resets", "round", "scalar", "sgn", "sort",
    "sort_desc", "sort_by_label", "sort_by_label_desc", "sqrt", "time", "timestamp",
    "vector", "year", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
    "count_over_time", "quantile_over_time", "stddev_over_time", "stdvar_over_time",
    "last_over_time", "present_over_time", "mad_over_time",
}  # fmt: skip
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan"}

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)
      | (?P<var>\$\{[^}]+\}|\$\w+)
      | (?P<duration>(?:\d+(?:ms|[smhdwy]))+(?![\w.]))
      | (?P<number>0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
      | (?P<op>=~|!~|==|!=|<=|>=|[-+*/%^<>=,(){}\[\]@:])
    """,
    re.VERBOSE,
)


class PromQLError(ValueError):
    """An expression this reader does not accept."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


@dataclass
class Selector:
    name: str
    matchers: list[tuple[str, str, str]] = field(default_factory=list)  # label, op, value


@dataclass
class Reading:
    """What one expression reads: its series selectors and its grouping labels."""

    selectors: list[Selector]
    grouping: set[str]

    @property
    def names(self) -> set[str]:
        return {s.name for s in self.selectors}


def tokens(expr: str) -> list[Token]:
    found: list[Token] = []
    at = 0
    while at < len(expr):
        match = _TOKEN.match(expr, at)
        if match is None:
            raise PromQLError(f"unexpected {expr[at]!r} at {at} in {expr!r}")
        assert match.lastgroup is not None
        if match.lastgroup != "ws":
            found.append(Token(match.lastgroup, match.group()))
        at = match.end()
    return found


def read(expr: str) -> Reading:
    """The series ``expr`` selects and the labels it groups by (see the module's docstring)."""
    toks = tokens(expr)
    _check_balance(toks, expr)
    selectors: list[Selector] = []
    grouping: set[str] = set()
    i = 0
    while i < len(toks):
        tok = toks[i]
        after = toks[i + 1].text if i + 1 < len(toks) else ""
        if tok.text == "[":  # a range or subquery: durations and variables only
            i = _index_of(toks, "]", i) + 1
            continue
        if tok.text == "{":  # a selector without a metric name before it
            raise PromQLError(f"a selector without a metric name in {expr!r}")
        if tok.kind != "ident":
            i += 1
            continue
        word = tok.text
        if word in GROUPING:
            if after == "(":
                end = _index_of(toks, ")", i + 1)
                grouping |= {t.text for t in toks[i + 2 : end] if t.kind == "ident"}
                i = end + 1
            else:
                i += 1
            continue
        if word.lower() in KEYWORDS:
            i += 1
            continue
        if after == "(" or (word in AGGREGATORS and after in ("by", "without")):
            if word not in FUNCTIONS | AGGREGATORS:
                raise PromQLError(f"unknown function {word}() in {expr!r}")
            i += 1
            continue
        selector = Selector(word)
        i += 1
        if i < len(toks) and toks[i].text == "{":
            end = _index_of(toks, "}", i)
            selector.matchers = _matchers(toks[i + 1 : end], expr)
            i = end + 1
        selectors.append(selector)
    return Reading(selectors, grouping)


def _matchers(toks: list[Token], expr: str) -> list[tuple[str, str, str]]:
    found = []
    parts = [t for t in toks if t.text != ","]
    if len(parts) % 3:
        raise PromQLError(f"malformed label matchers in {expr!r}")
    for label, op, value in zip(parts[::3], parts[1::3], parts[2::3], strict=True):
        if (
            label.kind != "ident"
            or op.text not in ("=", "!=", "=~", "!~")
            or value.kind != "string"
        ):
            raise PromQLError(f"malformed label matcher {label.text}{op.text}{value.text}")
        text = value.text[1:-1] if value.text[0] == "`" else ast.literal_eval(value.text)
        found.append((label.text, op.text, text))
    return found


def _index_of(toks: list[Token], closing: str, start: int) -> int:
    for j in range(start, len(toks)):
        if toks[j].text == closing:
            return j
    raise PromQLError(f"no {closing!r} after token {start}")


def _check_balance(toks: list[Token], expr: str) -> None:
    pairs, stack = {")": "(", "]": "[", "}": "{"}, []
    for tok in toks:
        if tok.kind != "op":
            continue
        if tok.text in "([{":
            stack.append(tok.text)
        elif tok.text in pairs and (not stack or stack.pop() != pairs[tok.text]):
            raise PromQLError(f"unbalanced {tok.text!r} in {expr!r}")
    if stack:
        raise PromQLError(f"unclosed {stack[-1]!r} in {expr!r}")


# --- the dashboard ----------------------------------------------------------------------


def load(path: Path = DASHBOARD) -> dict[str, Any]:
    return json.loads(path.read_text())


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, those inside collapsed rows included."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def expressions(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, PromQL) of every query of every panel."""
    return [
        (panel.get("title", ""), target["expr"])
        for panel in panels(dashboard)
        for target in panel.get("targets", [])
        if "expr" in target
    ]


def served_labels(samples: Any) -> dict[str, set[str]]:
    """Sample name -> its label names, from parsed /metrics families."""
    found: dict[str, set[str]] = {}
    for family in samples:
        for sample in family.samples:
            found.setdefault(sample.name, set()).update(sample.labels)
    return found


def problems(dashboard: dict[str, Any], served: dict[str, set[str]]) -> list[str]:
    """What the dashboard reads that the workers do not serve: metric names (the sample names
    Prometheus stores: ``_total`` of counters, ``_bucket``/``_sum``/``_count`` of histograms)
    and the labels each expression matches or groups by."""
    found = []
    for title, expr in expressions(dashboard):
        try:
            reading = read(expr)
        except PromQLError as exc:
            found.append(f"{title}: {exc}")
            continue
        if not reading.selectors:
            found.append(f"{title}: reads no series: {expr}")
        labels = set(TARGET_LABELS)
        for selector in reading.selectors:
            if selector.name in PROMETHEUS_SERIES:
                continue
            if selector.name not in served:
                found.append(f"{title}: no worker serves {selector.name}")
                continue
            labels |= served[selector.name]
            for label, _op, _value in selector.matchers:
                if label not in served[selector.name] | TARGET_LABELS:
                    found.append(f"{title}: {selector.name} has no label {label}")
        for label in sorted(reading.grouping - labels):
            found.append(f"{title}: grouped by {label}, which no series here has")
    return found
