"""Every benchmark, one after another, and every ratio they print, in one summary.

    python tests/benchmarks/run_all.py            # the sizes the README quotes (an hour or more)
    python tests/benchmarks/run_all.py --quick    # small sizes: a few minutes, a smoke check
    python tests/benchmarks/run_all.py soak       # only those whose name contains "soak"
    TODOKE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \\
        python tests/benchmarks/run_all.py --quick

Each benchmark runs as its own process (as a user runs it), on the database the environment
names; a PostgreSQL database is emptied before each, since every benchmark builds its own
data. The summary lists each benchmark's lines that state a ratio, a bar or a percentile;
the full output of each is kept in a folder printed at the end. A benchmark that fails is
reported as failed and the rest still run.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (script, arguments at the README's sizes, arguments for --quick)
BENCHMARKS: list[tuple[str, list[str], list[str]]] = [
    ("bench_import.py", ["--persons", "1000000"], ["--persons", "20000"]),
    ("bench_matching.py", ["--persons", "1000000"],
     ["--persons", "20000", "--small", "2000", "--repeat", "3", "--changes", "20"]),
    ("bench_push_crypto.py", [], ["--messages", "1000", "--rounds", "2"]),
    ("bench_push_fanout.py", ["--notices", "100000"], ["--notices", "5000", "--devices", "200"]),
    ("bench_registry_to_inbox.py", ["--changes", "20"], ["--changes", "10"]),
    ("bench_letters.py", ["--letters", "10000"], ["--letters", "300", "--small", "100"]),
    ("bench_activation.py", ["--persons", "1000000", "--accounts", "100000"],
     ["--persons", "20000", "--accounts", "2000"]),
    ("bench_tenants.py", [],
     ["--persons", "2000", "--total", "20000", "--rounds", "2", "--repeat", "2", "--seconds", "1"]),
    ("bench_http.py", [], ["--seconds", "3", "--persons", "300"]),
    ("bench_soak.py", ["--minutes", "10"],
     ["--seconds", "60", "--interval", "15", "--residents", "20", "--persons", "300"]),
]  # fmt: skip

# Lines worth repeating in the summary.
SUMMARY = re.compile(r"ratio|bar|p9[59]|req/s|→|SQLite|PostgreSQL|\dms ", re.IGNORECASE)


def empty_postgres(url: str) -> None:
    """Drop and create the benchmark database again (each benchmark builds its own data)."""
    prefix, _, name = url.rpartition("/")
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(
            [sys.executable, "-c",
             "import asyncio, sys, asyncpg\n"
             "async def go():\n"
             "    c = await asyncpg.connect(sys.argv[1])\n"
             "    try: await c.execute(sys.argv[2])\n"
             "    finally: await c.close()\n"
             "asyncio.run(go())", f"{prefix}/postgres", sql],
            check=True,
        )  # fmt: skip


def main(quick: bool, only: list[str]) -> int:
    folder = Path(tempfile.mkdtemp(prefix="todoke-benchmarks-"))
    database = os.environ.get("TODOKE_DATABASE_URL", "")
    results: list[tuple[str, int, float, list[str]]] = []
    for script, full, small in BENCHMARKS:
        if only and not any(name in script for name in only):
            continue
        if database:
            empty_postgres(database)
        arguments = small if quick else full
        print(f"== {script} {' '.join(arguments)}", flush=True)
        started = time.perf_counter()
        log = folder / f"{script.removesuffix('.py')}.log"
        with log.open("w") as output:
            done = subprocess.run(
                [sys.executable, str(HERE / script), *arguments],
                stdout=output, stderr=subprocess.STDOUT, check=False,
            )  # fmt: skip
        seconds = time.perf_counter() - started
        lines = [line for line in log.read_text().splitlines() if SUMMARY.search(line)]
        results.append((script, done.returncode, seconds, lines))
        for line in lines:
            print(f"   {line}")
        print(f"   ({'ok' if done.returncode == 0 else 'FAILED'}, {seconds:.0f} s)", flush=True)
    print("\n== summary" + (" (quick sizes)" if quick else ""))
    for script, returncode, seconds, lines in results:
        state = "ok" if returncode == 0 else f"FAILED (exit {returncode})"
        print(f"{script}: {state}, {seconds:.0f} s")
        for line in lines:
            if re.search(r"ratio|bar|\dms ", line, re.IGNORECASE):
                print(f"   {line.strip()}")
    print(f"full output: {folder}")
    return 1 if any(returncode for _, returncode, _, _ in results) else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: minutes, not hours")
    parser.add_argument("only", nargs="*", help="run only benchmarks whose name contains these")
    args = parser.parse_args()
    sys.exit(main(args.quick, args.only))
