"""What other domains call to reach the procedures domain's data.

Another domain never names this domain's tables in its SQL; it calls a function here
instead. Each function returns msgspec Structs (declared beside it) and opens its own read
or write transaction, or takes the caller's ``SqlSession`` when it must join the caller's
transaction.
"""

from __future__ import annotations

import msgspec


# --- procedures as benefits' programmes see them (the deep link, the "applied" figure) --------

from collections.abc import Sequence as _Sequence  # noqa: E402
from datetime import datetime as _datetime  # noqa: E402

from todoke.db import SqlSession as _SqlSession  # noqa: E402


async def procedure_exists(sql: _SqlSession, municipality_id: int, slug: str) -> bool:
    """Whether the municipality has a procedure with this slug (published or not)."""
    return (
        await sql.value(
            "SELECT 1 FROM procedure WHERE municipality = ? AND slug = ?", [municipality_id, slug]
        )
        is not None
    )


class LatestFiling(msgspec.Struct, frozen=True):
    person_id: int
    submitted_at: _datetime


async def latest_filings(
    sql: _SqlSession, municipality_id: int, slug: str, person_ids: _Sequence[int]
) -> list[LatestFiling]:
    """For each of these persons who filed the procedure ``slug``: when they last did (any
    number of persons: read in batches)."""
    found: list[LatestFiling] = []
    wanted = sorted(set(person_ids))
    for start in range(0, len(wanted), 1000):
        marks, args = sql.in_list(wanted[start : start + 1000])
        found += await sql.rows(
            LatestFiling,
            "SELECT a.person AS person_id, MAX(a.submitted_at) AS submitted_at "  # noqa: S608
            "FROM application a JOIN procedure pr ON pr.id = a.procedure "
            f"WHERE pr.municipality = ? AND pr.slug = ? AND a.person {marks} GROUP BY a.person",
            [municipality_id, slug, *args],
        )
    return found


# --- applications and procedures as the back office (staff) sees them ----------------------

from collections.abc import Sequence as _Sequence  # noqa: E402
from datetime import date as _date  # noqa: E402
from datetime import datetime as _datetime  # noqa: E402

from todoke.db import SqlSession as _SqlSession  # noqa: E402
from todoke.db import read_transaction as _read_transaction  # noqa: E402
from todoke.procedures.schemas import Localized as _Localized  # noqa: E402
from todoke.procedures.schemas import ProcedureDefinition as _ProcedureDefinition  # noqa: E402

_DECIDED = ("approved", "rejected", "withdrawn")


class _StoredDefinition(msgspec.Struct, frozen=True):
    procedure: int
    version: int
    definition: object  # JSON text or the decoded value, by driver


async def _definitions(
    sql: _SqlSession, pairs: set[tuple[int, int]]
) -> dict[tuple[int, int], _ProcedureDefinition]:
    """The definitions of these (procedure, version) pairs, each decoded once."""
    if not pairs:
        return {}
    marks, args = sql.in_list(sorted({procedure for procedure, _ in pairs}))
    stored = await sql.rows(
        _StoredDefinition,
        "SELECT procedure, version, definition FROM procedure_version "  # noqa: S608
        f"WHERE procedure {marks}",
        args,
    )
    found: dict[tuple[int, int], _ProcedureDefinition] = {}
    for row in stored:
        if (row.procedure, row.version) not in pairs:
            continue
        raw = row.definition
        found[(row.procedure, row.version)] = (
            msgspec.json.decode(raw, type=_ProcedureDefinition)
            if isinstance(raw, (str, bytes))
            else msgspec.convert(raw, _ProcedureDefinition)
        )
    return found


def _department_filter(column: str, departments: _Sequence[int] | None) -> tuple[str, list[int]]:
    """None: every department; otherwise only these (none at all for an empty list)."""
    if departments is None:
        return "", []
    if not departments:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join('?' * len(departments))})", list(departments)


class _QueueSource(msgspec.Struct, frozen=True):
    id: int
    receipt_number: str
    procedure: str
    procedure_id: int
    version: int
    status: str
    channel: str
    submitted_at: _datetime
    due_by: _date
    decided_at: _datetime | None
    department: int


class CaseQueueRow(msgspec.Struct, frozen=True):
    """An application in the staff queue: no personal data."""

    id: int
    receipt_number: str
    procedure: str  # slug
    title: _Localized
    status: str
    status_label: _Localized
    channel: str
    submitted_at: _datetime
    due_by: _date
    decided_at: _datetime | None
    department: int


async def case_queue(
    municipality_id: int,
    *,
    departments: _Sequence[int] | None,
    procedure: str | None = None,
    status: str | None = None,
    only: _Sequence[int] | None = None,
    without: _Sequence[int] | None = None,
    limit: int = 1000,
) -> list[CaseQueueRow]:
    """Filed applications (not those awaiting a resident's confirmation), soonest due first.
    ``status`` "open" means not yet decided; ``only``/``without`` limit by application id
    (the back office's own filters, e.g. by assignee)."""
    from todoke.procedures.versions import status_label

    if only is not None and not only:
        return []
    where = "WHERE a.municipality = ? AND a.status != 'awaiting_confirmation'"
    args: list[object] = [municipality_id]
    clause, extra = _department_filter("a.department", departments)
    where += clause
    args += extra
    if procedure:
        where += " AND p.slug = ?"
        args.append(procedure)
    if status == "open":
        where += " AND a.status NOT IN ('approved', 'rejected', 'withdrawn')"
    elif status:
        where += " AND a.status = ?"
        args.append(status)
    async with _read_transaction() as sql:
        if only is not None:
            marks, ids = sql.in_list(sorted(set(only)))
            where += f" AND a.id {marks}"
            args += ids
        if without:
            marks, ids = sql.in_list(sorted(set(without)))
            where += f" AND NOT (a.id {marks})"
            args += ids
        sources = await sql.rows(
            _QueueSource,
            "SELECT a.id AS id, a.receipt_number AS receipt_number, p.slug AS procedure, "
            "a.procedure AS procedure_id, a.version AS version, a.status AS status, "
            "a.channel AS channel, a.submitted_at AS submitted_at, a.due_by AS due_by, "
            "a.decided_at AS decided_at, a.department AS department "
            "FROM application a JOIN procedure p ON p.id = a.procedure "
            + where
            + " ORDER BY a.due_by, a.id LIMIT ?",
            [*args, limit],
        )
        definitions = await _definitions(sql, {(s.procedure_id, s.version) for s in sources})
    rows = []
    for s in sources:
        definition = definitions[(s.procedure_id, s.version)]
        rows.append(
            CaseQueueRow(
                id=s.id,
                receipt_number=s.receipt_number,
                procedure=s.procedure,
                title=definition.title,
                status=s.status,
                status_label=status_label(definition, s.status),
                channel=s.channel,
                submitted_at=s.submitted_at,
                due_by=s.due_by,
                decided_at=s.decided_at,
                department=s.department,
            )
        )
    return rows


class CaseRef(msgspec.Struct, frozen=True):
    department: int
    person: int | None


async def case_ref(municipality_id: int, application_id: int) -> CaseRef | None:
    """The department and person of a filed application (None if there is none, or it still
    awaits the resident's confirmation)."""
    async with _read_transaction() as sql:
        return await sql.row(
            CaseRef,
            "SELECT department, person FROM application WHERE id = ? AND municipality = ? "
            "AND status != 'awaiting_confirmation'",
            [application_id, municipality_id],
        )


class _PersonApplicationSource(msgspec.Struct, frozen=True):
    id: int
    receipt_number: str
    status: str
    channel: str
    submitted_at: _datetime
    department: int
    procedure: int
    version: int


class PersonApplication(msgspec.Struct, frozen=True):
    id: int
    receipt_number: str
    status: str
    channel: str
    submitted_at: _datetime
    department: int
    title: _Localized


async def applications_of_person(
    person_id: int, departments: _Sequence[int] | None
) -> list[PersonApplication]:
    """A person's filed applications, newest first, limited to ``departments`` (None:
    every department)."""
    clause, extra = _department_filter("department", departments)
    async with _read_transaction() as sql:
        sources = await sql.rows(
            _PersonApplicationSource,
            "SELECT id, receipt_number, status, channel, submitted_at, department, procedure, "
            "version FROM application WHERE person = ? AND status != 'awaiting_confirmation'"
            + clause
            + " ORDER BY submitted_at DESC",
            [person_id, *extra],
        )
        definitions = await _definitions(sql, {(s.procedure, s.version) for s in sources})
    return [
        PersonApplication(
            id=s.id,
            receipt_number=s.receipt_number,
            status=s.status,
            channel=s.channel,
            submitted_at=s.submitted_at,
            department=s.department,
            title=definitions[(s.procedure, s.version)].title,
        )
        for s in sources
    ]


class ProcedureListing(msgspec.Struct, frozen=True):
    slug: str
    published_version: int | None
    department: int


async def procedure_listing(municipality_id: int) -> list[ProcedureListing]:
    """Every procedure of the municipality in catalogue order, published or not."""
    async with _read_transaction() as sql:
        return await sql.rows(
            ProcedureListing,
            "SELECT slug, published_version, department FROM procedure "
            "WHERE municipality = ? ORDER BY sort_order, id",
            [municipality_id],
        )


class VersionStamp(msgspec.Struct, frozen=True):
    version: int
    published_at: _datetime | None


async def procedure_versions(procedure_id: int) -> list[VersionStamp]:
    """A procedure's versions, newest first."""
    async with _read_transaction() as sql:
        return await sql.rows(
            VersionStamp,
            "SELECT version, published_at FROM procedure_version WHERE procedure = ? "
            "ORDER BY version DESC",
            [procedure_id],
        )


class ProcedurePlacement(msgspec.Struct, frozen=True):
    department: int
    sort_order: int


async def procedure_placement(municipality_id: int, slug: str) -> ProcedurePlacement | None:
    """Where an existing procedure sits (its department and catalogue position)."""
    async with _read_transaction() as sql:
        return await sql.row(
            ProcedurePlacement,
            "SELECT department, sort_order FROM procedure WHERE municipality = ? AND slug = ?",
            [municipality_id, slug],
        )


class DecisionFigureRow(msgspec.Struct, frozen=True):
    """One filed application, as the service-level figures count it."""

    slug: str
    status: str
    channel: str
    submitted_at: _datetime
    decided_at: _datetime | None
    due_by: _date


async def decision_figures(
    municipality_id: int, departments: _Sequence[int] | None
) -> list[DecisionFigureRow]:
    """Every filed application of these departments (None: all), for the metrics."""
    clause, extra = _department_filter("a.department", departments)
    async with _read_transaction() as sql:
        return await sql.rows(
            DecisionFigureRow,
            "SELECT p.slug AS slug, a.status AS status, a.channel AS channel, "
            "a.submitted_at AS submitted_at, a.decided_at AS decided_at, a.due_by AS due_by "
            "FROM application a JOIN procedure p ON p.id = a.procedure "
            "WHERE a.municipality = ? AND a.status != 'awaiting_confirmation'" + clause,
            [municipality_id, *extra],
        )
