"""Signals between processes: "look again now", sent from inside the transaction whose
writes there are to see, heard by whoever listens.

- PostgreSQL (any number of ``todoke serve`` and ``todoke worker`` processes):
  ``NOTIFY <channel>`` in that transaction. PostgreSQL delivers it at commit, and not at
  all on rollback, to every session listening; ``Listener`` is one, on a connection of its
  own (reconnecting with backoff when it drops).
- SQLite (one process): an in-process signal set after the commit.

A signal only says "look now": what to read is still the reader's own business, so a signal
lost (a listener reconnecting, a write from another process on SQLite) costs latency until
the reader's safety net, never data.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from todoke.db import SqlSession, current_engine

logger = logging.getLogger("todoke.signals")

_local_lock = threading.Lock()
# channel → the in-process listeners of it (SQLite, one process).
_local_waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}


async def announce(sql: SqlSession, channel: str) -> None:
    """Announce on ``channel``, from inside the transaction whose writes the listeners
    should see: delivered when (and only if) that transaction commits."""
    if sql.postgres:
        # Several in one transaction are delivered once: PostgreSQL folds identical ones.
        await sql.execute(f"NOTIFY {channel}")
    else:
        sql.after_commit(functools.partial(_wake_local, channel))


def _wake_local(channel: str) -> None:
    """Set every in-process listener's event, from whichever thread or loop committed."""
    with _local_lock:
        waiters = list(_local_waiters.get(channel, ()))
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    for loop, event in waiters:
        if loop is running:
            event.set()
            continue
        with contextlib.suppress(RuntimeError):  # that loop has closed
            loop.call_soon_threadsafe(event.set)


class Listener:
    """Wakes its ``event`` whenever ``channel`` is announced. Use as an async context
    manager; the owner clears ``event`` before reading what changed, then waits on it.

    ``event`` is also set when listening (re)starts, since a change committed while no
    one listened was announced to no one."""

    def __init__(
        self,
        channel: str,
        name: str,
        *,
        backoff_seconds: float = 0.2,
        max_backoff_seconds: float = 30.0,
        health_seconds: float = 15.0,
    ) -> None:
        self.channel = channel
        self.name = name  # the listening session's application_name
        self.event = asyncio.Event()
        self.connected = asyncio.Event()  # PostgreSQL: LISTEN is in force
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._health = health_seconds
        self._task: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None
        self._listened = False

    async def __aenter__(self) -> Listener:
        engine = current_engine()
        if isinstance(engine, PostgresEngine):
            self._task = asyncio.create_task(self._listen(dict(engine.config)))
        else:
            self._waiter = (asyncio.get_running_loop(), self.event)
            with _local_lock:
                _local_waiters.setdefault(self.channel, set()).add(self._waiter)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._waiter is not None:
            with _local_lock:
                _local_waiters.get(self.channel, set()).discard(self._waiter)
        self._closing.set()
        if self._task is not None:
            await self._task

    async def _listen(self, config: dict[str, Any]) -> None:
        delay = self._backoff
        while not self._closing.is_set():
            self._listened = False
            try:
                await self._listen_once(config)
            except Exception as error:  # any failure: listen again, the poll covers the gap
                if self._listened:
                    delay = self._backoff  # it was up: a fresh drop starts the backoff again
                logger.warning("%s: %s (%s); listening again in %.1fs", self.name,
                               "connection lost" if self._listened else "cannot connect",
                               error.__class__.__name__, delay)  # fmt: skip
            if self._closing.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=delay)
            delay = min(delay * 2, self._max_backoff)

    async def _listen_once(self, config: dict[str, Any]) -> None:
        import asyncpg  # comes with piccolo[postgres]; only PostgreSQL deployments need it

        connection = await asyncpg.connect(
            **config, server_settings={"application_name": self.name}
        )
        try:
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _connection: lost.set())
            await connection.add_listener(self.channel, lambda *_args: self.event.set())
            self.connected.set()
            self._listened = True
            self.event.set()  # whatever was announced while no one listened
            await self._hold(connection, lost)
        finally:
            self.connected.clear()
            if not connection.is_closed():
                try:
                    await connection.close(timeout=2)
                except Exception:
                    connection.terminate()

    async def _hold(self, connection: Any, lost: asyncio.Event) -> None:
        """Keep the LISTEN until closing; return (or raise) when the connection is gone,
        checking now and then that a silent network has not taken it."""
        while not self._closing.is_set():
            closing = asyncio.ensure_future(self._closing.wait())
            dropped = asyncio.ensure_future(lost.wait())
            done, pending = await asyncio.wait(
                {closing, dropped}, timeout=self._health, return_when=asyncio.FIRST_COMPLETED
            )
            for future in pending:
                future.cancel()
            if dropped in done or connection.is_closed():
                raise ConnectionResetError("listening connection closed")
            if not done:
                await connection.execute("SELECT 1", timeout=5)
