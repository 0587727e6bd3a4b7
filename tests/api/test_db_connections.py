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
    for _ in range(3):  # warm: the connections a quiet run keeps
        async with read_transaction() as sql:
            await sql.value("SELECT 1")
        async with write_transaction() as sql:
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
        assert await sql.value("SELECT COUNT(*) FROM municipality") == 1
