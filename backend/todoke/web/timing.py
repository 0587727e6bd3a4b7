"""The ``Server-Timing`` header (W3C Server Timing): total time to the response's first
byte; the session lookup's share (its statement included); the database's share beyond
it, with its statement count. What is left is routing, validation, the handler's own code
and encoding. Installed only when ``TODOKE_SERVER_TIMING`` is on (see ``todoke.timing``)."""

from __future__ import annotations

import time
from typing import Any

from todoke import timing


def server_timing_value(record: timing.RequestTiming, total: float) -> bytes:
    return (
        f"total;dur={total * 1000:.3f}, "
        f'db;dur={record.database * 1000:.3f};desc="{record.statements} statements", '
        f"session;dur={record.session * 1000:.3f}"
    ).encode()


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
                total = time.perf_counter() - record.started
                message["headers"] = [
                    *message.get("headers", []),
                    (b"server-timing", server_timing_value(record, total)),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_timing)
        finally:
            timing.end(token)
