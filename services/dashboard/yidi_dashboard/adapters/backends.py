"""The services' APIs, called with the signed-in user's own token: what they answer is what the user may
see (the services filter by scope; the dashboard never widens it)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import structlog

log = structlog.get_logger()

SERVICE_NAMES = {"grouper": "分组服务", "pricing": "计价服务", "budget": "预算服务", "audit": "审核服务",
                 "clearing": "清算服务", "reports": "报告服务"}


@dataclass
class Answer:
    """A service's answer: its JSON (data) when 2xx, else why not, as a message for the page."""

    service: str
    status: int | None  # None: no answer (down, unreachable, timed out)
    data: Any = None
    detail: Any = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def message(self) -> str | None:
        if self.ok:
            return None
        name = SERVICE_NAMES.get(self.service, self.service)
        if self.status is None:
            return f"{name}暂时无法访问，请稍后再试。"
        if self.status == 401:
            return f"{name}拒绝了登录凭证（401），请重新登录。"
        if self.status == 403:
            return f"您的角色无权查看或操作此内容（{name}答复 403）。"
        if self.status == 404:
            return f"{name}未找到此内容（404）。"
        if self.status in (409, 422):
            return f"{name}未接受此操作（{self.status}）：{_reason(self.detail)}"
        return f"{name}出错（{self.status}），请稍后再试。"


def _reason(detail: Any) -> str:
    if isinstance(detail, dict):
        inner = detail.get("detail", detail)
        if isinstance(inner, dict):
            return str(inner.get("message") or inner.get("title") or inner)
        return str(inner)
    return str(detail)[:300]


class Backends:
    def __init__(self, urls: dict[str, str], http: httpx.AsyncClient) -> None:
        self.urls, self.http = urls, http

    async def call(self, method: str, service: str, path: str, token: str, *, params: dict | None = None,
                   json: Any = None) -> Answer:
        params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            answer = await self.http.request(method, f"{self.urls[service]}{path}", params=params, json=json,
                                             headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as e:
            log.warning("backend unreachable", service=service, path=path, error=type(e).__name__)
            return Answer(service, None)
        body = _json(answer)
        if answer.is_success:
            return Answer(service, answer.status_code, data=body)
        log.info("backend refused", service=service, path=path, status=answer.status_code)
        return Answer(service, answer.status_code, detail=body)

    async def get(self, service: str, path: str, token: str, **params) -> Answer:
        return await self.call("GET", service, path, token, params=params)

    async def post(self, service: str, path: str, token: str, json: Any) -> Answer:
        return await self.call("POST", service, path, token, json=json)

    async def download(self, service: str, path: str, token: str, **params) -> httpx.Response | Answer:
        """A file (CSV, XLSX, PDF, HTML) as the service answers it, or why not."""
        try:
            answer = await self.http.get(f"{self.urls[service]}{path}", params=params,
                                         headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError:
            return Answer(service, None)
        return answer if answer.is_success else Answer(service, answer.status_code, detail=_json(answer))


def _json(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None
