"""Registry import throughput, as a ratio to a raw ``executemany`` in the same run.

    python tests/benchmarks/bench_import.py --persons 1000000
    TODOKE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \
        python tests/benchmarks/bench_import.py

The baseline inserts the same rows, already parsed, into the same ``person`` table (its
indexes and foreign keys; no household, which may be null) in batches of the same size,
one transaction each: the cost of the database alone. Then it deletes them again. The
import adds reading the CSV, normalising every field, comparing with what is held,
households, provenance and the change log. Quality bar: ratio >= 0.3.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from todoke.db import configure_database, migrate, start_database, stop_database, write_transaction
from todoke.demo.generator import generate_persons, write_csv
from todoke.demo.seed import DEMO_CODE, DEMO_NAME, DEMO_PREFECTURE
from todoke.registry.importer import BATCH_SIZE, import_registry
from todoke.registry.service import ensure_municipality
from todoke.settings import load_settings

BASELINE_COLUMNS = (
    "municipality", "registry_id", "household", "relation", "family_name", "given_name",
    "family_name_kana", "given_name_kana", "birth_date", "sex", "postal_code", "address",
    "district", "resident_since", "status", "income_yen", "tax_exempt", "single_parent",
    "livelihood_aid", "disability_certificate", "care_level", "pregnancy_due_date",
    "provenance", "updated_at",
)  # fmt: skip


def _baseline_rows(path: Path, municipality_id: int) -> list[tuple]:
    now = datetime.now(UTC)
    rows = []
    with path.open(newline="", encoding="utf-8") as file:
        for r in csv.DictReader(file):
            rows.append(
                (
                    municipality_id,
                    r["registry_id"],
                    None,
                    r["relation"],
                    r["family_name"],
                    r["given_name"],
                    r["family_name_kana"],
                    r["given_name_kana"],
                    date.fromisoformat(r["birth_date"]),
                    r["sex"],
                    r["postal_code"],
                    r["address"],
                    "",
                    date.fromisoformat(r["resident_since"]) if r["resident_since"] else None,
                    r["status"],
                    int(r["income_yen"]) if r["income_yen"] else None,
                    r["tax_exempt"] == "true" if r["tax_exempt"] else None,
                    r["single_parent"] == "true" if r["single_parent"] else None,
                    r["livelihood_aid"] == "true" if r["livelihood_aid"] else None,
                    r["disability_certificate"] or None,
                    r["care_level"] or None,
                    date.fromisoformat(r["pregnancy_due_date"])
                    if r["pregnancy_due_date"]
                    else None,
                    "{}",
                    now,
                )
            )
    return rows


async def _baseline(rows: list[tuple]) -> float:
    insert = (
        f"INSERT INTO person ({', '.join(BASELINE_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(BASELINE_COLUMNS))})"
    )
    started = time.perf_counter()
    for start in range(0, len(rows), BATCH_SIZE):
        async with write_transaction() as sql:
            await sql.executemany(insert, rows[start : start + BATCH_SIZE])
    elapsed = time.perf_counter() - started
    async with write_transaction() as sql:
        await sql.execute("DELETE FROM person")
    return elapsed


async def main(persons: int) -> None:
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
    kind = "PostgreSQL" if settings.is_postgres else "SQLite"
    async with write_transaction() as sql:
        for table in ("registry_change", "registry_import", "person", "household"):
            await sql.execute(f"DELETE FROM {table}")
    municipality = await ensure_municipality(DEMO_CODE, DEMO_NAME, DEMO_PREFECTURE)

    path = folder / "registry.csv"
    count = write_csv(path, generate_persons(persons, seed=3))
    rows = _baseline_rows(path, municipality.id)
    print(f"{kind}: {count:,} persons, batches of {BATCH_SIZE}")

    baseline = await _baseline(rows)
    del rows
    print(f"  raw executemany : {baseline:8.2f} s  {count / baseline:10,.0f} rows/s")

    started = time.perf_counter()
    with path.open("rb") as stream:
        report = await import_registry(
            stream, municipality_id=municipality.id, source="bench", filename=path.name
        )
    imported = time.perf_counter() - started
    assert report.rows_created == count, (report.status, report.message, report.errors[:3])
    print(f"  todoke import   : {imported:8.2f} s  {count / imported:10,.0f} rows/s")

    started = time.perf_counter()
    with path.open("rb") as stream:
        again = await import_registry(
            stream, municipality_id=municipality.id, source="bench", filename=path.name
        )
    unchanged = time.perf_counter() - started
    assert again.rows_unchanged == count
    print(f"  re-import (no-op): {unchanged:7.2f} s  {count / unchanged:10,.0f} rows/s")
    print(f"  ratio import / raw executemany: {baseline / imported:.2f}  (bar: >= 0.30)")
    await stop_database(engine)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().persons))
