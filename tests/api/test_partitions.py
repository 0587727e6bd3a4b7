"""Issue 16, "a tenant does not pay for its neighbours' size", on PostgreSQL: the persons are
partitioned by municipality (``todoke.db.PARTITIONED_BY_MUNICIPALITY``), so one municipality's
matching reads its own partition however many neighbours share the database.

Measured by ``tests/benchmarks/bench_tenants.py``; checked here by what the database plans:
every seeded programme's statements (over the whole registry, and for a few persons after a
registry change) read the municipality's partition and no other. Before the partitions the
same statements walked an index over one table of everyone, a third slower than reading the
municipality alone (the benchmark's 1.2–1.4).

SQLite holds one table and reads a municipality's rows through its (municipality, id) index
in id ranges (``benefits.rules._persons``); nothing here applies to it.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

postgres_only = pytest.mark.skipif(
    not os.environ.get("TODOKE_DATABASE_URL", "").startswith("postgres"),
    reason="partitions are PostgreSQL's (SQLite reads a municipality by its index)",
)

ON = date(2026, 12, 7)
MIGRATIONS = Path(__file__).parents[2] / "backend" / "todoke"
# The last migration written before the persons were partitioned. The partitioning runs after
# every Piccolo migration, so on a new database a later migration still meets the old table;
# on a database already partitioned, PostgreSQL refuses the "REFERENCES person (id)" Piccolo
# writes for a ForeignKey. A reference to a partitioned table is written in SQL, composite.
PARTITIONED_AFTER = "2026-12-11T05:30:00:000000"


async def _town(code: str, name: str) -> int:
    from todoke.registry.service import ensure_municipality

    names = {"ja": name, "easy": name, "en": name}
    prefecture = {"ja": "東京都", "easy": "とうきょうと", "en": "Tokyo"}
    municipality = await ensure_municipality(code, names, prefecture)
    return municipality.id


async def _partitions() -> dict[str, str]:
    """Partition name → its bound, of the persons table."""
    from todoke.db import read_transaction

    async with read_transaction() as sql:
        rows = await sql.fetch(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'person'::regclass"
        )
    return dict(rows)


async def _import(municipality_id: int, persons: int, seed: int, folder: Path) -> None:
    from todoke.demo.generator import generate_persons, write_csv
    from todoke.registry.importer import import_registry

    path = folder / f"registry-{municipality_id}.csv"
    count = write_csv(path, generate_persons(persons, seed=seed, today=ON))
    with path.open("rb") as stream:
        report = await import_registry(
            stream, municipality_id=municipality_id, source="test", filename=path.name, today=ON
        )
    assert report.rows_created == count, report


def _relations(plan: Any) -> set[str]:
    """Every table or partition an EXPLAIN (FORMAT JSON) plan reads."""
    found: set[str] = set()
    if isinstance(plan, dict):
        if "Relation Name" in plan:
            found.add(plan["Relation Name"])
        for value in plan.values():
            found |= _relations(value)
    elif isinstance(plan, list):
        for value in plan:
            found |= _relations(value)
    return found


@postgres_only
async def test_a_municipality_gets_its_partition_with_its_row_and_loses_it_with_it(db):
    from todoke.db import write_transaction

    first = await _town("139998", "三鷹市")
    second = await _town("132012", "八王子市")
    partitions = await _partitions()
    assert partitions[f"person_m{first}"] == f"FOR VALUES IN ({first})"
    assert partitions[f"person_m{second}"] == f"FOR VALUES IN ({second})"
    assert not any(bound == "DEFAULT" for bound in partitions.values())

    async with write_transaction() as sql:
        await sql.execute("DELETE FROM municipality WHERE id = ?", [second])
    partitions = await _partitions()
    assert f"person_m{second}" not in partitions
    assert f"person_m{first}" in partitions


@postgres_only
async def test_matching_reads_the_municipalitys_partition_and_no_other(db, tmp_path: Path):
    from todoke.benefits.rules import SEEDED_RULES, match_persons
    from todoke.benefits.rules import _MatchQuery as MatchQuery
    from todoke.db import read_transaction

    town = await _town("139998", "三鷹市")
    neighbour = await _town("132012", "八王子市")
    await _import(town, 300, seed=3, folder=tmp_path)
    await _import(neighbour, 300, seed=4, folder=tmp_path)
    async with read_transaction() as sql:
        rows = await sql.fetch("SELECT id FROM person WHERE municipality = ?", [town])
        own = {row[0] for row in rows}
        some = sorted(own)[:25]
        for program, rule in SEEDED_RULES.items():
            found: set[int] = set()
            async for batch in match_persons(sql, town, rule, ON):
                found |= set(batch)
            assert found and found <= own, program
            for set_based, ids, params in (
                (True, "TRUE", []),  # the whole registry
                (False, f"p.id IN ({', '.join('?' * len(some))})", some),  # after a change
            ):
                query = MatchQuery(rule, ON, True, set_based=set_based)
                statement, args = query.sql(ids, params, town)
                plan = await sql.value(f"EXPLAIN (FORMAT JSON) {statement}", args)
                read = _relations(json.loads(plan) if isinstance(plan, str) else plan)
                assert read == {f"person_m{town}"}, (program, set_based, read)


@postgres_only
async def test_an_import_refreshes_the_statistics_of_its_own_partition_only(db, tmp_path: Path):
    """The importer refreshes the planner's statistics as a first load grows; one
    municipality's import must not read every neighbour's rows again to do it."""
    from todoke.db import write_transaction
    from todoke.registry.importer import BATCH_SIZE

    town = await _town("139998", "三鷹市")
    neighbour = await _town("132012", "八王子市")
    async with write_transaction() as sql:  # autovacuum must not refresh it behind the test
        await sql.execute(f"ALTER TABLE person_m{neighbour} SET (autovacuum_enabled = false)")
    # Two batches at least: the importer refreshes statistics once the first has landed.
    size = 2 * BATCH_SIZE + 10
    await _import(neighbour, size, seed=4, folder=tmp_path)

    async def estimated(municipality: int) -> float:
        async with write_transaction() as sql:
            return float(
                await sql.value(
                    "SELECT reltuples FROM pg_class WHERE oid = to_regclass(?)",
                    [f"person_m{municipality}"],
                )
            )

    before = await estimated(neighbour)
    assert before > 0
    async with write_transaction() as sql:  # more rows, no statistics taken
        await sql.execute(
            "INSERT INTO person (municipality, registry_id, relation, family_name, given_name, "
            "family_name_kana, given_name_kana, sex, postal_code, address, district, "
            "provenance, updated_at) SELECT municipality, registry_id || 'x', relation, "
            "family_name, given_name, family_name_kana, given_name_kana, sex, postal_code, "
            "address, district, provenance, updated_at FROM person WHERE municipality = ?",
            [neighbour],
        )
    await _import(town, size, seed=3, folder=tmp_path)
    assert await estimated(town) > 0
    assert await estimated(neighbour) == before  # its rows, now twice as many, not read again


@postgres_only
async def test_a_row_cannot_point_at_another_municipalitys_person(db, tmp_path: Path):
    import asyncpg

    from todoke.db import write_transaction

    town = await _town("139998", "三鷹市")
    neighbour = await _town("132012", "八王子市")
    await _import(town, 5, seed=3, folder=tmp_path)
    async with write_transaction() as sql:
        person = await sql.value("SELECT MIN(id) FROM person WHERE municipality = ?", [town])
        await sql.execute(
            "INSERT INTO account (municipality, user_handle, person) VALUES (?, 'own', ?)",
            [town, person],
        )
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        async with write_transaction() as sql:
            await sql.execute(
                "INSERT INTO account (municipality, user_handle, person) VALUES (?, 'x', ?)",
                [neighbour, person],
            )


def test_no_migration_after_the_partitioning_refers_to_a_partitioned_table_through_piccolo():
    from todoke.db import PARTITIONED_BY_MUNICIPALITY

    ids = {}
    for path in sorted(MIGRATIONS.glob("*/piccolo_migrations/*.py")):
        found = re.search(r'^ID = "([^"]+)"', path.read_text(encoding="utf-8"), re.MULTILINE)
        if found:
            ids[path] = found.group(1)
    assert len(ids) > 50 and max(ids.values()) >= PARTITIONED_AFTER  # it reads them all
    for path, migration_id in ids.items():
        if migration_id <= PARTITIONED_AFTER:
            continue
        text = path.read_text(encoding="utf-8")
        for table in PARTITIONED_BY_MUNICIPALITY:
            assert f'tablename="{table}"' not in text, (
                f"{path.name} refers to {table} through Piccolo: write its foreign key in SQL, "
                f"(municipality, column) REFERENCES {table} (municipality, id)"
            )
