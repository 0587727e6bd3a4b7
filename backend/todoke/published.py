"""What residents read most and staff change rarely — the published procedure catalogue,
the active programmes — kept in memory per process until a publish says otherwise.

A publish calls ``changed(sql)`` inside its transaction. Once it commits, this process
forgets every kept value at once (the next read loads afresh); on PostgreSQL a NOTIFY
tells every other process, each listening while its app runs (``listen``), and a listener
that (re)connects forgets everything too, since a change may have passed unheard. On
SQLite the app is one process: the in-process signal is the whole story.

Values are kept with an ETag (a digest of their JSON), so a client that has the current
one gets ``304 Not Modified`` without a byte of body.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import msgspec

from todoke.db import SqlSession
from todoke.signals import Listener, announce

CHANNEL = "published_changed"
LISTENER_NAME = "todoke published listener"

T = TypeVar("T")


class Kept(msgspec.Struct, Generic[T], frozen=True):
    value: T
    etag: str


_generation = 0
_kept: dict[tuple[str, int], tuple[int, Kept[Any]]] = {}


async def kept(name: str, municipality_id: int, load: Callable[[], Awaitable[T]]) -> Kept[T]:
    """The value ``load`` gives, kept under ``name`` for the municipality until the next
    publish. A publish during the load is not overwritten by what the load read."""
    key = (name, municipality_id)
    found = _kept.get(key)
    if found is not None and found[0] == _generation:
        return found[1]
    generation = _generation
    value = await load()
    entry = Kept(value, etag(value))
    if generation == _generation:
        _kept[key] = (generation, entry)
    return entry


def etag(value: Any) -> str:
    """A strong ETag for the value's JSON."""
    return '"' + hashlib.blake2b(msgspec.json.encode(value), digest_size=12).hexdigest() + '"'


def forget_all() -> None:
    global _generation
    _generation += 1
    _kept.clear()


async def changed(sql: SqlSession) -> None:
    """Inside a transaction that publishes (or withdraws) what residents read: every kept
    copy, in this process and every other, is forgotten once it commits."""
    sql.after_commit(forget_all)
    if sql.postgres:
        await announce(sql, CHANNEL)


async def listen(stop: asyncio.Event) -> None:
    """Forget the kept copies whenever another process publishes (PostgreSQL), until
    ``stop`` is set. On SQLite there is nothing to hear: it returns when stopped."""
    async with Listener(CHANNEL, LISTENER_NAME) as listener:
        while not stop.is_set():
            stopping = asyncio.ensure_future(stop.wait())
            heard = asyncio.ensure_future(listener.event.wait())
            await asyncio.wait({stopping, heard}, return_when=asyncio.FIRST_COMPLETED)
            for future in (stopping, heard):
                if not future.done():
                    future.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await future
            if listener.event.is_set():
                listener.event.clear()
                forget_all()
