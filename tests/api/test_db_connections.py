"""SQLite's kept connections: a transaction that raises (a 404 inside a read, a refused
write) is rolled back and its connection serves the next one; none piles up."""

from __future__ import annotations

import os

import pytest

from todoke import db
from todoke.db import read_transaction, single_read, write_transaction

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TODOKE_DATABASE_URL")), reason="SQLite's kept connections"
)


class Refused(Exception):
    pass


async def test_a_failed_transaction_gives_its_connection_back(city):
    pool = db._sqlite_pool(db.current_engine())
    for _ in range(3):  # warm: the connections a quiet run keeps, of every kind used below
        async with read_transaction() as sql:
            await sql.value("SELECT 1")
        async with write_transaction() as sql:
            await sql.value("SELECT 1")
        async with single_read() as sql:
            await sql.value("SELECT 1")
    before = len(pool._open)
    for _ in range(20):
        with pytest.raises(Refused):
            async with read_transaction() as sql:
                await sql.value("SELECT 1")
                raise Refused
        with pytest.raises(Refused):
            async with write_transaction() as sql:
                await sql.execute(
                    "UPDATE municipality SET name_ja = name_ja WHERE id = ?", [city.id]
                )
                raise Refused
        with pytest.raises(Refused):
            async with single_read() as sql:
                await sql.value("SELECT 1")
                raise Refused
    assert len(pool._open) == before
    # And what the refused writes did was undone.
    async with read_transaction() as sql:
        assert await sql.value("SELECT COUNT(*) FROM municipality") == 2  # city and town


async def test_short_reads_see_what_was_just_committed(city):
    """Kept readers start a new snapshot with every transaction (and every statement
    outside one): a reader never serves a view older than the last commit."""
    for _ in range(3):
        async with write_transaction() as sql:
            await sql.execute(
                "UPDATE municipality SET name_en = name_en || 'x' WHERE id = ?", [city.id]
            )
        async with write_transaction() as sql:
            expected = await sql.value("SELECT name_en FROM municipality WHERE id = ?", [city.id])
        async with single_read() as sql:
            assert (
                await sql.value("SELECT name_en FROM municipality WHERE id = ?", [city.id])
                == expected
            )
        async with read_transaction() as sql:
            assert (
                await sql.value("SELECT name_en FROM municipality WHERE id = ?", [city.id])
                == expected
            )
        async with read_transaction(bulk=True) as sql:
            assert (
                await sql.value("SELECT name_en FROM municipality WHERE id = ?", [city.id])
                == expected
            )


async def test_a_bulk_read_leaves_the_event_loop_free(city):
    """A long read (every person, the audit chain) runs beside the event loop; a short
    one runs on it, as its statement costs less than the hand-off to a thread would."""
    import asyncio

    ticks = 0
    stop = asyncio.Event()

    async def heartbeat() -> None:
        nonlocal ticks
        while not stop.is_set():
            await asyncio.sleep(0.001)
            ticks += 1

    long_count = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) "
        "SELECT COUNT(*) FROM n"
    )
    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.01)
    try:
        ticks = 0
        async with read_transaction(bulk=True) as sql:
            assert await sql.value(long_count) == 3_000_000
        assert ticks > 0, "the loop stood still during a bulk read"
        ticks = 0
        async with read_transaction() as sql:
            assert await sql.value("SELECT 1") == 1
        assert ticks == 0  # a short read did not even yield
    finally:
        stop.set()
        await beat
