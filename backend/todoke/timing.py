"""Where a request's time goes on the server: the session lookup, the route's dependencies
and handler, the database inside them, and the encoding of the answer, kept
per request while ``TODOKE_SERVER_TIMING`` is on and sent back as a ``Server-Timing``
header (``web.timing``). The HTTP benchmark reads it to show what each endpoint spends
where; operators can read it in a browser's developer tools on a staging server.

Off by default: it tells any caller how long the database took."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token


class RequestTiming:
    __slots__ = ("database", "handler_ended", "handler_started", "session", "started", "statements")

    def __init__(self) -> None:
        self.started = time.perf_counter()
        # Seconds waiting on the database (statements, thread hand-offs) and statements,
        # the session lookup's not included: that is all in ``session``.
        self.database = 0.0
        self.statements = 0
        self.session = 0.0
        # When the route's own work began (its dependencies resolved, then the handler) and
        # ended (the answer handed over for encoding); 0 when the request never got there.
        self.handler_started = 0.0
        self.handler_ended = 0.0

    def handler(self) -> float:
        """Seconds from the route's dependencies to its answer (its database time inside)."""
        if not self.handler_started or not self.handler_ended:
            return 0.0
        return self.handler_ended - self.handler_started

    @contextmanager
    def session_lookup(self) -> Iterator[None]:
        """Count what happens inside as the session lookup, its statements included."""
        started, database, statements = time.perf_counter(), self.database, self.statements
        try:
            yield
        finally:
            self.session += time.perf_counter() - started
            self.database, self.statements = database, statements


_current: ContextVar[RequestTiming | None] = ContextVar("todoke_request_timing", default=None)


def begin() -> tuple[RequestTiming, Token[RequestTiming | None]]:
    timing = RequestTiming()
    return timing, _current.set(timing)


def end(token: Token[RequestTiming | None]) -> None:
    _current.reset(token)


def current() -> RequestTiming | None:
    """The timing of the request this task serves, when Server-Timing is on."""
    return _current.get()
