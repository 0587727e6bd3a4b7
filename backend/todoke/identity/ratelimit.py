"""Fixed-window rate limits kept in the database, so every process shares one count."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from todoke.db import read_transaction, write_transaction
from todoke.errors import Text, TooManyRequests
from todoke.registry.hosts import request_municipality
from todoke.settings import Settings
from todoke.web.forwarded import client_address, rate_key

_UPSERT = (
    "INSERT INTO rate_counter (municipality, key, window_start, count) VALUES (?, ?, ?, 1) "
    "ON CONFLICT (municipality, key) DO UPDATE SET "
    "count = CASE WHEN rate_counter.window_start = excluded.window_start "
    "THEN rate_counter.count + 1 ELSE 1 END, "
    "window_start = excluded.window_start RETURNING count"
)


def _window(window_seconds: int) -> tuple[float, int]:
    now = time.time()
    return now, int(now // window_seconds) * window_seconds


def _too_many(now: float, window: int, window_seconds: int) -> TooManyRequests:
    return TooManyRequests(
        Text(
            "試行回数が多すぎます。しばらく待ってからお試しください。",
            "Too many attempts. Please wait and try again.",
        ),
        retry_after=int(window + window_seconds - now) + 1,
    )


async def hit(municipality_id: int, key: str, *, limit: int, window_seconds: int) -> None:
    """Count one attempt for ``key`` at a municipality (each counts its own: the counters
    are keyed by it like every tenant-owned row); over ``limit`` in the window raises
    TooManyRequests with the seconds until the window ends."""
    now, window = _window(window_seconds)
    async with write_transaction() as sql:
        count = await sql.value(_UPSERT, [municipality_id, key[:200], window])
    if count > limit:
        raise _too_many(now, window, window_seconds)


async def check(municipality_id: int, key: str, *, limit: int, window_seconds: int) -> None:
    """Refuse (429) when ``key`` has already been counted ``limit`` times in this window,
    counting nothing: for limits on failures, checked before the attempt is even tried and
    counted with ``hit`` only when it fails."""
    now, window = _window(window_seconds)
    async with read_transaction() as sql:
        count = await sql.value(
            "SELECT count FROM rate_counter WHERE municipality = ? AND key = ? "
            "AND window_start = ?",
            [municipality_id, key[:200], window],
        )
    if count is not None and count >= limit:
        raise _too_many(now, window, window_seconds)


def rate_limit(
    name: str,
    *,
    limit: Callable[[Settings], int],
    window_seconds: int = 60,
    per: str | tuple[str, ...] = "client",
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """A guard counting each call of the route it is declared on, per client address
    (``per="client"``), per signed-in account (``per="account"``) or each of both
    (``per=("account", "client")``: many accounts from one address, or one account from many
    addresses, are each held back); over ``limit(settings)`` in the window the call is
    refused with 429 before the handler runs."""
    keys = (per,) if isinstance(per, str) else per

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        settings: Settings = connection.app.state.settings
        municipality = await request_municipality(connection.scope)
        for key in keys:
            if key == "account":
                user = connection.scope.get("user")
                who = f"account={getattr(user, 'account_id', 'anonymous')}"
            else:
                who = rate_key(client_address(connection))
            await hit(
                municipality.id,
                f"{name}:{who}",
                limit=limit(settings),
                window_seconds=window_seconds,
            )

    guard.__name__ = f"rate_limit_{name}"
    return guard
