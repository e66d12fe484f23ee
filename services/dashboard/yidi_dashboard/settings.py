"""The dashboard's own settings (environment, prefix DASHBOARD_), beside yidi_common's (OIDC_ISSUER…)."""
from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from yidi_common.settings import REPO_ROOT, get_settings

# the services whose APIs the pages call, with the user's own token
BACKENDS = ("grouper", "pricing", "budget", "audit", "clearing", "reports")


class DashboardSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DASHBOARD_", extra="ignore")

    client_id: str = "yidi-dashboard"  # the OIDC client (Keycloak: deploy/keycloak/yidi-realm.json)
    # where browsers reach the dashboard: its redirect URI is <public_url>/auth/callback; unset: the request's own
    public_url: str | None = None
    cookie_secure: bool = False  # true behind HTTPS (a deployment): cookies only over TLS
    session_seconds: int = 8 * 3600  # at most; also ended by a refused refresh (without a refresh token: with its access token)
    refresh_margin_seconds: int = 60  # an access token expiring within this is refreshed before a page uses it
    # the key that signs cookies: DASHBOARD_SESSION_KEY (a Secret in a deployment), else a key file made on first use
    session_key: str | None = None
    session_key_file: Path = REPO_ROOT / ".local" / "dashboard" / "session.key"
    backend_timeout_seconds: float = 15
    # each backend's base URL: DASHBOARD_GROUPER_URL…; unset: 127.0.0.1 and the service's port
    grouper_url: str | None = None
    pricing_url: str | None = None
    budget_url: str | None = None
    audit_url: str | None = None
    clearing_url: str | None = None
    reports_url: str | None = None

    def backend_urls(self) -> dict[str, str]:
        common = get_settings()
        return {name: (getattr(self, f"{name}_url") or f"http://127.0.0.1:{common.service_port(name)}").rstrip("/")
                for name in BACKENDS}

    def signing_key(self) -> bytes:
        if self.session_key:
            return self.session_key.encode()
        path = self.session_key_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip().encode()


@lru_cache
def dashboard_settings() -> DashboardSettings:
    return DashboardSettings()
