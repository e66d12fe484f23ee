from __future__ import annotations

from fastapi import FastAPI, Request
from pydantic import ValidationError

from yidi_common.http import problem_list, publish_schemas
from yidi_common.settlement_list import SettlementList


def test_every_problem_is_named_with_its_field_path():
    body = {
        "setlinfo": {"setl_id": "S1", "fixmedins_code": "H1", "psn_no": "P1", "certno": "360102199001011234",
                     "psn_name": "张三", "gend": "3", "brdy": "1990-01-01", "age": 36, "insutype": "310",
                     "insu_admdvs": "36A1", "treat_admdvs": "360100", "adm_time": "2026-10-01T08:00:00",
                     "dscg_time": "2026-10-05T08:00:00", "act_ipt_days": 4, "dscg_way": "1", "setl_period": "2026-10"},
        "diseinfo": [],
        "iteminfo": [{"med_chrgitm_type": "01", "amt": "-5"}],
        "payinfo": {},
    }
    try:
        SettlementList.model_validate(body)
    except ValidationError as e:
        problems = problem_list(list(e.errors()), drop_prefix=())
    fields = {p["field"] for p in problems}
    assert fields == {"setlinfo.gend", "setlinfo.insu_admdvs", "diseinfo", "iteminfo[0].amt"}
    assert all(p["rule"] and p["message"] for p in problems)


def test_a_body_read_by_the_endpoint_keeps_its_schema_in_the_openapi_document():
    app = FastAPI()

    @app.post("/lists", openapi_extra={"requestBody": {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/SettlementList"}}}}})
    async def post(request: Request) -> dict:
        return {}

    publish_schemas(app, SettlementList)
    schemas = app.openapi()["components"]["schemas"]
    assert schemas["SettlementList"]["properties"]["setlinfo"] == {"$ref": "#/components/schemas/SetlInfo"}
    assert "FeeItem" in schemas and "$defs" not in schemas["SettlementList"]


def test_nul_characters_are_named_by_their_paths_keys_included():
    from yidi_common.http import nul_character_problems

    data = {"a": "ok", "b": ["x", "y\x00"], "c": {"d\x00": 1, "e": {"f": "\x00"}}}
    assert [p["field"] for p in nul_character_problems(data)] == ["b[1]", "c", "c.e.f"]
    assert nul_character_problems({"a": ["clean", {"b": 1}]}) == []
    assert nul_character_problems("\x00") == [
        {"field": "(body)", "rule": "nul_character", "message": "contains the character U+0000, which cannot be stored"}]


async def test_text_the_database_cannot_store_is_the_clients_422_and_other_database_errors_stay_500():
    import httpx
    from sqlalchemy.exc import DBAPIError

    from yidi_common.http import install_error_handlers

    class _Orig(Exception):
        def __init__(self, sqlstate: str):
            self.sqlstate = sqlstate

    app = FastAPI()
    install_error_handlers(app)

    @app.post("/store/{sqlstate}")
    async def store(sqlstate: str) -> dict:
        raise DBAPIError("INSERT ...", {}, _Orig(sqlstate))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        nul = await client.post("/store/22P05")
        other = await client.post("/store/23505")
    assert nul.status_code == 422 and nul.json()["problems"][0]["rule"] == "nul_character"
    assert other.status_code == 500
