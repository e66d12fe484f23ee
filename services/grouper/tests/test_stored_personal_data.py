"""Stored list bodies hold certno and psn_name sealed (adapters.data_keys), key rotation keeps old rows
readable, and a failing intake batch logs no ID number or name.

The PostgreSQL repository runs on a connection that records what it is given (the statements' parameters
are what PostgreSQL would store) and answers a body as asyncpg's jsonb codec would (a dict)."""
from __future__ import annotations

import asyncio
import copy
import io
import sys

import orjson
import pytest
import structlog
from cryptography.fernet import Fernet
from sqlalchemy.exc import DBAPIError

from yidi_common.logging import configure_logging
from yidi_common.settlement_list import EXAMPLE, SettlementList
from yidi_grouper.adapters import intake_writer
from yidi_grouper.adapters.claims_repository import INSERT_VERSIONS, VERSION_BODY, PostgresClaimsRepository
from yidi_grouper.adapters.data_keys import DataKeyError, DataKeys, data_keys, key_id
from yidi_grouper.domain.intake import NewVersion, content_hash
from yidi_grouper.service_layer.intake import submit

CERTNO, NAME = "36010019850607123X", "张三丰"
OLD_KEY, NEW_KEY = Fernet.generate_key(), Fernet.generate_key()


def a_list() -> dict:
    body = copy.deepcopy(EXAMPLE)
    body["setlinfo"].update(certno=CERTNO, psn_name=NAME)
    return SettlementList.model_validate(body).model_dump(mode="json")


def new_version(body: dict, version: int = 1) -> NewVersion:
    return NewVersion(claim_id="c1", version=version, hospital_code="H36010000001", setl_id="S1",
                      treatment_region="360100", insured_region="360100", settlement_month="2026-10",
                      content_hash=content_hash(body), body=body)


class _Result:
    def __init__(self, value=None) -> None:
        self.value = value

    def scalar(self):
        return self.value


class RecordingConnection:
    """Keeps the bodies INSERT_VERSIONS is given, as PostgreSQL stores them (JSON text); answers VERSION_BODY."""

    def __init__(self) -> None:
        self.stored: dict[tuple[str, int], str] = {}

    async def execute(self, statement, params=None):
        if statement is INSERT_VERSIONS:
            for claim_id, version, body in zip(params["claim_ids"], params["versions"], params["bodies"]):
                self.stored[claim_id, version] = body
        if statement is VERSION_BODY:
            raw = self.stored.get((params["claim_id"], params["version"]))
            return _Result(None if raw is None else orjson.loads(raw))
        return _Result()


async def test_a_stored_body_holds_certno_and_name_sealed_and_reads_back_as_posted():
    conn, body = RecordingConnection(), a_list()
    repo = PostgresClaimsRepository(conn, DataKeys([OLD_KEY]))
    await repo.add_versions([new_version(body)])
    raw = conn.stored["c1", 1]
    assert CERTNO not in raw and NAME not in raw
    stored = orjson.loads(raw)["setlinfo"]
    old_id = key_id(OLD_KEY)
    assert stored["certno"].startswith(f"enc:{old_id}:") and stored["psn_name"].startswith(f"enc:{old_id}:")
    assert {k: v for k, v in stored.items() if k not in ("certno", "psn_name")} == {
        k: v for k, v in body["setlinfo"].items() if k not in ("certno", "psn_name")}  # the rest as posted
    assert orjson.loads(raw)["iteminfo"] == body["iteminfo"]
    assert await repo.version_body("c1", 1) == body
    assert await repo.version_body("c1", 2) is None


async def test_after_rotation_new_bodies_take_the_new_key_and_old_ones_still_open():
    conn, body = RecordingConnection(), a_list()
    await PostgresClaimsRepository(conn, DataKeys([OLD_KEY])).add_versions([new_version(body, 1)])
    rotated = PostgresClaimsRepository(conn, DataKeys.parse(f"{NEW_KEY.decode()}, {OLD_KEY.decode()}"))
    await rotated.add_versions([new_version(body, 2)])
    assert orjson.loads(conn.stored["c1", 2])["setlinfo"]["certno"].startswith(f"enc:{key_id(NEW_KEY)}:")
    assert await rotated.version_body("c1", 1) == body == await rotated.version_body("c1", 2)
    # the old key dropped too early: its rows say which key they need
    with pytest.raises(DataKeyError, match=key_id(OLD_KEY)):
        await PostgresClaimsRepository(conn, DataKeys([NEW_KEY])).version_body("c1", 1)


def test_a_value_stored_before_encryption_reads_as_it_is_and_an_altered_one_is_refused():
    keys = DataKeys([OLD_KEY])
    assert keys.open_list({"setlinfo": {"certno": CERTNO, "psn_name": NAME}}) == {
        "setlinfo": {"certno": CERTNO, "psn_name": NAME}}
    sealed = keys.seal(CERTNO)
    assert sealed != keys.seal(CERTNO) and keys.open(sealed) == CERTNO  # a fresh IV each time
    with pytest.raises(DataKeyError, match="does not open"):
        keys.open(sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB"))


def test_the_keyring_comes_from_the_environment_newest_first(monkeypatch):
    monkeypatch.setenv("YIDI_DATA_KEY", f"{NEW_KEY.decode()},{OLD_KEY.decode()}")
    data_keys.cache_clear()
    try:
        assert (data_keys().current, data_keys().key_ids) == (key_id(NEW_KEY), [key_id(NEW_KEY), key_id(OLD_KEY)])
    finally:
        data_keys.cache_clear()
    with pytest.raises(ValueError):
        DataKeys.parse("not-a-fernet-key")


def test_without_the_variable_a_development_key_file_is_made_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("YIDI_DATA_KEY")
    monkeypatch.setenv("YIDI_LOCAL_DIR", str(tmp_path))
    data_keys.cache_clear()
    try:
        first = data_keys().current
        data_keys.cache_clear()
        assert data_keys().current == first  # the same file, read again
        key_file = tmp_path / "grouper" / "data-key"
        assert key_id(key_file.read_bytes().strip()) == first and oct(key_file.stat().st_mode & 0o777) == "0o600"
        assert [p.name for p in key_file.parent.iterdir()] == ["data-key"]
    finally:
        data_keys.cache_clear()


class _FailingRepository:
    """Fails the batch the way a database error quoting its parameters would, with the lists as posted."""

    async def versions_for_update(self, claim_ids):
        return {claim_id: [] for claim_id in claim_ids}

    async def add_versions(self, versions):
        raise DBAPIError("INSERT INTO settlement_lists ...", {"bodies": [orjson.dumps(v.body).decode()
                                                                          for v in versions]},
                         Exception(f"connection lost while writing {versions[0].body}"))


class _Engine:
    def begin(self):
        return self

    async def __aenter__(self):
        return None

    async def __aexit__(self, *exc):
        return False


async def test_a_failing_intake_batch_logs_no_id_number_or_name(monkeypatch):
    stderr = io.StringIO()  # stays open: loggers configured here may write to it after the test
    monkeypatch.setattr(sys, "stderr", stderr)
    configure_logging("grouper", fmt="json")
    monkeypatch.setattr(intake_writer, "log", structlog.get_logger())
    writer = intake_writer.IntakeWriter(_Engine(), relay=None, repository=lambda conn: _FailingRepository())
    running = asyncio.create_task(writer.run())
    try:
        with pytest.raises(DBAPIError):
            await submit(writer, SettlementList.model_validate(a_list()), correction_of=None)
    finally:
        running.cancel()
    logged = stderr.getvalue()
    assert "intake batch failed" in logged and "connection lost" in logged
    assert CERTNO not in logged and NAME not in logged
    assert "\\u5f20" not in logged.lower()  # nor the name escaped
