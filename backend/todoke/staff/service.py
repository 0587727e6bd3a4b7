"""The back office: the case queue, assignments and notes, the consented 360° view of a
resident, consultation records, the procedure designer, metrics, audit export and staff
administration.

Who may do what is decided here, by role and department, never by the screen:
- administrator: every department's cases, the designer for every procedure, the registry
  import, the audit trail and staff accounts;
- supervisor: their departments' cases (and assigning them), the designer for their
  departments' procedures, metrics;
- caseworker: their departments' cases;
- support: counter work — assisted filing, identity checks, consultations, the 360° view.
A resident's records held by other departments appear in the 360° view only with the
resident's consent to sharing, and every opening of a resident is audited with a purpose.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from todoke.audit import service as audit
from todoke.db import SqlSession, write_transaction
from todoke.db import as_date as _as_date
from todoke.db import aware as _aware
from todoke.db import json_value as _load
from todoke.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, Text
from todoke.identity.service import end_all_sessions
from todoke.notices import push
from todoke.principal import STAFF_ROLES, Principal
from todoke.procedures import applications
from todoke.procedures import service as catalogue
from todoke.procedures.forms import parse_schema
from todoke.procedures.prefill import load_household
from todoke.procedures.schemas import ProcedureDefinition

JST = ZoneInfo("Asia/Tokyo")

CASE_ROLES = {"caseworker", "supervisor", "administrator"}
ASSIGNING_ROLES = {"supervisor", "administrator"}
COUNTER_ROLES = {"support", "caseworker", "supervisor", "administrator"}
DESIGN_ROLES = {"supervisor", "administrator"}
METRICS_ROLES = {"supervisor", "administrator"}
ADMIN_ROLES = {"administrator"}
PURPOSES = {
    "case_handling": {"ja": "申請の審査", "en": "handling an application"},
    "consultation": {"ja": "相談対応", "en": "a consultation"},
    "counter_support": {"ja": "窓口での手続き支援", "en": "helping at the counter"},
    "resident_inquiry": {"ja": "本人からの問い合わせ", "en": "the resident's own inquiry"},
}

_DENIED = Forbidden(Text("この操作の権限がありません。", "You are not allowed to do this."))


def _now() -> datetime:
    return datetime.now(UTC)


def _today() -> date:
    return datetime.now(JST).date()


def require(principal: Principal, roles: set[str]) -> None:
    if not principal.is_staff or principal.staff_role not in roles:
        raise _DENIED


def _sees_department(principal: Principal, department_id: int) -> bool:
    return principal.staff_role == "administrator" or department_id in principal.departments


def _department_filter(principal: Principal, column: str) -> tuple[str, list[Any]]:
    if principal.staff_role == "administrator":
        return "", []
    if not principal.departments:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join('?' * len(principal.departments))})", list(
        principal.departments
    )


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise InvalidInput(
            Text("閲覧の目的を選んでください。", "Choose why you open this record."),
            errors=[
                FieldError(
                    field="purpose",
                    label=Text("目的", "purpose"),
                    message=Text("選択肢から選んでください", ", ".join(PURPOSES)),
                )
            ],
        )


# --- departments -----------------------------------------------------------------------------


async def departments(principal: Principal) -> list[dict[str, Any]]:
    require(principal, set(STAFF_ROLES))
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
    require(principal, CASE_ROLES)
    where = "WHERE a.municipality = ? AND a.status != 'awaiting_confirmation'"
    args: list[Any] = [principal.municipality_id]
    clause, extra = _department_filter(principal, "a.department")
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
    today = _today()
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
            decided is not None and decided.astimezone(JST).date() > due
        )
        age_days = (today - submitted.astimezone(JST).date()).days
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
    if not rows or not _sees_department(principal, rows[0][0]):
        raise NotFound(Text("申請が見つかりません。", "There is no such application."))
    return rows[0][0], rows[0][1]


async def open_case(principal: Principal, application_id: int, purpose: str) -> dict[str, Any]:
    """The application with staff-only parts: notes, assignee, the resident's changes to
    pre-filled values. One audit event per opening."""
    require(principal, CASE_ROLES)
    _check_purpose(purpose)
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
    require(principal, CASE_ROLES)
    department, _ = await _case(principal, application_id)
    if assignee not in (None, principal.account_id) and principal.staff_role not in (
        ASSIGNING_ROLES
    ):
        raise _DENIED
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
                [application_id, assignee, principal.account_id, _now()],
            )
    return await _case_extras(application_id)


async def add_note(principal: Principal, application_id: int, text: str) -> dict:
    require(principal, CASE_ROLES)
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
            [application_id, principal.account_id, cleaned, _now()],
        )
    return await _case_extras(application_id)


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
    require(principal, COUNTER_ROLES)
    _check_purpose(purpose)
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
        household = await load_household(sql, person_id, _today())
        own, own_args = _department_filter(principal, "a.department")
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
        consult_filter, consult_args = _department_filter(principal, "c.department")
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
    require(principal, COUNTER_ROLES)
    problems = []
    if not topics or any(t not in TOPICS for t in topics) or len(set(topics)) != len(topics):
        problems.append(("topics", "相談の分野", "topics", "選択肢から選んでください"))
    if not summary.strip() or len(summary) > 8000:
        problems.append(("summary", "相談内容", "summary", "1〜8000文字で書いてください"))
    if held_on > _today():
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
        if not department or not _sees_department(principal, department[0][0]):
            raise _DENIED
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
                _now(),
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
    require(principal, COUNTER_ROLES)
    clause, args = _department_filter(principal, "c.department")
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT f.id, f.task, f.due_on, c.id, c.held_on, d.code FROM follow_up f "
            "JOIN consultation c ON c.id = f.consultation JOIN department d ON d.id = c.department "
            "WHERE c.municipality = ? AND f.done_at IS NULL" + clause + " ORDER BY f.due_on, f.id",
            [principal.municipality_id, *args],
        )
    today = _today()
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
    require(principal, COUNTER_ROLES)
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT c.department FROM follow_up f JOIN consultation c ON c.id = f.consultation "
            "WHERE f.id = ? AND c.municipality = ? AND f.done_at IS NULL",
            [follow_up_id, principal.municipality_id],
        )
        if not rows or not _sees_department(principal, rows[0][0]):
            raise NotFound(Text("タスクが見つかりません。", "No such open follow-up."))
        await sql.execute(
            "UPDATE follow_up SET done_at = ?, done_by = ? WHERE id = ?",
            [_now(), principal.account_id, follow_up_id],
        )


# --- the procedure designer ------------------------------------------------------------------


async def designer_list(principal: Principal) -> list[dict[str, Any]]:
    require(principal, DESIGN_ROLES)
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT p.slug, p.published_version, d.code, p.department FROM procedure p "
            "JOIN department d ON d.id = p.department WHERE p.municipality = ? "
            "ORDER BY p.sort_order, p.id",
            [principal.municipality_id],
        )
    return [
        {
            "slug": r[0],
            "version": r[1],
            "department": r[2],
            "editable": _sees_department(principal, r[3]),
        }
        for r in rows
    ]


async def designer_get(principal: Principal, slug: str) -> dict[str, Any]:
    require(principal, DESIGN_ROLES)
    version = await applications.load_version(principal.municipality_id, slug)
    async with write_transaction() as sql:
        versions = await sql.fetch(
            "SELECT version, published_at FROM procedure_version WHERE procedure = ? "
            "ORDER BY version DESC",
            [version.procedure_id],
        )
    return {
        "definition": msgspec.to_builtins(version.definition),
        "version": version.version,
        "versions": [{"version": v[0], "published_at": _aware(v[1])} for v in versions],
    }


def check_definition(raw: dict[str, Any]) -> ProcedureDefinition:
    """A designer's definition, checked as strictly as a seeded one."""
    try:
        definition = msgspec.convert(raw, ProcedureDefinition)
        parse_schema(msgspec.to_builtins(definition.form))
    except (msgspec.ValidationError, ValueError) as error:
        raise InvalidInput(
            Text("手続きの定義に誤りがあります。", "The procedure definition is invalid."),
            errors=[
                FieldError(
                    field="definition",
                    label=Text("手続きの定義", "definition"),
                    message=Text(str(error), str(error)),
                )
            ],
        ) from None
    if (
        not definition.slug
        or len(definition.slug) > 64
        or not all(c.isascii() and (c.isalnum() or c == "-") for c in definition.slug)
    ):
        raise InvalidInput(
            Text("識別名は英数字とハイフンで入力してください。", "Slug: letters, digits, '-'.")
        )
    return definition


async def designer_publish(principal: Principal, raw: dict[str, Any]) -> dict[str, Any]:
    """Publish a definition as the procedure's next version (a new procedure when the slug
    is new). Published versions never change; applications keep the version they were
    filed against; residents see the new one at once, without a restart."""
    require(principal, DESIGN_ROLES)
    definition = check_definition(raw)
    async with write_transaction() as sql:
        departments_rows = await sql.fetch(
            "SELECT code, id FROM department WHERE municipality = ?", [principal.municipality_id]
        )
        existing = await sql.fetch(
            "SELECT department, sort_order FROM procedure WHERE municipality = ? AND slug = ?",
            [principal.municipality_id, definition.slug],
        )
    department_ids = dict(departments_rows)
    target = department_ids.get(definition.department)
    if target is None:
        raise InvalidInput(Text("部署が見つかりません。", "Unknown department code."))
    if not _sees_department(principal, target) or (
        existing and not _sees_department(principal, existing[0][0])
    ):
        raise _DENIED
    sort_order = existing[0][1] if existing else 1000
    version = await catalogue.publish(
        principal.municipality_id, department_ids, definition, sort_order=sort_order
    )
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="procedure.published",
        purpose="administration",
        detail={"slug": definition.slug, "version": version},
    )
    return {"slug": definition.slug, "version": version}


def designer_preview(principal: Principal, raw: dict[str, Any]) -> dict[str, Any]:
    """The form exactly as residents will get it (without anyone's registry data)."""
    require(principal, DESIGN_ROLES)
    definition = check_definition(raw)
    return {
        "form": msgspec.to_builtins(definition.form),
        "steps": msgspec.to_builtins(applications.steps_of(definition)),
        "title": msgspec.to_builtins(definition.title),
        "summary": msgspec.to_builtins(definition.summary),
        "help": msgspec.to_builtins(definition.help),
    }


# --- metrics --------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return round(ordered[index], 1)


async def metrics(principal: Principal) -> dict[str, Any]:
    """Per procedure: received, open, processing time (median, 90th percentile, in days),
    service-level breaches and the share filed online vs assisted at a counter."""
    require(principal, METRICS_ROLES)
    clause, args = _department_filter(principal, "a.department")
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT p.slug, a.status, a.channel, a.submitted_at, a.decided_at, a.due_by "
            "FROM application a JOIN procedure p ON p.id = a.procedure "
            "WHERE a.municipality = ? AND a.status != 'awaiting_confirmation'" + clause,
            [principal.municipality_id, *args],
        )
        titles = {
            s.slug: s.title for s in await catalogue.list_published(principal.municipality_id)
        }
    today = _today()
    per: dict[str, dict[str, Any]] = {}
    for slug, status, channel, submitted, decided, due in rows:
        entry = per.setdefault(
            slug,
            {"received": 0, "open": 0, "durations": [], "breaches": 0, "assisted": 0},
        )
        entry["received"] += 1
        entry["assisted"] += channel == "assisted"
        due_on = _as_date(due)
        if status in applications.FINAL:
            if status != "withdrawn" and decided is not None:
                took = (_aware(decided) - _aware(submitted)).total_seconds() / 86400
                entry["durations"].append(took)
                entry["breaches"] += _aware(decided).astimezone(JST).date() > due_on
        else:
            entry["open"] += 1
            entry["breaches"] += due_on < today
    procedures = []
    for slug in sorted(per, key=lambda s: list(titles).index(s) if s in titles else 999):
        entry = per[slug]
        title = titles.get(slug)
        procedures.append(
            {
                "slug": slug,
                "title": msgspec.to_builtins(title) if title else {"ja": slug, "en": slug},
                "received": entry["received"],
                "open": entry["open"],
                "median_days": round(statistics.median(entry["durations"]), 1)
                if entry["durations"]
                else None,
                "p90_days": _percentile(entry["durations"], 0.9),
                "breaches": entry["breaches"],
                "online_share": round(1 - entry["assisted"] / entry["received"], 3),
                "assisted_share": round(entry["assisted"] / entry["received"], 3),
            }
        )
    # Push delivery is the whole municipality's (operators'), not a department's.
    delivery = await push.figures() if principal.staff_role == "administrator" else None
    return {"procedures": procedures, "push": delivery, "as_of": _now()}


def metrics_csv(figures: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["procedure", "title", "received", "open", "median_days", "p90_days", "breaches",
         "online_share", "assisted_share"]
    )  # fmt: skip
    for p in figures["procedures"]:
        writer.writerow(
            [p["slug"], p["title"]["ja"], p["received"], p["open"], p["median_days"],
             p["p90_days"], p["breaches"], p["online_share"], p["assisted_share"]]
        )  # fmt: skip
    return out.getvalue()


# --- audit ---------------------------------------------------------------------------------


async def audit_export(principal: Principal, since: date | None, until: date | None) -> str:
    """The audit trail as CSV lines, each with its hash and the previous one, so a copy can
    be checked outside the system."""
    require(principal, ADMIN_ROLES)
    where = "WHERE municipality = ?"
    args: list[Any] = [principal.municipality_id]
    if since:
        where += " AND occurred_at >= ?"
        args.append(datetime(since.year, since.month, since.day, tzinfo=JST))
    if until:
        where += " AND occurred_at < ?"
        args.append(datetime(until.year, until.month, until.day, tzinfo=JST))
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT id, occurred_at, actor_kind, actor_account, action, purpose, subject_person, "
            "subject_account, detail, previous_hash, hash FROM audit_event " + where
            + " ORDER BY id",
            args,
        )  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "occurred_at", "actor_kind", "actor_account", "action", "purpose",
         "subject_person", "subject_account", "detail", "previous_hash", "hash"]
    )  # fmt: skip
    for r in rows:
        detail = r[8] if isinstance(r[8], str) else json.dumps(r[8], ensure_ascii=False)
        writer.writerow([r[0], _aware(r[1]).isoformat(), *r[2:8], detail, r[9], r[10]])
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="audit.exported",
        purpose="administration",
        detail={"events": len(rows)},
    )
    return out.getvalue()


# --- staff administration -------------------------------------------------------------------


async def staff_accounts(principal: Principal) -> list[dict[str, Any]]:
    require(principal, ADMIN_ROLES)
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT a.id, a.display_name, a.staff_role, a.created_at, a.disabled_at "
            "FROM account a WHERE a.municipality = ? AND a.kind = 'staff' ORDER BY a.id",
            [principal.municipality_id],
        )
        links = await sql.fetch(
            "SELECT sd.account, d.code FROM staff_department sd "
            "JOIN department d ON d.id = sd.department JOIN account a ON a.id = sd.account "
            "WHERE a.municipality = ?",
            [principal.municipality_id],
        )
    codes: dict[int, list[str]] = {}
    for account, code in links:
        codes.setdefault(account, []).append(code)
    return [
        {
            "id": r[0],
            "display_name": r[1],
            "role": r[2],
            "departments": sorted(codes.get(r[0], [])),
            "created_at": _aware(r[3]),
            "active": r[4] is None,
        }
        for r in rows
    ]


async def update_staff(
    principal: Principal, account_id: int, role: str, department_codes: list[str]
) -> None:
    require(principal, ADMIN_ROLES)
    if role not in STAFF_ROLES:
        raise InvalidInput(
            Text("役割が正しくありません。", f"Role must be one of {', '.join(STAFF_ROLES)}.")
        )
    async with write_transaction() as sql:
        target = await sql.fetch(
            "SELECT id FROM account WHERE id = ? AND municipality = ? AND kind = 'staff'",
            [account_id, principal.municipality_id],
        )
        if not target:
            raise NotFound(Text("職員が見つかりません。", "No such staff account."))
        if account_id == principal.account_id and role != "administrator":
            raise Conflict(
                Text(
                    "自分の管理者権限は外せません。",
                    "You cannot remove your own administrator role.",
                )
            )
        found = await sql.fetch(
            "SELECT code, id FROM department WHERE municipality = ?", [principal.municipality_id]
        )
        known = dict(found)
        unknown = [c for c in department_codes if c not in known]
        if unknown:
            raise InvalidInput(
                Text("部署が見つかりません。", f"Unknown departments: {', '.join(unknown)}")
            )
        await sql.execute("UPDATE account SET staff_role = ? WHERE id = ?", [role, account_id])
        await sql.execute("DELETE FROM staff_department WHERE account = ?", [account_id])
        for code in sorted(set(department_codes)):
            await sql.execute(
                "INSERT INTO staff_department (account, department) VALUES (?, ?)",
                [account_id, known[code]],
            )
        # New rights take effect at the next sign-in; ending sessions makes it now.
        await end_all_sessions(account_id, sql)
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="staff.updated",
            purpose="administration",
            subject_account=account_id,
            detail={"role": role, "departments": sorted(set(department_codes))},
            sql=sql,
        )


async def deactivate_staff(principal: Principal, account_id: int) -> None:
    """A deactivated account's sessions end at once and its passkeys no longer sign in."""
    require(principal, ADMIN_ROLES)
    if account_id == principal.account_id:
        raise Conflict(Text("自分自身は無効にできません。", "You cannot deactivate yourself."))
    async with write_transaction() as sql:
        target = await sql.fetch(
            "SELECT id FROM account WHERE id = ? AND municipality = ? AND kind = 'staff' "
            "AND disabled_at IS NULL",
            [account_id, principal.municipality_id],
        )
        if not target:
            raise NotFound(Text("職員が見つかりません。", "No such active staff account."))
        await sql.execute("UPDATE account SET disabled_at = ? WHERE id = ?", [_now(), account_id])
        await end_all_sessions(account_id, sql)
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="staff.deactivated",
            purpose="administration",
            subject_account=account_id,
            sql=sql,
        )
