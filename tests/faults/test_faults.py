"""What the service survives, tried on this machine with its real processes (marker
``fault``; ``bash tests/faults/run.sh``, run by .ci/run; about two minutes).

Residents file procedures in a loop, each filing with its own Idempotency-Key and sent again
with the same key, on either web process, after a lost connection or a 503, until
acknowledged (tests/support/traffic.py). Meanwhile:

1. PostgreSQL, two ``todoke serve`` and two ``todoke worker``: a web process is SIGKILLed,
   started again, and the other one killed, several times.
2. PostgreSQL restarted under the traffic (a private cluster of the test's own: the shared
   server is never touched): while it is down both web processes answer 503 problems with
   Retry-After — for /readyz and for a filing — at once; started again, the same processes
   recover by themselves (ready, filings acknowledged, a worker delivers a push notice).
3. The embedded SQLite database: the one ``todoke serve`` (its worker inside) is SIGKILLed
   mid-write and started again, several times; the file's integrity check passes.

Each ends with the database read directly: every acknowledged filing exists, exactly once
(one row per Idempotency-Key, the id its acknowledgements named), and no two
acknowledgements of one key named different filings.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from layout import (
    ADMIN_DSN,
    MUNICIPALITY_CODE,
    Layout,
    activation_codes,
    admin_sql,
    filing,
    free_port,
    prepare_deployment,
    render_env,
    server_dsn,
    sign_up,
    wait_until,
)
from layout import say as _say
from pg_cluster import PrivateCluster
from push_double import PushDouble
from traffic import Filer, Traffic, problem_503

pytestmark = pytest.mark.fault

RESIDENTS = 6
# A process that is down must not make a client wait: answers (or refusals) within this.
ANSWER_SECONDS = 5.0
# Started again, or the database back: ready and acknowledging filings within this.
RECOVERY_SECONDS = 30.0


def say(message: str) -> None:
    _say(message, tag="fault")


@dataclass
class Deployment:
    layout: Layout
    ports: list[int]
    filers: list[Filer]
    push: PushDouble

    def url(self, port: int, path: str) -> str:
        return f"http://127.0.0.1:{port}{path}"

    def ready(self, port: int) -> bool:
        return httpx.get(self.url(port, "/readyz"), timeout=2).status_code == 200

    def all_ready(self) -> bool:
        return all(self.ready(port) for port in self.ports)


def bring_up(
    layout: Layout, push: PushDouble, *, database_url: str, webs: int, workers: int,
    residents: int = RESIDENTS,
) -> Deployment:  # fmt: skip
    """The runbook's first start, ``webs`` web and ``workers`` worker processes, and
    ``residents`` residents signed up, verified and ready to file."""
    folder = layout.folder
    ports = [free_port() for _ in range(webs)]
    env_file = render_env(
        folder,
        {
            "TODOKE_DATABASE_URL": database_url,  # empty: the embedded SQLite database
            "TODOKE_DATA_DIR": str(folder / "data"),
            "TODOKE_PUBLIC_ORIGINS": ",".join(f"http://localhost:{p}" for p in ports),
            "TODOKE_MUNICIPALITY_CODE": MUNICIPALITY_CODE,
            "TODOKE_LOG_LEVEL": "WARNING",
            # Without worker processes the web process delivers (the embedded default).
            "TODOKE_EMBEDDED_WORKER": "false" if workers else "true",
            "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
        },
        extra={
            "TODOKE_PUSH_ALLOW_HTTP": "true",  # the local push double, plain http
            "TODOKE_QUIET_HOURS": "00:00-00:00",  # pushes go out whatever the hour in Japan
            # Every resident signs up from 127.0.0.1 within seconds.
            "TODOKE_AUTH_RATE_LIMIT": "1000",
            "TODOKE_VERIFICATION_RATE_LIMIT": "1000",
        },
    )
    layout.environment(env_file)
    adults = prepare_deployment(layout, persons=max(60, residents * 12))
    assert len(adults) >= residents + 1, "the registry has too few adults"
    codes = activation_codes(layout, adults[: residents + 1])
    for n, port in enumerate(ports, start=1):
        layout.start_todoke(f"web{n}", "serve", "--host", "127.0.0.1", "--port", str(port))
    for n in range(1, workers + 1):
        layout.start_todoke(f"worker{n}", "worker", "--name", f"fault-{n}", "--idle", "0.2")
    deployment = Deployment(layout, ports, [], push)
    wait_until("every web process ready", deployment.all_ready, 90, layout)
    for n in range(residents + 1):
        port = ports[n % len(ports)]
        client = httpx.Client(base_url=deployment.url(port, ""), timeout=10)
        resident = sign_up(client, f"http://localhost:{port}", codes[n], name=f"住民{n}")
        deployment.filers.append(Filer(client, resident.headers, filing(client)))
    say(f"{webs} web + {workers} worker processes up; {residents + 1} residents signed up")
    return deployment


async def _filed_rows_pg(dsn: str) -> list[tuple[int, str]]:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch("SELECT id, idempotency_key FROM application")
    finally:
        await connection.close()
    return [(row["id"], row["idempotency_key"]) for row in rows]


def check_exactly_once(traffic: Traffic, rows: list[tuple[int, str]]) -> None:
    """Every acknowledged filing is in the database once, under the id it was given."""
    acknowledged = traffic.acknowledged()  # also: one id per key
    by_key: dict[str, list[int]] = {}
    for row_id, key in rows:
        by_key.setdefault(key, []).append(row_id)
    doubled = {key: ids for key, ids in by_key.items() if len(ids) > 1}
    assert not doubled, f"filings stored more than once: {doubled}"
    missing = {key: id_ for key, id_ in acknowledged.items() if key not in by_key}
    assert not missing, f"acknowledged filings that are not in the database: {missing}"
    moved = {key: (id_, by_key[key]) for key, id_ in acknowledged.items() if by_key[key] != [id_]}
    assert not moved, f"acknowledged under another id than the one stored: {moved}"
    # Filings stored but never acknowledged: only ones whose client gave up (none do).
    strays = sorted(set(by_key) - set(acknowledged) - {""})
    assert not strays, f"filings stored that no client saw acknowledged: {strays}"
    say(f"database: {len(rows)} filings, each acknowledged one exactly once")


def kill_and_restart(
    deployment: Deployment, names: list[str], traffic: Traffic, *, pause: tuple[float, float]
) -> list[float]:
    """SIGKILL each of ``names`` in turn while filings are in flight, start it again and
    wait until it is ready; the seconds each took to be ready again."""
    layout = deployment.layout
    recoveries = []
    for name in names:
        time.sleep(random.uniform(*pause))
        deadline = time.monotonic() + 5
        while traffic.in_flight == 0 and time.monotonic() < deadline:
            time.sleep(0.005)  # kill while a request is being served
        in_flight = traffic.in_flight
        layout.kill(name)
        killed = time.monotonic()
        layout.restart(name)
        port = deployment.ports[int(name.removeprefix("web")) - 1]
        wait_until(f"{name} ready after its SIGKILL", lambda p=port: deployment.ready(p),
                   RECOVERY_SECONDS, layout)  # fmt: skip
        recoveries.append(time.monotonic() - killed)
        say(f"{name} SIGKILLed ({in_flight} requests in flight), ready again in "
            f"{recoveries[-1]:.1f} s")  # fmt: skip
    return recoveries


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def push() -> Iterator[PushDouble]:
    with PushDouble() as double:
        yield double


@pytest.fixture
def layout(tmp_path: Path) -> Iterator[Layout]:
    running = Layout(tmp_path, prefix="todoke_fault", tag="fault")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def shared_database(layout: Layout) -> Iterator[str]:
    """A fresh database on the shared server (127.0.0.1:5432), dropped afterwards."""
    admin_sql(f"CREATE DATABASE {layout.database}")
    try:
        yield server_dsn(ADMIN_DSN, layout.database)
    finally:
        layout.stop()
        admin_sql(f"DROP DATABASE IF EXISTS {layout.database} WITH (FORCE)")


@pytest.fixture
def cluster(layout: Layout) -> Iterator[PrivateCluster]:
    with PrivateCluster() as private:
        try:
            yield private
        finally:
            layout.stop()  # before the cluster goes


# --- 1. PostgreSQL: a web process SIGKILLed ---------------------------------------------------


def test_postgres_web_process_killed_under_filings(layout, shared_database, push):
    started = time.monotonic()
    deployment = bring_up(layout, push, database_url=shared_database, webs=2, workers=2)
    traffic = Traffic(deployment.filers[:RESIDENTS], deployment.ports)
    traffic.start()
    try:
        time.sleep(1.5)
        recoveries = kill_and_restart(
            deployment, ["web1", "web2", "web1", "web2"], traffic, pause=(0.8, 1.6)
        )
        time.sleep(1.0)  # filings acknowledged after the last restart, too
    finally:
        traffic.stop()
    say(traffic.summary())
    traffic.check()
    assert sum(s.transport_errors.total() for s in traffic.seen) > 0, "no kill was felt"
    layout.alive()  # the workers ran through it all

    check_exactly_once(traffic, asyncio.run(_filed_rows_pg(shared_database)))
    say(f"recoveries {', '.join(f'{r:.1f}' for r in recoveries)} s; "
        f"test took {time.monotonic() - started:.1f} s")  # fmt: skip


# --- 2. PostgreSQL restarted under traffic ------------------------------------------------------


def test_postgres_restart_under_filings(layout, cluster, push):
    started = time.monotonic()
    admin_sql(f"CREATE DATABASE {layout.database}", dsn=cluster.dsn())
    database_url = cluster.dsn(layout.database)
    deployment = bring_up(layout, push, database_url=database_url, webs=2, workers=2)
    pids = {name: process.pid for name, process in layout.processes.items()}
    *filers, pushed = deployment.filers
    # One resident is told by push (subscribed before the outage, told after it).
    subscribed = pushed.client.put(
        "/api/push/subscription", json={**push.subscribe(), "language": "ja"},
        headers=pushed.headers,
    )  # fmt: skip
    assert subscribed.status_code == 204, subscribed.text

    traffic = Traffic(filers, deployment.ports)
    traffic.start()
    try:
        time.sleep(2.0)
        before = len(traffic.acks)
        assert before > 0, "no filing acknowledged before the outage"
        cluster.stop("fast")
        down = time.monotonic()
        say(f"PostgreSQL stopped (fast) after {before} acknowledged filings")

        # While it is down: 503 problems with Retry-After, at once, from both processes.
        time.sleep(0.5)
        for port in deployment.ports:
            asked = time.monotonic()
            answer = httpx.get(deployment.url(port, "/readyz"), timeout=ANSWER_SECONDS)
            assert problem_503(answer) is None, (answer.status_code, answer.text)
            assert answer.json()["type"] == "urn:todoke:problem:not_ready"
            answered = pushed.client.post(
                deployment.url(port, "/api/applications"),
                json=pushed.body,
                headers={**pushed.headers, "idempotency-key": f"down-{port}-{time.time()}"},
                timeout=ANSWER_SECONDS,
            )
            assert problem_503(answered) is None, (answered.status_code, answered.text)
            assert answered.json()["type"] == "urn:todoke:problem:unavailable"
            say(f"web on {port} while the database is down: /readyz and a filing answered "
                f"503 (Retry-After {answer.headers['retry-after']}) in "
                f"{time.monotonic() - asked:.2f} s")  # fmt: skip
        time.sleep(max(0.0, 4.0 - (time.monotonic() - down)))
        refused = sum(s.statuses[503] for s in traffic.seen)
        assert refused > 0, "the residents' filings met no 503 while the database was down"

        cluster.start()
        back = time.monotonic()
        say(f"PostgreSQL started again after {back - down:.1f} s down")
        wait_until("both web processes ready again", deployment.all_ready, RECOVERY_SECONDS,
                   layout)  # fmt: skip
        ready_after = time.monotonic() - back

        def every_resident_acknowledged_again() -> bool:
            return all(any(a.at > back for a in seen.acks) for seen in traffic.seen)

        wait_until("every resident's filings acknowledged again",
                   every_resident_acknowledged_again, RECOVERY_SECONDS, layout)  # fmt: skip
        filing_after = time.monotonic() - back
        say(f"recovered by itself: ready {ready_after:.1f} s and every resident's filings "
            f"acknowledged {filing_after:.1f} s after the start")  # fmt: skip
        time.sleep(1.0)
    finally:
        traffic.stop()
    say(traffic.summary())
    traffic.check()
    # Answered throughout: no connection refused, dropped or timed out (no request hung).
    dropped = [dict(s.transport_errors) for s in traffic.seen if s.transport_errors]
    assert not dropped, f"connections failed while the database was down: {dropped}"

    # The workers came through it too: the notice of a filing made now is delivered.
    key = {**pushed.headers, "idempotency-key": f"after-{time.time()}"}
    filed = pushed.client.post("/api/applications", json=pushed.body, headers=key)
    assert filed.status_code == 201, filed.text
    link = f"/applications/{filed.json()['id']}"
    deadline = time.monotonic() + RECOVERY_SECONDS
    while not any(json.loads(d.payload).get("link") == link for d in push.received()):
        assert time.monotonic() < deadline, f"no push notice for {link}: {push.received()}"
        layout.alive()
        time.sleep(0.2)
    assert push.rejected() == []
    say(f"a worker delivered the push notice of {link} after the restart")

    layout.alive()
    assert {n: p.pid for n, p in layout.processes.items()} == pids, "a process was restarted"
    rows = asyncio.run(_filed_rows_pg(database_url))
    pushed_keys = {key for _, key in rows if not key.startswith("fault-")}
    rows = [(row_id, key) for row_id, key in rows if key.startswith("fault-")]
    check_exactly_once(traffic, rows)
    # The filings sent while it was down were refused, not stored; the one after, stored.
    assert pushed_keys == {key["idempotency-key"]}, pushed_keys
    say(f"test took {time.monotonic() - started:.1f} s")


# --- 3. SQLite: the web process SIGKILLed mid-write ----------------------------------------------


def test_sqlite_web_process_killed_mid_write(layout, push):
    started = time.monotonic()
    deployment = bring_up(layout, push, database_url="", webs=1, workers=0, residents=5)
    traffic = Traffic(deployment.filers[:5], deployment.ports)
    traffic.start()
    try:
        time.sleep(1.5)
        recoveries = kill_and_restart(
            deployment, ["web1", "web1", "web1", "web1"], traffic, pause=(0.5, 1.2)
        )
        time.sleep(1.0)
    finally:
        traffic.stop()
    say(traffic.summary())
    traffic.check()
    assert sum(s.transport_errors.total() for s in traffic.seen) > 0, "no kill was felt"
    layout.alive()
    layout.stop()

    path = layout.folder / "data" / "todoke.sqlite3"
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = connection.execute("SELECT id, idempotency_key FROM application").fetchall()
    check_exactly_once(traffic, rows)
    say(f"integrity_check ok; recoveries {', '.join(f'{r:.1f}' for r in recoveries)} s; "
        f"test took {time.monotonic() - started:.1f} s")  # fmt: skip
