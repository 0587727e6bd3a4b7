"""What other domains call to reach the procedures domain's data: whether a procedure
exists, who filed what, and the applications as the back office lists and counts them.

Another domain never names this domain's tables in its SQL; it calls a function here
instead. Each function returns plain values or msgspec Structs declared beside it, and reads
in its own read transaction unless the caller passes the ``SqlSession`` of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import msgspec

from todoke.db import SqlSession, read_transaction
from todoke.principal import departments_clause
from todoke.procedures.schemas import Localized
from todoke.procedures.versions import FINAL, definitions_of, status_label

# --- procedures as benefits' programmes see them (the deep link, the "applied" figure) ------


async def procedure_exists(sql: SqlSession, municipality_id: int, slug: str) -> bool:
    """Whether the municipality has a procedure with this slug (published or not)."""
    found = await sql.value(
        "SELECT 1 FROM procedure WHERE municipality = ? AND slug = ?", [municipality_id, slug]
    )
    return found is not None


class LatestFiling(msgspec.Struct, frozen=True):
    person_id: int
    submitted_at: datetime


async def latest_filings(
    sql: SqlSession, municipality_id: int, slug: str, person_ids: Iterable[int]
) -> list[LatestFiling]:
    """For each of these persons who filed the procedure ``slug``: when they last did (any
    number of persons)."""
    found: list[LatestFiling] = []
    for marks, args in sql.in_batches(person_ids):
        found += await sql.rows(
            LatestFiling,
            "SELECT a.person AS person_id, MAX(a.submitted_at) AS submitted_at "
            "FROM application a JOIN procedure pr ON pr.id = a.procedure "
            f"WHERE pr.municipality = ? AND pr.slug = ? AND a.person {marks} GROUP BY a.person",
            [municipality_id, slug, *args],
        )
    return found


# --- applications and procedures as the back office (staff) sees them --------------------


class _QueueSource(msgspec.Struct, frozen=True):
    id: int
    receipt_number: str
    procedure: str
    procedure_id: int
    version: int
    status: str
    channel: str
    submitted_at: datetime
    due_by: date
    decided_at: datetime | None
    department: int


class CaseQueueRow(msgspec.Struct, frozen=True):
    """An application in the staff queue: no personal data."""

    id: int
    receipt_number: str
    procedure: str  # slug
    title: Localized
    status: str
    status_label: Localized
    channel: str
    submitted_at: datetime
    due_by: date
    decided_at: datetime | None
    department: int


async def case_queue(
    municipality_id: int,
    *,
    departments: Sequence[int] | None,
    procedure: str | None = None,
    status: str | None = None,
    after: tuple[date, int] | None = None,
    limit: int = 1000,
) -> list[CaseQueueRow]:
    """Filed applications (not those awaiting a resident's confirmation), soonest due first,
    of these departments (None: every one). ``status`` "open" means not yet decided.
    ``after`` is the (due_by, id) of the last row of the previous page: the back office
    pages through the queue when it filters by what only it knows (who works a case)."""
    where = "WHERE a.municipality = ? AND a.status != 'awaiting_confirmation'"
    args: list[Any] = [municipality_id]
    clause, extra = departments_clause("a.department", departments)
    where += clause
    args += extra
    if procedure:
        where += " AND p.slug = ?"
        args.append(procedure)
    if status == "open":
        where += f" AND a.status NOT IN ({', '.join('?' * len(FINAL))})"
        args += sorted(FINAL)
    elif status:
        where += " AND a.status = ?"
        args.append(status)
    if after is not None:
        where += " AND (a.due_by > ? OR (a.due_by = ? AND a.id > ?))"
        args += [after[0], after[0], after[1]]
    async with read_transaction() as sql:
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
        definitions = await definitions_of(sql, {(s.procedure_id, s.version) for s in sources})
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
    receipt_number: str = ""


async def case_ref(municipality_id: int, application_id: int) -> CaseRef | None:
    """The department and person of a filed application (None if there is none, or it still
    awaits the resident's confirmation)."""
    async with read_transaction() as sql:
        return await sql.row(
            CaseRef,
            "SELECT department, person, receipt_number FROM application "
            "WHERE id = ? AND municipality = ? "
            "AND status != 'awaiting_confirmation'",
            [application_id, municipality_id],
        )


class _PersonApplicationSource(msgspec.Struct, frozen=True):
    id: int
    receipt_number: str
    status: str
    channel: str
    submitted_at: datetime
    department: int
    procedure: int
    version: int


class PersonApplication(msgspec.Struct, frozen=True):
    id: int
    receipt_number: str
    status: str
    channel: str
    submitted_at: datetime
    department: int
    title: Localized


async def applications_of_person(
    person_id: int, departments: Sequence[int] | None
) -> list[PersonApplication]:
    """A person's filed applications, newest first, limited to ``departments`` (None:
    every department)."""
    clause, extra = departments_clause("department", departments)
    async with read_transaction() as sql:
        sources = await sql.rows(
            _PersonApplicationSource,
            "SELECT id, receipt_number, status, channel, submitted_at, department, procedure, "
            "version FROM application WHERE person = ? AND status != 'awaiting_confirmation'"
            + clause
            + " ORDER BY submitted_at DESC",
            [person_id, *extra],
        )
        definitions = await definitions_of(sql, {(s.procedure, s.version) for s in sources})
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
    async with read_transaction() as sql:
        return await sql.rows(
            ProcedureListing,
            "SELECT slug, published_version, department FROM procedure "
            "WHERE municipality = ? ORDER BY sort_order, id",
            [municipality_id],
        )


class VersionStamp(msgspec.Struct, frozen=True):
    version: int
    published_at: datetime | None


async def procedure_versions(procedure_id: int) -> list[VersionStamp]:
    """A procedure's versions, newest first."""
    async with read_transaction() as sql:
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
    async with read_transaction() as sql:
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
    submitted_at: datetime
    decided_at: datetime | None
    due_by: date
    filing_seconds: int | None  # start to confirmation (time saved), when a start is known


async def decision_figures(
    municipality_id: int, departments: Sequence[int] | None
) -> list[DecisionFigureRow]:
    """Every filed application of these departments (None: all), for the metrics."""
    clause, extra = departments_clause("a.department", departments)
    async with read_transaction(bulk=True) as sql:
        return await sql.rows(
            DecisionFigureRow,
            "SELECT p.slug AS slug, a.status AS status, a.channel AS channel, "
            "a.submitted_at AS submitted_at, a.decided_at AS decided_at, a.due_by AS due_by, "
            "a.filing_seconds AS filing_seconds "
            "FROM application a JOIN procedure p ON p.id = a.procedure "
            "WHERE a.municipality = ? AND a.status != 'awaiting_confirmation'" + clause,
            [municipality_id, *extra],
        )


class HeldApplication(msgspec.Struct, frozen=True):
    person_id: int
    held: str  # pending (filed, not yet decided or withdrawn) | approved


async def held_applications(
    sql: SqlSession, municipality_id: int, slug: str, person_ids: Iterable[int]
) -> list[HeldApplication]:
    """Of these persons, those with an application for ``slug`` that is still pending
    (awaiting confirmation, received, in review, waiting for more information or on a
    procedure's own step) or approved; approved wins when a person has both. Rejected and
    withdrawn applications hold nothing (any number of persons)."""
    held: dict[int, str] = {}
    for marks, args in sql.in_batches(person_ids):
        for row in await sql.rows(
            HeldApplication,
            "SELECT DISTINCT a.person AS person_id, CASE WHEN a.status = 'approved' "
            "THEN 'approved' ELSE 'pending' END AS held "
            "FROM application a JOIN procedure pr ON pr.id = a.procedure "
            "WHERE pr.municipality = ? AND pr.slug = ? AND a.status NOT IN ('rejected', "
            f"'withdrawn') AND a.person {marks}",
            [municipality_id, slug, *args],
        ):
            if held.get(row.person_id) != "approved":
                held[row.person_id] = row.held
    return [HeldApplication(person_id=p, held=h) for p, h in sorted(held.items())]


async def persons_who_filed(
    sql: SqlSession, municipality_id: int, slug: str, person_ids: Sequence[int]
) -> set[int]:
    """The persons among ``person_ids`` with an application of procedure ``slug`` that was not
    rejected (a registered dog: おくやみ lists its change of owner)."""
    found: set[int] = set()
    for marks, args in sql.in_batches(list(person_ids)):
        rows = await sql.fetch(
            "SELECT a.person FROM application a JOIN procedure p ON p.id = a.procedure "
            f"WHERE a.municipality = ? AND p.slug = ? AND a.person {marks} "
            "AND a.status NOT IN ('rejected', 'awaiting_confirmation')",
            [municipality_id, slug, *args],
        )
        found.update(int(person) for (person,) in rows)
    return found


# --- deaths residents told the app of (おくやみ), for the staff's おくやみ list -----------------


class ReportedDeath(msgspec.Struct, frozen=True):
    """A resident's おくやみ life event: whom they said died (registry ids of their
    household, as they chose them) and when, and who told it."""

    case_id: int
    account: int
    reporter: int | None  # the reporting resident's registry person, once verified
    died_on: date
    deceased: list[str]
    reported_at: datetime


class _ReportRow(msgspec.Struct, frozen=True):
    id: int
    account: int
    person: int | None
    event_date: date
    answers: dict[str, Any]
    created_at: datetime


async def reported_deaths(municipality_id: int, since: datetime) -> list[ReportedDeath]:
    """The おくやみ life events residents started since ``since``, newest first."""
    async with read_transaction() as sql:
        rows = await sql.rows(
            _ReportRow,
            "SELECT c.id AS id, c.account AS account, c.person AS person, "
            "c.event_date AS event_date, c.answers AS answers, c.created_at AS created_at "
            "FROM life_event_case c JOIN life_event e ON e.id = c.life_event "
            "AND e.municipality = c.municipality "
            "WHERE c.municipality = ? AND e.slug = 'bereavement' AND c.created_at >= ? "
            "ORDER BY c.created_at DESC, c.id DESC",
            [municipality_id, since],
        )
    reports = []
    for row in rows:
        chosen = row.answers.get("deceased")
        deceased = [str(x) for x in chosen] if isinstance(chosen, list) else []
        if deceased:
            reports.append(
                ReportedDeath(
                    case_id=row.id,
                    account=row.account,
                    reporter=row.person,
                    died_on=row.event_date,
                    deceased=deceased,
                    reported_at=row.created_at,
                )
            )
    return reports
