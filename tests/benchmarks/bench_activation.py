"""Activating a programme over a large registry: approval to every delivery row written, as a
ratio to a raw insert of the same rows in the same run.

    python tests/benchmarks/bench_activation.py --persons 1000000 --accounts 100000
    TODOKE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \\
        python tests/benchmarks/bench_activation.py --persons 1000000 --accounts 100000

Builds a registry with the demo generator and the registry importer, gives ``--accounts``
random adults a verified account (three in four consented to matching, a third of those
with a confirmed email address), then activates ``--program`` with a letter basis and times
``telling.match_and_notify`` over the whole registry: every match recorded, every delivery
row (app, email, letter) and every inbox notice and email outbox row written.

The baseline writes exactly the rows that run wrote (read back, then inserted again into
empty copies of the same tables) with the database's bulk insert
(PostgreSQL's COPY, SQLite's executemany): rows per second of Todoke against rows per second
of the raw insert. The copies are defined as the real tables are (columns, defaults,
indexes, foreign keys), so the raw insert pays the same index updates and foreign-key
checks.
Quality bar (issue 12): ratio >= 0.3.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from todoke import clock
from todoke.benefits import telling
from todoke.db import configure_database, migrate, start_database, stop_database, write_transaction
from todoke.demo.generator import generate_persons, write_csv
from todoke.demo.seed import DEMO_CODE, DEMO_NAME, DEMO_PREFECTURE, seed_catalogue
from todoke.registry.importer import import_registry
from todoke.registry.service import ensure_municipality
from todoke.settings import load_settings

TABLES = ("program_match", "program_delivery", "notice", "email_delivery")


async def build_registry(municipality_id: int, persons: int, folder: Path) -> None:
    path = folder / "registry.csv"
    count = write_csv(path, generate_persons(persons, seed=7, today=date.today()))
    with path.open("rb") as stream:
        report = await import_registry(
            stream, municipality_id=municipality_id, source="bench", filename=path.name
        )
    assert report.rows_created == count, (report.status, report.message, report.rows_failed)


async def give_accounts(municipality_id: int, accounts: int) -> None:
    rng = random.Random(3)
    now = clock.now()
    adult = date.today().replace(year=date.today().year - 18)
    async with write_transaction() as sql:
        ids = [
            r[0]
            for r in await sql.fetch(
                "SELECT id FROM person WHERE municipality = ? AND status = 'resident' "
                "AND birth_date <= ?",
                [municipality_id, adult],
            )
        ]
        chosen = sorted(rng.sample(ids, min(accounts, len(ids))))
        first = (await sql.value("SELECT COALESCE(MAX(id), 0) FROM account")) + 1
        rows = [
            [first + i, municipality_id, "resident", f"bench{i}", f"handle-{first + i}", person,
             now, "bench", "", "ja", False, 0, now]
            for i, person in enumerate(chosen)
        ]  # fmt: skip
        await sql.insert_rows(
            "account",
            ["id", "municipality", "kind", "display_name", "user_handle", "person",
             "verified_at", "verified_by", "staff_role", "language",
             "second_passkey_suggested", "verification_failures", "created_at"],
            rows,
        )  # fmt: skip
        consented = [row[0] for row in rows if rng.random() < 0.75]
        await sql.insert_rows(
            "consent", ["account", "purpose", "granted_at"],
            [[account, "matching", now] for account in consented],
        )  # fmt: skip
        emailed = [account for account in consented if rng.random() < 1 / 3]
        await sql.insert_rows(
            "email_address",
            ["municipality", "account", "address", "language", "notify", "confirmed_at",
             "bounce_reason", "created_at", "updated_at"],
            [[municipality_id, account, f"r{account}@bench.example", "ja", True, now, "", now,
              now] for account in emailed],
        )  # fmt: skip
        if sql.postgres:
            await sql.execute("SELECT setval('account_id_seq', (SELECT MAX(id) FROM account))")
        await sql.analyze("account", "consent", "email_address", "person")
    print(f"accounts: {len(rows)}, consented: {len(consented)}, with email: {len(emailed)}")


async def counts() -> dict[str, int]:
    async with write_transaction() as sql:
        return {t: await sql.value(f"SELECT COUNT(*) FROM {t}") for t in TABLES}


async def raw_insert_seconds() -> float:
    """Insert again exactly the rows Todoke wrote, into empty copies, by bulk insert."""
    async with write_transaction() as sql:
        tables = {}
        for table in TABLES:
            columns = [
                c for c in await _columns(sql, table) if c != "id"
            ]  # ids come from the database, as in Todoke's own inserts
            rows = await sql.fetch(f"SELECT {', '.join(columns)} FROM {table}")
            await sql.execute(f"DROP TABLE IF EXISTS bench_{table}")
            await _copy_definition(sql, table)
            tables[table] = (columns, rows)
    started = time.perf_counter()
    async with write_transaction() as sql:
        for table, (columns, rows) in tables.items():
            await sql.insert_rows(f"bench_{table}", columns, rows)
    return time.perf_counter() - started


async def _copy_definition(sql, table: str) -> None:
    """An empty ``bench_<table>`` defined as ``table`` is: the same columns and defaults,
    the same indexes and the same foreign keys, so inserting into it pays every check and
    index update that inserting into the real table pays."""
    if sql.postgres:
        await sql.execute(f"CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
        for name, definition in await sql.fetch(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ?::regclass AND contype = 'f'",
            [table],
        ):
            await sql.execute(f"ALTER TABLE bench_{table} ADD CONSTRAINT bench_{name} {definition}")
        return
    ddl = await sql.value(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    )
    renamed, count = re.subn(rf'^CREATE TABLE "?{table}"?', f"CREATE TABLE bench_{table}", ddl)
    assert count == 1, ddl
    await sql.execute(renamed)
    for name, definition in await sql.fetch(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL",
        [table],
    ):
        definition = re.sub(rf'INDEX "?{name}"? ON "?{table}"?',
                            f"INDEX bench_{name} ON bench_{table}", definition)  # fmt: skip
        assert f"bench_{table}" in definition, definition
        await sql.execute(definition)


async def _columns(sql, table: str) -> list[str]:
    if sql.postgres:
        rows = await sql.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position",
            [table],
        )
        return [r[0] for r in rows]
    return [r[1] for r in await sql.fetch(f"PRAGMA table_info({table})")]


async def main(persons: int, accounts: int, program: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="todoke-bench-"))
    settings = load_settings(
        {
            "TODOKE_DATA_DIR": str(folder),
            "TODOKE_DATABASE_URL": os.environ.get("TODOKE_DATABASE_URL", ""),
        }
    )
    engine = configure_database(settings)
    await start_database(engine)
    await migrate()
    name = "PostgreSQL" if settings.is_postgres else "SQLite"
    print(f"{name}: {persons:,} persons, {accounts:,} accounts, programme {program}")
    municipality = await ensure_municipality(DEMO_CODE, DEMO_NAME, DEMO_PREFECTURE)
    await seed_catalogue(municipality)
    started = time.perf_counter()
    await build_registry(municipality.id, persons, folder)
    print(f"registry built in {time.perf_counter() - started:.0f} s")
    await give_accounts(municipality.id, accounts)
    async with write_transaction() as sql:
        await sql.execute(
            "UPDATE program SET status = 'active', activated_at = ?, letter_basis = ? "
            "WHERE municipality = ? AND slug = ?",
            [clock.now(), "個人情報保護法第69条第2項第2号", municipality.id, program],
        )
    started = time.perf_counter()
    told = await telling.match_and_notify(municipality.id, program)
    todoke_seconds = time.perf_counter() - started
    written = await counts()
    rows = sum(written.values())
    raw_seconds = await raw_insert_seconds()
    print(f"told {told:,}; rows written: {written}")
    print(
        f"approval → every delivery row: {todoke_seconds:.1f} s "
        f"({rows / todoke_seconds:,.0f} rows/s); raw insert of the same {rows:,} rows: "
        f"{raw_seconds:.1f} s ({rows / raw_seconds:,.0f} rows/s)"
    )
    ratio = raw_seconds / todoke_seconds
    print(f"ratio (Todoke rows/s ÷ raw insert rows/s): {ratio:.2f}  (bar >= 0.3)")
    await stop_database(engine)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--program", default="flu-shot-65")
    args = parser.parse_args()
    asyncio.run(main(args.persons, args.accounts, args.program))
