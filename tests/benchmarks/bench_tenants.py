"""A tenant does not pay for its neighbours' size (issue 16): one municipality's matching and
resident endpoints, alone in its database against beside 49 others, same run.

    python tests/benchmarks/bench_tenants.py                      # 20,000 of 1,000,000 persons
    python tests/benchmarks/bench_tenants.py --persons 20000 --total 200000   # a quick run
    python tests/benchmarks/bench_tenants.py --database-url postgresql://postgres@127.0.0.1/bench

Builds two databases with the demo generator and the real registry importer:

- A, "alone": the municipality M (the demo city's code) with ``--persons`` persons;
- B, "crowded": the same M with the same persons (same generator seed), and 49 other
  municipalities holding the rest up to ``--total``, each with the catalogue and an origin of
  its own (``http://m{i}.localhost:PORT``); M stays at the deployment's own origin. M is
  imported halfway through the others, so its rows sit between its neighbours'.

SQLite by default (two files in a temporary folder); with ``--database-url`` (default
TODOKE_DATABASE_URL) two PostgreSQL
databases of its own (``todoke_tenants_{alone,crowded}_<pid>``) next to the one it names,
dropped at the end.

Then, alternating A and B (medians over the rounds):

1. matching: ``match_persons`` of every seeded programme for M over its whole registry, in a
   read transaction as the worker does (the same number of persons found is asserted), one
   run at a time on A and on B in turn;
2. M's resident endpoints over HTTP: ``todoke serve`` on each database (embedded worker off,
   so nothing but the requests runs), one resident of M signed up with a software passkey and
   verified with an activation code, each endpoint driven by wrk (as bench_http.py); the
   server's CPU per request (from /proc) and requests per second.

Prints each figure for A and B and the ratio B/A (time: higher is slower). Bar: <= 1.2.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import asyncpg
import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "support"))

from bench_http import Run, free_port, sign_in, wait_ready  # noqa: E402

from todoke.benefits.rules import SEEDED_RULES, match_persons  # noqa: E402
from todoke.db import (  # noqa: E402
    configure_database,
    migrate,
    read_transaction,
    start_database,
    stop_database,
)
from todoke.demo.generator import generate_persons, write_csv  # noqa: E402
from todoke.demo.seed import DEMO_CODE, DEMO_NAME, DEMO_PREFECTURE, seed_catalogue  # noqa: E402
from todoke.identity.service import issue_activation_code  # noqa: E402
from todoke.jp import local_government_code_check_digit  # noqa: E402
from todoke.registry.importer import import_registry  # noqa: E402
from todoke.registry.public import first_household_heads  # noqa: E402
from todoke.registry.service import ensure_municipality, set_municipality_origin  # noqa: E402
from todoke.settings import Settings, load_settings  # noqa: E402

ON = date.today()
NEIGHBOURS = 49
M_SEED = 3  # the generator's seed for M: the same persons in both databases
BAR = 1.2


@dataclass
class Database:
    label: str  # "A" or "B"
    folder: Path
    url: str  # "" for SQLite in ``folder``
    port: int
    municipality_id: int = 0
    code: str = ""  # an activation code for M's first head of household

    @property
    def base(self) -> str:
        return f"http://localhost:{self.port}"

    def settings(self) -> Settings:
        return load_settings({"TODOKE_DATA_DIR": str(self.folder), "TODOKE_DATABASE_URL": self.url})


def neighbour_code(index: int) -> str:
    # Fictional codes (no prefecture 90) with a valid check digit.
    first5 = f"90{index:03d}"
    return first5 + str(local_government_code_check_digit(first5))


async def import_persons(municipality_id: int, persons: int, seed: int, folder: Path) -> float:
    path = folder / f"registry-{municipality_id}.csv"
    count = write_csv(path, generate_persons(persons, seed=seed, today=ON))
    started = time.perf_counter()
    with path.open("rb") as stream:
        report = await import_registry(
            stream, municipality_id=municipality_id, source="bench", filename=path.name, today=ON
        )
    assert report.rows_created == count, (report.status, report.message)
    path.unlink()
    return time.perf_counter() - started


async def build(db: Database, persons: int, total: int, scratch: Path) -> None:
    """M alone (A), or M halfway among its 49 neighbours holding the rest of ``total`` (B)."""
    engine = configure_database(db.settings())
    await start_database(engine)
    await migrate()
    started = time.perf_counter()
    crowded = total > persons
    others = list(range(1, NEIGHBOURS + 1)) if crowded else []
    each = (total - persons) // NEIGHBOURS if crowded else 0
    half = len(others) // 2
    order = [*others[:half], 0, *others[half:]]
    imported = 0
    for index in order:
        if index == 0:
            municipality = await ensure_municipality(DEMO_CODE, DEMO_NAME, DEMO_PREFECTURE)
            db.municipality_id = municipality.id
            size, seed = persons, M_SEED
        else:
            code = neighbour_code(index)
            name = {"ja": f"となり{index}市", "easy": f"となり{index}し", "en": f"Tonari {index}"}
            await ensure_municipality(code, name, DEMO_PREFECTURE)
            municipality = await set_municipality_origin(
                code, f"http://m{index}.localhost:{db.port}"
            )
            size, seed = each, 100 + index
        await seed_catalogue(municipality)
        seconds = await import_persons(municipality.id, size, seed, scratch)
        imported += size
        print(
            f"  {db.label}: {municipality.code} {size:,} persons in {seconds:.1f} s "
            f"({imported:,} so far, {time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    head = (await first_household_heads(db.municipality_id, 1))[0]
    issued = await issue_activation_code(
        municipality_id=db.municipality_id,
        registry_id=head.registry_id,
        purpose="verify",
        issued_by=None,
    )
    db.code = issued.code
    await stop_database(engine)


# --- matching --------------------------------------------------------------------------------


async def match_count(municipality_id: int, rule: dict) -> int:
    found = 0
    async with read_transaction() as sql:
        async for batch in match_persons(sql, municipality_id, rule, ON):
            found += len(batch)
    return found


async def timed(action: Callable[[], Awaitable[int]]) -> tuple[float, int]:
    started = time.perf_counter()
    result = await action()
    return time.perf_counter() - started, result


async def matching_round(db: Database, repeat: int, times: dict, counts: dict) -> None:
    """Every programme ``repeat`` times on one database, after one warm-up run each (the
    engine is new: its connections' caches are cold)."""
    engine = configure_database(db.settings())
    await start_database(engine)
    try:
        for program, rule in SEEDED_RULES.items():
            counts[db.label][program] = await match_count(db.municipality_id, rule)
            for _ in range(repeat):
                seconds, _ = await timed(lambda: match_count(db.municipality_id, rule))
                times[db.label].setdefault(program, []).append(seconds)
    finally:
        await stop_database(engine)


async def measure_matching(databases: list[Database], rounds: int, repeat: int) -> list[float]:
    times: dict[str, dict[str, list[float]]] = {db.label: {} for db in databases}
    counts: dict[str, dict[str, int]] = {db.label: {} for db in databases}
    # One timed run of each programme per database at a time, A and B in turn: a busy moment
    # of the shared machine then weighs on both alike. In blocks of runs per database it
    # tilted whole medians (1.15 and 1.19 on databases where run-by-run reads 0.94-1.07).
    for run in range(rounds * repeat):
        # A then B, B then A: whichever goes second does not always win the cache.
        for db in databases if run % 2 == 0 else databases[::-1]:
            await matching_round(db, 1, times, counts)
    a, b = (db.label for db in databases)
    assert counts[a] == counts[b], counts
    print(f"\nmatching for M, median of {rounds * repeat} runs each (ms)")
    print(f"{'programme':26s} {'found':>7s} {'A alone':>9s} {'B crowded':>10s} {'B/A':>6s}")
    ratios = []
    for program in SEEDED_RULES:
        alone = statistics.median(times[a][program]) * 1000
        crowded = statistics.median(times[b][program]) * 1000
        ratios.append(crowded / alone)
        flag = "" if crowded / alone <= BAR else "  OVER THE BAR"
        print(
            f"{program:26s} {counts[a][program]:7,} {alone:9.2f} {crowded:10.2f} "
            f"{crowded / alone:6.2f}{flag}"
        )
    return ratios


# --- resident endpoints ----------------------------------------------------------------------


def start_server(db: Database, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODOKE_")}
    if db.url:
        env["TODOKE_DATABASE_URL"] = db.url
    env.update(
        TODOKE_PUBLIC_ORIGINS=db.base, TODOKE_LOG_LEVEL="WARNING",
        TODOKE_AUTH_RATE_LIMIT="1000000", TODOKE_VERIFICATION_RATE_LIMIT="1000000",
        TODOKE_EMBEDDED_WORKER="false",
    )  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "todoke.cli", "serve", "--host", "127.0.0.1",
         "--port", str(db.port), "--data-dir", str(db.folder)],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def resident_endpoints(db: Database) -> list[tuple[str, str, dict[str, str]]]:
    """M's resident signed up and verified; what the resident app reads, as (label, path,
    wrk options)."""
    client = sign_in(db.base, db.folder, {}, [db.code])
    procedures = client.get("/api/procedures").json()["items"]
    slug = procedures[0]["slug"]
    online = next(p["slug"] for p in procedures if p.get("online", True))
    client.post("/api/drafts", json={"slug": online}).raise_for_status()
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    signed = {"cookie": cookie, "origin": db.base}
    paths = [
        ("/ (the app's page)", "/", {}),
        ("/api/municipality", "/api/municipality", {}),
        ("/api/procedures", "/api/procedures", {}),
        ("/api/procedures/{slug}", f"/api/procedures/{slug}", {}),
        ("/api/support/programs", "/api/support/programs", {}),
        ("/api/auth/session", "/api/auth/session", signed),
        ("/api/me", "/api/me", signed),
        ("/api/me/timeline", "/api/me/timeline", signed),
        ("/api/me/inbox", "/api/me/inbox", signed),
        ("/api/support", "/api/support", signed),
        ("/api/applications", "/api/applications", signed),
        ("/api/drafts", "/api/drafts", signed),
        ("pre-filled form", f"/api/procedures/{online}/form", signed),
    ]
    for label, path, extra in paths:  # every one answers before it is timed
        headers = {"cookie": extra["cookie"]} if "cookie" in extra else {}
        answer = httpx.get(f"{db.base}{path}", headers=headers, timeout=30)
        assert answer.status_code == 200, (db.label, label, answer.status_code, answer.text[:300])
    client.close()
    return paths


def measure_http(
    databases: list[Database], servers: dict[str, subprocess.Popen], run: Run, rounds: int
) -> list[float]:
    endpoints = {db.label: resident_endpoints(db) for db in databases}
    a, b = (db.label for db in databases)
    rates: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    for round_ in range(rounds):
        for index in range(len(endpoints[a])):
            for db in databases if (round_ + index) % 2 == 0 else databases[::-1]:
                label, path, extra = endpoints[db.label][index]
                result = run.wrk(f"{db.base}{path}", servers[db.label].pid, **extra)
                assert result["errors"] + result["bad"] == 0, (db.label, label, result)
                rates.setdefault((db.label, label), []).append(result["rate"])
                cpu.setdefault((db.label, label), []).append(result["cpu"])
        print(f"  HTTP round {round_ + 1} of {rounds} done", flush=True)
    print(
        f"\nM's resident endpoints, wrk {run.connections} connections, {run.seconds} s each, "
        f"median of {rounds} rounds: requests/s, and the server's CPU µs per request"
    )
    print(
        f"{'endpoint':26s} {'A req/s':>8s} {'B req/s':>8s} {'A/B':>5s}   "
        f"{'A CPU':>6s} {'B CPU':>6s} {'B/A':>5s}"
    )
    ratios = []
    for label, _, _ in endpoints[a]:
        rate_a = statistics.median(rates[(a, label)])
        rate_b = statistics.median(rates[(b, label)])
        cpu_a = statistics.median(cpu[(a, label)])
        cpu_b = statistics.median(cpu[(b, label)])
        # The bar is read on the server's CPU per request: steadier than a rate on a shared
        # machine (both are printed).
        ratios.append(cpu_b / cpu_a)
        flag = "" if ratios[-1] <= BAR else "  OVER THE BAR"
        print(
            f"{label:26s} {rate_a:8.0f} {rate_b:8.0f} {rate_a / rate_b:5.2f}   "
            f"{cpu_a:6.0f} {cpu_b:6.0f} {cpu_b / cpu_a:5.2f}{flag}"
        )
    return ratios


# --- the run ---------------------------------------------------------------------------------


async def admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def geometric_mean(values: list[float]) -> float:
    return statistics.geometric_mean(values)


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="todoke-tenants-"))
    scratch = folder / "csv"
    scratch.mkdir()
    names = {"A": "alone", "B": "crowded"}
    databases = []
    for label, name in names.items():
        url = ""
        if args.database_url:
            url = f"{args.database_url.rpartition('/')[0]}/todoke_tenants_{name}_{os.getpid()}"
        databases.append(Database(label, folder / name, url, free_port()))
    if args.database_url:
        for db in databases:
            await admin(args.database_url, f"CREATE DATABASE {db.url.rpartition('/')[2]}")
    servers: dict[str, subprocess.Popen] = {}
    kind = "PostgreSQL" if args.database_url else "SQLite"
    try:
        print(
            f"{kind}: M with {args.persons:,} persons; A alone, B among {NEIGHBOURS} "
            f"neighbours, {args.total:,} persons in all; {os.cpu_count()} CPUs, {ON}",
            flush=True,
        )
        started = time.perf_counter()
        await build(databases[0], args.persons, args.persons, scratch)
        await build(databases[1], args.persons, args.total, scratch)
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)

        matching = await measure_matching(databases, args.rounds, args.repeat)
        if args.matching_only:
            print(
                f"\nB/A: matching geometric mean {geometric_mean(matching):.2f}, worst "
                f"{max(matching):.2f} (bar: <= {BAR}; endpoints not measured)"
            )
            return
        for db in databases:
            servers[db.label] = start_server(db, folder / f"{db.label}.log")
        for db in databases:
            wait_ready(f"{db.base}/readyz", servers[db.label], folder / f"{db.label}.log")
        run = Run(folder, args.seconds, args.connections)
        http = measure_http(databases, servers, run, args.rounds)

        print(
            f"\nB/A: matching geometric mean {geometric_mean(matching):.2f}, worst "
            f"{max(matching):.2f}; endpoints geometric mean {geometric_mean(http):.2f}, worst "
            f"{max(http):.2f} (bar: <= {BAR})"
        )
        met = max(matching + http) <= BAR
        verdict = "met" if met else "NOT met"
        print(f"bar (a tenant does not pay for its neighbours' size): {verdict}")
    finally:
        for process in servers.values():
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if args.database_url and not args.keep:
            for db in databases:
                name = db.url.rpartition("/")[2]
                await admin(args.database_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if args.keep:
            print(f"kept: {folder}" + (" and the databases" if args.database_url else ""))
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000, help="M's persons")
    parser.add_argument("--total", type=int, default=1_000_000, help="persons in B, all in all")
    parser.add_argument("--rounds", type=int, default=4, help="A/B alternations")
    parser.add_argument("--repeat", type=int, default=3, help="matching runs per round")
    parser.add_argument("--seconds", type=int, default=2, help="wrk seconds per endpoint")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TODOKE_DATABASE_URL", ""),
        help="postgresql://… (default: TODOKE_DATABASE_URL, else SQLite)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="leave the temporary folder (and the databases)"
    )
    parser.add_argument(
        "--matching-only", action="store_true", help="measure matching, not the endpoints"
    )
    arguments = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    if shutil.which("wrk") is None:
        raise SystemExit("bench_tenants needs wrk (apt-get install wrk)")
    if arguments.total < arguments.persons + NEIGHBOURS:
        raise SystemExit("--total must leave persons for the 49 neighbours")
    asyncio.run(main(arguments))
