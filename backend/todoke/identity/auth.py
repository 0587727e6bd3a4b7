"""Authentication as Litestar middleware: the session cookie becomes ``request.user``
(a ``Principal``, or ``None`` when signed out), and unsafe requests made with a session
must come from our own origin and carry the session's CSRF token.

Wired by the app factory; routes declare what they need with guards (``web.guards``) and
read the principal through the ``principal`` dependency, never from this module.
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from todoke import tenancy, timing
from todoke.errors import Forbidden, NotFound, Text
from todoke.identity import service
from todoke.registry import public as registry
from todoke.registry.hosts import request_municipality
from todoke.settings import Settings
from todoke.web.forwarded import request_origin

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CROSS_SITE = Text("このサイトからの要求は受け付けられません。", "Cross-site request refused.")
BAD_CSRF = Text("画面を再読み込みしてからお試しください。", "Missing or wrong CSRF token.")


def session_cookie_name(settings: Settings) -> str:
    # __Host- binds the cookie to this exact origin (Secure, Path=/, no Domain).
    return "__Host-todoke_session" if settings.serves_https else "todoke_session"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _cookie(scope: Scope, name: str) -> str:
    raw = _header(scope, b"cookie")
    if not raw:
        return ""
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


async def check_origin(scope: Scope, settings: Settings) -> None:
    """Refuse a browser request whose Origin is not one of ours (a missing Origin is a
    non-browser client: core systems, the command line). At a municipality's own origin
    only that origin's pages may write: its neighbours on the same deployment are often the
    same site (city-a.example.jp, city-b.example.jp), whose cookies a browser would send."""
    origin = _header(scope, b"origin")
    if origin is None:
        return
    origin = origin.rstrip("/")
    own = request_origin(scope)
    if own in await registry.municipalities_by_origin():
        allowed = origin == own
    else:
        allowed = origin in settings.public_origins
    if not allowed:
        raise Forbidden(CROSS_SITE)


_WHO_PARAMETERS = frozenset({"principal", "optional_principal"})


def _asks_who(handler: Any) -> bool:
    """Whether a route needs to know who is calling (it takes the principal or has guards):
    public pages such as the procedure list skip the session lookup. (Both answers are
    kept by Litestar on the handler, so asking costs a set intersection.)"""
    if handler is None:
        return False
    parameters = handler.parsed_fn_signature.parameters
    return not _WHO_PARAMETERS.isdisjoint(parameters) or bool(handler.resolve_guards())


class SessionAuthMiddleware(ASGIMiddleware):
    """Resolve the session once per API request, and guard unsafe methods against CSRF.

    A route whose handler sets ``opt={"csrf": False}`` (the sign-in ceremonies, which run
    before there is a session and check the Origin themselves) is spared the token check.
    """

    scopes = (ScopeType.HTTP,)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cookie = session_cookie_name(settings)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        # Every statement of the request is limited to its municipality by the data layer
        # (todoke.tenancy); a host that serves none reaches no municipality's rows.
        handler: Any = scope.get("route_handler")
        opt = handler.opt if handler is not None else {}
        # Probes, metrics, the operator, and the app's own files: no municipality's.
        if opt.get("platform", False) or opt.get("shared_files", False):
            await self._handle(scope, receive, send, next_app)
            return
        any_host = opt.get("any_host", False)
        try:
            tenant = (await request_municipality(scope, any_host=any_host)).id
        except NotFound:
            tenant = tenancy.NOWHERE
        with tenancy.scoped_to(tenant):
            await self._handle(scope, receive, send, next_app)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        handler: Any = scope.get("route_handler")
        method = scope.get("method", "GET")
        unsafe = method in UNSAFE_METHODS
        principal = None
        if unsafe or _asks_who(handler):
            token = _cookie(scope, self.cookie)
            if token:
                principal = await self._principal(scope, token)
        scope["user"] = principal
        if unsafe:
            await check_origin(scope, self.settings)
            wants_token = handler is None or handler.opt.get("csrf", True)
            if principal is not None and wants_token:
                sent = _header(scope, b"x-csrf-token") or ""
                if not secrets.compare_digest(sent.encode(), principal.csrf_token.encode()):
                    raise Forbidden(BAD_CSRF)
        await next_app(scope, receive, send)

    async def _principal(self, scope: Scope, token: str) -> Any:
        """The session's principal, looked up within the request's municipality (a cookie
        of another municipality's session is not found here); none at a host that serves
        no municipality (the route answers 404 itself)."""
        try:
            municipality = await request_municipality(scope)
        except NotFound:
            return None
        record = timing.current()
        idle = self.settings.session_idle_minutes
        if record is None:
            return await service.resolve_session(
                token, municipality_id=municipality.id, idle_minutes=idle
            )
        with record.session_lookup():
            return await service.resolve_session(
                token, municipality_id=municipality.id, idle_minutes=idle
            )
