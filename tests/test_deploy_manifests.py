"""docker-compose.yml and deploy/k8s describe the stack `make up` runs: the same services, ports,
Kafka release and settings. Nothing here can be started without Docker or a cluster, so these
checks read the files; a variable the services do not read, a port or a service that drifted
fails here rather than on a user's machine."""
import re
from pathlib import Path

import pytest
import yaml

from yidi_common.events.registry import SERVICES
from yidi_common.settings import SERVICE_PORTS, Settings

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"


def _yaml_documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _read_by_services(name: str) -> bool:
    """An environment variable some part of the stack reads."""
    settings = {field.upper() for field in Settings.model_fields}
    per_service = {f"{s.upper()}_{suffix}" for s in SERVICES for suffix in ("PORT", "DATABASE_URL")}
    return name in settings | per_service | {"YIDI_NAMESPACE"} or name.startswith("OTEL_")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_service_list_and_default_ports_agree():
    assert list(SERVICE_PORTS) == list(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_compose_builds_and_publishes_each_service_on_its_port(compose, service):
    port = SERVICE_PORTS[service]
    entry = compose["services"][service]
    build = entry["build"]
    assert ROOT / build["dockerfile"] == ROOT / "services" / "Dockerfile"
    assert build["args"] == {"SERVICE": service, "PORT": str(port)}
    text = (ROOT / build["dockerfile"]).read_text()
    assert "--package yidi-${SERVICE}" in text and "EXPOSE ${PORT}" in text and "yidi-$YIDI_SERVICE" in text
    assert entry["ports"] == [f"{port}:{port}"]


def _pinned_kafka() -> str:
    return re.search(r"<kafka.version>([^<]+)</kafka.version>",
                     (ROOT / "deploy" / "local" / "kafka" / "pom.xml").read_text()).group(1)


def test_compose_and_testcontainers_run_the_kafka_release_make_up_fetches(compose):
    assert compose["services"]["kafka"]["image"] == f"apache/kafka:{_pinned_kafka()}"
    # Confluent Platform 7.m ships Apache Kafka 3.m
    cp = re.search(r'"confluentinc/cp-kafka:7\.(\d+)\.\d+"', (ROOT / "tests/integration/harness.py").read_text())
    assert cp and f"3.{cp.group(1)}." in f"{_pinned_kafka()}."


def test_every_variable_compose_gives_the_services_is_one_they_read(compose):
    names = {name for s in SERVICES for name in compose["services"][s].get("environment", {})}
    assert names and not {n for n in names if not _read_by_services(n)}


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert set(kustomization["resources"]) == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert {f"{s}.yaml" for s in SERVICES} <= set(kustomization["resources"])


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_runs_each_service_on_its_port_behind_a_service(service):
    port = SERVICE_PORTS[service]
    docs = {d["kind"]: d for d in _yaml_documents(K8S / f"{service}.yaml")}
    container, = docs["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert container["image"].startswith(f"yidi/{service}:")
    assert [p["containerPort"] for p in container["ports"]] == [port]
    assert [p["port"] for p in docs["Service"]["spec"]["ports"]] == [port]
    assert docs["Service"]["spec"]["selector"] == docs["Deployment"]["spec"]["selector"]["matchLabels"]


def test_every_variable_k8s_gives_the_services_is_one_they_read():
    config_map, = _yaml_documents(K8S / "config.yaml")
    names = set(config_map["data"])
    for service in SERVICES:
        docs = {d["kind"]: d for d in _yaml_documents(K8S / f"{service}.yaml")}
        container, = docs["Deployment"]["spec"]["template"]["spec"]["containers"]
        names |= {e["name"] for e in container.get("env", [])}
        assert {"configMapRef": {"name": config_map["metadata"]["name"]}} in container["envFrom"]
    assert not {n for n in names if not _read_by_services(n)}


def test_both_create_the_topics_and_the_grouper_reads_the_mounted_reference_data(compose):
    assert "yidi_common.kafka_admin" in compose["services"]["topics"]["command"]
    job, = _yaml_documents(K8S / "topics.yaml")
    assert job["kind"] == "Job" and "yidi_common.kafka_admin" in job["spec"]["template"]["spec"]["containers"][0]["command"]
    config_map, = _yaml_documents(K8S / "config.yaml")
    grouper = {d["kind"]: d for d in _yaml_documents(K8S / "grouper.yaml")}["Deployment"]["spec"]["template"]["spec"]
    mounts = {m["name"]: m["mountPath"] for m in grouper["containers"][0]["volumeMounts"]}
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in grouper["volumes"]}
    reference, = [name for name, path in mounts.items() if path == config_map["data"]["YIDI_REFERENCE_DIR"]]
    pvc, = _yaml_documents(K8S / "reference.yaml")
    assert claims[reference] == pvc["metadata"]["name"]
