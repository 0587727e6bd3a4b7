"""Every statement of a request is scoped to the request's municipality here, in the data
layer, whatever the service wrote (issue 16).

The web layer says once per request which municipality it is for (``scoped_to``, from the
host). From then on every statement that ``SqlSession`` runs is read once (sqlglot) and
planned:

- a tenant-owned table (one with a ``municipality`` column) whose rows the statement
  already limits with ``municipality = ?`` gets that parameter checked against the request's
  municipality on every run: a service that passed another municipality's id is refused
  (``CrossedMunicipality``), not obeyed;
- one it does not limit (``… WHERE id = ?``) gets the condition added — to its WHERE, or to
  its own JOIN's ON (so a LEFT JOIN stays one) — with the municipality as one more
  parameter;
- a row written (INSERT, bulk COPY) must carry the request's municipality;
- a statement the layer cannot read is refused (``UnscopedQuery``): nothing runs unscoped by
  accident.

Plans are cached by statement text, so a statement is parsed once per process; a run costs
a dictionary lookup and an integer comparison per checked parameter.

Work that is not a resident's or a staff member's request (the workers, the command line,
the demo's seeding, start-up) runs without a scope, as the platform. Work inside a request
that is, by design, for another municipality (a move's data received by the destination, a
municipality being set up by the operator) says so with ``scoped_to`` around it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

# The request's municipality (its id), or None outside any request: the platform's own work.
_tenant: ContextVar[int | None] = ContextVar("todoke_tenant", default=None)

# A host that serves no municipality: every tenant-owned row is out of reach.
NOWHERE = 0

COLUMN = "municipality"


class UnscopedQuery(RuntimeError):
    """A statement on a tenant-owned table that the data layer cannot scope (a programming
    error, found by the first test that runs it)."""


class CrossedMunicipality(RuntimeError):
    """A statement that named another municipality than the request's."""


def current() -> int | None:
    """The municipality the running request is for (None: platform work)."""
    return _tenant.get()


@contextmanager
def scoped_to(municipality_id: int) -> Iterator[None]:
    """Every statement run inside is limited to ``municipality_id``'s rows."""
    token = _tenant.set(municipality_id)
    try:
        yield
    finally:
        _tenant.reset(token)


@contextmanager
def unscoped() -> Iterator[None]:
    """Platform work started from inside a request (a worker woken by it), which must not
    inherit the request's municipality."""
    token = _tenant.set(None)
    try:
        yield
    finally:
        _tenant.reset(token)


_tenant_tables: frozenset[str] | None = None


def tenant_tables() -> frozenset[str]:
    """The tables whose rows belong to one municipality: those with the column."""
    global _tenant_tables
    if _tenant_tables is None:
        from todoke.db import all_tables

        _tenant_tables = frozenset(
            table._meta.tablename
            for table in all_tables()
            if any(column._meta.name == COLUMN for column in table._meta.columns)
        )
    return _tenant_tables


@dataclass(frozen=True, slots=True)
class Plan:
    """How a statement runs inside a request: ``sql`` to run instead (``?n``/``$n``
    placeholders, the tenant last) or None for the text as written; ``checks``, the
    positions of the parameters that must be the request's municipality."""

    sql: str | None
    checks: tuple[int, ...]
    appends: bool

    def bind(self, args: Sequence[Any], tenant: int) -> Sequence[Any]:
        for position in self.checks:
            if args[position] != tenant:
                raise CrossedMunicipality(
                    f"parameter {position + 1} names municipality {args[position]!r}, "
                    f"the request is for {tenant}"
                )
        if self.appends:
            return [*args, tenant]
        return args


AS_WRITTEN = Plan(None, (), False)
_CURSOR = re.compile(r"(\s*DECLARE\s+\w+\s+(?:NO\s+SCROLL\s+)?CURSOR\s+FOR\s+)(.*)", re.I | re.S)
_WORD = re.compile(r"[a-z_][a-z0-9_]*")


def plan(sql: str, postgres: bool) -> Plan:
    """The statement's plan (cached by its text)."""
    return _plan(sql, postgres)


@lru_cache(maxsize=8192)
def _plan(sql: str, postgres: bool) -> Plan:
    tables = tenant_tables()
    if tables.isdisjoint(_WORD.findall(sql.lower())):
        return AS_WRITTEN
    cursor = _CURSOR.match(sql)
    if cursor is not None:  # a cursor over a query (matching's): the query is what runs
        inner = _plan(cursor.group(2), postgres)
        if inner.sql is None:
            return inner
        return Plan(cursor.group(1) + inner.sql, inner.checks, inner.appends)
    count = 0

    def number(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f":p{count}"

    numbered = re.sub(r"\?", number, sql)
    dialect = "postgres" if postgres else "sqlite"
    try:
        statements = sqlglot.parse(numbered, read=dialect)
    except sqlglot.errors.SqlglotError as error:
        raise UnscopedQuery(f"the data layer cannot read this statement: {error}\n{sql}") from error
    if len(statements) != 1 or statements[0] is None:
        raise UnscopedQuery(f"one statement at a time:\n{sql}")
    tree = statements[0]
    if isinstance(tree, exp.Command):  # read as an opaque command: nothing to limit by
        raise UnscopedQuery(f"the data layer cannot read this statement:\n{sql}")
    scoping = _Scoping(tree, tables, tenant_mark=f"p{count + 1}", sql=sql)
    scoping.run()
    if not scoping.injected:
        return Plan(None, tuple(sorted(scoping.checks)), False)
    # Written back in the dialect it was read in (sqlglot would otherwise translate, e.g.
    # PostgreSQL's ORDER BY into SQLite's with NULLS LAST spelled out).
    written = tree.sql(dialect=dialect)
    if postgres:
        written = re.sub(r"%\(p(\d+)\)s", lambda m: f"${m.group(1)}", written)
    else:
        written = re.sub(r":p(\d+)\b", lambda m: f"?{m.group(1)}", written)
    return Plan(written, tuple(sorted(scoping.checks)), True)


def insert_position(table: str, columns: Sequence[str]) -> int | None:
    """For a bulk insert into ``table``: the position of the municipality among
    ``columns`` (None for a table that is no tenant's); a tenant-owned table without it
    is refused."""
    if table not in tenant_tables():
        return None
    if COLUMN not in columns:
        raise UnscopedQuery(f"rows written to {table} without their municipality")
    return list(columns).index(COLUMN)


def check_rows(rows: Sequence[Sequence[Any]], position: int, tenant: int) -> None:
    for row in rows:
        if row[position] != tenant:
            raise CrossedMunicipality(
                f"a row for municipality {row[position]!r}, the request is for {tenant}"
            )


_STATEMENTS = (exp.Select, exp.Update, exp.Delete, exp.Insert)


class _Scoping:
    """One statement's walk: every tenant-owned table reference is found limited (its
    parameter to check) or made so (a condition added)."""

    def __init__(self, tree: exp.Expr, tables: frozenset[str], tenant_mark: str, sql: str):
        self.tree = tree
        self.tables = tables
        self.mark = tenant_mark
        self.tenant_position = int(tenant_mark[1:]) - 1
        self.sql = sql
        self.checks: set[int] = set()
        self.injected = False
        self.ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}

    def fail(self, why: str) -> UnscopedQuery:
        return UnscopedQuery(f"{why}\n{self.sql}")

    def run(self) -> None:
        # Inner statements first: a correlated subquery may lean on its outer alias, which
        # is settled (limited or made so) either way.
        for table in list(self.tree.find_all(exp.Table)):
            # A schema-qualified name (public.person) is the same table: not a way around.
            if table.name not in self.tables or (table.name in self.ctes and not table.db):
                continue
            owner = table.find_ancestor(*_STATEMENTS)
            if owner is None:
                raise self.fail(f"{table.name} outside any statement")
            if isinstance(owner, exp.Insert) and _insert_target(owner) is table:
                self._insert(owner, table)
            else:
                self._limit(owner, table)

    # -- reads, updates and deletes -----------------------------------------------------

    def _limit(self, owner: exp.Expr, table: exp.Table) -> None:
        if isinstance(owner, exp.Update):
            self._set_values(owner, table)
        equals = [theirs for _, theirs in self._columns(owner, table)]
        position = _parameter_among(equals)
        if position is not None:
            if position != self.tenant_position:  # not a condition added here
                self.checks.add(position)
            return
        if self._leans_on_another(owner, table, equals):
            return
        self._add_condition(owner, table, _join_of(table))

    def _conditions(self, owner: exp.Expr, table: exp.Table) -> list[exp.EQ]:
        """The conditions every row of ``table`` the statement reads must meet: its WHERE,
        its own JOIN's ON, and the ON of inner joins (a LEFT JOIN's ON limits only the
        table joined)."""
        join = _join_of(table)
        conditions = list(_conjuncts(owner.args.get("where")))
        if join is not None:
            conditions += _conjuncts(join.args.get("on"))
        for other in owner.args.get("joins") or ():
            if other is not join and not other.args.get("side"):
                conditions += _conjuncts(other.args.get("on"))
        return [c for c in conditions if isinstance(c, exp.EQ)]

    def _columns(self, owner: exp.Expr, table: exp.Table) -> list[tuple[exp.Expr, exp.Expr]]:
        """(this table's municipality, what it is equal to), from the conditions."""
        alias = table.alias_or_name
        bare_ok = self._only_tenant_table(owner) is table
        found = []
        for condition in self._conditions(owner, table):
            for mine, theirs in (
                (condition.left, condition.right),
                (condition.right, condition.left),
            ):
                if _is_column_of(mine, alias, bare_ok=bare_ok):
                    found.append((mine, theirs))
        return found

    def _leans_on_another(self, owner: exp.Expr, table: exp.Table, equals: list[exp.Expr]) -> bool:
        """Whether ``table``'s municipality equals another tenant table's that is limited: one
        of this statement limited by a parameter, or one of an enclosing statement (each of
        those is limited by the end of the walk, by a parameter or by the condition added)."""
        mine = {t.alias_or_name: t for t in self._tenant_tables_of(owner)}
        for theirs in equals:
            if not (isinstance(theirs, exp.Column) and theirs.name == COLUMN and theirs.table):
                continue
            if theirs.table == table.alias_or_name:
                continue
            other = mine.get(theirs.table)
            if other is not None:
                if _parameter_among([t for _, t in self._columns(owner, other)]) is not None:
                    return True
                continue
            outer = owner.parent.find_ancestor(*_STATEMENTS) if owner.parent else None
            while outer is not None:
                if theirs.table in {t.alias_or_name for t in self._tenant_tables_of(outer)}:
                    return True
                outer = outer.parent.find_ancestor(*_STATEMENTS) if outer.parent else None
        return False

    def _set_values(self, update: exp.Update, table: exp.Table) -> None:
        """An UPDATE that moves a row to a municipality moves it to the request's only."""
        if update.this is not table:
            return
        for assignment in update.expressions:
            target = assignment.this if isinstance(assignment, exp.EQ) else None
            if isinstance(target, exp.Column) and target.name == COLUMN:
                self._written_value(assignment.expression, table)

    def _tenant_tables_of(self, owner: exp.Expr) -> list[exp.Table]:
        return [t for t in _own_tables(owner) if t.name in self.tables and t.name not in self.ctes]

    def _only_tenant_table(self, owner: exp.Expr) -> exp.Table | None:
        mine = self._tenant_tables_of(owner)
        return mine[0] if len(mine) == 1 else None

    def _add_condition(self, owner: exp.Expr, table: exp.Table, join: exp.Join | None) -> None:
        condition = exp.EQ(
            this=exp.column(COLUMN, table=table.alias_or_name),
            expression=exp.Placeholder(this=self.mark),
        )
        if join is not None and join.args.get("side"):
            join.set(
                "on", exp.and_(join.args.get("on"), condition) if join.args.get("on") else condition
            )
        elif isinstance(owner, (exp.Select, exp.Update, exp.Delete)):
            where = owner.args.get("where")
            combined = exp.and_(where.this, condition) if where is not None else condition
            owner.set("where", exp.Where(this=combined))
        else:
            raise self.fail(f"{table.name} cannot be limited here")
        self.injected = True

    # -- inserts ------------------------------------------------------------------------

    def _insert(self, insert: exp.Insert, table: exp.Table) -> None:
        schema = insert.this
        columns = [c.name for c in schema.expressions] if isinstance(schema, exp.Schema) else []
        if COLUMN not in columns:
            raise self.fail(f"a row written to {table.name} without its municipality")
        at = columns.index(COLUMN)
        source = insert.expression
        if isinstance(source, exp.Values):
            for row in source.expressions:
                self._written_value(row.expressions[at], table)
            return
        if isinstance(source, exp.Select):
            value = source.selects[at]
            if isinstance(value, exp.Alias):
                value = value.this
            if isinstance(value, exp.Column) and value.name == COLUMN and value.table:
                return  # copied from a row of a table the select limits in its turn
            self._written_value(value, table)
            return
        raise self.fail(f"rows written to {table.name} from a source the layer cannot read")

    def _written_value(self, value: exp.Expr, table: exp.Table) -> None:
        if not isinstance(value, exp.Placeholder):
            raise self.fail(f"{table.name}'s municipality written as an expression")
        self.checks.add(_position(value))


def _join_of(table: exp.Table) -> exp.Join | None:
    return table.parent if isinstance(table.parent, exp.Join) else None


def _parameter_among(equals: list[exp.Expr]) -> int | None:
    """The position of the first parameter among what a municipality column equals."""
    for theirs in equals:
        if isinstance(theirs, exp.Placeholder):
            return _position(theirs)
    return None


def _insert_target(insert: exp.Insert) -> exp.Table | None:
    target = insert.this
    if isinstance(target, exp.Schema):
        target = target.this
    return target if isinstance(target, exp.Table) else None


def _own_tables(owner: exp.Expr) -> list[exp.Table]:
    """The tables a statement reads or changes itself (not those of its subqueries)."""
    found = []
    for key in ("this", "from_", "joins"):
        value = owner.args.get(key)
        for node in value if isinstance(value, list) else [value]:
            if node is None:
                continue
            if isinstance(node, exp.Table):
                found.append(node)
            elif isinstance(node, (exp.From, exp.Join)) and isinstance(node.this, exp.Table):
                found.append(node.this)
    return found


def _conjuncts(node: exp.Expr | None) -> list[exp.Expr]:
    if node is None:
        return []
    if isinstance(node, exp.Where):
        node = node.this
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.And):
        return [*_conjuncts(node.left), *_conjuncts(node.right)]
    return [node]


def _is_column_of(node: exp.Expr, alias: str, *, bare_ok: bool) -> bool:
    if not isinstance(node, exp.Column) or node.name != COLUMN:
        return False
    return node.table == alias or (not node.table and bare_ok)


def _position(placeholder: exp.Placeholder) -> int:
    name = placeholder.name
    if not name.startswith("p") or not name[1:].isdigit():
        raise UnscopedQuery(f"an unexpected placeholder {name!r}")
    return int(name[1:]) - 1
