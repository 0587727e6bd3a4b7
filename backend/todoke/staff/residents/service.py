"""A resident's record in the back office: the consented 360° view, consultation records
(相談記録) and their follow-up tasks.

A resident's records held by other departments appear only with the resident's consent to
sharing, and every opening of a resident is audited with a purpose. The registry, accounts,
applications and notices are read through their domains; consultations and follow-ups are
this domain's own tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import msgspec

from todoke import clock
from todoke.audit import service as audit
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import FieldError, Forbidden, InvalidInput, NotFound, Text
from todoke.identity import public as identity
from todoke.notices import public as notices
from todoke.principal import NOT_ALLOWED, Principal
from todoke.procedures import public as procedures
from todoke.procedures.prefill import load_household
from todoke.procedures.schemas import DepartmentRef, Localized
from todoke.registry import public as registry
from todoke.staff.purposes import check_purpose
from todoke.staff.schemas import (
    ConsultationRead,
    DueFollowUp,
    FollowUpRead,
    ResidentApplication,
    ResidentFacts,
    ResidentNotice,
    ResidentPerson,
    ResidentView,
)

NO_SUCH_PERSON = Text("住民記録が見つかりません。", "No such registry person.")

# --- the resident 360° view -------------------------------------------------------------------


async def find_resident(principal: Principal, registry_id: str) -> int:
    person_id = await registry.person_id_of(principal.municipality_id, registry_id)
    if person_id is None:
        raise NotFound(NO_SUCH_PERSON)
    return person_id


def _department_refs(rows: list[registry.DepartmentRow]) -> dict[int, DepartmentRef]:
    return {
        d.id: DepartmentRef(
            code=d.code, name=Localized(ja=d.name_ja, easy=d.name_easy, en=d.name_en)
        )
        for d in rows
    }


async def resident_view(principal: Principal, registry_id: str, purpose: str) -> ResidentView:
    """Everything the municipality holds about one resident that this staff member may see.
    Their own departments' records always; other departments' only with the resident's
    consent to sharing. Exactly one audit event, carrying the chosen purpose."""
    check_purpose(purpose)
    person_id = await find_resident(principal, registry_id)
    account_id = await identity.resident_account_of(person_id)
    sharing = account_id is not None and await identity.has_consent(account_id, "sharing")
    async with read_transaction() as sql:
        person = await registry.person_record(person_id, sql)
        household = await load_household(sql, person_id, clock.today())
        departments = _department_refs(await registry.departments(principal.municipality_id, sql))
    if person is None:
        raise NotFound(NO_SUCH_PERSON)
    # Without consent, only what the caller's own departments hold.
    shown: Sequence[int] | None = None if sharing else principal.department_scope
    filed = await procedures.applications_of_person(person_id, shown)
    consultations = await _consultations(person_id, shown, departments)
    recent = (
        await notices.recent_notices(account_id, 50) if sharing and account_id is not None else []
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
    )
    return ResidentView(
        person=ResidentPerson(
            registry_id=person.registry_id,
            name=f"{person.family_name} {person.given_name}",
            kana=f"{person.family_name_kana} {person.given_name_kana}",
            birth_date=person.birth_date,
            sex=person.sex,
            postal_code=person.postal_code,
            address=person.address,
            relation=person.relation,
            resident_since=person.resident_since,
            status=person.status,
        ),
        facts=ResidentFacts(
            income_yen=person.income_yen,
            tax_exempt=person.tax_exempt,
            single_parent=person.single_parent,
            livelihood_aid=person.livelihood_aid,
            disability_certificate=person.disability_certificate,
            care_level=person.care_level,
            pregnancy_due_date=person.pregnancy_due_date,
        )
        if sharing
        else None,
        household=list(household.members) if household else [],
        has_account=account_id is not None,
        sharing_consent=sharing,
        applications=[
            ResidentApplication(
                id=a.id,
                receipt_number=a.receipt_number,
                status=a.status,
                channel=a.channel,
                submitted_at=a.submitted_at,
                department=departments[a.department],
                title=a.title,
            )
            for a in filed
        ],
        consultations=consultations,
        notices=[
            ResidentNotice(
                kind=n.kind, title=n.title, created_at=n.created_at, read=n.read_at is not None
            )
            for n in recent
        ],
    )


class _Consultation(msgspec.Struct, frozen=True):
    id: int
    topics: list[str]
    summary: str
    held_on: date
    department: int
    staff: int
    created_at: datetime


class _FollowUp(msgspec.Struct, frozen=True):
    id: int
    consultation: int
    task: str
    due_on: date
    done_at: datetime | None


async def _consultations(
    person_id: int, departments: Sequence[int] | None, refs: dict[int, DepartmentRef]
) -> list[ConsultationRead]:
    """A person's consultations, newest first, held by ``departments`` (None: all)."""
    async with read_transaction() as sql:
        where, args = _in_departments(sql, "department", departments)
        found = await sql.rows(
            _Consultation,
            "SELECT id, topics, summary, held_on, department, staff, created_at "
            "FROM consultation WHERE person = ?" + where + " ORDER BY held_on DESC, id DESC",
            [person_id, *args],
        )
        tasks: list[_FollowUp] = []
        if found:
            marks, ids = sql.in_list([c.id for c in found])
            tasks = await sql.rows(
                _FollowUp,
                "SELECT id, consultation, task, due_on, done_at FROM follow_up "
                f"WHERE consultation {marks} ORDER BY id",
                ids,
            )
    names = await identity.display_names([c.staff for c in found])
    by_consultation: dict[int, list[FollowUpRead]] = {}
    for t in tasks:
        by_consultation.setdefault(t.consultation, []).append(
            FollowUpRead(id=t.id, task=t.task, due_on=t.due_on, done=t.done_at is not None)
        )
    return [
        ConsultationRead(
            id=c.id,
            topics=c.topics,
            summary=c.summary,
            held_on=c.held_on,
            department=refs[c.department],
            staff_name=names.get(c.staff, ""),
            created_at=c.created_at,
            follow_ups=by_consultation.get(c.id, []),
        )
        for c in found
    ]


def _in_departments(
    sql: SqlSession, column: str, departments: Sequence[int] | None
) -> tuple[str, list[Any]]:
    if departments is None:
        return "", []
    if not departments:
        return " AND 1 = 0", []
    marks, args = sql.in_list(list(departments))
    return f" AND {column} {marks}", args


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
    department = next(
        (
            d.id
            for d in await registry.departments(principal.municipality_id)
            if d.code == department_code
        ),
        None,
    )
    if department is None or not principal.in_department(department):
        raise Forbidden(NOT_ALLOWED)
    async with write_transaction() as sql:
        consultation_id = await sql.value(
            "INSERT INTO consultation (municipality, person, department, staff, topics, summary, "
            "held_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                principal.municipality_id,
                person_id,
                department,
                principal.account_id,
                json.dumps(topics),
                summary.strip(),
                held_on,
                clock.now(),
            ],
        )
        await sql.executemany(
            "INSERT INTO follow_up (consultation, task, due_on) VALUES (?, ?, ?)",
            [(consultation_id, task.strip(), due) for task, due in follow_ups],
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="consultation.recorded",
            purpose="consultation",
            subject_person=person_id,
            detail={"consultation": consultation_id},
            sql=sql,
        )
    return int(consultation_id)


# --- follow-ups ----------------------------------------------------------------------------------


class _DueTask(msgspec.Struct, frozen=True):
    id: int
    task: str
    due_on: date
    consultation_id: int
    held_on: date
    department: int


async def follow_ups_due(principal: Principal) -> list[DueFollowUp]:
    """Open follow-up tasks of the staff member's departments, soonest first. Names are not
    listed: the consultation is opened (and audited) to see whom it concerns."""
    clause, args = principal.department_clause("c.department")
    async with read_transaction() as sql:
        tasks = await sql.rows(
            _DueTask,
            "SELECT f.id AS id, f.task AS task, f.due_on AS due_on, c.id AS consultation_id, "
            "c.held_on AS held_on, c.department AS department FROM follow_up f "
            "JOIN consultation c ON c.id = f.consultation "
            "WHERE c.municipality = ? AND f.done_at IS NULL" + clause + " ORDER BY f.due_on, f.id",
            [principal.municipality_id, *args],
        )
    codes = {d.id: d.code for d in await registry.departments(principal.municipality_id)}
    today = clock.today()
    return [
        DueFollowUp(
            id=t.id,
            task=t.task,
            due_on=t.due_on,
            overdue=t.due_on < today,
            consultation_id=t.consultation_id,
            held_on=t.held_on,
            department=codes.get(t.department, ""),
        )
        for t in tasks
    ]


async def complete_follow_up(principal: Principal, follow_up_id: int) -> None:
    async with write_transaction() as sql:
        department = await sql.value(
            "SELECT c.department FROM follow_up f JOIN consultation c ON c.id = f.consultation "
            "WHERE f.id = ? AND c.municipality = ? AND f.done_at IS NULL",
            [follow_up_id, principal.municipality_id],
        )
        if department is None or not principal.in_department(department):
            raise NotFound(Text("タスクが見つかりません。", "No such open follow-up."))
        await sql.execute(
            "UPDATE follow_up SET done_at = ?, done_by = ? WHERE id = ?",
            [clock.now(), principal.account_id, follow_up_id],
        )
