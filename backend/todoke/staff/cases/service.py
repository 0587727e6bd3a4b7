"""The case queue: departments, the queue, opening a case, assignment and notes."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from todoke import clock
from todoke.db import as_date as _as_date
from todoke.db import aware as _aware
from todoke.db import write_transaction
from todoke.errors import FieldError, Forbidden, InvalidInput, NotFound, Text
from todoke.principal import NOT_ALLOWED, Permission, Principal
from todoke.procedures import applications
from todoke.procedures.schemas import ProcedureDefinition
from todoke.staff.purposes import check_purpose

# --- departments -----------------------------------------------------------------------------


async def departments(principal: Principal) -> list[dict[str, Any]]:
    principal.require(Permission.STAFF_AREA)
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT id, code, name_ja, name_easy, name_en FROM department "
            "WHERE municipality = ? ORDER BY id",
            [principal.municipality_id],
        )
    return [
        {
            "id": r[0],
            "code": r[1],
            "name": {"ja": r[2], "easy": r[3], "en": r[4]},
            "mine": r[0] in principal.departments,
        }
        for r in rows
    ]


# --- the case queue --------------------------------------------------------------------------


async def queue(
    principal: Principal,
    *,
    procedure: str | None = None,
    status: str | None = None,
    assignee: str | None = None,
    breached: bool | None = None,
    older_than_days: int | None = None,
) -> list[dict[str, Any]]:
    """The departments' open and recent cases. The queue shows no personal data: a case is
    opened (and that opening audited) to see who it is about."""
    principal.require(Permission.CASES_WORK)
    where = "WHERE a.municipality = ? AND a.status != 'awaiting_confirmation'"
    args: list[Any] = [principal.municipality_id]
    clause, extra = principal.department_clause("a.department")
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
    if assignee == "me":
        where += " AND ca.assignee = ?"
        args.append(principal.account_id)
    elif assignee == "none":
        where += " AND ca.assignee IS NULL"
    elif assignee and assignee.isdigit():
        where += " AND ca.assignee = ?"
        args.append(int(assignee))
    today = clock.today()
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT a.id, a.receipt_number, p.slug, a.version, a.status, a.channel, "
            "a.submitted_at, a.due_by, a.decided_at, ca.assignee, s.display_name, a.department, "
            "pv.definition FROM application a JOIN procedure p ON p.id = a.procedure "
            "JOIN procedure_version pv ON pv.procedure = a.procedure AND pv.version = a.version "
            "LEFT JOIN case_assignment ca ON ca.application = a.id "
            "LEFT JOIN account s ON s.id = ca.assignee "
            + where
            + " ORDER BY a.due_by, a.id LIMIT 1000",
            args,
        )
    items = []
    for r in rows:
        definition = msgspec.json.decode(
            r[12] if isinstance(r[12], (str, bytes)) else json.dumps(r[12]),
            type=ProcedureDefinition,
        )
        submitted = _aware(r[6])
        due = _as_date(r[7])
        decided = _aware(r[8])
        is_open = r[4] not in applications.FINAL
        late = (is_open and due < today) or (
            decided is not None and decided.astimezone(clock.JST).date() > due
        )
        age_days = (today - submitted.astimezone(clock.JST).date()).days
        if breached is not None and late != breached:
            continue
        if older_than_days is not None and age_days < older_than_days:
            continue
        items.append(
            {
                "id": r[0],
                "receipt_number": r[1],
                "procedure": r[2],
                "title": definition.title,
                "status": r[4],
                "status_label": applications.status_label(definition, r[4]),
                "channel": r[5],
                "submitted_at": submitted,
                "due_by": due,
                "age_days": age_days,
                "breached": late,
                "assignee_id": r[9],
                "assignee_name": r[10],
                "department_id": r[11],
            }
        )
    return items


async def _case(principal: Principal, application_id: int) -> tuple[int, int | None]:
    """(department, person) of a case this staff member may work; not found otherwise."""
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT department, person FROM application WHERE id = ? AND municipality = ? "
            "AND status != 'awaiting_confirmation'",
            [application_id, principal.municipality_id],
        )
    if not rows or not principal.in_department(rows[0][0]):
        raise NotFound(Text("申請が見つかりません。", "There is no such application."))
    return rows[0][0], rows[0][1]


async def open_case(principal: Principal, application_id: int, purpose: str) -> dict[str, Any]:
    """The application with staff-only parts: notes, assignee, the resident's changes to
    pre-filled values. One audit event per opening."""
    principal.require(Permission.CASES_WORK)
    check_purpose(purpose)
    body = await applications.get_for_staff(principal, application_id, purpose)
    body.update(await _case_extras(application_id))
    return body


async def _case_extras(application_id: int) -> dict[str, Any]:
    async with write_transaction() as sql:
        notes = await sql.fetch(
            "SELECT n.id, n.text, a.display_name, n.created_at FROM case_note n "
            "JOIN account a ON a.id = n.author WHERE n.application = ? ORDER BY n.id",
            [application_id],
        )
        assigned = await sql.fetch(
            "SELECT ca.assignee, a.display_name FROM case_assignment ca "
            "JOIN account a ON a.id = ca.assignee WHERE ca.application = ?",
            [application_id],
        )
        person = await sql.fetch(
            "SELECT p.registry_id FROM application ap JOIN person p ON p.id = ap.person "
            "WHERE ap.id = ?",
            [application_id],
        )
    return {
        "notes": [
            {"id": n[0], "text": n[1], "author_name": n[2], "created_at": _aware(n[3])}
            for n in notes
        ],
        "assignee_id": assigned[0][0] if assigned else None,
        "assignee_name": assigned[0][1] if assigned else None,
        "person_registry_id": person[0][0] if person else None,
    }


async def assign(principal: Principal, application_id: int, assignee: int | None) -> dict:
    """Claim a case (caseworkers, for themselves) or assign it (supervisors, to a staff member
    of the case's department); ``None`` releases it."""
    principal.require(Permission.CASES_WORK)
    department, _ = await _case(principal, application_id)
    if assignee not in (None, principal.account_id) and not principal.may(Permission.CASES_ASSIGN):
        raise Forbidden(NOT_ALLOWED)
    async with write_transaction() as sql:
        if assignee is not None:
            staff = await sql.fetch(
                "SELECT a.id FROM account a LEFT JOIN staff_department sd ON sd.account = a.id "
                "WHERE a.id = ? AND a.kind = 'staff' AND a.disabled_at IS NULL "
                "AND a.municipality = ? AND (a.staff_role = 'administrator' "
                "OR sd.department = ?)",
                [assignee, principal.municipality_id, department],
            )
            if not staff:
                raise InvalidInput(
                    Text(
                        "この部署の職員を選んでください。",
                        "Assign the case to staff of its department.",
                    )
                )
        await sql.execute("DELETE FROM case_assignment WHERE application = ?", [application_id])
        if assignee is not None:
            await sql.execute(
                "INSERT INTO case_assignment (application, assignee, assigned_by, assigned_at) "
                "VALUES (?, ?, ?, ?)",
                [application_id, assignee, principal.account_id, clock.now()],
            )
    return await _case_extras(application_id)


async def add_note(principal: Principal, application_id: int, text: str) -> dict:
    principal.require(Permission.CASES_WORK)
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
            "INSERT INTO case_note (application, author, text, created_at) VALUES (?, ?, ?, ?)",
            [application_id, principal.account_id, cleaned, clock.now()],
        )
    return await _case_extras(application_id)
