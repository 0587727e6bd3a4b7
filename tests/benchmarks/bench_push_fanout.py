"""Push fan-out through the real outbox: notices → deliveries → DeliveryWorker → local push
service, as a ratio to the encryption cost alone measured in the same run.

    python tests/benchmarks/bench_push_fanout.py [--notices 100000] [--devices 1000]
    TODOKE_DATABASE_URL=postgresql://… python tests/benchmarks/bench_push_fanout.py

Baseline: for every delivery, RFC 8291 encryption and the cached VAPID header, one process,
one thread — the rate bound by encryption alone. End to end: the worker claims batches from
the database, encrypts, POSTs over loopback to a push double in a child process (a real push
service is another machine) and records the results. Every payload is decrypted by the
double and checked afterwards. Issue 7's target is a ratio of at least 0.5.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from push_double import PushDouble

from todoke.db import configure_database, migrate, start_database, stop_database, write_transaction
from todoke.notices.webpush import Subscription, VapidSigner, encrypt
from todoke.notices.worker import DeliveryWorker, payload_for
from todoke.settings import load_settings

BAR = 0.5


async def fill(municipality: int, subscriptions: list[dict], notices: int) -> None:
    now = datetime.now(UTC)
    devices = len(subscriptions)
    async with write_transaction() as sql:
        await sql.execute("DELETE FROM delivery")
        await sql.execute("DELETE FROM notice")
        await sql.execute("DELETE FROM push_subscription")
        await sql.insert_rows(
            "push_subscription",
            ("id", "municipality", "account", "endpoint", "p256dh", "auth", "user_agent",
             "language", "created_at", "last_seen_at"),
            [(i + 1, municipality, i + 1, s["endpoint"], s["keys"]["p256dh"], s["keys"]["auth"],
              "", "ja", now, now) for i, s in enumerate(subscriptions)],
        )  # fmt: skip
        title = json.dumps({"ja": "受けられる支援があります：児童扶養手当"}, ensure_ascii=False)
        await sql.insert_rows(
            "notice",
            ("id", "municipality", "account", "kind", "title", "body", "link", "created_at"),
            [(n, municipality, n % devices + 1, "support.matched", title,
              json.dumps({"ja": f"ひとり親家庭の方への手当です。お知らせ {n}"},
                         ensure_ascii=False), "/support", now)
             for n in range(1, notices + 1)],
        )  # fmt: skip
        await sql.insert_rows(
            "delivery",
            ("municipality", "notice", "subscription", "status", "urgency", "topic", "attempts",
             "next_attempt_at", "worker", "last_error", "created_at"),
            [(municipality, n, n % devices + 1, "queued", "normal", f"n{n}", 0, now, "", "", now)
             for n in range(1, notices + 1)],
        )  # fmt: skip
        # As autovacuum would soon after a bulk insert: plan the claims on today's numbers.
        await sql.analyze("push_subscription", "notice", "delivery")


async def run(args: argparse.Namespace) -> int:
    folder = tempfile.mkdtemp(prefix="todoke-bench-push-")
    settings = load_settings(
        {
            "TODOKE_DATA_DIR": folder,
            "TODOKE_DATABASE_URL": os.environ.get("TODOKE_DATABASE_URL", ""),
            "TODOKE_PUSH_ALLOW_HTTP": "true",
            "TODOKE_QUIET_HOURS": "00:00-00:00",
            "TODOKE_LOG_LEVEL": "WARNING",
        }
    )
    engine = configure_database(settings)
    await start_database(engine)
    await migrate()
    database = "PostgreSQL" if settings.is_postgres else "SQLite"
    print(f"push fan-out on {database}: {args.notices:,} notices to {args.devices:,} devices")
    try:
        async with write_transaction() as sql:
            await sql.execute(
                "INSERT INTO municipality (code, name_ja, name_easy, name_en, prefecture_ja, "
                "prefecture_easy, prefecture_en, created_at) SELECT '139998', 'とどけ市', "
                "'とどけし', 'Todoke', '東京都', 'とうきょうと', 'Tokyo', ? WHERE NOT EXISTS "
                "(SELECT 1 FROM municipality WHERE code = '139998')",
                [datetime.now(UTC)],
            )
            municipality = (await sql.fetch("SELECT id FROM municipality WHERE code = '139998'"))[
                0
            ][0]
        with PushDouble.spawn(decrypt="deferred") as double:
            raw = double.subscribe_many(args.devices)
            await fill(municipality, raw, args.notices)
            worker = DeliveryWorker(settings, name="bench")

            # Baseline: encryption and the cached VAPID header for the same deliveries.
            signer = VapidSigner(worker.signer.keys, settings.vapid_subject)
            subs = [Subscription.from_json(s) for s in raw]
            sample = min(args.notices, 20_000)
            payloads = [
                payload_for(n, {"ja": "受けられる支援があります：児童扶養手当"},
                            {"ja": f"ひとり親家庭の方への手当です。お知らせ {n}"}, "/support", "ja")
                for n in range(1, sample + 1)
            ]  # fmt: skip
            started = time.perf_counter()
            for n, payload in enumerate(payloads):
                sub = subs[(n + 1) % args.devices]
                encrypt(payload, sub.p256dh, sub.auth)
                signer.header(sub.endpoint)
            encryption_rate = sample / (time.perf_counter() - started)

            started = time.perf_counter()
            async with worker:
                handled = await worker.drain()
            seconds = time.perf_counter() - started
            end_to_end = handled / seconds

            async with write_transaction() as sql:
                statuses = dict(
                    await sql.fetch("SELECT status, COUNT(*) FROM delivery GROUP BY status")
                )
            received = double.wait_for(args.notices, timeout=60)
            rejected = double.rejected()
            ids = {json.loads(d.payload)["id"] for d in received}
    finally:
        await stop_database(engine)
    ratio = end_to_end / encryption_rate
    print(f"  encryption-bound rate : {encryption_rate:9,.0f} deliveries/s")
    print(f"  end to end (outbox)   : {end_to_end:9,.0f} deliveries/s ({seconds:.1f} s)")
    print(f"  ratio                 : {ratio:.2f}  (target >= {BAR})")
    ok = statuses == {"delivered": args.notices} and not rejected and len(ids) == args.notices
    print(f"  verified: {statuses}, {len(received):,} decrypted, {len(rejected)} rejected")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notices", type=int, default=100_000)
    parser.add_argument("--devices", type=int, default=1_000)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
