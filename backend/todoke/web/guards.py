"""Who may call a route, declared on the route: Litestar guards and the principal
dependency, reading the ``Principal`` the authentication middleware put on the request.

Routes say what they need (``guards=[requires(Permission.CASES_WORK)]``); services below
them never ask again, except where the answer depends on the data (a case's department).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler

from todoke.errors import Text, Unauthenticated
from todoke.principal import Permission, Principal

# Guards are coroutines: Litestar runs a plain function guard on a worker thread, and
# handing the GIL to and from that thread cost a signed-in request more than its database.
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]

SIGN_IN_REQUIRED = Text("サインインしてください。", "Please sign in.")


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


def needs_session(guard: Guard) -> Guard:
    """Mark a guard that refuses callers without a session: the OpenAPI document declares
    the session scheme on every route that has one (``web.openapi``)."""
    guard.needs_session = True  # type: ignore[attr-defined]
    return guard


@needs_session
async def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if principal_of(connection) is None:
        raise Unauthenticated(SIGN_IN_REQUIRED)


@needs_session
async def residents_only(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    principal = principal_of(connection)
    if principal is None:
        raise Unauthenticated(SIGN_IN_REQUIRED)
    principal.require_resident()


def requires(permission: Permission) -> Guard:
    """A guard letting through signed-in staff whose role has ``permission``."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        if principal is None:
            raise Unauthenticated(SIGN_IN_REQUIRED)
        principal.require(permission)

    guard.__name__ = f"requires_{permission.value}"
    return needs_session(guard)


# The principal providers take the ``municipality`` dependency (the municipality served):
# an account of another one is nobody here. Depending on it also makes Litestar resolve the
# two one after the other; two independent dependencies of one route it resolves in an
# anyio task group, which cost more than the rest of the request (a task per dependency).


def provide_principal(
    request: ASGIConnection[Any, Any, Any, Any], municipality: NamedDependency[Any]
) -> Principal:
    """The ``principal`` dependency: the signed-in account, or 401."""
    principal = principal_of(request)
    if principal is None or principal.municipality_id != municipality.id:
        raise Unauthenticated(SIGN_IN_REQUIRED)
    return principal


def provide_optional_principal(
    request: ASGIConnection[Any, Any, Any, Any], municipality: NamedDependency[Any]
) -> Principal | None:
    """The ``optional_principal`` dependency, for pages anyone may open."""
    principal = principal_of(request)
    return principal if principal and principal.municipality_id == municipality.id else None
