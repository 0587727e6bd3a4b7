"""Migrations that key a tenant-owned table by its municipality (issue 16: the condition for
distributing by municipality): a ``municipality`` column filled from the parent row and made
NOT NULL, and unique keys that include it.

PostgreSQL does it in place (ADD COLUMN, UPDATE … from the parent, SET NOT NULL, unique
constraints swapped for composite unique indexes). SQLite can neither add a NOT NULL column
to a table holding rows nor drop a UNIQUE written into a column: the table is rebuilt (the
procedure of SQLite's ALTER TABLE documentation, on a connection of its own with foreign keys
off, so that dropping a parent table does not cascade into its children).
"""

# ruff: noqa: S608 -- the SQL is built from names in migration files, never from input.

from __future__ import annotations

import re
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

# The column as Piccolo writes ``ForeignKey(references=Municipality, null=False)``.
_SQLITE_COLUMN = (
    '"municipality" INTEGER NOT NULL REFERENCES "municipality" ("id") '
    "ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null"
)
_PG_COLUMN = "municipality INTEGER REFERENCES municipality (id) ON DELETE CASCADE ON UPDATE CASCADE"
_SQLITE_ID = '"id" INTEGER PRIMARY KEY NOT NULL, '


@dataclass(frozen=True)
class TenantKeys:
    """What one table changes.

    ``backfill``: an SQL expression over the table's row (alias ``t``) that gives the
    municipality, e.g. ``(SELECT p.municipality FROM account p WHERE p.id = t.account)``;
    empty when the table has the column already. ``transient``: rows the backfill cannot
    attribute are deleted (short-lived rows: a ceremony, a rate counter) instead of
    failing the migration. ``unique_columns``: columns declared ``unique=True`` whose global
    constraint goes. ``drop_indexes``/``create_indexes``: plain index DDL (the composite
    unique indexes that replace the global ones)."""

    table: str
    backfill: str = ""
    transient: bool = False
    unique_columns: tuple[str, ...] = ()
    drop_indexes: tuple[str, ...] = ()
    create_indexes: tuple[str, ...] = field(default=())


def tenant_keys_migration(
    migration_id: str, app_name: str, description: str, tables: list[TenantKeys]
) -> Callable[[], Awaitable[Any]]:
    """A Piccolo ``forwards`` applying ``tables`` on either engine."""

    async def forwards() -> Any:
        from piccolo.apps.migrations.auto.migration_manager import MigrationManager

        from todoke.db import current_engine

        engine = current_engine()
        sqlite = engine.engine_type == "sqlite"
        # SQLite: the rebuild runs its own transaction on its own connection.
        manager = MigrationManager(
            migration_id=migration_id,
            app_name=app_name,
            description=description,
            wrap_in_transaction=not sqlite,
        )

        async def run() -> None:
            if sqlite:
                _sqlite_apply(str(engine.path), tables)  # type: ignore[attr-defined]
                return
            for change in tables:
                for statement in _postgres_statements(change):
                    await engine.run_ddl(statement)

        manager.add_raw(run)
        return manager

    return forwards


def _postgres_statements(change: TenantKeys) -> list[str]:
    table = change.table
    statements: list[str] = []
    if change.backfill:
        statements += [
            f"ALTER TABLE {table} ADD COLUMN {_PG_COLUMN}",
            f"UPDATE {table} t SET municipality = {change.backfill}",
        ]
        if change.transient:
            statements.append(f"DELETE FROM {table} WHERE municipality IS NULL")
        statements.append(f"ALTER TABLE {table} ALTER COLUMN municipality SET NOT NULL")
    statements += [
        f"ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_key"
        for column in change.unique_columns
    ]
    statements += [f"DROP INDEX {name}" for name in change.drop_indexes]
    statements += list(change.create_indexes)
    return statements


def _sqlite_apply(path: str, tables: list[TenantKeys]) -> None:
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("BEGIN IMMEDIATE")
        try:
            for change in tables:
                _sqlite_rebuild(connection, change)
            problems = connection.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"foreign keys broken by the rebuild: {problems[:5]}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    finally:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.close()


def _sqlite_rebuild(connection: sqlite3.Connection, change: TenantKeys) -> None:
    table = change.table
    found = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    if found is None:
        raise RuntimeError(f"no table {table}")
    ddl: str = found[0]
    for column in change.unique_columns:
        ddl, replaced = re.subn(rf'("{column}" [A-Z]+(?:\(\d+\))?) UNIQUE\b', r"\1", ddl)
        if replaced != 1:
            raise RuntimeError(f"{table}.{column}: no UNIQUE to drop in {ddl}")
    if change.backfill:
        if _SQLITE_ID not in ddl:
            raise RuntimeError(f"{table}: unexpected table DDL {ddl}")
        ddl = ddl.replace(_SQLITE_ID, _SQLITE_ID + _SQLITE_COLUMN + ", ", 1)
    rebuilt = f"{table}__rekeyed"
    prefix = f'CREATE TABLE "{table}" ('
    if not ddl.startswith(prefix):
        raise RuntimeError(f"{table}: unexpected table DDL {ddl}")
    ddl = f'CREATE TABLE "{rebuilt}" (' + ddl[len(prefix) :]
    indexes = [
        sql
        for name, sql in connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            [table],
        ).fetchall()
        if name not in change.drop_indexes
    ]
    columns = [f'"{row[1]}"' for row in connection.execute(f'PRAGMA table_info("{table}")')]
    names = ", ".join(columns)
    connection.execute(ddl)
    if change.backfill:
        where = f" WHERE {change.backfill} IS NOT NULL" if change.transient else ""
        connection.execute(
            f'INSERT INTO "{rebuilt}" ({names}, "municipality") '
            f'SELECT {names}, {change.backfill} FROM "{table}" t{where}'
        )
    else:
        connection.execute(f'INSERT INTO "{rebuilt}" ({names}) SELECT {names} FROM "{table}"')
    connection.execute(f'DROP TABLE "{table}"')
    connection.execute(f'ALTER TABLE "{rebuilt}" RENAME TO "{table}"')
    for sql in [*indexes, *change.create_indexes]:
        connection.execute(sql)
