"""A registry change wakes the re-matching worker at once: NOTIFY on PostgreSQL, an
in-process signal on SQLite, sent when the change commits and never before.

The worker's poll is set to a minute throughout, so a notice that arrives within two
seconds was brought by the wake-up, not by a poll; the control test shows the same bound
is missed when no one announces the change.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from test_applications import verified_resident
from test_identity import staff_client
from test_programs import household, support_notices

from todoke.benefits import worker
from todoke.db import current_engine, write_transaction
from todoke.notices.tables import Notice
from todoke.registry import change_signal
from todoke.registry.change_signal import LISTENER_NAME, ChangeListener
from todoke.registry.service import create_core_system_token

BOUND_SECONDS = 2.0  # a 5 s poll meets this less than half the time; a 60 s poll almost never


def _postgres() -> bool:
    return current_engine().engine_type == "postgres"


@pytest.fixture(autouse=True)
def slow_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "POLL_SECONDS", 60.0)
    monkeypatch.setattr(worker, "SQLITE_POLL_SECONDS", 60.0)


@pytest.fixture
async def waiting(client_for, app, city):
    """B (a single parent earning too much for 児童扶養手当) with a verified account that
    consented to matching; the programme approved; a core-system token."""
    await household(city, "B", [{"age": 40, "single_parent": True, "income": 5_000_000},
                                {"age": 10}])  # fmt: skip
    resident, headers = await verified_resident(client_for, app, city, "B00")
    consent = await resident.post(
        "/api/me/consents", json={"purpose": "matching", "granted": True}, headers=headers
    )
    assert consent.status_code == 200, consent.text
    supervisor, staff_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["child-support"]
    )
    approved = await supervisor.post(
        "/api/staff/programs/child-rearing-allowance/approve", headers=staff_headers
    )
    assert approved.status_code == 200 and approved.json()["told"] == 0, approved.text
    token = await create_core_system_token(city.id, "税務システム")
    return resident, (client_for(app), {"authorization": f"Bearer {token}"})


async def _running() -> tuple[asyncio.Event, asyncio.Task[None]]:
    """The matching worker, started and idle (its first round done, waiting)."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_matching(stop))
    if _postgres():
        await _listeners(1)
    await asyncio.sleep(0.5)
    return stop, task


async def _listeners(count: int, timeout: float = 5.0) -> list[int]:
    """Wait until ``count`` registry listeners are connected; their backend pids."""
    import asyncpg

    connection = await asyncpg.connect(**current_engine().config)  # type: ignore[attr-defined]
    try:
        deadline = time.monotonic() + timeout
        while True:
            pids = [
                r["pid"]
                for r in await connection.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = $1 "
                    "AND datname = current_database() AND query LIKE 'LISTEN%'",
                    LISTENER_NAME,
                )
            ]
            if len(pids) >= count or time.monotonic() > deadline:
                return pids
            await asyncio.sleep(0.05)
    finally:
        await connection.close()


async def _told_within(resident, seconds: float) -> float | None:
    """Seconds until a support notice is in the resident's inbox, or None if not by then."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if await support_notices(resident):
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    return None


async def test_a_registry_update_reaches_the_inbox_at_once_through_the_embedded_worker(
    client_for, app, waiting
):
    resident, core_system = waiting
    async with app.lifespan():  # the app as `todoke serve` starts it: embedded worker on
        if _postgres():
            await _listeners(1)
        await asyncio.sleep(0.5)
        core, auth = core_system
        changed = await core.put(
            "/api/registry/persons/B00", json={"income_yen": 2_000_000}, headers=auth
        )
        assert changed.status_code == 200 and changed.json()["result"] == "updated"
        took = await _told_within(resident, BOUND_SECONDS)
    assert took is not None, "no notice within the bound: the change did not wake the worker"
    notices = await support_notices(resident)
    assert len(notices) == 1 and "児童扶養手当" in notices[0]["title"]["ja"]


async def test_without_an_announcement_the_same_bound_is_missed(city, waiting):
    """The control: a change logged without the signal waits for the (minute-long) poll,
    so the test above could not pass on a poll."""
    resident, _ = waiting
    stop, task = await _running()
    try:
        async with write_transaction() as sql:
            await sql.execute(
                "UPDATE person SET income_yen = 2000000 WHERE registry_id = 'B00'", []
            )
            await sql.execute(
                "INSERT INTO registry_change (municipality, person_registry_id, "
                "household_registry_id, registry_import, kind, changes, source, occurred_at) "
                "VALUES (?, 'B00', 'HB', NULL, 'updated', '{}', 'test', CURRENT_TIMESTAMP)",
                [city.id],
            )
        assert await _told_within(resident, BOUND_SECONDS) is None
        # Announced, the change (still unread: the cursor drives what is matched) is told.
        async with write_transaction() as sql:
            await change_signal.logged(sql)
        assert await _told_within(resident, BOUND_SECONDS) is not None
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def test_an_approved_move_wakes_the_worker_after_its_transaction_commits(city, waiting):
    """The move effect logs inside the approval's transaction: the worker is woken at its
    commit (a worker woken earlier would read nothing and sleep a minute)."""
    from datetime import date

    from todoke.registry.service import change_address
    from todoke.registry.tables import Person

    resident, _ = waiting
    person = await Person.select(Person.id).where(Person.registry_id == "B00").first()
    stop, task = await _running()
    try:
        async with write_transaction() as sql:
            await sql.execute(
                "UPDATE person SET income_yen = 2000000 WHERE registry_id = 'B00'", []
            )
            moved = await change_address(
                sql,
                municipality_id=city.id,
                person_id=person["id"],
                postal_code="181-0012",
                address="東京都三鷹市上連雀一丁目1-1",
                as_of=date(2026, 6, 1),
                source="転居届 TEST",
            )
            assert moved
            await asyncio.sleep(0.5)  # still uncommitted: nothing may be told yet
            assert await Notice.count() == 0
        assert await _told_within(resident, BOUND_SECONDS) is not None
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def test_the_signal_comes_at_commit_never_before_and_never_on_rollback(db):
    async with ChangeListener() as listener:
        if _postgres():
            await asyncio.wait_for(listener.connected.wait(), 5)
        await asyncio.sleep(0.1)
        listener.event.clear()
        async with write_transaction() as outer:
            async with write_transaction() as inner:  # nested: commits with the outer one
                await change_signal.logged(inner)
            await asyncio.sleep(0.3)
            assert not listener.event.is_set()
            await outer.execute("SELECT 1")
        await asyncio.wait_for(listener.event.wait(), 2)

        listener.event.clear()
        with pytest.raises(RuntimeError):
            async with write_transaction() as sql:
                await change_signal.logged(sql)
                raise RuntimeError("rolled back")
        await asyncio.sleep(0.5)
        assert not listener.event.is_set()


async def test_a_burst_of_changes_is_a_few_passes_not_one_per_change(
    city, waiting, monkeypatch: pytest.MonkeyPatch
):
    """Coalescing: 300 announced changes in one import (three commits) are a handful of
    passes, and every change is read (the cursor reaches the end of the log)."""
    import io

    from todoke.registry import importer
    from todoke.registry import public as registry

    passes = 0
    real = worker.reevaluate_all

    async def counted() -> int:
        nonlocal passes
        passes += 1
        return await real()

    monkeypatch.setattr(worker, "reevaluate_all", counted)
    monkeypatch.setattr(importer, "BATCH_SIZE", 100)
    resident, _ = waiting
    stop, task = await _running()
    try:
        before = passes
        lines = b'{"registry_id": "B00", "income_yen": 2000000}\n' + b"".join(
            b'{"registry_id": "N%04d", "family_name": "\xe8\xa9\xa6\xe9\xa8\x93", '
            b'"given_name": "X", "family_name_kana": "\xe3\x82\xb7\xe3\x82\xb1\xe3\x83\xb3", '
            b'"given_name_kana": "\xe3\x82\xbf", "birth_date": "1980-01-01", "sex": "male", '
            b'"postal_code": "181-0013", "address": "A", "relation": "head", '
            b'"household_id": "HN%04d"}\n' % (n, n)
            for n in range(299)
        )
        report = await importer.import_registry(
            io.BytesIO(lines),
            municipality_id=city.id,
            source="住民記録システム",
            filename="burst.jsonl",
            file_format="jsonl",
        )
        assert report.rows_created + report.rows_updated == 300, report.errors
        assert await _told_within(resident, BOUND_SECONDS) is not None
        await asyncio.sleep(0.5)
        assert 1 <= passes - before <= 6, passes - before
        assert not await worker._unread()
        async with write_transaction() as sql:
            assert await registry.last_change_id(sql, city.id) > 0
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def test_one_wake_up_reads_the_log_to_its_end_whatever_the_slice(
    city, waiting, monkeypatch: pytest.MonkeyPatch
):
    """Passes read a slice of the log at a time: one wake-up keeps going until none is left."""
    from todoke.benefits import telling as benefits

    async def small_slices() -> int:
        from todoke.registry import public as registry

        return sum(
            [await benefits.reevaluate(m, limit=2) for m in await registry.municipality_ids()]
        )

    monkeypatch.setattr(worker, "reevaluate_all", small_slices)
    resident, _ = waiting
    async with write_transaction() as sql:
        for n in range(6):  # five changes to others first, then B's
            await sql.execute(
                "INSERT INTO registry_change (municipality, person_registry_id, "
                "household_registry_id, registry_import, kind, changes, source, occurred_at) "
                "VALUES (?, ?, '', NULL, 'updated', '{}', 'test', CURRENT_TIMESTAMP)",
                [city.id, f"Z{n}" if n < 5 else "B00"],
            )
        await sql.execute("UPDATE person SET income_yen = 2000000 WHERE registry_id = 'B00'", [])
    assert await worker.drain() == 1
    assert not await worker._unread()
    assert len(await support_notices(resident)) == 1


async def test_a_listener_that_loses_its_connection_listens_again(city, waiting):
    if not _postgres():
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    import asyncpg

    resident, (core, auth) = waiting
    stop, task = await _running()
    try:
        [first] = await _listeners(1)
        killer = await asyncpg.connect(**current_engine().config)  # type: ignore[attr-defined]
        try:
            assert await killer.fetchval("SELECT pg_terminate_backend($1)", first)
        finally:
            await killer.close()
        await asyncio.sleep(0.1)
        deadline = time.monotonic() + 5
        again: list[int] = []
        while time.monotonic() < deadline:
            again = [p for p in await _listeners(1) if p != first]
            if again:
                break
            await asyncio.sleep(0.05)
        assert again, "the listener did not reconnect"
        changed = await core.put(
            "/api/registry/persons/B00", json={"income_yen": 2_000_000}, headers=auth
        )
        assert changed.json()["result"] == "updated"
        assert await _told_within(resident, BOUND_SECONDS) is not None
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
