"""Fixed-window rate limits kept in the database, so every process shares one count."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from todoke.db import write_transaction
from todoke.errors import Text, TooManyRequests
from todoke.settings import Settings

_UPSERT = (
    "INSERT INTO rate_counter (key, window_start, count) VALUES (?, ?, 1) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN rate_counter.window_start = excluded.window_start "
    "THEN rate_counter.count + 1 ELSE 1 END, "
    "window_start = excluded.window_start RETURNING count"
)


async def hit(key: str, *, limit: int, window_seconds: int) -> None:
    """Count one attempt for ``key``; over ``limit`` in the window raises TooManyRequests
    with the seconds until the window ends."""
    now = time.time()
    window = int(now // window_seconds) * window_seconds
    async with write_transaction() as sql:
        count = await sql.value(_UPSERT, [key[:200], window])
    if count > limit:
        raise TooManyRequests(
            Text(
                "試行回数が多すぎます。しばらく待ってからお試しください。",
                "Too many attempts. Please wait and try again.",
            ),
            retry_after=int(window + window_seconds - now) + 1,
        )


def rate_limit(
    name: str,
    *,
    limit: Callable[[Settings], int],
    window_seconds: int = 60,
    per: str = "client",
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """A guard counting each call of the route it is declared on, per client address
    (``per="client"``) or per signed-in account (``per="account"``); over ``limit(settings)``
    in the window the call is refused with 429 before the handler runs."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        settings: Settings = connection.app.state.settings
        if per == "account":
            user = connection.scope.get("user")
            who = str(getattr(user, "account_id", "anonymous"))
        else:
            who = connection.client.host if connection.client else "unknown"
        await hit(f"{name}:{who}", limit=limit(settings), window_seconds=window_seconds)

    guard.__name__ = f"rate_limit_{name}"
    return guard
