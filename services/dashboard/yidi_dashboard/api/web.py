"""What every page shares: the templates, the signed-in session (or a redirect to sign in), cookies, flash
messages and the CSRF check of POST forms."""
from __future__ import annotations

import base64
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from yidi_common.regional_config import load_config
from yidi_common.settings import get_settings

from ..adapters.sessions import Session
from ..domain import views
from ..domain.signin import csrf_matches, sign, unsign
from ..service_layer import signin
from ..settings import dashboard_settings

PACKAGE = Path(__file__).resolve().parents[1]
SESSION_COOKIE, LOGIN_COOKIE, FLASH_COOKIE = "yidi_session", "yidi_login", "yidi_flash"
templates = Jinja2Templates(directory=PACKAGE / "templates")
templates.env.filters.update(yuan=views.yuan, percent=views.percent, china_time=views.china_time)
templates.env.globals.update(LABELS=views.LABELS, STAGES=views.STAGES, STEPS=views.STEPS, FLAG_STATUSES=views.FLAG_STATUSES, ALERT_LEVELS=views.ALERT_LEVELS,
                             ROLES=views.ROLES, ACTIONS=views.ACTIONS,
                             REPORT_KINDS=views.REPORT_KINDS, OBJECTION_STATUSES=views.OBJECTION_STATUSES,
                             OBJECTION_TARGETS=views.OBJECTION_TARGETS, ORIGINS=views.ORIGINS,
                             COVERAGE_MEASURES=views.COVERAGE_MEASURES, FEEDBACK_TOPICS=views.FEEDBACK_TOPICS,
                             FEEDBACK_STATUSES=views.FEEDBACK_STATUSES, ROUND_STATES=views.ROUND_STATES,
                             REFERENCE_KINDS=views.REFERENCE_KINDS)


class NeedsSignIn(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


async def needs_sign_in(request: Request, exc: NeedsSignIn) -> RedirectResponse:
    """To sign in and back; a cookie of a session that ended (signed out, expired, not refreshable) goes."""
    response = RedirectResponse(f"/auth/login?next={quote(exc.next_path, safe='')}", status_code=303)
    if SESSION_COOKIE in request.cookies:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def signing_key(request: Request) -> bytes:
    return request.app.state.signing_key


def set_cookie(response: Response, name: str, value: str, *, max_age: int | None = None, path: str = "/") -> None:
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite="lax",
                        secure=dashboard_settings().cookie_secure)


async def signed_in(request: Request) -> Session:
    """The caller's session, else a redirect to sign in and back here."""
    session_id = unsign(signing_key(request), SESSION_COOKIE, request.cookies.get(SESSION_COOKIE))
    session = await signin.current(request.app.state.sessions, request.app.state.oidc, request.app.state.verifier,
                                   session_id, margin_seconds=dashboard_settings().refresh_margin_seconds)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NeedsSignIn(target)
    return session


async def form_of(request: Request, session: Session) -> dict[str, str]:
    """A POST form's fields, once its CSRF token is the session's (else 403)."""
    from urllib.parse import parse_qs

    form = {k: v[0] for k, v in parse_qs((await request.body()).decode(), keep_blank_values=True).items()}
    if not csrf_matches(session.csrf, form.get("csrf")):
        raise HTTPException(403, detail={"title": "the form's CSRF token is missing or not this session's"})
    return form


def flash(response: Response, request: Request, message: str, ok: bool) -> None:
    """A message for the next page (after a form's redirect), in a short-lived signed cookie (base64: UTF-8)."""
    encoded = base64.urlsafe_b64encode(f"{'ok' if ok else 'error'}:{message}".encode()).decode("ascii")
    set_cookie(response, FLASH_COOKIE, sign(signing_key(request), FLASH_COOKIE, encoded), max_age=60)


def _flashed(request: Request) -> str | None:
    encoded = unsign(signing_key(request), FLASH_COOKIE, request.cookies.get(FLASH_COOKIE))
    return base64.urlsafe_b64decode(encoded).decode() if encoded else None


def render(request: Request, template: str, session: Session | None, status_code: int = 200, **context) -> Response:
    shown = _flashed(request)
    kind, _, text = (shown or "").partition(":")
    response = templates.TemplateResponse(request, template, {
        "session": session, "principal": session.principal if session else None, "csrf": session.csrf if session else "",
        "flash": {"ok": kind == "ok", "text": text} if shown else None, "regions": regions(), "hospitals": hospitals(),
        "path": request.url.path, **context}, status_code=status_code)
    if shown:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


@lru_cache
def _configuration():
    try:
        return load_config(get_settings().yidi_config_dir)
    except Exception:  # the pages then show codes without names
        return None


def regions() -> dict[str, str]:
    """Region code -> name, from the regional configuration."""
    config = _configuration()
    return {} if config is None else dict(sorted({ry.region: ry.name for ry in config.region_years.values()}.items()))


def hospitals() -> dict[str, str]:
    config = _configuration()
    return {} if config is None else {code: h.name for code, h in sorted(config.hospitals.items())}


def this_year() -> int:
    return date.today().year
