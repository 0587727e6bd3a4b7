"""A database that does not answer: every request gets a 503 problem with Retry-After at
once — never a 500, never a request left waiting — and PostgreSQL's pool heals by itself
after its connections are cut (no connection leaked, however many transactions fail).

The real outage (a PostgreSQL restart under traffic, processes SIGKILLed) is in
tests/faults; here each way of failing is met one at a time, fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import os
import re
import socket
import sqlite3
import time
import warnings

import pytest
from test_applications import hanako  # noqa: F401 (a fixture)

import todoke.db as dbm
from todoke.db import DatabaseUnavailable, read_transaction, single_read, write_transaction

PROBLEM = "application/problem+json"
POSTGRES_URL = os.environ.get("TODOKE_DATABASE_URL", "")
postgres_only = pytest.mark.skipif(
    not POSTGRES_URL.startswith("postgres"), reason="PostgreSQL's pool (TODOKE_DATABASE_URL)"
)


def _assert_503(response, kind: str = "unavailable") -> dict:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["retry-after"].isdigit()
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["type"] == f"urn:todoke:problem:{kind}"
    assert body["status"] == 503 and body["request_id"] and body["detail_ja"]
    return body


def _dead_dsn() -> str:
    """A PostgreSQL address where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql://postgres@127.0.0.1:{port}/todoke"


@contextlib.asynccontextmanager
async def database_down(monkeypatch, *, pool: bool):
    """Every query of the app goes to a PostgreSQL server that is not there: through a
    pool (``pool=True``, as ``todoke serve`` runs) or a connection per transaction."""
    import asyncpg
    from piccolo.engine.postgres import PostgresEngine

    with warnings.catch_warnings():  # Piccolo asks the version as it is made: refused
        warnings.simplefilter("ignore")
        dead = PostgresEngine(config={"dsn": _dead_dsn()})
    if pool:
        # min_size 0: the pool opens connections as they are asked for (and fails then).
        dead.pool = await asyncpg.create_pool(dsn=dead.config["dsn"], min_size=0, max_size=2)
    with monkeypatch.context() as patched:
        patched.setattr(dbm, "current_engine", lambda: dead)
        try:
            yield dead
        finally:
            if dead.pool is not None:
                await dead.pool.close()


# --- which failures are "the database cannot be reached" -----------------------------------


def _unavailable() -> list:
    import asyncpg

    return [
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
        ConnectionResetError(104, "Connection reset by peer"),
        asyncpg.CannotConnectNowError("the database system is shutting down"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        DatabaseUnavailable("no database connection: TimeoutError()"),
        sqlite3.OperationalError("database is locked"),
    ]


def _not_unavailable() -> list:
    import asyncpg

    return [
        RuntimeError("a bug"),
        OSError(28, "No space left on device"),  # our disk, not the database's absence
        TimeoutError(),  # only a connection not had in time is the database's
        asyncpg.UniqueViolationError("duplicate key value violates unique constraint"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        sqlite3.OperationalError("no such table: nowhere"),
    ]


def test_what_counts_as_the_database_unavailable():
    for error in _unavailable():
        assert dbm.is_database_unavailable(error), repr(error)
    for error in _not_unavailable():
        assert not dbm.is_database_unavailable(error), repr(error)


async def _answer_to(error: BaseException, db, client_for):
    """What the app answers when a route raises ``error``."""
    from litestar import get

    from todoke.app import create_app

    app = create_app(db)

    @get("/fails")
    async def fails() -> None:
        raise error

    app.register(fails)
    async with client_for(app) as client:
        return await client.get("/fails")


@pytest.mark.parametrize("index", range(8))
async def test_an_unreachable_database_is_a_503_problem_without_internals(
    db, client_for, capsys, index
):
    error = _unavailable()[index]
    response = await _answer_to(error, db, client_for)
    body = _assert_503(response)
    assert str(error.args[-1]) not in response.text  # what failed stays in the log
    # One warning line with the request id, no traceback (an outage would flood the log).
    lines = [json.loads(li) for li in capsys.readouterr().err.splitlines() if li.startswith("{")]
    [logged] = [entry for entry in lines if entry.get("request_id") == body["request_id"]]
    assert logged["level"] == "warning" and "exception" not in logged


@pytest.mark.parametrize("index", range(7))
async def test_other_failures_stay_500(db, client_for, index):
    response = await _answer_to(_not_unavailable()[index], db, client_for)
    assert response.status_code == 500
    assert response.json()["type"] == "urn:todoke:problem:internal"
    assert "retry-after" not in response.headers


async def test_the_openapi_document_declares_the_503(client):
    document = (await client.get("/schema/openapi.json")).json()
    filing = document["paths"]["/api/applications"]["post"]["responses"]["503"]
    assert PROBLEM in filing["content"]
    assert "Retry-After" in filing["headers"]
    ready = document["paths"]["/readyz"]["get"]["responses"]["503"]
    assert PROBLEM in ready["content"]


# --- requests while the server is not there --------------------------------------------------


@pytest.mark.parametrize("pool", [True, False], ids=["pool", "connection"])
async def test_readyz_answers_503_at_once_while_the_database_is_down(client, monkeypatch, pool):
    async with database_down(monkeypatch, pool=pool):
        started = time.monotonic()
        answers = [await client.get("/readyz") for _ in range(5)]
        elapsed = time.monotonic() - started
    for answer in answers:
        _assert_503(answer, "not_ready")
    assert elapsed < dbm.PG_ACQUIRE_TIMEOUT_SECONDS  # refused at once: nobody waits
    assert (await client.get("/readyz")).status_code == 200  # and back when it is


async def _residence_certificate(client) -> dict:
    form = await client.get("/api/procedures/residence-certificate/form")
    assert form.status_code == 200, form.text
    answers = {name: held["value"] for name, held in form.json()["prefill"].items()}
    answers.update(scope="self", copies=1, purpose="work", phone="090-1234-5678")
    answers["declaration"] = True
    return {"slug": "residence-certificate", "version": form.json()["version"], "answers": answers}


async def test_a_filing_while_the_database_is_down_is_a_503_then_files(hanako, monkeypatch):  # noqa: F811
    resident, headers = hanako
    body = await _residence_certificate(resident)
    keyed = {**headers, "idempotency-key": "outage-key-0001"}
    async with database_down(monkeypatch, pool=True):
        for _ in range(3):
            _assert_503(await resident.post("/api/applications", json=body, headers=keyed))
        # Reads too: the session lookup itself cannot be made.
        _assert_503(await resident.get("/api/me"))
    # Back: the retry with the same key files it, once (nothing was written while down).
    filed = await resident.post("/api/applications", json=body, headers=keyed)
    assert filed.status_code == 201, filed.text
    again = await resident.post("/api/applications", json=body, headers=keyed)
    assert (again.status_code, again.json()["id"]) == (200, filed.json()["id"])


@pytest.mark.parametrize("pool", [True, False], ids=["pool", "connection"])
async def test_transactions_raise_database_unavailable(db, monkeypatch, pool):
    async with database_down(monkeypatch, pool=pool):
        for transaction in (read_transaction, write_transaction, single_read):
            with pytest.raises(DatabaseUnavailable) as raised:
                async with transaction() as sql:
                    await sql.value("SELECT 1")
            assert isinstance(raised.value.__cause__, OSError)  # refused, kept as the cause


# --- PostgreSQL's pool: connections cut, connections all taken -------------------------------


@contextlib.asynccontextmanager
async def own_pool(monkeypatch, max_size: int):
    """The app's transactions on a small pool of their own, its sessions named so they can
    be found (and terminated) in pg_stat_activity."""
    import asyncpg
    from piccolo.engine.postgres import PostgresEngine

    name = f"todoke-outage-{os.getpid()}-{time.monotonic_ns()}"
    engine = PostgresEngine(
        config={"dsn": POSTGRES_URL, "server_settings": {"application_name": name}}
    )
    await engine.start_connection_pool(min_size=1, max_size=max_size)
    admin = await asyncpg.connect(POSTGRES_URL)

    async def cut() -> int:
        """Terminate every session the pool has now, as a server shutting down does;
        return once they are gone (the pool may open new ones meanwhile: not those)."""
        pids = await admin.fetchval(
            "SELECT array_agg(pid) FROM pg_stat_activity WHERE application_name = $1", name
        )
        await admin.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid", pids)
        async with asyncio.timeout(10):
            while await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)", pids
            ):
                await asyncio.sleep(0.01)
        return len(pids or [])

    with monkeypatch.context() as patched:
        patched.setattr(dbm, "current_engine", lambda: engine)
        try:
            yield cut
        finally:
            await admin.close()
            await engine.close_connection_pool()


@postgres_only
async def test_a_connection_cut_mid_transaction_is_unavailable_and_never_leaked(db, monkeypatch):
    async with own_pool(monkeypatch, max_size=2) as cut:
        # Five times the pool's size: a connection lost is never a connection kept.
        for _ in range(10):
            for transaction in (write_transaction, read_transaction):
                with pytest.raises(DatabaseUnavailable):
                    async with asyncio.timeout(10):
                        async with transaction() as sql:
                            await sql.value("SELECT 1")
                            assert await cut() >= 1
                            await sql.value("SELECT 1")
        # Still serving: the connections cut were given back and opened again.
        await asyncio.sleep(0.1)  # (the idle one cut with the others is seen closed)
        async with asyncio.timeout(10):
            async with write_transaction() as sql:
                assert await sql.value("SELECT 1") == 1


@postgres_only
async def test_idle_connections_cut_heal_by_the_next_attempt(db, monkeypatch):
    async with own_pool(monkeypatch, max_size=2) as cut:
        for _ in range(5):
            async with write_transaction() as sql:  # the pool holds an open connection
                await sql.value("SELECT 1")
            assert await cut() >= 1
            # An attempt may meet a connection whose end has not been read yet (a 503, to
            # be retried): at most one each, then new ones.
            for attempt in range(3):
                try:
                    async with asyncio.timeout(10):
                        async with write_transaction() as sql:
                            assert await sql.value("SELECT 1") == 1
                    break
                except DatabaseUnavailable:
                    assert attempt < 2, "the pool did not heal"


@postgres_only
async def test_no_connection_free_in_time_is_unavailable_not_a_wait(db, monkeypatch):
    monkeypatch.setattr(dbm, "PG_ACQUIRE_TIMEOUT_SECONDS", 0.3)

    async def another_request() -> None:
        async with read_transaction() as other:
            await other.value("SELECT 1")

    # The write transaction holds the pool's only connection.
    async with own_pool(monkeypatch, max_size=1), write_transaction():
        started = time.monotonic()
        # Another request: a task of its own context (not part of this transaction).
        task = asyncio.create_task(another_request(), context=contextvars.Context())
        with pytest.raises(DatabaseUnavailable) as raised:
            async with asyncio.timeout(10):
                await task
        assert time.monotonic() - started < 3
        assert isinstance(raised.value.__cause__, TimeoutError)


# --- the workers' loops go on through an outage ----------------------------------------------


def test_a_failing_loop_backs_off_and_logs_an_outage_in_one_line(caplog):
    import logging

    log = logging.getLogger("outage-test")
    with caplog.at_level(logging.WARNING, logger="outage-test"):
        down = DatabaseUnavailable("no database connection: ConnectionRefusedError()")
        delays = [dbm.failed_round(log, "loop", down, n, 0.2) for n in range(1, 8)]
        dbm.failed_round(log, "loop", RuntimeError("a bug"), 1, 0.2)
    assert delays == pytest.approx([0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0])
    *outage, bug = caplog.records
    assert all(r.levelname == "WARNING" and r.exc_info is None for r in outage)
    assert bug.levelname == "ERROR" and bug.exc_info is not None


async def test_the_workers_run_on_while_the_database_is_down(db, monkeypatch):
    from todoke.benefits import worker as matching
    from todoke.notices.worker import DeliveryWorker, EmailWorker

    monkeypatch.setattr(dbm, "RETRY_MAX_SECONDS", 0.05)
    monkeypatch.setattr(matching, "RETRY_SECONDS", 0.01)
    stop = asyncio.Event()
    rounds = {"push": 0, "mail": 0, "matching": 0}

    def failing(name: str):
        async def drain(*_args, **_kwargs) -> int:
            rounds[name] += 1
            if rounds[name] < 5:
                raise DatabaseUnavailable("no database connection: ConnectionRefusedError()")
            if all(n >= 5 for n in rounds.values()):
                stop.set()  # each loop has come through four failed rounds
            return 0

        return drain

    monkeypatch.setattr(DeliveryWorker, "drain", failing("push"))
    monkeypatch.setattr(EmailWorker, "drain", failing("mail"))
    monkeypatch.setattr(matching, "drain", failing("matching"))
    monkeypatch.setattr(matching, "daily_all", lambda: asyncio.sleep(0, 0))
    async with asyncio.timeout(20):
        await asyncio.gather(
            DeliveryWorker(db).run(stop, idle_seconds=0.01),
            EmailWorker(db).run(stop, idle_seconds=0.01),
            matching.run_matching(stop, interval_seconds=0.01),
        )
    assert all(n >= 5 for n in rounds.values()), rounds


@postgres_only
async def test_the_app_s_files_are_served_at_a_cold_start_with_the_database_down(
    client, monkeypatch
):
    """The app's own files are the same for every municipality: a server started while the
    database is down (nothing cached yet) still serves them, and the offline page among
    them, instead of a 503 for each."""
    from todoke import published

    home = await client.get("/")
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+\.(?:js|css))"', home.text)[:3]
    assert assets
    published.forget_all()
    async with database_down(monkeypatch, pool=True):
        for path in assets:
            served = await client.get(path)
            assert served.status_code == 200, (path, served.text[:200])
        _assert_503(await client.get("/api/procedures"))
