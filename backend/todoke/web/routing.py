"""The route decorators every domain uses (``get``, ``post``, ``put``, ``patch``,
``delete``): Litestar's route handler, except that guards are handed the handler itself,
and that with Server-Timing on it notes when the handler's answer goes to be encoded.

Litestar gives each guard a shallow copy of the handler (``copy(handler)``, in case a
guard changes it): 30–70 µs a guard, a tenth of a signed-in request, for nothing — our
guards read the connection's principal and never touch the handler
(``tests/unit/test_routing.py`` checks every route is declared with these)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from litestar import Litestar, Request
from litestar.connection import ASGIConnection
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp

from todoke import timing


class RouteHandler(HTTPRouteHandler):
    async def authorize_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        for guard in self.resolve_guards():
            await guard(connection, self)  # type: ignore[misc]  # (made async by Litestar)

    async def to_response(
        self, app: Litestar, data: Any, request: Request[Any, Any, Any]
    ) -> ASGIApp:
        record = timing.current()
        if record is not None:
            record.handler_ended = time.perf_counter()
        return await super().to_response(app, data, request)


def _decorator(method: HttpMethod) -> Callable[..., RouteHandler]:
    def decorator(path: str | list[str] | None = None, **kwargs: Any) -> RouteHandler:
        return RouteHandler(path, http_method=method, **kwargs)

    decorator.__name__ = decorator.__qualname__ = method.value.lower()
    return decorator


get = _decorator(HttpMethod.GET)
post = _decorator(HttpMethod.POST)
put = _decorator(HttpMethod.PUT)
patch = _decorator(HttpMethod.PATCH)
delete = _decorator(HttpMethod.DELETE)
