"""Issue 16, "ready for a distributed engine": every tenant-owned table carries a NOT NULL
``municipality`` and every unique key includes it (the condition for distributing the
tables by municipality with Citus, or partitioning by it). Read from the live schema of the
database the suite runs on (SQLite's pragmas, PostgreSQL's catalog), for every table there
is, so a table added later is checked too.

Also: the migrations that brought the keys in, run on a database holding rows of two
municipalities (made at the migrations before them), fill each row's municipality from its
parent and leave the per-municipality keys working.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

# Tables that are not any municipality's, and why.
PLATFORM_TABLES = {
    # The tenants themselves: a reference table under Citus (copied to every node).
    "municipality": "the tenant itself",
    # Piccolo's record of the migrations that ran.
    "migration": "migration bookkeeping",
    # The platform's standard catalogue (procedures/templates.py, benefits/templates.py):
    # the same for every municipality, reference tables under Citus; what a municipality
    # runs and changes stays on its own procedure and program rows.
    "procedure_template": "platform template, the same for everyone",
    "procedure_template_version": "platform template, the same for everyone",
    "program_template": "platform template, the same for everyone",
    "program_template_version": "platform template, the same for everyone",
}
# The primary key stays Piccolo's single ``id`` (one sequence per table, so it is unique
# across municipalities); deploy/README.md says why it is not (municipality, id) yet. Except
# on PostgreSQL for the tables partitioned by municipality (``person``), whose key is
# (municipality, id): that includes the municipality and passes as any other key would.
PRIMARY_KEY = ["id"]


class Schema(dict[str, dict[str, Any]]):
    """table → {"columns": {name: not_null}, "unique": {index: ([columns], is_primary)}}."""


def sqlite_schema(connection: sqlite3.Connection) -> Schema:
    schema = Schema()
    tables = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    for (table,) in tables:
        info = connection.execute(f'PRAGMA table_info("{table}")').fetchall()
        columns = {row[1]: bool(row[3]) or bool(row[5]) for row in info}
        unique: dict[str, tuple[list[str], bool]] = {}
        primary = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]]
        if primary:  # an INTEGER PRIMARY KEY is the rowid: no index of its own is listed
            unique[f"{table} primary key"] = (primary, True)
        for _, name, is_unique, origin, _partial in connection.execute(
            f'PRAGMA index_list("{table}")'
        ).fetchall():
            if is_unique:
                indexed = connection.execute(f'PRAGMA index_info("{name}")').fetchall()
                unique[name] = ([row[2] for row in indexed], origin == "pk")
        schema[table] = {"columns": columns, "unique": unique}
    return schema


async def postgres_schema() -> Schema:
    from todoke.db import read_transaction

    schema = Schema()
    async with read_transaction() as sql:
        for table, column, nullable in await sql.fetch(
            "SELECT c.table_name, c.column_name, c.is_nullable FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_name = c.table_name "
            "AND t.table_schema = c.table_schema "
            "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
        ):
            entry = schema.setdefault(table, {"columns": {}, "unique": {}})
            entry["columns"][column] = nullable == "NO"
        for table, index, primary, columns in await sql.fetch(
            "SELECT t.relname, i.relname, x.indisprimary, "
            "array_agg(COALESCE(a.attname, '(expression)') ORDER BY k.ord) "
            "FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord) "
            "LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
            "WHERE n.nspname = 'public' AND x.indisunique GROUP BY 1, 2, 3"
        ):
            schema[table]["unique"][index] = (list(columns), primary)
    return schema


def problems(schema: Schema, *, keyed_primary: bool = False) -> list[str]:
    """What keeps the schema from being distributed by municipality, table by table
    (``keyed_primary``: the primary key must include it too, as after citus-keys.sql)."""
    found = []
    for table, entry in sorted(schema.items()):
        if table in PLATFORM_TABLES:
            continue
        if "municipality" not in entry["columns"]:
            found.append(f"{table}: no municipality column")
            continue
        if not entry["columns"]["municipality"]:
            found.append(f"{table}.municipality may be NULL")
        for index, (columns, primary) in sorted(entry["unique"].items()):
            if primary and columns == PRIMARY_KEY and not keyed_primary:
                continue
            if "municipality" not in columns:
                kind = "primary key" if primary else "unique index"
                found.append(f"{table}: {kind} {index} ({', '.join(columns)}) lacks municipality")
    return found


async def live_schema(settings) -> Schema:
    if settings.is_postgres:
        return await postgres_schema()
    from todoke.db import current_engine

    with sqlite3.connect(current_engine().path) as connection:  # type: ignore[attr-defined]
        return sqlite_schema(connection)


async def test_every_tenant_table_and_unique_key_carries_the_municipality(db):
    schema = await live_schema(db)
    assert {"account", "session", "application", "audit_event"} <= set(schema), sorted(schema)
    found = problems(schema)
    assert not found, "not keyed by municipality:\n" + "\n".join(found)


def test_the_check_names_the_table_and_index_it_refuses(tmp_path: Path):
    """The same reader and check on a database with the kinds of fault it must catch."""
    with sqlite3.connect(tmp_path / "faulty.sqlite3") as connection:
        connection.executescript(
            'CREATE TABLE municipality ("id" INTEGER PRIMARY KEY NOT NULL, code TEXT UNIQUE);'
            'CREATE TABLE note ("id" INTEGER PRIMARY KEY NOT NULL, text TEXT);'
            'CREATE TABLE session ("id" INTEGER PRIMARY KEY NOT NULL, municipality INTEGER '
            "NOT NULL, token_hash TEXT UNIQUE);"
            'CREATE TABLE draft ("id" INTEGER PRIMARY KEY NOT NULL, municipality INTEGER, '
            "author INTEGER);"
            "CREATE UNIQUE INDEX draft_author ON draft (author);"
            'CREATE TABLE reach ("id" INTEGER PRIMARY KEY NOT NULL, municipality INTEGER '
            "NOT NULL, application INTEGER);"
            "CREATE UNIQUE INDEX reach_once ON reach (municipality, application);"
        )
        found = problems(sqlite_schema(connection))
    assert found == [
        "draft.municipality may be NULL",
        "draft: unique index draft_author (author) lacks municipality",
        "note: no municipality column",
        "session: unique index sqlite_autoindex_session_1 (token_hash) lacks municipality",
    ]


# --- the migrations, on a database holding rows ------------------------------------------


# The last migration of each app before the tenant keys (2026-12-08T15:00:00…).
KEYS_FROM = "2026-12-08T15:00:00:000000"


def _before_keys(app_name: str) -> str:
    from piccolo.apps.migrations.commands.base import BaseMigrationManager

    finder = BaseMigrationManager()
    folder = finder.get_app_config(app_name).resolved_migrations_folder_path
    ids = sorted(finder.get_migration_modules(folder))
    earlier = [i for i in ids if i < KEYS_FROM]
    return earlier[-1] if earlier else "all"


async def _rows_then_migrate(settings_env: dict[str, str]) -> dict[str, Any]:
    """In a process of its own (the engine is per process): a database at the migrations
    before the keys, rows of two municipalities, then the remaining migrations."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from todoke.db import (
        configure_database,
        is_unique_violation,
        migrate,
        start_database,
        stop_database,
        write_transaction,
    )
    from todoke.settings import load_settings

    engine = configure_database(load_settings(settings_env))
    await start_database(engine)
    try:
        for app_name in BaseMigrationManager().get_sorted_app_names():
            result = await run_forwards(app_name=app_name, migration_id=_before_keys(app_name))
            assert result.success, result.message
        expected: dict[str, dict[int, int | None]] = {}
        async with write_transaction() as sql:

            async def add(table: str, owner: int | None, /, **values: Any) -> int:
                marks = ", ".join("?" * len(values))
                row_id = int(
                    await sql.value(
                        f"INSERT INTO {table} ({', '.join(values)}) VALUES ({marks}) RETURNING id",
                        list(values.values()),
                    )
                )
                expected.setdefault(table, {})[row_id] = owner
                return row_id

            for n in (1, 2):
                m = await add("municipality", None, code=f"13999{n}", name_ja=f"市{n}")
                department = await add("department", m, municipality=m, code="citizens")
                person = await add("person", m, municipality=m, registry_id=f"P{n}")
                account = await add("account", m, municipality=m, user_handle=f"h{n}")
                await add("staff_department", m, account=account, department=department)
                await add("passkey", m, account=account, credential_id=f"cred{n}")
                await add("ceremony", m, account=account, challenge=f"c{n}")
                await add("session", m, account=account, token_hash=f"t{n}")
                await add("consent", m, account=account, purpose="matching")
                notice = await add("notice", m, municipality=m, account=account, title="{}",
                                   body="{}")  # fmt: skip
                await add("delivery", m, notice=notice, subscription=1)
                procedure = await add("procedure", m, municipality=m, slug="move",
                                      department=department)  # fmt: skip
                await add("procedure_version", m, procedure=procedure, version=1, definition="{}")
                application = await add(
                    "application", m, municipality=m, procedure=procedure, version=1,
                    department=department, filed_by=account, receipt_number=f"R{n}",
                    idempotency_key=f"k{n}", due_by=date(2026, 12, 31),
                )  # fmt: skip
                await add("application_event", m, application=application)
                await add("application_reach", m, application=application, department=department)
                await add("upload_usage", m, account=account, day=date(2026, 12, 8))
                await add("case_assignment", m, application=application, assignee=account,
                          assigned_by=account)  # fmt: skip
                await add("case_note", m, application=application, author=account, text="")
                consultation = await add("consultation", m, municipality=m, person=person,
                                         department=department, staff=account,
                                         summary="")  # fmt: skip
                await add(
                    "follow_up", m, consultation=consultation, task="", due_on=date(2026, 12, 31)
                )
                program = await add("program", m, municipality=m, slug="p", department=department,
                                    title="{}", summary="{}", action="{}", rule="{}")  # fmt: skip
                await add("program_match", m, program=program, version=1, person=person,
                          evaluated_on=date(2026, 12, 8))  # fmt: skip
            # Rows no parent can attribute: a sign-in under way, a rate counter.
            await add("ceremony", None, challenge="anonymous")
            await add("rate_counter", None, key="login:203.0.113.0", window_start=0, count=1)
        ran = await migrate()
        found: dict[str, dict[str, int | None]] = {}
        async with write_transaction() as sql:
            for table, rows in expected.items():
                column = "id" if table == "municipality" else "municipality"
                for row_id in rows:
                    value = await sql.value(f"SELECT {column} FROM {table} WHERE id = ?", [row_id])
                    found.setdefault(table, {})[str(row_id)] = (
                        None if value is None or table == "municipality" else int(value)
                    )
        # The same token at both municipalities is two sessions; twice at one is refused.
        municipalities = sorted(expected["municipality"])
        accounts = {m: await _account_of(m) for m in municipalities}
        async with write_transaction() as sql:
            for m, account in accounts.items():
                await sql.execute(
                    "INSERT INTO session (municipality, account, token_hash) VALUES (?, ?, 'same')",
                    [m, account],
                )
        try:
            async with write_transaction() as sql:
                await sql.execute(
                    "INSERT INTO session (municipality, account, token_hash) VALUES (?, ?, 'same')",
                    [municipalities[0], accounts[municipalities[0]]],
                )
            refused = False
        except Exception as error:
            refused = is_unique_violation(error)
        return {
            "ran": ran,
            "found": found,
            "expected": {t: {str(i): m for i, m in rows.items()} for t, rows in expected.items()},
            "duplicate_refused": refused,
        }
    finally:
        await stop_database(engine)


async def _account_of(municipality: int) -> int:
    from todoke.db import read_transaction

    async with read_transaction() as sql:
        return int(await sql.value("SELECT id FROM account WHERE municipality = ?", [municipality]))


async def _citus_keys() -> dict[str, Any]:
    """deploy/citus-keys.sql on an up-to-date database: what the keys are afterwards, and
    whether a row can still point at another municipality's row."""
    import asyncpg

    from todoke.db import current_engine, migrate, read_transaction, write_transaction

    await migrate()
    script = (Path(__file__).parents[2] / "deploy" / "citus-keys.sql").read_text()
    connection = await asyncpg.connect(current_engine().config["dsn"])  # type: ignore[attr-defined]
    try:
        await connection.execute(script)
    finally:
        await connection.close()
    found = problems(await postgres_schema(), keyed_primary=True)
    async with read_transaction() as sql:
        single = await sql.fetch(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = 'public'::regnamespace "
            "AND confrelid <> 'municipality'::regclass AND array_length(conkey, 1) = 1"
        )
        composite = await sql.value(
            "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' "
            "AND connamespace = 'public'::regnamespace AND array_length(conkey, 1) = 2"
        )
    async with write_transaction() as sql:
        towns = [
            await sql.value(
                "INSERT INTO municipality (code, name_ja) VALUES (?, ?) RETURNING id", [code, code]
            )
            for code in ("139991", "139992")
        ]
        account = await sql.value(
            "INSERT INTO account (municipality, user_handle) VALUES (?, 'h') RETURNING id",
            [towns[0]],
        )
        await sql.execute(
            "INSERT INTO session (municipality, account, token_hash) VALUES (?, ?, 't')",
            [towns[0], account],
        )
    try:
        async with write_transaction() as sql:
            await sql.execute(
                "INSERT INTO session (municipality, account, token_hash) VALUES (?, ?, 't')",
                [towns[1], account],
            )
        crossed = True
    except Exception:
        crossed = False
    # Between the platform templates (reference tables) a key stays single.
    single = [s for s in single if s[0] not in PLATFORM_TABLES]
    return {"problems": found, "single": single, "composite": composite, "crossed": crossed}


def _fresh_postgres(url: str, name: str, create: bool) -> str:
    import asyncpg

    server, _, _ = url.rpartition("/")

    async def run() -> None:
        connection = await asyncpg.connect(f"{server}/postgres")
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if create:
                await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(run())
    return f"{server}/{name}"


def test_the_migrations_key_a_database_that_holds_rows(tmp_path: Path):
    url = os.environ.get("TODOKE_DATABASE_URL", "")
    env = {"TODOKE_DATA_DIR": str(tmp_path), "TODOKE_LOG_LEVEL": "WARNING"}
    probe = ""
    if url.startswith("postgres"):
        probe = url.rpartition("/")[2] + "_keys_probe"
        env["TODOKE_DATABASE_URL"] = _fresh_postgres(url, probe, create=True)
    try:
        done = subprocess.run(
            [sys.executable, __file__, json.dumps(env)],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=Path(__file__).parent,
        )
    finally:
        if probe:
            _fresh_postgres(url, probe, create=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    keys = {f"2026-12-08T15:00:0{n}:000000" for n in range(6)}
    assert keys <= set(result["ran"]), result["ran"]
    expected, found = result["expected"], result["found"]
    # Every row kept its municipality or was given its parent's.
    for table, rows in expected.items():
        for row_id, municipality in rows.items():
            if municipality is None and table != "municipality":
                assert found[table][row_id] is None, (table, row_id, "should be gone")
            elif table != "municipality":
                assert found[table][row_id] == municipality, (table, row_id)
    assert len(set(expected["session"].values())) == 2
    assert result["duplicate_refused"]


@pytest.mark.skipif(
    not os.environ.get("TODOKE_DATABASE_URL", "").startswith("postgres"),
    reason="deploy/citus-keys.sql is PostgreSQL's",
)
def test_citus_keys_put_the_municipality_in_every_primary_and_foreign_key(tmp_path: Path):
    url = os.environ["TODOKE_DATABASE_URL"]
    probe = url.rpartition("/")[2] + "_citus_probe"
    env = {
        "TODOKE_DATA_DIR": str(tmp_path),
        "TODOKE_LOG_LEVEL": "WARNING",
        "TODOKE_DATABASE_URL": _fresh_postgres(url, probe, create=True),
    }
    try:
        done = subprocess.run(
            [sys.executable, __file__, json.dumps(env), "citus"],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=Path(__file__).parent,
        )
    finally:
        _fresh_postgres(url, probe, create=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["problems"] == []
    assert result["single"] == []  # every foreign key but to municipality is composite
    assert result["composite"] > 40
    assert not result["crossed"]  # a session cannot point at another town's account


async def _probe(settings_env: dict[str, str], mode: str) -> dict[str, Any]:
    if mode == "rows":
        return await _rows_then_migrate(settings_env)
    from todoke.db import configure_database, start_database, stop_database
    from todoke.settings import load_settings

    engine = configure_database(load_settings(settings_env))
    await start_database(engine)
    try:
        return await _citus_keys()
    finally:
        await stop_database(engine)


if __name__ == "__main__":  # the probe's own process (see the tests above)
    mode = sys.argv[2] if len(sys.argv) > 2 else "rows"
    outcome = asyncio.run(_probe(json.loads(sys.argv[1]), mode))
    print(json.dumps(outcome))
