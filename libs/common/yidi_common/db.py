"""Per-service PostgreSQL database: engine, creation, Alembic migrations."""
from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .settings import get_settings


def unnest_parameters(rows: list, **attributes: str) -> dict[str, list]:
    """One array per parameter, of the rows' attribute it names: the parameters of an INSERT ... SELECT FROM
    unnest(...), which writes a batch in one statement where executemany would execute once per row."""
    return {parameter: [getattr(row, attribute) for row in rows] for parameter, attribute in attributes.items()}


def service_engine(service: str, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        get_settings().service_database_url(service), pool_size=pool_size, max_overflow=10, pool_recycle=1800
    )


async def ensure_database(service: str) -> None:
    """Create database yidi_<service> on the configured server if it does not exist."""
    url = make_url(get_settings().service_database_url(service))
    admin = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database="postgres"
    )
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", url.database)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{url.database}"')
    finally:
        await admin.close()


def migrations_config(service: str, migrations_dir: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    # Alembic's config is a ConfigParser: a '%' (a percent-encoded password) must be doubled to survive
    cfg.set_main_option("sqlalchemy.url", get_settings().service_database_url(service).replace("%", "%%"))
    return cfg


def migrate(service: str, migrations_dir: Path) -> None:
    """Create the service's database and bring its schema to the latest revision."""
    asyncio.run(ensure_database(service))
    command.upgrade(migrations_config(service, migrations_dir), "head")


def run_alembic_env() -> None:
    """Body of every service's migrations/env.py: online migrations over the async engine."""
    from alembic import context
    from sqlalchemy.ext.asyncio import create_async_engine as _engine

    url = context.config.get_main_option("sqlalchemy.url")

    def _run(sync_conn) -> None:
        context.configure(connection=sync_conn, target_metadata=None, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()

    async def _main() -> None:
        engine = _engine(url)
        async with engine.connect() as conn:
            await conn.run_sync(_run)
            await conn.commit()
        await engine.dispose()

    asyncio.run(_main())


# A column's compression set to lz4 where the server was built with it; elsewhere left as it is.
LZ4_IF_AVAILABLE = (
    "DO $$ BEGIN ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4; "
    "EXCEPTION WHEN feature_not_supported THEN RAISE NOTICE 'lz4 unavailable: {table}.{column} keeps pglz'; END $$"
)
