"""deploy/observability and the KEDA scaling in deploy/k8s, checked against the code.

Every metric the Grafana dashboard and the alert rules query is one the code registers in
prometheus_client's registry (imported here, read from REGISTRY); every consuming service scales on
the lag of its own consumer group over exactly the topics its handlers consume, never beyond the
topics' partition count, as its own Kafka principal; no CPU autoscaler is left."""
from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

from yidi_common.events.registry import SERVICES

from .test_deploy_manifests import _consumed, _env, _kafka_users, _pod, _yaml_documents

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
OBSERVABILITY = ROOT / "deploy" / "observability"
DASHBOARD = OBSERVABILITY / "grafana" / "yidi.json"
ALERTS = OBSERVABILITY / "prometheus" / "alerts.yaml"
METRIC = re.compile(r"\byidi_[a-z0-9_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",),
            "summary": ("_count", "_sum", "")}


def _defining_modules(name: str) -> list[str]:
    """The modules of libs/ and services/ whose source names a metric (its family name, in quotes)."""
    family = re.sub(r"_(total|bucket|count|sum)$", "", name)
    found = []
    for source in [*(ROOT / "libs").rglob("yidi_*/**/*.py"), *(ROOT / "services").rglob("yidi_*/**/*.py")]:
        if f'"{family}"' in source.read_text(encoding="utf-8"):
            package_root = next(p for p in source.parents if p.name.startswith("yidi_")).parent
            found.append(".".join(source.relative_to(package_root).with_suffix("").parts))
    return found


def _registered() -> set[str]:
    """Every series name the registry exposes, including those of metrics with no labelled child yet."""
    names = set()
    for family in REGISTRY.collect():
        names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
    return names


def _dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    queries += [v["query"]["query"] for v in dashboard["templating"]["list"] if isinstance(v.get("query"), dict)]
    return queries


def _alert_rules() -> list[dict]:
    rule, = _yaml_documents(ALERTS)
    assert rule["kind"] == "PrometheusRule" and rule["apiVersion"] == "monitoring.coreos.com/v1"
    return [r for group in rule["spec"]["groups"] for r in group["rules"]]


def _queried() -> set[str]:
    return {m for q in _dashboard_queries() + [r["expr"] for r in _alert_rules()] for m in METRIC.findall(q)}


def _unregistered(names: set[str]) -> set[str]:
    """Those of `names` the registry does not expose once every module naming them is imported."""
    importlib.import_module("yidi_common.metrics")
    for name in names:
        for module in _defining_modules(name):
            importlib.import_module(module)
    return names - _registered()


def test_the_dashboard_and_the_alerts_query_only_metrics_the_code_registers():
    used = _queried()
    assert {"yidi_consumer_lag", "yidi_events_handled_total", "yidi_event_handling_seconds_bucket",
            "yidi_outbox_backlog", "yidi_dead_letters_total", "yidi_http_request_duration_seconds_bucket"} <= used
    assert _unregistered({n for n in used if not n.startswith("yidi_subscription_")}) == set()


def test_the_webhook_metrics_they_query_are_the_subscriptions_services():
    used = {n for n in _queried() if n.startswith("yidi_subscription_")}
    assert used == {"yidi_subscription_deliveries_total", "yidi_subscription_delivery_failures_total",
                    "yidi_subscription_delivery_seconds_bucket", "yidi_subscription_backlog"}
    if not any(_defining_modules(n) for n in used):
        pytest.skip("the subscriptions service defines no delivery metrics yet (issue 15 item 1)")
    assert _unregistered(used) == set()


def test_every_alert_is_complete():
    rules = _alert_rules()
    assert {r["alert"] for r in rules} >= {"YidiConsumerLagGrowing", "YidiDeadLetter", "YidiOutboxBacklogStuck",
                                           "YidiWebhookFailing"}
    for rule in rules:
        assert rule["expr"].strip() and rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]


def test_the_observability_overlay_lists_its_manifests_and_scrapes_every_service():
    kustomization = yaml.safe_load((OBSERVABILITY / "kustomization.yaml").read_text())
    assert set(kustomization["resources"]) == {str(p.relative_to(OBSERVABILITY)) for p in OBSERVABILITY.rglob("*.yaml")
                                               if p.name != "kustomization.yaml"}
    generated, = kustomization["configMapGenerator"]
    assert generated["files"] == [str(DASHBOARD.relative_to(OBSERVABILITY))]
    monitor, = _yaml_documents(OBSERVABILITY / "prometheus" / "podmonitor.yaml")
    endpoint, = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["path"] == "/metrics"
    for service in SERVICES:
        deployment = {d["kind"]: d for d in _yaml_documents(K8S / f"{service}.yaml")}["Deployment"]
        pod = deployment["spec"]["template"]
        assert monitor["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items(), service
        container, = pod["spec"]["containers"]
        assert endpoint["port"] in {p.get("name") for p in container["ports"]}, service


# --- KEDA: scaling on lag ---

def _scaling() -> dict[str, dict[str, dict]]:
    """kind -> name -> document, in deploy/k8s."""
    found: dict[str, dict[str, dict]] = {}
    for path in K8S.glob("*.yaml"):
        for doc in _yaml_documents(path):
            if "metadata" in doc:  # kustomization.yaml has none
                found.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    return found


def _partitions() -> int:
    """How many partitions the topics Job gives each event topic (TOPIC_PARTITIONS, as kafka_admin reads it)."""
    return int(_env(_pod(K8S / "topics.yaml", "Job"))["TOPIC_PARTITIONS"])


CONSUMING = [s for s in SERVICES if _consumed(s)]


def test_no_cpu_autoscaler_is_left_and_each_consuming_service_has_one_scaled_object():
    manifests = _scaling()
    assert "HorizontalPodAutoscaler" not in manifests
    scaled = manifests["ScaledObject"]
    assert sorted(s["spec"]["scaleTargetRef"]["name"] for s in scaled.values()) == sorted(CONSUMING)
    assert {"grouper", "pricing", "budget", "audit", "clearing"} <= set(CONSUMING)


@pytest.mark.parametrize("service", CONSUMING)
def test_a_service_scales_on_its_own_groups_lag_over_the_topics_it_consumes(service):
    manifests = _scaling()
    scaled, = [s for s in manifests["ScaledObject"].values() if s["spec"]["scaleTargetRef"]["name"] == service]
    spec = scaled["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"] <= _partitions()
    env = _env(_pod(K8S / f"{service}.yaml"))
    group = env.get("CONSUMER_GROUP") or service  # EventConsumer's group_id (settings.consumer_group)
    triggers = spec["triggers"]
    assert all(t["type"] == "kafka" for t in triggers)
    assert sorted(t["metadata"]["topic"] for t in triggers) == sorted(_consumed(service))
    for trigger in triggers:
        metadata = trigger["metadata"]
        assert metadata["consumerGroup"] == group
        assert metadata["bootstrapServers"] == env["KAFKA_BOOTSTRAP_SERVERS"]
        assert int(metadata["lagThreshold"]) > 0
        assert metadata["offsetResetPolicy"] == "earliest"  # as EventConsumer's auto_offset_reset
        assert metadata.get("allowIdleConsumers", "false") == "false"
        assert (metadata["sasl"], metadata["tls"]) == ("scram_sha512", "enable")  # as KAFKA_SASL_MECHANISM, SASL_SSL
        auth = manifests["TriggerAuthentication"][trigger["authenticationRef"]["name"]]["spec"]
        user = _kafka_users()[env["KAFKA_SASL_USERNAME"]]  # the service's own principal, nobody else's
        assert auth["env"] == [{"parameter": "username", "name": "KAFKA_SASL_USERNAME", "containerName": service}]
        secrets = {r["parameter"]: (r["name"], r["key"]) for r in auth["secretTargetRef"]}
        assert secrets["password"] == (user["metadata"]["name"], "password")
        ca = env["KAFKA_SSL_CAFILE"]
        pod = _pod(K8S / f"{service}.yaml")
        volume, = [v for v in pod["volumes"] if "secret" in v and v["secret"]["items"][0]["path"] == Path(ca).name]
        assert secrets["ca"] == (volume["secret"]["secretName"], volume["secret"]["items"][0]["key"])
