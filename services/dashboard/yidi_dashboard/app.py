"""The dashboard service: the browser dashboard for bureaus, hospitals and the province.

A backend-for-frontend: server-rendered pages (Jinja2) with Apache ECharts (vendored under static/vendor,
served from here: no CDN), behind the OIDC sign-in of OIDC_ISSUER (authorization code + PKCE). It keeps
sessions in its own database and calls the services' APIs with the user's own token."""
from pathlib import Path

import httpx
from fastapi.staticfiles import StaticFiles

from yidi_common.runtime import ServiceRuntime, create_service_app
from yidi_common.settings import get_settings

from .adapters.backends import Backends
from .adapters.oidc import OidcProvider
from .adapters.sessions import SessionStore
from .api import auth, pages
from .api.web import NeedsSignIn, needs_sign_in
from .consumers.handlers import make_handlers
from .settings import dashboard_settings

SECURITY_HEADERS = {
    # scripts and styles of this site only (ECharts sets inline styles on the elements it draws)
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cache-Control": "no-store",
}


async def _start(runtime: ServiceRuntime) -> None:
    settings, common = dashboard_settings(), get_settings()
    http = httpx.AsyncClient(timeout=settings.backend_timeout_seconds)
    app.state.sessions = SessionStore(runtime.engine)
    app.state.backends = Backends(settings.backend_urls(), http)
    app.state.oidc = OidcProvider(common.oidc_issuer, settings.client_id, http, jwks_url=common.jwks_url)
    app.state.signing_key = settings.signing_key()
    runtime.extras["http"] = http


app = create_service_app("dashboard", handlers=make_handlers(), routers=[auth.router, pages.router],
                         title="Yidi dashboard", description="the browser dashboard for bureaus, hospitals and the province",
                         on_startup=_start)
app.add_exception_handler(NeedsSignIn, needs_sign_in)
app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")


@app.middleware("http")
async def security_headers(request, call_next):
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        if name == "Cache-Control" and request.url.path.startswith("/static/"):
            continue
        response.headers.setdefault(name, value)
    return response
