"""Casework: the departments, the case queue, opening a case (audited, with a purpose),
claiming or assigning it, and staff-only notes.

Applications are the procedures domain's and accounts identity's: this module asks them for
their part and joins it with its own tables (who works a case, the notes) in Python. Who may
call what is declared on the routes; here only department scoping, which depends on the
case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import msgspec

from todoke import clock
from todoke.db import read_transaction, write_transaction
from todoke.errors import FieldError, InvalidInput, NotFound, Text
from todoke.identity import public as identity
from todoke.principal import Permission, Principal
from todoke.procedures import decisions, versions
from todoke.procedures import public as procedures
from todoke.procedures.schemas import Localized
from todoke.registry import protection
from todoke.registry import public as registry
from todoke.staff import need_to_know
from todoke.staff.purposes import check_purpose
from todoke.staff.schemas import (
    CaseNoteRead,
    CaseWork,
    QueueItem,
    StaffCase,
    StaffDepartment,
)

NO_SUCH_CASE = Text("申請が見つかりません。", "There is no such application.")

# --- departments -----------------------------------------------------------------------------


async def departments(principal: Principal) -> list[StaffDepartment]:
    return [
        StaffDepartment(
            id=d.id,
            code=d.code,
            name=Localized(ja=d.name_ja, easy=d.name_easy, en=d.name_en),
            mine=d.id in principal.departments,
        )
        for d in await registry.departments(principal.municipality_id)
    ]


# --- the case queue --------------------------------------------------------------------------


# The queue shows this many cases at most, as it always has.
QUEUE_LIMIT = 1000


class _Assigned(msgspec.Struct, frozen=True):
    application: int
    assignee: int


async def _assignees(application_ids: list[int]) -> dict[int, int]:
    """Who works each of these cases (unassigned ones are missing)."""
    if not application_ids:
        return {}
    async with read_transaction() as sql:
        marks, args = sql.in_list(application_ids)
        rows = await sql.rows(
            _Assigned,
            f"SELECT application, assignee FROM case_assignment WHERE application {marks}",
            args,
        )
    return {r.application: r.assignee for r in rows}


def _keeps(assignee: str | None, principal: Principal) -> Callable[[int | None], bool]:
    """The queue's assignee filter, as a test of who works a case (None: nobody)."""
    if assignee == "none":
        return lambda worker: worker is None
    if assignee == "me":
        return lambda worker: worker == principal.account_id
    if assignee and assignee.isdigit():
        return lambda worker: worker == int(assignee)
    return lambda _: True


async def _queued_cases(
    principal: Principal, procedure: str | None, status: str | None, assignee: str | None
) -> list[procedures.CaseQueueRow]:
    """Up to QUEUE_LIMIT cases in due order. Who works a case is ours to know, not the
    procedures domain's: page through its queue and keep the cases the filter wants."""
    keeps = _keeps(assignee, principal)
    kept: list[procedures.CaseQueueRow] = []
    after = None
    while len(kept) < QUEUE_LIMIT:
        page = await procedures.case_queue(
            principal.municipality_id,
            departments=principal.department_scope,
            procedure=procedure,
            status=status,
            after=after,
            limit=QUEUE_LIMIT,
        )
        workers = await _assignees([case.id for case in page]) if assignee else {}
        kept += [case for case in page if keeps(workers.get(case.id))][: QUEUE_LIMIT - len(kept)]
        if len(page) < QUEUE_LIMIT:
            break
        after = (page[-1].due_by, page[-1].id)
    return kept


async def queue(
    principal: Principal,
    *,
    procedure: str | None = None,
    status: str | None = None,
    assignee: str | None = None,
    breached: bool | None = None,
    older_than_days: int | None = None,
) -> list[QueueItem]:
    """The departments' open and recent cases. The queue shows no personal data: a case is
    opened (and that opening audited) to see who it is about."""
    cases = await _queued_cases(principal, procedure, status, assignee)
    by_case = await _assignees([c.id for c in cases])
    names = await identity.display_names(list(by_case.values()))
    today = clock.today()
    items = []
    for case in cases:
        is_open = case.status not in versions.FINAL
        late = (is_open and case.due_by < today) or (
            case.decided_at is not None
            and case.decided_at.astimezone(clock.JST).date() > case.due_by
        )
        age_days = (today - case.submitted_at.astimezone(clock.JST).date()).days
        if breached is not None and late != breached:
            continue
        if older_than_days is not None and age_days < older_than_days:
            continue
        worker = by_case.get(case.id)
        items.append(
            QueueItem(
                id=case.id,
                receipt_number=case.receipt_number,
                procedure=case.procedure,
                title=case.title,
                status=case.status,
                status_label=case.status_label,
                channel=case.channel,
                submitted_at=case.submitted_at,
                due_by=case.due_by,
                age_days=age_days,
                breached=late,
                assignee_id=worker,
                assignee_name=names.get(worker) if worker is not None else None,
                department_id=case.department,
            )
        )
    return items


# --- one case --------------------------------------------------------------------------------


async def _case(principal: Principal, application_id: int) -> procedures.CaseRef:
    """The department and person of a case this staff member may work; not found otherwise
    (another department's case looks like no case at all)."""
    case = await procedures.case_ref(principal.municipality_id, application_id)
    if case is None or not principal.in_department(case.department):
        raise NotFound(NO_SUCH_CASE)
    return case


async def open_case(principal: Principal, application_id: int, purpose: str) -> StaffCase:
    """The application with staff-only parts: notes, assignee, the resident's changes to
    pre-filled values. One audit event per opening."""
    check_purpose(purpose)
    case = await _case(principal, application_id)
    sees = await need_to_know.sees_protected_contact(principal)
    protected = await protection.is_protected(principal.municipality_id, case.person)
    body = await decisions.get_for_staff(principal, application_id, purpose, sees_protected=sees)
    if protected and case.person is not None:
        await need_to_know.record_protected_view(
            principal, case.person, seen=sees, purpose=purpose,
            detail={"view": "case", "application": application_id},
        )  # fmt: skip
    work = await _case_work(principal, application_id)
    return StaffCase(**msgspec.structs.asdict(body), **msgspec.structs.asdict(work))


class _Note(msgspec.Struct, frozen=True):
    id: int
    text: str
    author: int
    created_at: datetime


async def _case_work(principal: Principal, application_id: int) -> CaseWork:
    case = await _case(principal, application_id)
    async with read_transaction() as sql:
        notes = await sql.rows(
            _Note,
            "SELECT id, text, author, created_at FROM case_note WHERE application = ? ORDER BY id",
            [application_id],
        )
        worker = await sql.value(
            "SELECT assignee FROM case_assignment WHERE application = ?", [application_id]
        )
    names = await identity.display_names(
        [n.author for n in notes] + ([worker] if worker is not None else [])
    )
    registry_ids = await registry.registry_ids_of([case.person] if case.person else [])
    return CaseWork(
        notes=[
            CaseNoteRead(
                id=n.id, text=n.text, author_name=names.get(n.author, ""), created_at=n.created_at
            )
            for n in notes
        ],
        assignee_id=worker,
        assignee_name=names.get(worker) if worker is not None else None,
        person_registry_id=registry_ids.get(case.person) if case.person else None,
    )


async def assign(principal: Principal, application_id: int, assignee: int | None) -> CaseWork:
    """Claim a case (caseworkers, for themselves) or assign it (supervisors, to a staff member
    of the case's department); ``None`` releases it."""
    case = await _case(principal, application_id)
    if assignee not in (None, principal.account_id):
        principal.require(Permission.CASES_ASSIGN)
    async with write_transaction() as sql:
        if assignee is not None and not await identity.works_in_department(
            principal.municipality_id, assignee, case.department, sql
        ):
            raise InvalidInput(
                Text(
                    "この部署の職員を選んでください。",
                    "Assign the case to staff of its department.",
                )
            )
        await sql.execute(
            "DELETE FROM case_assignment WHERE municipality = ? AND application = ?",
            [principal.municipality_id, application_id],
        )
        if assignee is not None:
            await sql.execute(
                "INSERT INTO case_assignment (municipality, application, assignee, assigned_by, "
                "assigned_at) VALUES (?, ?, ?, ?, ?)",
                [principal.municipality_id, application_id, assignee, principal.account_id,
                 clock.now()],
            )  # fmt: skip
    return await _case_work(principal, application_id)


async def add_note(principal: Principal, application_id: int, text: str) -> CaseWork:
    await _case(principal, application_id)
    cleaned = text.strip()
    if not cleaned or len(cleaned) > 4000:
        raise InvalidInput(
            Text("メモは1〜4000文字で書いてください。", "A note is 1 to 4000 characters."),
            errors=[
                FieldError(
                    field="text",
                    label=Text("メモ", "note"),
                    message=Text("1〜4000文字", "1 to 4000 characters"),
                )
            ],
        )
    async with write_transaction() as sql:
        await sql.execute(
            "INSERT INTO case_note (municipality, application, author, text, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [principal.municipality_id, application_id, principal.account_id, cleaned, clock.now()],
        )
    return await _case_work(principal, application_id)


async def require_citizens(principal: Principal) -> None:
    """Moves are the citizens division's (住民基本台帳): its staff, or an administrator."""
    found = next(
        (d for d in await registry.departments(principal.municipality_id) if d.code == "citizens"),
        None,
    )
    await registry.require_department(principal, found.id if found else None)
