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
