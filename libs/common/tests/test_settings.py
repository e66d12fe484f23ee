"""Database URLs per service: DATABASE_PASSWORD, per-service overrides, namespaces, Alembic's copy."""
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from yidi_common.db import migrations_config
from yidi_common.settings import Settings, get_settings

AWKWARD = "p@ss:w/rd%41#?"  # every character a URL or a ConfigParser treats specially


@pytest.fixture
def env(monkeypatch):
    for name in ("DATABASE_URL", "DATABASE_PASSWORD", "YIDI_NAMESPACE", "AUDIT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_database_password_replaces_the_urls_own_and_survives_url_encoding(env):
    env.setenv("DATABASE_URL", "postgresql://yidi:old@db.example:5432/postgres")
    env.setenv("DATABASE_PASSWORD", AWKWARD)
    url = make_url(Settings().service_database_url("clearing"))
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "yidi", AWKWARD, "db.example", 5432, "yidi_clearing")
    assert url.drivername == "postgresql+asyncpg"


def test_without_database_password_the_urls_own_is_kept(env):
    env.setenv("DATABASE_URL", "postgresql://yidi:secret@db.example/postgres")
    env.setenv("YIDI_NAMESPACE", "t1")
    url = make_url(Settings().service_database_url("budget"))
    assert (url.password, url.database) == ("secret", "yidi_t1_budget")


def test_a_service_override_is_used_as_it_is(env):
    env.setenv("DATABASE_PASSWORD", AWKWARD)
    env.setenv("AUDIT_DATABASE_URL", "postgresql://auditor:own@audit-db/audit_books")
    url = make_url(Settings().service_database_url("audit"))
    assert (url.username, url.password, url.host, url.database) == ("auditor", "own", "audit-db", "audit_books")


def test_alembic_gets_the_same_url_back_percent_signs_and_all(env):
    env.setenv("DATABASE_URL", "postgresql://yidi@db.example/postgres")
    env.setenv("DATABASE_PASSWORD", AWKWARD)
    cfg = migrations_config("pricing", Path("unused"))
    assert cfg.get_main_option("sqlalchemy.url") == get_settings().service_database_url("pricing")
    assert make_url(cfg.get_main_option("sqlalchemy.url")).password == AWKWARD
