"""The consented 360° view of a resident, consultation records and follow-ups.

A resident's records held by other departments appear only with the resident's consent
to sharing, and every opening of a resident is audited with a purpose."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import msgspec

from todoke import clock
from todoke.audit import service as audit
from todoke.db import SqlSession, write_transaction
from todoke.db import as_date as _as_date
from todoke.db import aware as _aware
from todoke.db import json_value as _load
from todoke.errors import FieldError, Forbidden, InvalidInput, NotFound, Text
from todoke.principal import NOT_ALLOWED, Permission, Principal
from todoke.procedures.prefill import load_household
from todoke.procedures.schemas import ProcedureDefinition
from todoke.staff.purposes import check_purpose

# --- the resident 360° view -------------------------------------------------------------------


async def find_resident(principal: Principal, registry_id: str) -> int:
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT id FROM person WHERE municipality = ? AND registry_id = ?",
            [principal.municipality_id, registry_id],
        )
    if not rows:
        raise NotFound(Text("住民記録が見つかりません。", "No such registry person."))
    return rows[0][0]


async def resident_view(principal: Principal, registry_id: str, purpose: str) -> dict[str, Any]:
    """Everything the municipality holds about one resident that this staff member may see.
    Their own departments' records always; other departments' only with the resident's
    consent to sharing. Exactly one audit event, carrying the chosen purpose."""
    principal.require(Permission.RESIDENTS_VIEW)
    check_purpose(purpose)
    person_id = await find_resident(principal, registry_id)
    async with write_transaction() as sql:
        accounts = await sql.fetch(
            "SELECT id FROM account WHERE person = ? AND kind = 'resident' AND disabled_at IS NULL",
            [person_id],
        )
        account_id = accounts[0][0] if accounts else None
        sharing = False
        if account_id is not None:
            granted = await sql.fetch(
                "SELECT 1 FROM consent WHERE account = ? AND purpose = 'sharing' "
                "AND revoked_at IS NULL",
                [account_id],
            )
            sharing = bool(granted)
        person = await sql.fetch(
            "SELECT registry_id, family_name, given_name, family_name_kana, given_name_kana, "
            "birth_date, sex, postal_code, address, relation, resident_since, status, "
            "income_yen, tax_exempt, single_parent, livelihood_aid, disability_certificate, "
            "care_level, pregnancy_due_date FROM person WHERE id = ?",
            [person_id],
        )
        household = await load_household(sql, person_id, clock.today())
        own, own_args = principal.department_clause("a.department")
        shown_departments = "" if sharing else own
        rows = await sql.fetch(
            "SELECT a.id, a.receipt_number, a.status, a.channel, a.submitted_at, d.code, "
            "d.name_ja, d.name_easy, d.name_en, pv.definition FROM application a "
            "JOIN department d ON d.id = a.department "
            "JOIN procedure_version pv ON pv.procedure = a.procedure AND pv.version = a.version "
            "WHERE a.person = ? AND a.status != 'awaiting_confirmation'"
            + shown_departments
            + " ORDER BY a.submitted_at DESC",
            [person_id, *([] if sharing else own_args)],
        )
        consult_filter, consult_args = principal.department_clause("c.department")
        consultations = await _consultations(
            sql, person_id, "" if sharing else consult_filter, [] if sharing else consult_args
        )
        notices = (
            await sql.fetch(
                "SELECT kind, title, created_at, read_at FROM notice WHERE account = ? "
                "ORDER BY id DESC LIMIT 50",
                [account_id],
            )
            if sharing and account_id is not None
            else []
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="resident.viewed",
            purpose=purpose,
            subject_person=person_id,
            subject_account=account_id,
            detail={"sharing": sharing},
            sql=sql,
        )
    p = person[0]
    base = {
        "registry_id": p[0],
        "name": f"{p[1]} {p[2]}",
        "kana": f"{p[3]} {p[4]}",
        "birth_date": _as_date(p[5]),
        "sex": p[6],
        "postal_code": p[7],
        "address": p[8],
        "relation": p[9],
        "resident_since": _as_date(p[10]),
        "status": p[11],
    }
    facts = (
        {
            "income_yen": p[12],
            "tax_exempt": _bool(p[13]),
            "single_parent": _bool(p[14]),
            "livelihood_aid": _bool(p[15]),
            "disability_certificate": p[16],
            "care_level": p[17],
            "pregnancy_due_date": _as_date(p[18]),
        }
        if sharing
        else None
    )
    return {
        "person": base,
        "facts": facts,
        "household": [msgspec.to_builtins(m) for m in household.members] if household else [],
        "has_account": account_id is not None,
        "sharing_consent": sharing,
        "applications": [
            {
                "id": r[0],
                "receipt_number": r[1],
                "status": r[2],
                "channel": r[3],
                "submitted_at": _aware(r[4]),
                "department": {"code": r[5], "name": {"ja": r[6], "easy": r[7], "en": r[8]}},
                "title": msgspec.to_builtins(
                    msgspec.json.decode(
                        r[9] if isinstance(r[9], (str, bytes)) else json.dumps(r[9]),
                        type=ProcedureDefinition,
                    ).title
                ),
            }
            for r in rows
        ],
        "consultations": consultations,
        "notices": [
            {"kind": n[0], "title": _load(n[1]), "created_at": _aware(n[2]), "read": bool(n[3])}
            for n in notices
        ],
    }


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


async def _consultations(
    sql: SqlSession, person_id: int, where: str, args: list[Any]
) -> list[dict[str, Any]]:
    rows = await sql.fetch(
        "SELECT c.id, c.topics, c.summary, c.held_on, d.code, d.name_ja, d.name_easy, "
        "d.name_en, s.display_name, c.created_at FROM consultation c "
        "JOIN department d ON d.id = c.department JOIN account s ON s.id = c.staff "
        "WHERE c.person = ?" + where + " ORDER BY c.held_on DESC, c.id DESC",
        [person_id, *args],
    )
    result = []
    for r in rows:
        tasks = await sql.fetch(
            "SELECT id, task, due_on, done_at FROM follow_up WHERE consultation = ? ORDER BY id",
            [r[0]],
        )
        result.append(
            {
                "id": r[0],
                "topics": _load(r[1]),
                "summary": r[2],
                "held_on": _as_date(r[3]),
                "department": {"code": r[4], "name": {"ja": r[5], "easy": r[6], "en": r[7]}},
                "staff_name": r[8],
                "created_at": _aware(r[9]),
                "follow_ups": [
                    {"id": t[0], "task": t[1], "due_on": _as_date(t[2]), "done": t[3] is not None}
                    for t in tasks
                ],
            }
        )
    return result


# --- consultations ------------------------------------------------------------------------------

TOPICS = ("money", "childcare", "care", "disability", "housing", "work", "health", "other")


async def record_consultation(
    principal: Principal,
    *,
    registry_id: str,
    department_code: str,
    topics: list[str],
    summary: str,
    held_on: date,
    follow_ups: list[tuple[str, date]],
) -> int:
    principal.require(Permission.RESIDENTS_VIEW)
    problems = []
    if not topics or any(t not in TOPICS for t in topics) or len(set(topics)) != len(topics):
        problems.append(("topics", "相談の分野", "topics", "選択肢から選んでください"))
    if not summary.strip() or len(summary) > 8000:
        problems.append(("summary", "相談内容", "summary", "1〜8000文字で書いてください"))
    if held_on > clock.today():
        problems.append(("held_on", "相談日", "date", "未来の日付は入力できません"))
    if len(follow_ups) > 20 or any(not t.strip() or len(t) > 500 for t, _ in follow_ups):
        problems.append(("follow_ups", "フォローアップ", "follow-ups", "1〜500文字、20件まで"))
    if problems:
        raise InvalidInput(
            Text("入力内容を確認してください。", "Some fields need your attention."),
            errors=[
                FieldError(field=f, label=Text(ja, en), message=Text(msg, f"invalid {en}"))
                for f, ja, en, msg in problems
            ],
        )
    person_id = await find_resident(principal, registry_id)
    async with write_transaction() as sql:
        department = await sql.fetch(
            "SELECT id FROM department WHERE municipality = ? AND code = ?",
            [principal.municipality_id, department_code],
        )
        if not department or not principal.in_department(department[0][0]):
            raise Forbidden(NOT_ALLOWED)
        rows = await sql.fetch(
            "INSERT INTO consultation (municipality, person, department, staff, topics, summary, "
            "held_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                principal.municipality_id,
                person_id,
                department[0][0],
                principal.account_id,
                json.dumps(topics),
                summary.strip(),
                held_on,
                clock.now(),
            ],
        )
        for task, due in follow_ups:
            await sql.execute(
                "INSERT INTO follow_up (consultation, task, due_on) VALUES (?, ?, ?)",
                [rows[0][0], task.strip(), due],
            )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="consultation.recorded",
            purpose="consultation",
            subject_person=person_id,
            detail={"consultation": rows[0][0]},
            sql=sql,
        )
    return rows[0][0]


async def follow_ups_due(principal: Principal) -> list[dict[str, Any]]:
    """Open follow-up tasks of the staff member's departments, soonest first. Names are not
    listed: the consultation is opened (and audited) to see whom it concerns."""
    principal.require(Permission.RESIDENTS_VIEW)
    clause, args = principal.department_clause("c.department")
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT f.id, f.task, f.due_on, c.id, c.held_on, d.code FROM follow_up f "
            "JOIN consultation c ON c.id = f.consultation JOIN department d ON d.id = c.department "
            "WHERE c.municipality = ? AND f.done_at IS NULL" + clause + " ORDER BY f.due_on, f.id",
            [principal.municipality_id, *args],
        )
    today = clock.today()
    return [
        {
            "id": r[0],
            "task": r[1],
            "due_on": _as_date(r[2]),
            "overdue": _as_date(r[2]) < today,
            "consultation_id": r[3],
            "held_on": _as_date(r[4]),
            "department": r[5],
        }
        for r in rows
    ]


async def complete_follow_up(principal: Principal, follow_up_id: int) -> None:
    principal.require(Permission.RESIDENTS_VIEW)
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT c.department FROM follow_up f JOIN consultation c ON c.id = f.consultation "
            "WHERE f.id = ? AND c.municipality = ? AND f.done_at IS NULL",
            [follow_up_id, principal.municipality_id],
        )
        if not rows or not principal.in_department(rows[0][0]):
            raise NotFound(Text("タスクが見つかりません。", "No such open follow-up."))
        await sql.execute(
            "UPDATE follow_up SET done_at = ?, done_by = ? WHERE id = ?",
            [clock.now(), principal.account_id, follow_up_id],
        )
