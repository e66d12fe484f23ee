"""Sign-in (OIDC authorization code + PKCE against OIDC_ISSUER), its callback, sign-out."""
from __future__ import annotations

from urllib.parse import urlencode

import httpx
import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from ..adapters.oidc import SignInFailed
from ..adapters.sessions import LOGIN_SECONDS, Session
from ..domain.signin import sign, unsign
from ..service_layer import signin
from ..settings import dashboard_settings
from .web import LOGIN_COOKIE, SESSION_COOKIE, form_of, render, set_cookie, signed_in, signing_key

router = APIRouter(prefix="/auth", include_in_schema=False)
log = structlog.get_logger()


def redirect_uri(request: Request) -> str:
    base = dashboard_settings().public_url or str(request.base_url)
    return f"{base.rstrip('/')}/auth/callback"


@router.get("/login")
async def login(request: Request, next: str | None = None) -> Response:
    try:
        url, state = await signin.begin(request.app.state.sessions, request.app.state.oidc, redirect_uri(request), next)
    except (httpx.HTTPError, KeyError, ValueError) as e:
        log.warning("sign-in provider unavailable", error=type(e).__name__)
        return render(request, "message.html", None, status_code=503, title="登录服务暂不可用",
                      text="无法连接统一身份认证服务，请稍后再试。")
    response = RedirectResponse(url, status_code=303)
    set_cookie(response, LOGIN_COOKIE, sign(signing_key(request), LOGIN_COOKIE, state), max_age=LOGIN_SECONDS,
               path="/auth")
    return response


@router.get("/callback")
async def callback(request: Request, code: str | None = None, state: str | None = None,
                   error: str | None = None) -> Response:
    """The provider sends the browser back here; the state must be the one this browser's login cookie holds."""
    bound = unsign(signing_key(request), LOGIN_COOKIE, request.cookies.get(LOGIN_COOKIE))
    try:
        if error:
            raise SignInFailed(f"the provider answered {error}")
        if not code or not state or bound != state:
            raise SignInFailed("this sign-in was not started by this browser")
        session_id, return_to = await signin.complete(
            request.app.state.sessions, request.app.state.oidc, request.app.state.verifier, state=state, code=code,
            redirect_uri=redirect_uri(request), session_seconds=dashboard_settings().session_seconds)
    except (SignInFailed, httpx.HTTPError) as e:
        log.warning("sign-in failed", reason=str(e))
        response = render(request, "message.html", None, status_code=400, title="登录未完成",
                          text="登录未能完成，请重新登录。", retry=True)
        response.delete_cookie(LOGIN_COOKIE, path="/auth")
        return response
    response = RedirectResponse(return_to, status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/auth")
    set_cookie(response, SESSION_COOKIE, sign(signing_key(request), SESSION_COOKIE, session_id),
               max_age=dashboard_settings().session_seconds)
    return response


@router.post("/logout")
async def logout(request: Request, session: Session = Depends(signed_in)) -> Response:
    await form_of(request, session)
    session_id = unsign(signing_key(request), SESSION_COOKIE, request.cookies.get(SESSION_COOKIE))
    await signin.sign_out(request.app.state.sessions, session_id)
    target = "/auth/signed-out"
    try:
        end = await request.app.state.oidc.end_session_endpoint()
    except (httpx.HTTPError, ValueError):
        end = None
    if end and session.id_token:  # Keycloak ends its own session too
        base = dashboard_settings().public_url or str(request.base_url)
        target = f"{end}?{urlencode({'id_token_hint': session.id_token, 'post_logout_redirect_uri': base.rstrip('/') + target})}"
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/signed-out")
async def signed_out(request: Request) -> Response:
    return render(request, "message.html", None, title="已退出登录", text="您已安全退出。", retry=True)
