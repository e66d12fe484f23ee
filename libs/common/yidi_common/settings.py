"""Process settings from the environment. KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL point at existing servers."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parents[3]

SERVICE_PORTS = {"grouper": 8101, "pricing": 8102, "budget": 8103, "audit": 8104, "clearing": 8105,
                 "subscriptions": 8106, "dashboard": 8107, "reports": 8108}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    # a secured cluster (Strimzi in deploy/k8s): SASL_SSL with SCRAM-SHA-512, the service's KafkaUser
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = None
    kafka_ssl_cafile: Path | None = None
    database_url: str = "postgresql://postgres@127.0.0.1:55432/postgres"
    # the password of DATABASE_URL's user, kept out of the URL (a Kubernetes Secret, say); it replaces
    # the URL's own password. <SERVICE>_DATABASE_URL overrides are used as they are.
    database_password: str | None = None
    topic_partitions: int = 12
    topic_replication: int = 1  # copies of each topic's partitions (3 on a production cluster)
    log_level: str = "INFO"
    log_format: str = "json"  # json | console
    yidi_config_dir: Path = REPO_ROOT / "demo" / "config"
    yidi_reference_dir: Path = REPO_ROOT.parent / "shared" / "reference"
    yidi_scheme_dir: Path | None = None  # one CHS-DRG scheme for every region, over yidi_drg_schemes
    # a region's scheme_version -> its scheme directory (relative: under yidi_reference_dir)
    yidi_drg_schemes: dict[str, Path] = {"CHS-DRG 1.0": Path("chs-drg-1.0"), "CHS-DRG 1.1": Path("chs-drg-1.1")}
    # a scheme_version -> its grouping settings (cc_only_split, interventional, icd_version); see the grouper's
    # SchemeOptions and README "Grouping fidelity". Unlisted versions take the defaults.
    yidi_scheme_options: dict[str, dict[str, str]] = {}
    # where the grouper's POST /v1/simulate prices (the pricing service's HTTP API)
    pricing_url: str | None = None
    yidi_config_poll_seconds: float = 10  # how often services look for changed configuration files; 0: never
    yidi_audit_rules: Path = REPO_ROOT / "demo" / "audit" / "rules.toml"
    consumer_group: str | None = None  # default: the service name; a new group replays from the start
    consumer_batch_size: int = 500
    consumer_fetch_min_bytes: int = 16384  # a fetch waits up to consumer_fetch_max_wait_ms for this much
    consumer_fetch_max_wait_ms: int = 100
    consumer_commit_seconds: float = 0.5  # offsets committed at most this often (the inbox dedups redeliveries)
    relay_batch_size: int = 2000
    kafka_watchdog_seconds: float = 120  # own Kafka clients unanswered this long while a new one is: exit; 0: off
    metrics_refresh_seconds: float = 5  # how often /metrics' consumer lag and outbox backlog are read; 0: never
    inbox_prune_seconds: float = 3600  # how often processed-event ids Kafka can no longer redeliver are deleted; 0: never
    # Python's cyclic GC: objects allocated between young-generation collections (CPython's default
    # is 700; every event makes thousands of short-lived objects). 0 keeps the interpreter's default.
    gc_young_threshold: int = 100_000
    # who signs the bearer tokens every route but health requires (yidi_common.auth): Keycloak's realm URL
    # in a deployment; locally the development issuer `make up` starts
    oidc_issuer: str = "http://127.0.0.1:8100"
    oidc_audience: str = "yidi"
    oidc_jwks_url: str | None = None  # default: <oidc_issuer>/jwks (Keycloak: <realm>/protocol/openid-connect/certs)
    dev_issuer_key: Path = REPO_ROOT / ".local" / "dev-issuer" / "key.pem"

    @property
    def jwks_url(self) -> str:
        return self.oidc_jwks_url or f"{self.oidc_issuer.rstrip('/')}/jwks"

    def kafka_client_options(self) -> dict:
        """Keyword arguments every aiokafka client of this process gets beside its bootstrap servers."""
        options: dict = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_sasl_mechanism:
            options.update(sasl_mechanism=self.kafka_sasl_mechanism, sasl_plain_username=self.kafka_sasl_username,
                           sasl_plain_password=self.kafka_sasl_password)
        if self.kafka_ssl_cafile or self.kafka_security_protocol.endswith("SSL"):
            from aiokafka.helpers import create_ssl_context

            options["ssl_context"] = create_ssl_context(cafile=str(self.kafka_ssl_cafile) if self.kafka_ssl_cafile else None)
        return options

    def service_database_url(self, service: str) -> str:
        """Each service owns database yidi_<service> on the configured server."""
        import os

        override = os.environ.get(f"{service.upper()}_DATABASE_URL")
        url = make_url(override or self.database_url)
        if not override:
            if self.database_password is not None:
                url = url.set(password=self.database_password)
            ns = os.environ.get("YIDI_NAMESPACE", "")
            url = url.set(database=f"yidi_{ns}_{service}" if ns else f"yidi_{service}")
        return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)

    def service_port(self, service: str) -> int:
        import os

        return int(os.environ.get(f"{service.upper()}_PORT", SERVICE_PORTS[service]))


@lru_cache
def get_settings() -> Settings:
    return Settings()
