"""docker-compose.yml and deploy/k8s describe the stack `make up` runs: the same services, ports,
Kafka release and settings. Nothing here can be started without Docker or a cluster, so these
checks read the files; a variable the services do not read, a port or a service that drifted
fails here rather than on a user's machine.

Security (issue 14): the Keycloak realm (deploy/keycloak/yidi-realm.json) must give tokens that
`yidi_common.auth` accepts, with the role and scope of the user they were issued to; every service
must verify tokens of that realm; every Kafka principal may read and write exactly the topics its
code consumes and produces. The expectations come from the code (the registry, each service's
handlers and use cases, `principal_of`), never from the manifests they check."""
import ast
import importlib
import inspect
import json
import posixpath
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from yidi_common.auth import InvalidToken, Role, principal_of
from yidi_common.events import registry
from yidi_common.events.registry import EVENT_TYPES, SERVICES, all_topics, dead_letter_topic, topic_for
from yidi_common.settings import SERVICE_PORTS, Settings
from yidi_dashboard.settings import BACKENDS, DashboardSettings

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
KEYCLOAK = ROOT / "deploy" / "keycloak"


def _yaml_documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _read_by_services(name: str) -> bool:
    """An environment variable some part of the stack reads."""
    settings = {field.upper() for field in Settings.model_fields}
    settings |= {f"DASHBOARD_{field.upper()}" for field in DashboardSettings.model_fields}
    per_service = {f"{s.upper()}_{suffix}" for s in SERVICES for suffix in ("PORT", "DATABASE_URL")}
    # read from os.environ directly: YIDI_NAMESPACE (yidi_common.events.registry), YIDI_DATA_KEY (the grouper's keyring)
    return name in settings | per_service | {"YIDI_NAMESPACE", "YIDI_DATA_KEY"} or name.startswith("OTEL_")


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
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files | {"../keycloak"}
    assert {f"{s}.yaml" for s in SERVICES} <= set(kustomization["resources"])
    keycloak = yaml.safe_load((KEYCLOAK / "kustomization.yaml").read_text())
    assert set(keycloak["resources"]) == {p.name for p in KEYCLOAK.glob("*.yaml")} - {"kustomization.yaml"}


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
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in grouper["volumes"] if "persistentVolumeClaim" in v}
    reference, = [name for name, path in mounts.items() if path == config_map["data"]["YIDI_REFERENCE_DIR"]]
    pvc, = _yaml_documents(K8S / "reference.yaml")
    assert claims[reference] == pvc["metadata"]["name"]


# --- what the code does: the expectations below are derived from it, never from the manifests ---

def _consumed(service: str) -> set[str]:
    """The topics a service consumes: the event types its make_handlers(...) answers (the same call
    its app.py makes; the handlers are closures, so placeholder arguments do)."""
    make_handlers = importlib.import_module(f"yidi_{service}.consumers.handlers").make_handlers
    required = [p for p in inspect.signature(make_handlers).parameters.values() if p.default is inspect.Parameter.empty]
    return {topic_for(t) for t in make_handlers(*[None] * len(required))}


_EVENT_CONSTANTS = {name: value for name, value in vars(registry).items()
                    if name.isupper() and isinstance(value, str) and value in EVENT_TYPES}


def _produced(service: str) -> set[str]:
    """The topics a service produces: the event types its use cases (service_layer/, where every
    emit happens) name, plus its dead-letter topic."""
    package = ROOT / "services" / service / f"yidi_{service}" / "service_layer"
    named = set()
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
            if name in _EVENT_CONSTANTS:
                named.add(_EVENT_CONSTANTS[name])
    return {topic_for(t) for t in named} | {dead_letter_topic(service)}


def test_every_event_type_has_one_producer_and_a_consumer_reads_only_produced_ones():
    """Keeps the derivation honest: an event type no service is found to emit, or two emitting it,
    means _produced no longer sees where events come from."""
    producers = {t: [s for s in SERVICES if topic_for(t) in _produced(s)] for t in EVENT_TYPES}
    assert {t: len(found) for t, found in producers.items()} == dict.fromkeys(EVENT_TYPES, 1)
    assert set().union(*map(_consumed, SERVICES)) <= {topic_for(t) for t in EVENT_TYPES}


# --- Kubernetes: what each container gets ---

def _config_map() -> dict:
    config_map, = _yaml_documents(K8S / "config.yaml")
    return config_map


def _pod(path: Path, kind: str = "Deployment") -> dict:
    docs = {d["kind"]: d for d in _yaml_documents(path)}
    return docs[kind]["spec"]["template"]["spec"]


def _env(pod: dict) -> dict:
    """The container's environment: its ConfigMaps, then its own entries (literal values, or the
    secretKeyRef a value comes from)."""
    container, = pod["containers"]
    maps = {d["metadata"]["name"]: d["data"] for d in [_config_map()]}
    env = {}
    for source in container.get("envFrom", []):
        env.update(maps[source["configMapRef"]["name"]])
    for entry in container.get("env", []):
        env[entry["name"]] = entry.get("value", entry.get("valueFrom"))
    return env


def _kafka_clients() -> dict[str, dict]:
    """Every pod that talks to Kafka: the five services and the topics Job."""
    return {**{s: _pod(K8S / f"{s}.yaml") for s in SERVICES}, "topics": _pod(K8S / "topics.yaml", "Job")}


def _kafka_users() -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in _yaml_documents(K8S / "kafka-users.yaml") if d["kind"] == "KafkaUser"}


def _kafka_cluster() -> dict:
    kafka, = [d for d in _yaml_documents(K8S / "kafka.yaml") if d["kind"] == "Kafka"]
    return kafka


def _principal(pod: dict) -> dict:
    """The KafkaUser a pod connects as, checked to be where its password comes from."""
    env = _env(pod)
    user = _kafka_users()[env["KAFKA_SASL_USERNAME"]]
    assert env["KAFKA_SASL_PASSWORD"] == {"secretKeyRef": {"name": user["metadata"]["name"], "key": "password"}}
    return user


def _acls(user: dict) -> dict[tuple[str, str], set[str]]:
    """(resource type, name) -> operations; only literal names are allowed (no prefixes, no wildcards)."""
    assert user["spec"]["authorization"]["type"] == "simple"
    granted: dict[tuple[str, str], set[str]] = {}
    for acl in user["spec"]["authorization"]["acls"]:
        resource = acl["resource"]
        assert resource.get("patternType", "literal") == "literal" and "*" not in resource.get("name", "*"), resource
        assert acl.get("type", "allow") == "allow" and acl.get("host", "*") == "*", acl
        granted.setdefault((resource["type"], resource["name"]), set()).update(acl["operations"])
    return granted


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_a_scram_kafka_principal_that_reads_and_writes_exactly_its_topics(service):
    user = _principal(_kafka_clients()[service])
    assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
    assert user["metadata"]["labels"]["strimzi.io/cluster"] == _kafka_cluster()["metadata"]["name"]
    acls = _acls(user)
    topics = {name: ops for (kind, name), ops in acls.items() if kind == "topic"}
    groups = {name: ops for (kind, name), ops in acls.items() if kind == "group"}
    assert set(acls) == {("topic", n) for n in topics} | {("group", n) for n in groups}  # nothing cluster-wide
    assert {t for t, ops in topics.items() if "Read" in ops} == _consumed(service)
    assert {t for t, ops in topics.items() if "Write" in ops} == _produced(service)
    assert set(topics) == _consumed(service) | _produced(service)
    # the inbox reads each consumed topic's retention (DescribeConfigs); nothing may alter or delete
    assert all(ops <= {"Read", "Write", "Describe", "DescribeConfigs"} for ops in topics.values())
    assert all("DescribeConfigs" in topics[t] for t in _consumed(service))
    group = _config_map().get("CONSUMER_GROUP") or topic_for(service)  # EventConsumer's group_id
    assert groups == ({group: {"Read", "Describe"}} if _consumed(service) else {})


def test_the_topics_job_may_create_the_topics_and_nothing_else():
    acls = _acls(_principal(_kafka_clients()["topics"]))
    assert acls == {("topic", t): {"Create", "Describe"} for t in all_topics()}


def test_every_kafka_user_belongs_to_a_client():
    assert set(_kafka_users()) == {_env(pod)["KAFKA_SASL_USERNAME"] for pod in _kafka_clients().values()}


def test_kafka_listens_only_with_scram_and_authorizes_by_acls():
    kafka = _kafka_cluster()
    assert kafka["spec"]["kafka"]["version"] == _pinned_kafka()
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    assert "superUsers" not in kafka["spec"]["kafka"]["authorization"]
    listeners = kafka["spec"]["kafka"]["listeners"]
    assert listeners and all(lsn.get("authentication") == {"type": "scram-sha-512"} for lsn in listeners)
    assert "userOperator" in kafka["spec"]["entityOperator"]
    config = _config_map()["data"]
    host, port = config["KAFKA_BOOTSTRAP_SERVERS"].split(":")
    assert host == f"{kafka['metadata']['name']}-kafka-bootstrap"
    listener, = [lsn for lsn in listeners if lsn["port"] == int(port)]
    assert config["KAFKA_SECURITY_PROTOCOL"] == ("SASL_SSL" if listener["tls"] else "SASL_PLAINTEXT")
    assert config["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"


@pytest.mark.parametrize("client", [*SERVICES, "topics"])
def test_every_kafka_client_trusts_the_cluster_ca(client):
    pod = _kafka_clients()[client]
    cafile = _env(pod)["KAFKA_SSL_CAFILE"]
    container, = pod["containers"]
    mount, = [m for m in container["volumeMounts"] if m["mountPath"] == posixpath.dirname(cafile)]
    volume, = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"]["secretName"] == f"{_kafka_cluster()['metadata']['name']}-cluster-ca-cert"
    assert {"key": "ca.crt", "path": posixpath.basename(cafile)} in volume["secret"]["items"]


def test_the_grouper_takes_its_data_key_from_a_secret():
    key = _env(_pod(K8S / "grouper.yaml"))["YIDI_DATA_KEY"]
    assert set(key) == {"secretKeyRef"} and not key["secretKeyRef"].get("optional", False)
    assert "YIDI_DATA_KEY" not in _config_map()["data"]


# --- Kubernetes and Keycloak: who signs the tokens the services verify ---

@pytest.fixture(scope="module")
def realm() -> dict:
    return json.loads((KEYCLOAK / "yidi-realm.json").read_text())


def test_the_dashboard_reaches_each_backend_by_its_service_and_keeps_its_cookies_to_tls():
    env = _env(_pod(K8S / "dashboard.yaml"))
    for backend in BACKENDS:
        docs = {d["kind"]: d for d in _yaml_documents(K8S / f"{backend}.yaml")}
        port, = [p["port"] for p in docs["Service"]["spec"]["ports"]]
        assert env[f"DASHBOARD_{backend.upper()}_URL"] == f"http://{docs['Service']['metadata']['name']}:{port}"
    assert env["DASHBOARD_COOKIE_SECURE"] == "true" and urlsplit(env["DASHBOARD_PUBLIC_URL"]).scheme == "https"
    assert env["DASHBOARD_SESSION_KEY"] == {"secretKeyRef": {"name": "yidi-dashboard-session", "key": "key"}}


def _keycloak() -> dict:
    return {d["kind"]: d for d in _yaml_documents(KEYCLOAK / "keycloak.yaml")}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_verifies_tokens_of_the_keycloak_realm(service, realm):
    env = _env(_pod(K8S / f"{service}.yaml"))
    keycloak = _keycloak()
    public = keycloak["ConfigMap"]["data"]["KC_HOSTNAME"].rstrip("/")
    assert urlsplit(public).scheme == "https"
    assert env["OIDC_ISSUER"] == f"{public}/realms/{realm['realm']}"  # what Keycloak writes as `iss`
    port, = [p["port"] for p in keycloak["Service"]["spec"]["ports"]]
    assert env["OIDC_JWKS_URL"] == (f"http://{keycloak['Service']['metadata']['name']}:{port}"
                                    f"/realms/{realm['realm']}/protocol/openid-connect/certs")
    assert env.get("OIDC_AUDIENCE", Settings.model_fields["oidc_audience"].default) == "yidi"


def test_keycloak_imports_the_realm_file():
    keycloak = _keycloak()
    generated, = yaml.safe_load((KEYCLOAK / "kustomization.yaml").read_text())["configMapGenerator"]
    assert generated["files"] == ["yidi-realm.json"]
    pod = keycloak["Deployment"]["spec"]["template"]["spec"]
    container, = pod["containers"]
    assert "--import-realm" in container["args"]
    mount, = [m for m in container["volumeMounts"] if m["mountPath"] == "/opt/keycloak/data/import"]
    volume, = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["configMap"]["name"] == generated["name"]


# --- the realm: tokens that yidi_common.auth accepts, with the caller's role and scope ---

def _by(items: list[dict], key: str) -> dict[str, dict]:
    return {item[key]: item for item in items}


def _yidi_roles(realm: dict, user: dict) -> set[str]:
    groups = _by(realm["groups"], "name")
    roles = set(user.get("realmRoles", []))
    for path in user.get("groups", []):
        roles |= set(groups[path.strip("/")]["realmRoles"])
    return roles & set(Role)


def _access_token(realm: dict, client_id: str, user: dict) -> dict:
    """The access token Keycloak issues `user` through `client_id`, worked out from the realm file:
    realm roles (the built-in `roles` scope, cut to the client's scope mappings), the `basic` and
    `profile` scopes' sub and preferred_username, and the client's own protocol mappers."""
    client = _by(realm["clients"], "clientId")[client_id]
    scopes = set(client["defaultClientScopes"])
    token = {"iss": f"https://keycloak.test/realms/{realm['realm']}", "exp": 2**31, "aud": []}
    if "basic" in scopes:
        token["sub"] = "0b6b7e5e-0000-4000-8000-000000000000"
    if "profile" in scopes:
        token["preferred_username"] = user["username"]
    if "roles" in scopes:
        assert client["fullScopeAllowed"] is False, "tokens would carry every realm role the user has"
        allowed = {r for m in realm["scopeMappings"] if m.get("client") == client_id for r in m["roles"]}
        token["realm_access"] = {"roles": sorted(_yidi_roles(realm, user) & allowed)}
    for mapper in client["protocolMappers"]:
        config = mapper["config"]
        if config.get("access.token.claim") != "true":
            continue
        if mapper["protocolMapper"] == "oidc-audience-mapper":
            token["aud"].append(config["included.custom.audience"])
        elif mapper["protocolMapper"] == "oidc-usermodel-attribute-mapper":
            values = user.get("attributes", {}).get(config["user.attribute"])
            if values:
                token[config["claim.name"]] = values[0]
        elif mapper["protocolMapper"] == "oidc-hardcoded-claim-mapper":
            token[config["claim.name"]] = config["claim.value"]
        else:
            raise AssertionError(f"a mapper this test does not know: {mapper['protocolMapper']}")
    return token


def test_the_realm_has_the_five_roles(realm):
    assert {r["name"] for r in realm["roles"]["realm"]} == set(Role)
    assert {r for m in realm["scopeMappings"] for r in m["roles"]} == set(Role)


def test_every_client_gets_tokens_for_the_yidi_audience(realm):
    audience = Settings.model_fields["oidc_audience"].default
    for client in realm["clients"]:
        assert audience in _access_token(realm, client["clientId"], {"username": "x"})["aud"], client["clientId"]
        assert "basic" in client["defaultClientScopes"]  # `sub`, which the services require


def test_example_users_get_tokens_the_services_read_as_their_role_and_scope(realm):
    """Each example person through the client they sign in with (hospital staff: yidi-dashboard; the others
    yidi-portal), the HIS service account through yidi-his: the token `principal_of` makes of it has the
    user's one role, region (admdvs) and hospital (fixmedins_code)."""
    users = _by(realm["users"], "username")
    his = users.pop("service-account-yidi-his")
    assert his["serviceAccountClientId"] == "yidi-his"
    hospital = principal_of(_access_token(realm, "yidi-his", his))
    assert hospital.role is Role.HOSPITAL and hospital.hospital and hospital.user == his["username"]
    seen = set()
    for name, user in users.items():
        role, = _yidi_roles(realm, user)  # principal_of takes the first: one role per person
        client = "yidi-dashboard" if role == Role.HOSPITAL else "yidi-portal"
        principal = principal_of(_access_token(realm, client, user))
        assert principal.role == role and principal.user == name
        assert principal.region == user.get("attributes", {}).get("admdvs", [None])[0]
        assert principal.hospital == user.get("attributes", {}).get("fixmedins_code", [None])[0]
        seen.add(principal.role)
        if role in (Role.HOSPITAL, Role.BUREAU, Role.PROVINCE):  # the dashboard's people
            assert principal_of(_access_token(realm, "yidi-dashboard", user)) == principal
        else:
            with pytest.raises(InvalidToken):
                principal_of(_access_token(realm, "yidi-dashboard", user))
    assert seen == set(Role)
    # the portal cannot make a hospital token: hospitals come in through their HIS client or the dashboard
    with pytest.raises(InvalidToken):
        principal_of(_access_token(realm, "yidi-portal", {"username": "h", "realmRoles": ["hospital"],
                                                          "attributes": {"fixmedins_code": ["H1"]}}))


def test_the_his_client_uses_client_credentials_and_the_browser_clients_authorization_code_with_pkce(realm):
    clients = _by(realm["clients"], "clientId")
    his, portal, dashboard = clients.pop("yidi-his"), clients.pop("yidi-portal"), clients.pop("yidi-dashboard")
    assert not clients
    assert his["serviceAccountsEnabled"] and not his["publicClient"]
    assert not (his["standardFlowEnabled"] or his["implicitFlowEnabled"] or his["directAccessGrantsEnabled"])
    for browser in (portal, dashboard):
        assert browser["publicClient"] and browser["standardFlowEnabled"]
        assert browser["attributes"]["pkce.code.challenge.method"] == "S256"
        assert not (browser["implicitFlowEnabled"] or browser["directAccessGrantsEnabled"]
                    or browser["serviceAccountsEnabled"])
        assert "offline_access" not in browser["defaultClientScopes"] + browser["optionalClientScopes"]
    # the dashboard's redirect URI is the one it sends (DASHBOARD_PUBLIC_URL + /auth/callback, deploy/k8s)
    assert dashboard["clientId"] == DashboardSettings.model_fields["client_id"].default
    env = _env(_pod(K8S / "dashboard.yaml"))
    assert dashboard["redirectUris"] == [f"{env['DASHBOARD_PUBLIC_URL']}/auth/callback"]
    assert dashboard["attributes"]["post.logout.redirect.uris"] == f"{env['DASHBOARD_PUBLIC_URL']}/auth/signed-out"


def test_the_realm_holds_no_secret_and_only_placeholder_passwords_to_change(realm):
    assert all("secret" not in client for client in realm["clients"])  # Keycloak makes one on import
    for user in realm["users"]:
        for credential in user.get("credentials", []):
            assert credential["temporary"] is True and credential["value"].startswith("CHANGE-ME")
            assert "UPDATE_PASSWORD" in user["requiredActions"]
    assert realm["accessTokenLifespan"] <= 900 and realm["revokeRefreshToken"] is True
    assert all(int(c["attributes"].get("access.token.lifespan", 0)) <= 900 for c in realm["clients"])


def test_only_administrators_may_change_a_users_region_or_hospital(realm):
    provider, = realm["components"]["org.keycloak.userprofile.UserProfileProvider"]
    profile = json.loads(provider["config"]["kc.user.profile.config"][0])
    attributes = _by(profile["attributes"], "name")
    claimed = {m["config"]["user.attribute"] for c in realm["clients"] for m in c["protocolMappers"]
               if m["protocolMapper"] == "oidc-usermodel-attribute-mapper"}
    assert claimed == {"admdvs", "fixmedins_code"}
    for name in claimed:
        assert attributes[name]["permissions"]["edit"] == ["admin"], name
    assert profile.get("unmanagedAttributePolicy") is None  # undeclared attributes are dropped


# --- docker compose: the development issuer ---

def test_compose_runs_the_development_issuer_and_the_services_trust_it(compose):
    issuer = compose["services"]["issuer"]
    assert issuer["labels"]["yidi.development-only"] == "true"
    assert "yidi_common.auth.issuer" in " ".join(issuer["command"])
    url = urlsplit(issuer["environment"]["OIDC_ISSUER"])
    assert (url.hostname, url.port) == ("issuer", 8100) and any(p.endswith("8100:8100") for p in issuer["ports"])
    for service in SERVICES:
        entry = compose["services"][service]
        assert entry["environment"]["OIDC_ISSUER"] == issuer["environment"]["OIDC_ISSUER"]
        assert "OIDC_JWKS_URL" not in entry["environment"]  # the issuer's own /jwks
        assert "issuer" in entry["depends_on"]
