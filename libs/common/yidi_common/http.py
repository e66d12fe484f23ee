"""HTTP conventions shared by every service: 422 bodies that name every problem with its field path."""
from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError

UNSTORABLE_TEXT = {"22P05", "22021"}  # untranslatable character, character not in repertoire


def problem_list(errors: list[dict], drop_prefix: tuple = ("body",)) -> list[dict]:
    problems = []
    for err in errors:
        loc = list(err.get("loc", ()))
        if loc[: len(drop_prefix)] == list(drop_prefix):
            loc = loc[len(drop_prefix) :]
        path = ""
        for part in loc:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        problems.append({"field": path or "(body)", "rule": err.get("type", "invalid"), "message": err.get("msg", "")})
    return problems


def nul_character_problems(data: Any, path: str = "") -> list[dict]:
    """Every string (or key) holding U+0000, which PostgreSQL cannot store in text: named like the
    validation problems, so a body that has them is refused with the rest of what is wrong with it."""
    problems = []
    if isinstance(data, str):
        if "\x00" in data:
            problems.append({"field": path or "(body)", "rule": "nul_character",
                             "message": "contains the character U+0000, which cannot be stored"})
    elif isinstance(data, dict):
        for key, value in data.items():
            problems += nul_character_problems(key, path or "(body)") if "\x00" in key else []
            problems += nul_character_problems(value, f"{path}.{key}" if path else key)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            problems += nul_character_problems(value, f"{path}[{i}]")
    return problems


def problems_body(problems: list[dict]) -> dict:
    return {"title": "invalid request", "status": 422, "problem_count": len(problems), "problems": problems}


def json_response(status: int, content: dict) -> Response:
    """A JSON answer written by orjson (Decimals and datetimes as strings)."""
    return Response(orjson.dumps(content, default=str), status_code=status, media_type="application/json")


def unprocessable(problems: list[dict]) -> Response:
    return json_response(422, problems_body(problems))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, exc: RequestValidationError) -> Response:
        return unprocessable(problem_list(list(exc.errors())))

    @app.exception_handler(ValidationError)
    async def _model_invalid(_: Request, exc: ValidationError) -> Response:
        return unprocessable(problem_list(list(exc.errors()), drop_prefix=()))

    @app.exception_handler(DBAPIError)
    async def _unstorable(request: Request, exc: DBAPIError) -> Response:
        # text the database cannot store (U+0000) that no endpoint checked for: the client's mistake, not ours
        if getattr(exc.orig, "sqlstate", None) in UNSTORABLE_TEXT:
            return unprocessable([{"field": "(body)", "rule": "nul_character",
                                   "message": "a text holds the character U+0000, which cannot be stored"}])
        raise exc


def publish_schemas(app: FastAPI, *models: type[BaseModel]) -> None:
    """Adds models to the OpenAPI components, for bodies an endpoint reads itself (openapi_extra $refs)."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = generate()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in models:
                definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(definition.pop("$defs", {}))
                components[model.__name__] = definition
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
