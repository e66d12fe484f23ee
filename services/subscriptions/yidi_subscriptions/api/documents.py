"""The AsyncAPI 3.0 document of every event (yidi_common.events.asyncapi), open like the OpenAPI one."""
from __future__ import annotations

from functools import lru_cache

import yaml
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from yidi_common.events.asyncapi import asyncapi_document

router = APIRouter(tags=["documents"])


@lru_cache(maxsize=1)
def _yaml() -> str:
    return yaml.safe_dump(asyncapi_document(), sort_keys=False, allow_unicode=True)


@router.get("/v1/asyncapi.json", summary="AsyncAPI 3.0 document of the events (topics, payloads, examples)")
async def asyncapi_json() -> JSONResponse:
    return JSONResponse(asyncapi_document())


@router.get("/v1/asyncapi.yaml", summary="The AsyncAPI document as YAML")
async def asyncapi_yaml() -> Response:
    return Response(_yaml(), media_type="application/yaml")
