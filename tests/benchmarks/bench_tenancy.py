"""What the data layer's scoping costs a request (issue 16): the same requests with every
statement planned and checked (todoke.tenancy, as served) against the same requests with the
layer told there is no municipality, in the same process, rounds alternating.

    python tests/benchmarks/bench_tenancy.py [--requests 400] [--rounds 7]
    TODOKE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \\
        python tests/benchmarks/bench_tenancy.py

Builds the demo city and town (catalogue, 300 residents each) in a temporary database (SQLite
unless TODOKE_DATABASE_URL names a PostgreSQL database, whose tables it empties), then, in
process through the ASGI app (no network, no server: the request's own work only), signs a
resident up with a software passkey and drives their reads (each with its session lookup)
and the catalogue at the city's host. Prints the process CPU
per request, median over the rounds, for both, and the ratio scoped/unscoped. The plans are
cached by statement text; the first round pays the parsing and is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "support"))

from soft_authenticator import SoftAuthenticator  # noqa: E402

from todoke import tenancy  # noqa: E402
from todoke.app import create_app  # noqa: E402
from todoke.db import migrate, start_database, stop_database  # noqa: E402
from todoke.demo.seed import seed_demo, seed_demo_town  # noqa: E402
from todoke.settings import load_settings  # noqa: E402

ORIGIN = "http://localhost:8000"
# A signed-in resident's reads (each a session lookup and its own statements) and the
# anonymous catalogue.
PATHS = [
    "/api/me",
    "/api/me/inbox",
    "/api/me/consents",
    "/api/me/access-log",
    "/api/me/timeline",
    "/api/applications",
    "/api/drafts",
    "/api/procedures",
    "/api/procedures/residence-certificate",
]


async def _round(client: httpx.AsyncClient, requests: int) -> float:
    """CPU seconds per request over ``requests`` requests."""
    started = time.process_time()
    for i in range(requests):
        answer = await client.get(PATHS[i % len(PATHS)])
        assert answer.status_code == 200, (answer.request.url, answer.text[:200])
    return (time.process_time() - started) / requests


async def main(args: argparse.Namespace) -> None:
    folder = tempfile.mkdtemp(prefix="todoke-bench-tenancy-")
    settings = load_settings(
        {
            "TODOKE_DATA_DIR": folder,
            "TODOKE_DATABASE_URL": os.environ.get("TODOKE_DATABASE_URL", ""),
            "TODOKE_LOG_LEVEL": "WARNING",
            "TODOKE_EMBEDDED_WORKER": "false",
        }
    )
    app = create_app(settings)
    from todoke.db import current_engine

    await start_database(current_engine())
    await migrate()
    await seed_demo(300)
    await seed_demo_town("http://higashi.localhost:8000", 300)
    transport = httpx.ASGITransport(app=app)
    original = tenancy.current
    figures: dict[str, list[float]] = {"scoped": [], "unscoped": []}
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
        options = await client.post(
            "/api/auth/registration/options", json={"display_name": "ベンチ"}
        )
        credential = SoftAuthenticator().create(options.json(), ORIGIN)
        made = await client.post("/api/auth/registration", json={"credential": credential})
        assert made.status_code == 201, made.text
        await _round(client, len(PATHS) * 5)  # plans made, caches warm
        warm = tenancy._plan.cache_info()
        for _ in range(args.rounds):
            for name in ("scoped", "unscoped"):
                tenancy.current = original if name == "scoped" else lambda: None  # type: ignore[assignment]
                figures[name].append(await _round(client, args.requests))
    tenancy.current = original  # type: ignore[assignment]
    after = tenancy._plan.cache_info()
    await stop_database(current_engine())
    engine = "PostgreSQL" if settings.database_url else "SQLite"
    scoped = statistics.median(figures["scoped"]) * 1e6
    unscoped = statistics.median(figures["unscoped"]) * 1e6
    print(f"{engine}: {args.requests} requests × {args.rounds} rounds, CPU per request (median)")
    print(f"  statements scoped by the data layer: {scoped:8.1f} µs")
    print(f"  the same, the layer off:             {unscoped:8.1f} µs")
    print(f"  ratio scoped/unscoped:               {scoped / unscoped:8.3f}")
    # A statement whose text changes from request to request would be parsed every time.
    print(
        f"  statements planned while warming: {warm.currsize}; "
        f"planned again after: {after.misses - warm.misses}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=7)
    asyncio.run(main(parser.parse_args()))
