"""Database engines: embedded SQLite by default, PostgreSQL when the URL says so.

Piccolo tables find their engine through ``todoke.piccolo_conf``; ``configure_database``
decides which engine that is for this process, so the app factory, the CLI and the
tests all use the engine their settings name.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

import msgspec
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from todoke import tenancy, timing
from todoke.settings import Settings

SQLITE_BUSY_TIMEOUT_SECONDS = 30
# PostgreSQL: how long a caller waits for a pooled connection (a free one, or a new one
# opened) before it is told the database is unavailable (a 503, never a request left
# hanging); and how long opening one connection may take.
PG_ACQUIRE_TIMEOUT_SECONDS = 5.0
PG_CONNECT_TIMEOUT_SECONDS = 5.0
# Row ids are Piccolo Serial columns, 32-bit on PostgreSQL: a larger id in a URL is a 400,
# never an overflow inside the database driver.
MAX_ID = 2**31 - 1

logger = logging.getLogger("todoke.db")

_engine: Engine | None = None
_engine_key: str = ""


def build_engine(settings: Settings) -> Engine:
    """Create (not connect) the engine the settings describe."""
    if settings.is_postgres:
        return PostgresEngine(config={"dsn": settings.database_url})
    if settings.database_url.startswith("sqlite:///"):
        path = Path(settings.database_url.removeprefix("sqlite:///"))
    else:
        path = settings.database_path
    path.parent.mkdir(parents=True, exist_ok=True)
    _prepare_sqlite_file(path)
    # The timeout is SQLite's busy timeout: writers wait for the lock instead of failing.
    return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)


def _prepare_sqlite_file(path: Path) -> None:
    # WAL is a property of the file: set once, it lets readers work beside one writer.
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")


def configure_database(settings: Settings) -> Engine:
    """Make the settings' engine the one every table of this process uses.

    Configuring the same database again keeps the engine (and its pool)."""
    global _engine, _engine_key
    key = settings.database_url or str(settings.database_path.resolve())
    if _engine is not None and key == _engine_key:
        return _engine
    engine = build_engine(settings)
    _engine, _engine_key = engine, key
    for table in all_tables():
        table._meta.db = engine
    return engine


def current_engine() -> Engine:
    global _engine
    if _engine is None:
        from todoke.settings import load_settings

        return configure_database(load_settings())
    return _engine


def all_tables() -> list[type[Table]]:
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    return [*Finder().get_table_classes(), Migration]


def is_unique_violation(error: BaseException) -> bool:
    """A unique constraint refused the write (a race lost), on either database."""
    if isinstance(error, sqlite3.IntegrityError):
        return "UNIQUE" in str(error)
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg comes with piccolo[postgres]
        return False
    return isinstance(error, asyncpg.UniqueViolationError)


class DatabaseUnavailable(Exception):
    """The database cannot be reached now: down, restarting, shutting down, the connection
    lost mid-transaction, or no connection free in time. Not a refused statement: what
    failed may work if tried again shortly (the web answers 503 with Retry-After)."""


def is_database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached now (see DatabaseUnavailable)
    rather than that it refused what was asked."""
    if isinstance(error, DatabaseUnavailable | ConnectionError):  # refused, reset, broken
        return True
    if isinstance(error, sqlite3.OperationalError):
        # Another process held the write lock past the busy timeout.
        return "database is locked" in str(error)
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg comes with piccolo[postgres]
        return False
    return isinstance(
        error,
        asyncpg.PostgresConnectionError  # class 08: the connection failed or was lost
        | asyncpg.CannotConnectNowError  # starting up or shutting down
        | asyncpg.AdminShutdownError  # terminated by a shutdown (pg_ctl stop) or an admin
        | asyncpg.CrashShutdownError  # another backend crashed: every session is reset
        | asyncpg.InsufficientResourcesError,  # too many connections, disk full
    )


# A long-running loop (the workers) that fails round after round waits longer each time,
# up to this: an outage is not hammered, and a database back is noticed within seconds.
RETRY_MAX_SECONDS = 5.0


def failed_round(log: logging.Logger, what: str, error: BaseException, failures: int,
                 base_seconds: float) -> float:  # fmt: skip
    """Log the ``failures``-th failed round in a row of a loop (``what``); the seconds to
    wait before the next. A database that cannot be reached is one warning line a round,
    not a traceback each time through an outage."""
    delay = min(max(base_seconds, 0.1) * 2 ** (failures - 1), RETRY_MAX_SECONDS)
    if is_database_unavailable(error):
        log.warning("%s: the database does not answer (%r); again in %.1fs", what, error, delay)
    else:
        log.exception("%s failed; again in %.1fs", what, delay)
    return delay


def _gone(connection: Any) -> bool:
    """Whether a pooled connection has closed under its user. asyncpg's pool takes one
    back the moment it closes (a restart, a terminated session): asking the user's proxy
    then raises, which says the same."""
    try:
        return bool(connection.is_closed())
    except Exception:
        return True


@asynccontextmanager
async def _pg_pooled(engine: PostgresEngine) -> AsyncIterator[Any]:
    """A connection of the pool (or a new one when no pool is open) for the block, always
    given back: asyncpg rolls back what was left open, or closes it if it broke and opens
    a new one for the next taker, so a server restart heals by itself. Waiting is bounded;
    failures that mean the server cannot be reached raise DatabaseUnavailable."""
    pool = engine.pool
    try:
        if pool is None:
            connection = await asyncio.wait_for(
                engine.get_new_connection(), PG_CONNECT_TIMEOUT_SECONDS
            )
        else:
            connection = await pool.acquire(timeout=PG_ACQUIRE_TIMEOUT_SECONDS)
    except Exception as error:  # TimeoutError: none free in time
        if isinstance(error, TimeoutError | OSError) or is_database_unavailable(error):
            raise DatabaseUnavailable(f"no database connection: {error!r}") from error
        raise
    try:
        yield connection
    except Exception as error:
        if is_database_unavailable(error) or _gone(connection):
            raise DatabaseUnavailable(f"database connection lost: {error!r}") from error
        raise
    finally:
        if pool is None:
            with contextlib.suppress(Exception):
                await asyncio.shield(connection.close(timeout=2))
        else:
            with contextlib.suppress(Exception):  # a failed reset closes it: still given back
                await pool.release(connection)


# The PostgreSQL connection of this task's open transaction: a transaction begun inside it
# is part of it.
_pg_open: ContextVar[Any] = ContextVar("todoke_pg_open", default=None)


@asynccontextmanager
async def _pg_transaction(engine: PostgresEngine, *, readonly: bool) -> AsyncIterator[Any]:
    """BEGIN … COMMIT (ROLLBACK when the block raised) on a pooled connection; inside an
    open transaction of this task, that one. Not Piccolo's transaction: when its connection
    is lost, its ROLLBACK raises before it forgets itself, and every later transaction of
    the same task joins the dead one — a worker's loop would fail forever after a database
    restart (and the error it reports is the ROLLBACK's, not what happened)."""
    outer = _pg_open.get()
    if outer is not None:
        yield outer
        return
    async with _pg_pooled(engine) as connection:
        token = _pg_open.set(connection)
        try:
            transaction = connection.transaction(readonly=readonly)
            started = time.perf_counter()
            await transaction.start()  # BEGIN [READ ONLY]: one round trip
            _spent(started)
            try:
                yield connection
            except BaseException:
                if not _gone(connection):
                    with contextlib.suppress(Exception):  # else the pool's reset rolls back
                        await transaction.rollback()
                raise
            started = time.perf_counter()
            await transaction.commit()
            _spent(started)
        finally:
            _pg_open.reset(token)


async def start_database(engine: Engine) -> bool:
    """Open the connection pool if there is none; True if this call opened it (SQLite's
    kept connections open as they are first needed; True then too, so the caller closes
    them)."""
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(
            min_size=1,
            max_size=10,
            timeout=PG_CONNECT_TIMEOUT_SECONDS,
            reset=_keep_session_state,
        )
        return True
    return isinstance(engine, SQLiteEngine)


async def _keep_session_state(connection: Any) -> None:
    """What asyncpg's pool does to a connection given back, besides rolling back a
    transaction left open (it always does that first): nothing. Its default, RESET ALL
    with UNLISTEN and advisory unlocks, is one more round trip after every transaction,
    for session state this code never sets: settings
    are per transaction (SET TRANSACTION), advisory locks too (pg_advisory_xact_lock), and
    LISTEN runs on connections of its own (``signals.Listener``)."""


async def stop_database(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
    pool = _sqlite_pools.get(id(engine))
    if pool is not None and pool.engine is engine:
        del _sqlite_pools[id(engine)]
        await pool.close()


async def migrate() -> list[str]:
    """Apply pending Piccolo migrations of every app; return what ran."""
    import contextlib
    import io

    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.apps.migrations.tables import Migration

    before = {row["name"] for row in await _ran_migrations(Migration)}
    # Piccolo reports progress with print(); keep our logs structured instead.
    with contextlib.redirect_stdout(io.StringIO()):
        result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}")
    after = await _ran_migrations(Migration)
    ran = [row["name"] for row in after if row["name"] not in before]
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        for table in PARTITIONED_BY_MUNICIPALITY:
            if await _partition_by_municipality(engine, table):
                ran.append(f"{table}: partitioned by municipality")
    return ran


# --- PostgreSQL: a partition per municipality ------------------------------------------------
# Matching reads a municipality's whole registry. Beside its neighbours in one table it could
# only reach its rows through an index, a third slower than reading them alone (issue 16's
# bar: a tenant does not pay for its neighbours' size); in a partition of its own it reads
# them as it would alone. So on PostgreSQL these tables are partitioned by list of
# municipality, one partition per municipality, made and dropped with the municipality's
# row (a trigger: however the row is written, by the CLI, the operator's API or a test).
#
# What that asks of the schema, after the step below has run (it runs last in ``migrate``,
# once, on a database it finds unpartitioned, and is a no-op afterwards):
# - the table's primary key is (municipality, id): a unique key of a partitioned table must
#   hold its partition key. Ids still come from the table's one sequence, so "WHERE id = ?"
#   finds one row; an index on id alone serves it across partitions.
# - a foreign key to it is (municipality, column) -> (municipality, id): a row can only point
#   at a person of its own municipality. A later migration that adds a reference to such a
#   table writes that constraint in SQL (Piccolo would write "REFERENCES person (id)", which
#   PostgreSQL refuses now).
PARTITIONED_BY_MUNICIPALITY = ("person",)

_PARTITION_TRIGGER = """
CREATE OR REPLACE FUNCTION todoke_municipality_partitions() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    parent text;
    partition text;
BEGIN
    FOREACH parent IN ARRAY TG_ARGV LOOP
        IF TG_OP = 'INSERT' THEN
            partition := parent || '_m' || NEW.id;
            EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES IN (%s)',
                           partition, parent, NEW.id);
        ELSE
            partition := parent || '_m' || OLD.id;
            IF to_regclass(partition) IS NOT NULL THEN
                BEGIN
                    EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, partition);
                    EXECUTE format('DROP TABLE %I', partition);
                EXCEPTION WHEN object_in_use THEN
                    -- Rows of this statement's cascade are still being deleted there: the
                    -- partition stays, empty (no municipality will have this id again).
                    NULL;
                END;
            END IF;
        END IF;
    END LOOP;
    RETURN NULL;
END $$
"""


async def _partition_by_municipality(engine: PostgresEngine, table: str) -> bool:
    """Make ``table`` a table partitioned by list of municipality with its rows, keys,
    indexes and references kept (see above); True if it was not yet. One transaction:
    a failure leaves the table as it was."""
    async with _pg_transaction(engine, readonly=False) as connection:
        # Two processes migrating at once (a server and a worker starting): one does it.
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext('todoke partitions'))")
        if await connection.fetchval(
            "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass($1)", table
        ):
            return False
        await _convert_to_partitions(connection, table)
        await connection.execute(_PARTITION_TRIGGER)
        arguments = ", ".join(f"'{name}'" for name in PARTITIONED_BY_MUNICIPALITY)
        for event, name in (("INSERT", "added"), ("DELETE", "removed")):
            await connection.execute(
                f"DROP TRIGGER IF EXISTS municipality_partitions_{name} ON municipality"
            )
            await connection.execute(
                f"CREATE TRIGGER municipality_partitions_{name} AFTER {event} ON municipality "
                f"FOR EACH ROW EXECUTE FUNCTION todoke_municipality_partitions({arguments})"
            )
        return True


async def _convert_to_partitions(connection: Any, table: str) -> None:
    old = f"{table}_unpartitioned"
    # What must be made again on the new table, read while the old one still has its name
    # (pg_get_*def print it): indexes, its own foreign keys, the references to it.
    indexes = await connection.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS sql, "
        "i.indisprimary AS is_primary, i.indisunique AS is_unique, "
        "ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, position) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "ORDER BY k.position)::text[] AS columns "
        "FROM pg_index i WHERE i.indrelid = to_regclass($1)",
        table,
    )
    own_keys = await connection.fetch(
        "SELECT conname, pg_get_constraintdef(oid) AS sql FROM pg_constraint "
        "WHERE conrelid = to_regclass($1) AND contype = 'f'",
        table,
    )
    references = await connection.fetch(
        "SELECT c.conrelid::regclass::text AS child, c.conname AS name, "
        "pg_get_constraintdef(c.oid) AS sql, a.attname AS column_name, "
        "EXISTS (SELECT 1 FROM pg_attribute m WHERE m.attrelid = c.conrelid "
        "AND m.attname = 'municipality' AND NOT m.attisdropped) AS has_municipality "
        "FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
        "AND a.attnum = c.conkey[1] "
        "WHERE c.confrelid = to_regclass($1) AND c.contype = 'f' AND c.conrelid <> c.confrelid",
        table,
    )
    sequence = await connection.fetchval("SELECT pg_get_serial_sequence($1, 'id')", table)
    for index in indexes:
        keyed = "municipality" in index["columns"]
        if index["is_unique"] and not keyed and not index["is_primary"]:
            raise RuntimeError(f"{index['name']}: a unique key without the municipality")
    for reference in references:
        if not reference["has_municipality"]:
            raise RuntimeError(f"{reference['child']} refers to {table} without a municipality")
    for reference in references:
        await connection.execute(
            f'ALTER TABLE "{reference["child"]}" DROP CONSTRAINT "{reference["name"]}"'
        )
    await connection.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    if sequence:  # else it would go with the old table
        await connection.execute(f"ALTER SEQUENCE {sequence} OWNED BY NONE")
    await connection.execute(
        f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
        "INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY LIST (municipality)"
    )
    for (municipality,) in await connection.fetch("SELECT id FROM municipality ORDER BY id"):
        await connection.execute(
            f'CREATE TABLE "{table}_m{municipality}" PARTITION OF "{table}" '
            f"FOR VALUES IN ({int(municipality)})"
        )
    await connection.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')  # noqa: S608
    await connection.execute(f'DROP TABLE "{old}"')  # its indexes' names are free again
    if sequence:
        await connection.execute(f'ALTER SEQUENCE {sequence} OWNED BY "{table}".id')
    await connection.execute(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (municipality, id)'
    )
    await connection.execute(f'CREATE INDEX "{table}_id" ON "{table}" (id)')
    for index in indexes:
        # The primary key is made above; an index on (municipality, id) is that key.
        if not index["is_primary"] and index["columns"] != ["municipality", "id"]:
            await connection.execute(index["sql"])
    for key in own_keys:
        await connection.execute(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{key["conname"]}" {key["sql"]}'
        )
    for reference in references:
        column = reference["column_name"]
        sql = reference["sql"].replace(
            f"FOREIGN KEY ({column}) REFERENCES {table}(id)",
            f"FOREIGN KEY (municipality, {column}) REFERENCES {table}(municipality, id)",
        )
        # SET NULL must not clear the row's municipality too (PostgreSQL 15's column list).
        sql = sql.replace("ON DELETE SET NULL", f"ON DELETE SET NULL ({column})")
        if "(municipality, " not in sql or "ON UPDATE SET NULL" in sql:
            raise RuntimeError(f"cannot rewrite {reference['child']}.{reference['name']}: {sql}")
        await connection.execute(
            f'ALTER TABLE "{reference["child"]}" ADD CONSTRAINT "{reference["name"]}" {sql}'
        )
    await connection.execute(f'ANALYZE "{table}"')


async def _ran_migrations(migration_table: Any) -> list[dict[str, Any]]:
    if not await migration_table.table_exists().run():
        return []
    return await migration_table.select(migration_table.name).run()


def index_migration(
    migration_id: str, app_name: str, description: str, statements: list[str]
) -> Callable[[], Awaitable[Any]]:
    """A Piccolo ``forwards`` that runs plain DDL (indexes Piccolo cannot declare)."""

    async def forwards() -> Any:
        from piccolo.apps.migrations.auto.migration_manager import MigrationManager

        manager = MigrationManager(
            migration_id=migration_id, app_name=app_name, description=description
        )

        async def run() -> None:
            engine = current_engine()
            for statement in statements:
                await engine.run_ddl(statement)

        manager.add_raw(run)
        return manager

    return forwards


# PostgreSQL column types by table, for insert_unnest's array casts (the schema is the
# code's: it does not change while the process runs).
_COLUMN_TYPES: dict[str, dict[str, str]] = {}


def _spent(started: float, statements: int = 1) -> None:
    """Add a statement's time to the request's Server-Timing record, when one is kept."""
    record = timing.current()
    if record is not None:
        record.database += time.perf_counter() - started
        record.statements += statements


@functools.lru_cache(maxsize=4096)
def _numbered(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$n`` (once per statement text)."""
    counter = iter(range(1, 100_000))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


class SqlSession:
    """Plain SQL on the connection of an open transaction: the one way the project
    writes SQL.

    SQL is written with ``?`` placeholders (translated to ``$n`` for PostgreSQL) and names
    only the tables of the domain it lives in. Rows come back as msgspec Structs by column
    name (``rows``/``row``/``value``); ``fetch`` (plain tuples) is for the bulk paths where
    building objects would cost more than the work itself.
    """

    def __init__(self, connection: Any, engine_type: str) -> None:
        self._connection = connection
        self.postgres = engine_type != "sqlite"
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the write transaction this session belongs to has
        committed (never if it rolls back): the moment other readers can see its rows."""
        self._after_commit.append(callback)

    def _committed(self) -> None:
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # the data is committed: a failed signal must not undo that
                logger.exception("after-commit callback failed")

    def _sql(self, sql: str) -> str:
        if not self.postgres:
            return sql
        return _numbered(sql)

    def _scoped(self, sql: str, args: Sequence[Any]) -> tuple[str, Sequence[Any]]:
        """The statement as it runs inside a request: limited to the request's
        municipality, its parameters checked (``tenancy``); as written otherwise."""
        tenant = tenancy.current()
        if tenant is None:
            return self._sql(sql), args
        plan = tenancy.plan(sql, self.postgres)
        args = plan.bind(args, tenant)
        return (plan.sql if plan.sql is not None else self._sql(sql)), args

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        started = time.perf_counter()
        sql, args = self._scoped(sql, args)
        if self.postgres:
            await self._connection.execute(sql, *args)
        else:
            await self._connection.execute(sql, tuple(args))
        _spent(started)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        started = time.perf_counter()
        tenant = tenancy.current()
        if tenant is None:
            await self._connection.executemany(self._sql(sql), rows)
        else:
            plan = tenancy.plan(sql, self.postgres)
            rows = [plan.bind(row, tenant) for row in rows]
            await self._connection.executemany(plan.sql or self._sql(sql), rows)
        _spent(started)

    def in_list(self, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """``IN (...)`` for a batch of values: one array parameter on PostgreSQL, where
        planning a statement with thousands of parameters costs more than running it."""
        if self.postgres:
            return "= ANY(?)", [list(values)]
        return f"IN ({', '.join('?' * len(values))})", list(values)

    def in_batches(
        self, values: Iterable[Any], size: int = 1000
    ) -> Iterator[tuple[str, list[Any]]]:
        """``in_list`` for any number of distinct values, ``size`` at a time (SQLite caps
        the parameters of one statement)."""
        distinct = sorted(set(values))
        for start in range(0, len(distinct), size):
            yield self.in_list(distinct[start : start + size])

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Bulk insert: PostgreSQL's binary COPY, or one prepared INSERT run per row."""
        if not rows:
            return
        self._check_rows(table, columns, rows)
        if self.postgres:
            await self._connection.copy_records_to_table(table, records=rows, columns=columns)
            return
        marks = ", ".join("?" * len(columns))
        insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        await self._connection.executemany(insert, rows)

    async def insert_unnest(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        skip_conflicts_on: str = "",
        returning: str = "",
    ) -> list[tuple[Any, ...]]:
        """PostgreSQL only: insert many rows in one statement of one array parameter per
        column (``INSERT … SELECT … FROM unnest(…)``), prepared once whatever the row count,
        unlike a multi-row VALUES whose thousands of parameters cost more to plan than to
        run. ``skip_conflicts_on`` names a unique index's columns (``ON CONFLICT … DO
        NOTHING``); ``returning`` the columns to give back for the rows written."""
        assert self.postgres, "insert_unnest is PostgreSQL's bulk path"
        if not rows:
            return []
        self._check_rows(table, columns, rows)
        types = await self._column_types(table)
        arrays = ", ".join(f"${i}::{types[c]}[]" for i, c in enumerate(columns, start=1))
        statement = (
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (names are the code's)
            f"SELECT * FROM unnest({arrays})"
        )
        if skip_conflicts_on:
            statement += f" ON CONFLICT ({skip_conflicts_on}) DO NOTHING"
        if returning:
            statement += f" RETURNING {returning}"
        by_column = [list(values) for values in zip(*rows, strict=True)]
        if not returning:
            await self._connection.execute(statement, *by_column)
            return []
        return [tuple(r) for r in await self._connection.fetch(statement, *by_column)]

    def _check_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Bulk rows written inside a request carry the request's municipality."""
        tenant = tenancy.current()
        if tenant is None:
            return
        position = tenancy.insert_position(table, columns)
        if position is not None:
            tenancy.check_rows(rows, position, tenant)

    async def _column_types(self, table: str) -> dict[str, str]:
        known = _COLUMN_TYPES.get(table)
        if known is None:
            known = {
                name: kind
                for name, kind in await self._connection.fetch(
                    "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                    "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
                    table,
                )
            }
            _COLUMN_TYPES[table] = known
        return known

    async def analyze(self, *tables: str, municipality: int | None = None) -> None:
        """Refresh PostgreSQL's planner statistics (SQLite plans by index, needs none). With
        ``municipality``, of a partitioned table only that municipality's partition: the
        whole table would be every municipality's rows read again."""
        if self.postgres:
            for table in tables:
                if municipality is not None and table in PARTITIONED_BY_MUNICIPALITY:
                    partition = f"{table}_m{int(municipality)}"
                    if await self._connection.fetchval("SELECT to_regclass($1)", partition):
                        table = partition
                await self._connection.execute(f"ANALYZE {table}")

    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        rows, _ = await self._fetch(sql, args)
        return rows

    async def _fetch(
        self, sql: str, args: Sequence[Any]
    ) -> tuple[list[tuple[Any, ...]], tuple[str, ...]]:
        started = time.perf_counter()
        sql, args = self._scoped(sql, args)
        if self.postgres:
            records = await self._connection.fetch(sql, *args)
            _spent(started)
            names = tuple(records[0].keys()) if records else ()
            return [tuple(r) for r in records], names
        # One call (our kept connections give sqlite3.Row rows: by position, so columns
        # sharing a name stay apart, and with their names).
        found = await self._connection.execute_fetchall(sql, tuple(args))
        _spent(started)
        if not found:
            return [], ()
        return [tuple(row) for row in found], tuple(found[0].keys())

    async def rows(self, shape: type[RowT], sql: str, args: Sequence[Any] = ()) -> list[RowT]:
        """Every row as a ``shape`` Struct, its fields filled by column name (so a
        column's position in the SELECT never matters; extra columns are an error)."""
        rows, names = await self._fetch(sql, args)
        if not rows:
            return []
        build = _row_builder(shape, names)
        return [build(row) for row in rows]

    async def row(self, shape: type[RowT], sql: str, args: Sequence[Any] = ()) -> RowT | None:
        """The first row as a ``shape`` Struct, or None."""
        found = await self.rows(shape, sql, args)
        return found[0] if found else None

    async def value(self, sql: str, args: Sequence[Any] = ()) -> Any:
        """The first column of the first row (None when there is no row)."""
        rows, _ = await self._fetch(sql, args)
        return rows[0][0] if rows else None


# Kept thread-backed read connections per SQLite database and event loop, for bulk reads:
# each is a thread of its own (aiosqlite), and WAL lets them all read beside the writer.
SQLITE_READERS = 4


class _InlineSqlite:
    """A sqlite3 connection used on the event loop's own thread, behind the awaitable
    methods ``SqlSession`` calls on aiosqlite's connections.

    For short reads: a point lookup takes SQLite 5–30 µs, while handing it to a
    connection thread and back (aiosqlite) took a loaded server several hundred, most of a
    signed-in request. In WAL mode a reader never waits for the writer, so the loop is not
    blocked on a lock; a read that may take long (a scan of every person, an export) asks
    for ``read_transaction(bulk=True)`` and keeps to a thread, where SQLite lets the GIL go
    while it works."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        self._raw.execute(sql, args)

    def run(self, sql: str) -> None:
        """A statement at once, for the transaction's BEGIN and COMMIT."""
        self._raw.execute(sql)

    async def execute_fetchall(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        return self._raw.execute(sql, args).fetchall()

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._raw.executemany(sql, rows)

    async def close(self) -> None:
        self._raw.close()

    def stop(self) -> None:
        self._raw.close()


class _SqliteConnections:
    """Kept connections to one SQLite database for one event loop: readers used on the
    loop's thread (as many as tasks read at once, seldom more than one or two), up to
    ``SQLITE_READERS`` thread-backed readers for bulk reads, and one writer, each opened
    once and used for transaction after transaction.

    Piccolo opens a connection per transaction: a new thread, the file opened and its
    pragmas set, several round trips — most of a small request's time. Writers keep to a
    thread (``BEGIN IMMEDIATE`` may wait for another process's writer) and queue on an
    asyncio lock here rather than on SQLite's busy timeout (other processes still wait on
    that). A connection is dropped, never reused, when a transaction on it was cancelled
    or could not be ended: it may still hold the transaction open."""

    def __init__(self, engine: SQLiteEngine, loop: asyncio.AbstractEventLoop) -> None:
        self.engine = engine
        self.loop = loop
        self._inline: list[_InlineSqlite] = []
        self._idle: list[Any] = []
        self._writer: Any = None
        self._open: set[Any] = set()
        self._readers = asyncio.Semaphore(SQLITE_READERS)
        self._write_lock = asyncio.Lock()

    async def _connect(self) -> Any:
        connection = await self.engine.get_connection()
        connection.row_factory = sqlite3.Row  # not Piccolo's dicts: see SqlSession._fetch
        self._open.add(connection)
        return connection

    def _connect_inline(self) -> _InlineSqlite:
        # The same file, converters and pragmas as Piccolo's connections (aiosqlite passes
        # these to sqlite3.connect); closed from another thread at exit, hence not checked.
        raw = sqlite3.connect(**self.engine.connection_kwargs, check_same_thread=False)
        raw.row_factory = sqlite3.Row
        raw.execute("PRAGMA foreign_keys = 1")
        connection = _InlineSqlite(raw)
        self._open.add(connection)
        return connection

    async def _drop(self, connection: Any) -> None:
        self._open.discard(connection)
        with contextlib.suppress(Exception):
            await asyncio.shield(connection.close())

    @asynccontextmanager
    async def bulk_reading(self) -> AsyncIterator[Any]:
        async with self._readers:
            connection = self._idle.pop() if self._idle else await self._connect()
            async with self._read_then_keep(connection, self._idle):
                yield connection

    def inline(self) -> _InlineSqlite:
        return self._inline.pop() if self._inline else self._connect_inline()

    def give_back(self, connection: _InlineSqlite) -> None:
        self._inline.append(connection)

    def discard(self, connection: _InlineSqlite) -> None:
        """Close an inline connection whose transaction could not be ended (closing rolls
        back whatever is left): it is never used again."""
        self._open.discard(connection)
        connection.stop()

    @asynccontextmanager
    async def _read_then_keep(self, connection: Any, idle: list[Any]) -> AsyncIterator[None]:
        """A read transaction on ``connection``, given back to ``idle`` after it — also when
        the block raised (a 404): rolled back, it serves again — unless it was dropped."""
        kept = [False]
        try:
            async with self._transaction(connection, "BEGIN") as kept:
                yield
        finally:
            if kept[0]:
                idle.append(connection)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[Any]:
        async with self._write_lock:
            connection, self._writer = self._writer or await self._connect(), None
            kept = [False]
            try:
                async with self._transaction(connection, "BEGIN IMMEDIATE") as kept:
                    yield connection
            finally:
                if kept[0]:
                    self._writer = connection

    @asynccontextmanager
    async def _transaction(self, connection: Any, begin: str) -> AsyncIterator[list[bool]]:
        """BEGIN … COMMIT (ROLLBACK when the block raised); yields a flag the caller reads
        afterwards: whether the connection may be used again."""
        kept = [False]
        try:
            started = time.perf_counter()
            await connection.execute(begin)
            _spent(started)
        except BaseException:
            await self._drop(connection)
            raise
        try:
            yield kept
        except asyncio.CancelledError:
            await self._drop(connection)  # closing rolls back whatever is left
            raise
        except BaseException:
            try:
                await asyncio.shield(connection.execute("ROLLBACK"))
            except BaseException:
                await self._drop(connection)
                raise
            kept[0] = True
            raise
        try:
            started = time.perf_counter()
            await connection.execute("COMMIT")
            _spent(started)
        except BaseException:
            await self._drop(connection)
            raise
        kept[0] = True

    def _forget(self) -> list[Any]:
        """Every open connection, handed over for closing; the pool keeps none."""
        connections, self._open = list(self._open), set()
        self._inline, self._idle, self._writer = [], [], None
        return connections

    def stop(self) -> None:
        """Stop every connection's thread (callable without a loop: at exit, or when the
        loop that opened them is gone)."""
        for connection in self._forget():
            with contextlib.suppress(Exception):
                connection.stop()

    async def close(self) -> None:
        for connection in self._forget():
            with contextlib.suppress(Exception):
                await connection.close()


_sqlite_pools: dict[int, _SqliteConnections] = {}


def _sqlite_pool(engine: SQLiteEngine) -> _SqliteConnections:
    loop = asyncio.get_running_loop()
    pool = _sqlite_pools.get(id(engine))
    if pool is None or pool.engine is not engine or pool.loop is not loop:
        if pool is not None:
            pool.stop()  # its loop is gone (a test's, a CLI command's): so are its users
        pool = _sqlite_pools[id(engine)] = _SqliteConnections(engine, loop)
    return pool


def _stop_sqlite_pools() -> None:
    for pool in list(_sqlite_pools.values()):
        pool.stop()
    _sqlite_pools.clear()


# aiosqlite's threads are not daemons: stop them before the interpreter waits for them at
# exit (threading's own exit hooks run before that wait; atexit's run after it).
threading._register_atexit(_stop_sqlite_pools)  # type: ignore[attr-defined]


class _InlineRead:
    """A read on SQLite's inline readers (see ``_InlineSqlite``), ``begin``: in a
    transaction of its own (one snapshot for several statements), else one statement
    outside any. Inside a write transaction of this task it is that one (it sees its own
    writes) and no reader is taken.

    A class rather than generator-based context managers: three of those nested cost
    about 10 µs a read, on every signed-in request. Nothing here awaits (the connection's
    calls run at once on this thread), so no cancellation can fall between BEGIN and the
    block, or leave a transaction open."""

    __slots__ = ("_begin", "_connection", "_engine", "_pool")

    def __init__(self, pool: _SqliteConnections, engine: SQLiteEngine, *, begin: bool) -> None:
        self._pool = pool
        self._engine = engine
        self._begin = begin
        self._connection: _InlineSqlite | None = None

    async def __aenter__(self) -> SqlSession:
        outer = _writing.get()
        if outer is not None:
            return outer
        connection = self._pool.inline()
        if self._begin:
            started = time.perf_counter()
            try:
                connection.run("BEGIN")
            except BaseException:
                self._pool.discard(connection)
                raise
            _spent(started)
        self._connection = connection
        return SqlSession(connection, self._engine.engine_type)

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if self._begin:
            # A block that raised (a 404) is rolled back: the reader serves again.
            started = time.perf_counter()
            try:
                connection.run("COMMIT" if kind is None else "ROLLBACK")
            except BaseException:
                self._pool.discard(connection)
                raise
            _spent(started)
        self._pool.give_back(connection)


@asynccontextmanager
async def _sqlite_bulk_read(engine: SQLiteEngine) -> AsyncIterator[SqlSession]:
    outer = _writing.get()
    if outer is not None:
        yield outer
        return
    async with _sqlite_pool(engine).bulk_reading() as connection:
        yield SqlSession(connection, engine.engine_type)


@asynccontextmanager
async def _pg_read_transaction(engine: PostgresEngine) -> AsyncIterator[SqlSession]:
    async with _pg_transaction(engine, readonly=True) as connection:
        yield SqlSession(connection, engine.engine_type)


@asynccontextmanager
async def _pg_single_read(engine: PostgresEngine) -> AsyncIterator[SqlSession]:
    if engine.pool is None or _pg_open.get() is not None:
        async with _pg_read_transaction(engine) as sql:
            yield sql
        return
    async with _pg_pooled(engine) as connection:
        yield SqlSession(connection, engine.engine_type)


def read_transaction(*, bulk: bool = False) -> contextlib.AbstractAsyncContextManager[SqlSession]:
    """A transaction that only reads: one consistent snapshot, and on SQLite no write
    lock (a deferred transaction that never writes never takes it), so readers never
    queue behind the writer. PostgreSQL is told it is read-only. Inside a write
    transaction of the same task it is part of that one (it sees its writes).

    ``bulk``: the read may take long (every person, every event of the audit chain): on
    SQLite it runs on a connection thread rather than the event loop's own (see
    ``_InlineSqlite``)."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        if bulk:
            return _sqlite_bulk_read(engine)
        return _InlineRead(_sqlite_pool(engine), engine, begin=True)
    assert isinstance(engine, PostgresEngine)
    return _pg_read_transaction(engine)


def single_read() -> contextlib.AbstractAsyncContextManager[SqlSession]:
    """A session for exactly one SELECT, which is its own consistent snapshot as any single
    statement is: no BEGIN and COMMIT around it (on PostgreSQL, two round trips fewer).
    For what runs on every request: the session lookup, the readiness probe. Inside a
    write transaction of the same task it is part of that."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return _InlineRead(_sqlite_pool(engine), engine, begin=False)
    assert isinstance(engine, PostgresEngine)
    return _pg_single_read(engine)


class _Given:
    """The caller's own open session as a context manager that neither begins nor ends."""

    __slots__ = ("_sql",)

    def __init__(self, sql: SqlSession) -> None:
        self._sql = sql

    async def __aenter__(self) -> SqlSession:
        return self._sql

    async def __aexit__(self, *_: object) -> None:
        return None


def reading(sql: SqlSession | None) -> contextlib.AbstractAsyncContextManager[SqlSession]:
    """The caller's open session when given (a read that must see the caller's own
    uncommitted writes), else a read transaction of its own."""
    if sql is not None:
        return _Given(sql)
    return read_transaction()


# The outermost write session of this task: a nested write_transaction is part of it, so
# its after-commit callbacks wait for the outer commit.
_writing: ContextVar[SqlSession | None] = ContextVar("todoke_writing", default=None)


@asynccontextmanager
async def write_transaction() -> AsyncIterator[SqlSession]:
    """A transaction for writes: ``BEGIN IMMEDIATE`` on SQLite so two writers queue
    instead of failing with "database is locked" mid-way."""
    engine = current_engine()
    outer = _writing.get()
    if isinstance(engine, SQLiteEngine):
        if outer is not None:
            yield outer
            return
        async with _sqlite_pool(engine).writing() as connection:
            session = SqlSession(connection, engine.engine_type)
            token = _writing.set(session)
            try:
                yield session
            finally:
                _writing.reset(token)
        session._committed()
        return
    assert isinstance(engine, PostgresEngine)
    async with _pg_transaction(engine, readonly=False) as connection:
        session = SqlSession(connection, engine.engine_type)
        if outer is not None:
            session._after_commit = outer._after_commit
            yield session
            return
        token = _writing.set(session)
        try:
            yield session
        finally:
            _writing.reset(token)
    session._committed()


@asynccontextmanager
async def separate_write_transaction() -> AsyncIterator[SqlSession]:
    """A write transaction apart from whatever transaction this task has open, committed on
    its own: an audit event of a refused attempt made while reading (a read-only transaction
    on PostgreSQL cannot hold it, and the refusal's rollback must not take it). SQLite has
    one writer: inside a write transaction this joins it (a second would wait for itself);
    a reader's connection is apart already."""
    if isinstance(current_engine(), SQLiteEngine):
        async with write_transaction() as sql:
            yield sql
        return
    open_token, writing_token = _pg_open.set(None), _writing.set(None)
    try:
        async with write_transaction() as sql:
            yield sql
    finally:
        _writing.reset(writing_token)
        _pg_open.reset(open_token)


class KeptWriter:
    """Write transactions for a long-running loop that commits often (the push worker:
    twice a batch). Every write transaction now runs on a kept connection (SQLite's
    writer, PostgreSQL's pool), so this is ``write_transaction`` under a name the workers
    already use; ``close()`` is kept for them and does nothing."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlSession]:
        async with write_transaction() as sql:
            yield sql

    async def close(self) -> None:
        return None


# --- values as the drivers return them ---------------------------------------------------
# Raw SQL on SQLite returns timestamps, dates and JSON as text; asyncpg returns objects (and
# JSON as text). These read either the same way.


def aware(value: Any) -> datetime | None:
    """A timestamp column as an aware datetime (stored UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def json_value(value: Any) -> Any:
    """A JSON column's value, whether the driver gave text or an object."""
    return json.loads(value) if isinstance(value, str) else value


# --- rows as Structs ---------------------------------------------------------------------

RowT = TypeVar("RowT", bound=msgspec.Struct)


def _reader_for(annotation: Any) -> Callable[[Any], Any] | None:
    """How to read one column into a field of this type, whichever driver gave it."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    base = (
        args[0] if get_origin(annotation) in (Union, UnionType) and len(args) == 1 else annotation
    )
    origin = get_origin(base) or base
    if base is datetime:
        return aware
    if base is date:
        return as_date
    if base is bool:
        return lambda v: None if v is None else bool(v)
    if origin in (dict, list):
        return json_value
    return None


@functools.lru_cache(maxsize=512)
def _row_builder(shape: type[RowT], names: tuple[str, ...]) -> Callable[[tuple[Any, ...]], RowT]:
    hints = get_type_hints(shape)
    fields = {f.name for f in msgspec.structs.fields(shape)}
    unknown = [n for n in names if n not in fields]
    if unknown:
        raise TypeError(f"{shape.__name__} has no field for column(s) {unknown}")
    readers = [_reader_for(hints[name]) for name in names]

    def build(row: tuple[Any, ...]) -> RowT:
        values = {
            name: (reader(value) if reader is not None and value is not None else value)
            for name, reader, value in zip(names, readers, row, strict=True)
        }
        return shape(**values)

    return build
