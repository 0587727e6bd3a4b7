"""An idle worker round looks before it writes: with nothing due it never takes SQLite's
write lock, which every request that writes would otherwise queue behind once a second."""

from __future__ import annotations

import asyncio
import os
import sqlite3

import pytest

from todoke.benefits.telling import reevaluate
from todoke.notices.worker import DeliveryWorker, EmailWorker

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TODOKE_DATABASE_URL")), reason="SQLite's one write lock"
)


async def test_idle_rounds_need_no_write_lock(db, city):
    # Another writer holds the write lock for the whole test.
    holder = sqlite3.connect(db.database_path, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        async with DeliveryWorker(db) as push:
            assert await asyncio.wait_for(push.claim(), timeout=2) == []
        assert await asyncio.wait_for(EmailWorker(db).claim(), timeout=2) == ([], 0)
        assert await asyncio.wait_for(reevaluate(city.id), timeout=2) == 0
    finally:
        holder.rollback()
        holder.close()
