"""Re-evaluation in the background: registry changes (imports, approved moves, births) are
read from the change log and only the households they touch are matched again.

The worker wakes the moment the registry announces a change (``registry.change_signal``:
NOTIFY on PostgreSQL, an in-process signal on SQLite), then runs passes until the log has
nothing it has not read: a burst of announcements (a 10,000-row import commits a batch at a
time) is a handful of passes, not one per change. What a pass reads is always the cursor
over the change log, never the announcement, so a lost announcement costs only time until
the safety-net poll.

Each round also runs the daily calendar pass when Japan's date has moved on since it last
ran (``telling.calendar_pass``: a look, then the whole registry once a day), so a resident
turning 65 is told that day.
"""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import Counter

from todoke.benefits.telling import daily_all, reevaluate_all
from todoke.db import current_engine, failed_round, read_transaction
from todoke.registry import public as registry
from todoke.registry.change_signal import ChangeListener

logger = logging.getLogger("todoke.matching")

# The safety net: how often to look at the change log with no announcement at all. On
# PostgreSQL an announcement is missed only while the listener reconnects; on SQLite a
# registry write from another process (`todoke import-registry` beside `todoke serve`)
# announces nothing to this one, so there the poll stays what it was before announcements.
POLL_SECONDS = 30.0
SQLITE_POLL_SECONDS = 5.0
# After a failed pass, wait this long before the next, doubled at each failure in a row up
# to db.RETRY_MAX_SECONDS (announcements do not hurry it).
RETRY_SECONDS = 0.5
# A guard, not a limit met in practice (a pass reads 5,000 changes): one wake-up runs at
# most this many passes, and the next round carries on.
MAX_PASSES = 1000

# Operators' metrics (served by ``todoke.metrics``; summed over processes in multiprocess mode).
RUNS = Counter(
    "todoke_matching_runs", "Matching rounds (change log, then the daily pass)", ["result"]
)
PASSES = Counter("todoke_matching_passes", "Re-evaluation passes over the registry change log")
TOLD = Counter("todoke_matching_told", "Residents newly told of a programme by matching")


async def run_matching(stop: asyncio.Event, interval_seconds: float | None = None) -> None:
    """Match changed households until ``stop`` is set: at once on an announced change,
    and every ``interval_seconds`` (default: the poll of this database) in any case."""
    async with ChangeListener() as listener:
        failures = 0
        while not stop.is_set():
            listener.event.clear()  # announcements from here on wake the next round
            try:
                told = await drain(stop)
                if told:
                    logger.info("matching: %d residents newly told", told)
                daily = await daily_all()
                if daily:
                    logger.info("matching: the daily pass told %d residents", daily)
                TOLD.inc(told + daily)
                RUNS.labels("ok").inc()
                failures = 0
            except Exception as error:  # the database down, a bug: the loop goes on
                RUNS.labels("failed").inc()
                failures += 1
                what = "matching: re-evaluation"
                await _wait(stop, None, failed_round(logger, what, error, failures, RETRY_SECONDS))
                continue
            await _wait(stop, listener.event, interval_seconds or _poll_seconds())


async def drain(stop: asyncio.Event | None = None) -> int:
    """Re-evaluate until every municipality's cursor has reached its change log's end;
    return how many residents were newly told."""
    told = 0
    for _ in range(MAX_PASSES):
        # A read first: a pass takes the cursor's lock (SQLite's write lock), a look does not.
        if (stop is not None and stop.is_set()) or not await _unread():
            break
        told += await reevaluate_all()
        PASSES.inc()
    return told


def _poll_seconds() -> float:
    return POLL_SECONDS if current_engine().engine_type == "postgres" else SQLITE_POLL_SECONDS


async def _unread() -> bool:
    """Whether some municipality's change log holds entries its matching cursor has not
    passed (a pass reads a slice at a time)."""
    municipalities = await registry.municipality_ids()
    async with read_transaction() as sql:
        for municipality_id in municipalities:
            cursor = await sql.value(
                "SELECT last_change FROM matching_cursor WHERE municipality = ?",
                [municipality_id],
            )
            if await registry.last_change_id(sql, municipality_id) > (cursor or 0):
                return True
    return False


async def _wait(stop: asyncio.Event, wake: asyncio.Event | None, seconds: float) -> None:
    """Until ``stop``, ``wake`` (if given) or ``seconds`` have passed, whichever is first."""
    waits = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waits.append(asyncio.ensure_future(wake.wait()))
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
