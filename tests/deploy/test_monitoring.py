"""deploy/monitoring/: the alert rules and the Grafana dashboard are well-formed, and every metric they query is
one the app exports (shop_video/ops/metrics.py and django-prometheus), with the labels they match on; the web
request metrics they read are ones that actually move when a request is served."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from shop_video import queues
from tests.deploy.manifests import ROOT

MONITORING = ROOT / "deploy" / "monitoring"
# PromQL words that look like metric names but are not (keywords, aggregation modifiers).
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"}


def _alert_rules() -> list[dict]:
    document = yaml.safe_load((MONITORING / "alerts.yaml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def _dashboard() -> dict:
    return json.loads((MONITORING / "grafana-dashboard.json").read_text())


def _expressions() -> list[str]:
    exprs = [rule["expr"] for rule in _alert_rules()]
    exprs += [target["expr"] for panel in _dashboard()["panels"] for target in panel.get("targets", [])]
    return exprs


def metric_selectors(expr: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names matched in its braces) for every series selector in a PromQL expression."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings can hold anything
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range and subquery durations
    found = []
    for match in re.finditer(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?\s*(\()?", text):
        name, braces, call = match.groups()
        if call or name in _KEYWORDS:
            continue  # a function (rate, histogram_quantile, ...) or a keyword
        labels = set(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", braces or ""))
        found.append((name, labels))
    return found


def test_the_selector_reader_finds_metrics_and_their_matched_labels():
    expr = 'histogram_quantile(0.99, sum by (le, view) (rate(a_bucket{view=~"x.*", status!="5"}[5m]))) > b and on () c'
    assert metric_selectors(expr) == [("a_bucket", {"view", "status"}), ("b", set()), ("c", set())]


def test_every_alert_rule_is_complete():
    rules = _alert_rules()
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names))
    for rule in rules:
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert re.fullmatch(r"\d+[smh]", rule["for"]) and rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]
    # The ones the issue names: queue growing, shots failing, GPU idle while its queue waits, a worker down.
    assert {
        "ShopVideoQueueGrowing",
        "ShopVideoShotsFailing",
        "ShopVideoGpuIdleWhileQueued",
        "ShopVideoWorkerDown",
    } <= set(names)


def test_the_dashboard_is_a_grafana_dashboard():
    dashboard = _dashboard()
    assert dashboard["uid"] and dashboard["schemaVersion"] >= 36
    assert [v["name"] for v in dashboard["templating"]["list"]] == ["datasource"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]) and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}" and panel["targets"], panel["title"]
            assert [t["refId"] for t in panel["targets"]] == [chr(65 + i) for i in range(len(panel["targets"]))]


def _label_names(collector) -> set[str]:
    return set(getattr(collector, "_labelnames", ()))


@pytest.mark.django_db
def test_every_metric_queried_is_exported_with_the_labels_matched(client):
    from shop_video.ops import metrics

    client.get("/api/v1/me")  # one request through the middleware: the web request metrics have samples now
    exported: dict[str, set[str]] = {}
    for name, collector in REGISTRY._names_to_collectors.items():  # every series name the registry will write
        exported[name] = _label_names(collector)
    # Worker-only series are in no registry (a web process must not report a "last task" of 0): added by hand.
    exported[metrics.WORKER_LAST_TASK._name] = _label_names(metrics.WORKER_LAST_TASK)
    body, _ = metrics.web_exposition()
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, set()).update(sample.labels)
    for name, labels in samples.items():
        exported.setdefault(name, set()).update(labels)
    assert {f'shop_video_queue_depth{{queue="{q}"}}' for q in queues.names()} <= {
        f'{s.name}{{queue="{s.labels["queue"]}"}}'
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
        if s.name == "shop_video_queue_depth"
    }
    used = [selector for expr in _expressions() for selector in metric_selectors(expr)]
    assert len({name for name, _ in used}) >= 10
    for name, labels in used:
        assert name in exported, f"{name} is not a metric the app exports"
        assert labels <= exported[name] | {"le"}, f"{name} has no label {sorted(labels - exported[name])}"
        if name.startswith("django_"):  # registered is not enough: the middleware must move it
            assert name in samples, f"{name} is registered but no request moves it (shop_video/ops/middleware.py)"


def test_the_views_a_panel_picks_are_named_routes():
    from django.urls import NoReverseMatch, reverse

    picked = [
        name
        for expr in _expressions()
        for alternatives in re.findall(r'\bview=~?"([^"]+)"', expr)
        for name in alternatives.split("|")
    ]
    assert "api-product-videos" in picked
    for name in picked:
        try:
            reverse(name)
        except NoReverseMatch as exc:  # a route that needs arguments: it exists, with its patterns tried
            assert "pattern(s) tried" in str(exc), f"{name} is not a named route: {exc}"
