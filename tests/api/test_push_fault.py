"""Fault test: two `todoke worker` processes deliver 10,000 notices from the PostgreSQL outbox
to the local push service; one is killed with SIGKILL midway. Every notice arrives, and no
delivery the outbox had recorded as acknowledged is ever sent again.

PostgreSQL only: the embedded SQLite default runs a single worker inside the web process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from push_double import PushDouble

from todoke.db import write_transaction
from todoke.notices.worker import BATCH, LANES

NOTICES = 10_000
DEVICES = 100


def _worker(settings, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "TODOKE_DATA_DIR": str(settings.data_dir),
        "TODOKE_DATABASE_URL": settings.database_url,
        "TODOKE_PUSH_ALLOW_HTTP": "true",
        "TODOKE_QUIET_HOURS": "00:00-00:00",  # never quiet: the test must not depend on the hour
        "TODOKE_PUSH_LEASE_SECONDS": "4",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "todoke.cli", "worker", "--name", name, "--idle", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


async def _fill_outbox(city, subscriptions: list[dict]) -> None:
    now = datetime.now(UTC)
    async with write_transaction() as sql:
        await sql.insert_rows(
            "push_subscription",
            ("id", "municipality", "account", "endpoint", "p256dh", "auth", "user_agent",
             "language", "created_at", "last_seen_at"),
            [(i + 1, city.id, i + 1, s["endpoint"], s["keys"]["p256dh"], s["keys"]["auth"], "",
              "ja", now, now) for i, s in enumerate(subscriptions)],
        )  # fmt: skip
        await sql.insert_rows(
            "notice",
            ("id", "municipality", "account", "kind", "title", "body", "link", "created_at"),
            [(n, city.id, n % DEVICES + 1, "support", '{"ja": "お知らせ"}',
              f'{{"ja": "通知 {n}"}}', "/inbox", now) for n in range(1, NOTICES + 1)],
        )  # fmt: skip
        await sql.insert_rows(
            "delivery",
            ("municipality", "notice", "subscription", "status", "urgency", "topic", "attempts",
             "next_attempt_at", "worker", "last_error", "created_at"),
            [(city.id, n, n % DEVICES + 1, "queued", "normal", f"n{n}", 0, now, "", "", now)
             for n in range(1, NOTICES + 1)],
        )  # fmt: skip
        for table in ("push_subscription", "notice", "delivery"):
            await sql.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )


async def _statuses() -> dict[str, int]:
    async with write_transaction() as sql:
        return dict(await sql.fetch("SELECT status, COUNT(*) FROM delivery GROUP BY status"))


async def test_two_workers_one_killed_every_notice_arrives_once_acknowledged(settings, city):
    if not settings.is_postgres:
        pytest.skip("the multi-worker outbox runs on PostgreSQL (TODOKE_DATABASE_URL)")
    with PushDouble(decrypt="deferred") as double:
        await _fill_outbox(city, double.subscribe_many(DEVICES))
        survivor, victim = _worker(settings, "survivor"), _worker(settings, "victim")
        try:
            deadline = time.monotonic() + 120
            while double.stats()["delivered"] < NOTICES // 4:
                assert time.monotonic() < deadline, "workers made no progress"
                assert victim.poll() is None and survivor.poll() is None
                time.sleep(0.05)
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            killed_at = time.time()
            acknowledged_before_kill = await _delivered_by("victim")

            while (await _statuses()).get("queued", 0) > 0:
                assert time.monotonic() < deadline + 120, await _statuses()
                assert survivor.poll() is None, survivor.stdout.read()
                time.sleep(0.2)
        finally:
            for process in (survivor, victim):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(15)

        assert await _statuses() == {"delivered": NOTICES}
        received = double.received()
        assert double.rejected() == []
        # The notice each push was of, from its decrypted payload.
        notices = [json.loads(d.payload)["id"] for d in received]
        arrivals = Counter(notices)
        assert set(arrivals) == set(range(1, NOTICES + 1))  # every notice arrived
        twice = {notice for notice, count in arrivals.items() if count > 1}
        # A delivery the victim had recorded as acknowledged was never sent again; only the
        # batches it had in flight when it died can have reached the double twice.
        assert not twice & acknowledged_before_kill
        assert len(twice) <= LANES * BATCH  # at most what the victim had in flight
        first = {}
        topics: dict[int, set[str]] = {}
        for d, notice in zip(received, notices, strict=True):
            first[notice] = min(first.get(notice, d.received_at), d.received_at)
            topics.setdefault(notice, set()).add(d.headers["topic"])
        for notice in twice:
            assert first[notice] <= killed_at + 1.0  # sent before the kill, landing just after
            assert len(topics[notice]) == 1  # one Topic: a push service can drop the duplicate
        assert len(received) == NOTICES + sum(arrivals[n] - 1 for n in twice)


async def _delivered_by(worker: str) -> set[int]:
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT notice FROM delivery WHERE worker = ? AND status = 'delivered'", [worker]
        )
    return {r[0] for r in rows}
