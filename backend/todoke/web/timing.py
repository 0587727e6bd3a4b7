"""The ``Server-Timing`` header (W3C Server Timing): total time to the response's first
byte; the session lookup's share (its statement included); the route's handler, from its
dependencies to its answer; the database's share beyond the session lookup, with its
statement count; and the encoding of the answer. What is left is the middleware, routing
and guards. Installed only when ``TODOKE_SERVER_TIMING`` is on (see ``todoke.timing``)."""

from __future__ import annotations

import time
from typing import Any

from todoke import timing


def server_timing_value(record: timing.RequestTiming, answered: float) -> bytes:
    total = answered - record.started
    encode = answered - record.handler_ended if record.handler_ended else 0.0
    return (
        f"total;dur={total * 1000:.3f}, "
        f'db;dur={record.database * 1000:.3f};desc="{record.statements} statements", '
        f"session;dur={record.session * 1000:.3f}, "
        f"handler;dur={record.handler() * 1000:.3f}, "
        f"encode;dur={encode * 1000:.3f}"
    ).encode()


async def mark_handler_start(_: Any) -> None:
    """Litestar's ``before_request`` hook (only with Server-Timing on): the route's own work
    starts here, after the guards, before its dependencies. Returns None: the route runs."""
    record = timing.current()
    if record is not None:
        record.handler_started = time.perf_counter()


class ServerTiming:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record, token = timing.begin()

        async def send_with_timing(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"server-timing", server_timing_value(record, time.perf_counter())),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_timing)
        finally:
            timing.end(token)
