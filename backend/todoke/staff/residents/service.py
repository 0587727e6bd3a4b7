"""A resident's record in the back office: the consented 360° view, consultation records
(相談記録) and their follow-up tasks, and the reason-only openings supervisors review.

Each section of the record is shown only to the roles and departments whose work uses it
(``staff.need_to_know``); records held by other departments appear only with the resident's
consent to sharing; every opening names its basis (a case, consultation or follow-up of the
viewer's department, or a reason) and is audited with it. The registry, accounts,
applications and notices are read through their domains; consultations and follow-ups are
this domain's own tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

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
from todoke.registry import protection
from todoke.registry import public as registry
from todoke.staff import need_to_know
from todoke.staff.purposes import Basis
from todoke.staff.schemas import (
    ConsultationRead,
    DueFollowUp,
    FollowUpRead,
    OpeningBasis,
    ReasonOpeningRead,
    ResidentApplication,
    ResidentFacts,
    ResidentNotice,
    ResidentPerson,
    ResidentView,
    Withheld,
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


class _WorkRef(msgspec.Struct, frozen=True):
    """A consultation (or a follow-up's consultation) as a basis for opening a record."""

    person: int
    department: int
    held_on: date


async def _work_ref(principal: Principal, basis: Basis) -> _WorkRef | None:
    async with read_transaction() as sql:
        if basis.kind == "consultation":
            return await sql.row(
                _WorkRef,
                "SELECT person, department, held_on FROM consultation "
                "WHERE id = ? AND municipality = ?",
                [basis.ref, principal.municipality_id],
            )
        return await sql.row(
            _WorkRef,
            "SELECT c.person AS person, c.department AS department, c.held_on AS held_on "
            "FROM follow_up f JOIN consultation c ON c.id = f.consultation "
            "WHERE f.id = ? AND c.municipality = ?",
            [basis.ref, principal.municipality_id],
        )


NOT_A_BASIS = Text(
    "指定された案件は、この住民についてのあなたの部署の案件ではありません。",
    "That is not your department's work about this resident.",
)
NO_REASON_OPENING = Text(
    "理由だけで住民の記録を開く権限がありません。申請・相談・フォローアップから開いてください。",
    "You may not open a record on a reason alone: open it from a case, consultation or follow-up.",
)


async def _establish(
    principal: Principal,
    person_id: int,
    basis: Basis,
    items: frozenset[str],
    codes: dict[int, str],
) -> OpeningBasis:
    """Check that ``basis`` is work of the viewer's department about this person (or a
    reason, for those granted ``open_by_reason``); what it is, as recorded."""
    if basis.kind == "reason":
        if need_to_know.OPEN_BY_REASON not in items:
            raise Forbidden(NO_REASON_OPENING)
        return OpeningBasis(kind="reason", category=basis.category or "other")
    assert basis.ref is not None
    if basis.kind == "case":
        case = await procedures.case_ref(principal.municipality_id, basis.ref)
        if case is None or case.person != person_id or not principal.in_department(case.department):
            raise _not_a_basis("case")
        return OpeningBasis(
            kind="case",
            id=basis.ref,
            receipt_number=case.receipt_number,
            department=codes.get(case.department, ""),
        )
    work = await _work_ref(principal, basis)
    if work is None or work.person != person_id or not principal.in_department(work.department):
        raise _not_a_basis(basis.kind)
    return OpeningBasis(
        kind=basis.kind, id=basis.ref, held_on=work.held_on, department=codes[work.department]
    )


def _not_a_basis(field: str) -> InvalidInput:
    return InvalidInput(
        NOT_A_BASIS,
        errors=[
            FieldError(
                field=field,
                label=Text("閲覧の根拠", "basis"),
                message=Text("あなたの部署のこの住民の案件を指定してください", NOT_A_BASIS.en),
            )
        ],
    )


# Which field of the registry row each fact section shows.
_FACT_FIELDS = {
    need_to_know.INCOME: "income_yen",
    need_to_know.TAX_EXEMPT: "tax_exempt",
    need_to_know.SINGLE_PARENT: "single_parent",
    need_to_know.LIVELIHOOD_AID: "livelihood_aid",
    need_to_know.DISABILITY: "disability_certificate",
    need_to_know.CARE_LEVEL: "care_level",
    need_to_know.PREGNANCY: "pregnancy_due_date",
}


def _sections(
    items: frozenset[str], *, sharing: bool, on_work: bool
) -> tuple[set[str], list[Withheld]]:
    """The sections shown, and those withheld with why: a grant always; other
    departments' facts and the resident's notices also need consent to sharing; facts
    also need an opening tied to the department's work."""
    shown: set[str] = set()
    withheld: list[Withheld] = []
    for section in need_to_know.SECTIONS:
        if section not in items:
            withheld.append(Withheld(section=section, reason="need_to_know"))
        elif section in need_to_know.FACT_SECTIONS and not on_work:
            withheld.append(Withheld(section=section, reason="basis"))
        elif (section in need_to_know.FACT_SECTIONS or section == need_to_know.NOTICES) and (
            not sharing
        ):
            withheld.append(Withheld(section=section, reason="consent"))
        else:
            shown.add(section)
    return shown, withheld


async def resident_view(principal: Principal, registry_id: str, basis: Basis) -> ResidentView:
    """What the municipality holds about one resident that this staff member may see: the
    sections need-to-know grants their role and department, their own departments'
    records always and other departments' only with the resident's consent to sharing.
    The opening must name its basis; exactly one audit event, carrying it."""
    person_id = await find_resident(principal, registry_id)
    department_rows = await registry.departments(principal.municipality_id)
    codes = {d.id: d.code for d in department_rows}
    items = await need_to_know.items_for(principal, codes)
    opened_for = await _establish(principal, person_id, basis, items, codes)
    account_id = await identity.resident_account_of(person_id)
    sharing = account_id is not None and await identity.has_consent(account_id, "sharing")
    shown, withheld = _sections(items, sharing=sharing, on_work=basis.kind != "reason")
    protected = await protection.is_protected(principal.municipality_id, person_id)
    if protected and need_to_know.CONTACT in shown:
        if need_to_know.PROTECTED_CONTACT in items:
            contact_seen = True
        else:
            shown.discard(need_to_know.CONTACT)
            withheld.append(Withheld(section=need_to_know.CONTACT, reason="protection"))
            contact_seen = False
    else:
        contact_seen = False
    async with read_transaction() as sql:
        person = await registry.person_record(person_id, sql)
        household = (
            await load_household(sql, person_id, clock.today())
            if need_to_know.HOUSEHOLD in shown
            else None
        )
    if person is None:
        raise NotFound(NO_SUCH_PERSON)
    departments = _department_refs(department_rows)
    # Without consent, only what the caller's own departments hold.
    scope: Sequence[int] | None = None if sharing else principal.department_scope
    filed = (
        await procedures.applications_of_person(person_id, scope)
        if need_to_know.APPLICATIONS in shown
        else None
    )
    consultations = (
        await _consultations(person_id, scope, departments)
        if need_to_know.CONSULTATIONS in shown
        else UNSET
    )
    recent = (
        await notices.recent_notices(account_id, 50)
        if need_to_know.NOTICES in shown and account_id is not None
        else []
    )
    recorded = msgspec.to_builtins(opened_for)
    async with write_transaction() as sql:
        if basis.kind == "reason":
            await sql.execute(
                "INSERT INTO reason_opening (municipality, staff, person, category, reason, "
                "departments, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    principal.municipality_id,
                    principal.account_id,
                    person_id,
                    basis.category,
                    basis.reason,
                    json.dumps(sorted(principal.departments)),
                    clock.now(),
                ],
            )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="resident.viewed",
            purpose=basis.kind,
            subject_person=person_id,
            subject_account=account_id,
            detail={
                "sharing": sharing,
                # The resident's access log shows "basis" (AccessBasis's fields only); the
                # staff member's reason stays in the trail beside it.
                "basis": {k: v for k, v in recorded.items() if k != "id"},
                **({"ref": basis.ref} if basis.ref is not None else {}),
                **({"reason": basis.reason} if basis.reason else {}),
                "shown": sorted(shown),
            },
            sql=sql,
        )
        if protected:
            # Its own event: a protected address seen (or withheld) is reviewed apart.
            await need_to_know.record_protected_view(
                principal, person_id, seen=contact_seen, purpose=basis.kind,
                detail={"view": "resident"}, sql=sql,
            )  # fmt: skip
    return ResidentView(
        person=_person(person, shown),
        facts=_facts(person, shown),
        household=list(household.members) if household else UNSET,
        has_account=account_id is not None,
        sharing_consent=sharing,
        applications=UNSET
        if filed is None
        else [
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
        ]
        if need_to_know.NOTICES in shown
        else UNSET,
        basis=opened_for,
        sections=[s for s in need_to_know.SECTIONS if s in shown],
        withheld=withheld,
    )


def _person(person: registry.PersonRecordRow, shown: set[str]) -> ResidentPerson:
    view = ResidentPerson(registry_id=person.registry_id)
    if need_to_know.IDENTITY in shown:
        view = msgspec.structs.replace(
            view,
            name=f"{person.family_name} {person.given_name}",
            kana=f"{person.family_name_kana} {person.given_name_kana}",
            birth_date=person.birth_date,
            sex=person.sex,
            relation=person.relation,
            resident_since=person.resident_since,
            status=person.status,
        )
    if need_to_know.CONTACT in shown:
        view = msgspec.structs.replace(view, postal_code=person.postal_code, address=person.address)
    return view


def _facts(person: registry.PersonRecordRow, shown: set[str]) -> ResidentFacts | UnsetType:
    fields = {
        name: getattr(person, name) for section, name in _FACT_FIELDS.items() if section in shown
    }
    return ResidentFacts(**fields) if fields else UNSET


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
            "INSERT INTO follow_up (municipality, consultation, task, due_on) VALUES (?, ?, ?, ?)",
            [
                (principal.municipality_id, consultation_id, task.strip(), due)
                for task, due in follow_ups
            ],
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


# --- reason-only openings, for supervisors' review --------------------------------------------


class _Opening(msgspec.Struct, frozen=True):
    id: int
    opened_at: datetime
    staff: int
    person: int
    category: str
    reason: str
    departments: list[int]
    reviewed_at: datetime | None
    reviewed_by: int | None


REVIEW_LIMIT = 200


def _reviews(principal: Principal, opening: _Opening) -> bool:
    """Whether ``principal`` reviews this opening: administrators every one, supervisors
    those by staff of their departments."""
    return principal.sees_every_department or bool(
        set(opening.departments) & set(principal.departments)
    )


async def reason_openings(principal: Principal, *, reviewed: bool) -> list[ReasonOpeningRead]:
    """Records opened on a reason alone by staff of the supervisor's departments, newest
    first: those not yet reviewed (or, with ``reviewed``, those already reviewed). Each
    listed resident's access log shows the review."""
    async with read_transaction() as sql:
        found = await sql.rows(
            _Opening,
            "SELECT id, opened_at, staff, person, category, reason, departments, reviewed_at, "
            "reviewed_by FROM reason_opening WHERE municipality = ? AND reviewed_at IS "
            + ("NOT NULL" if reviewed else "NULL")
            + " ORDER BY id DESC LIMIT 2000",
            [principal.municipality_id],
        )
    mine = [o for o in found if _reviews(principal, o)][:REVIEW_LIMIT]
    names = await identity.display_names(
        [o.staff for o in mine] + [o.reviewed_by for o in mine if o.reviewed_by is not None]
    )
    registry_ids = await registry.registry_ids_of({o.person for o in mine})
    by_person: dict[int, list[int]] = {}
    for o in mine:
        by_person.setdefault(o.person, []).append(o.id)
    await audit.record_many(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="reason_openings.listed",
        purpose="review",
        subjects=[
            audit.Subject(person=person, detail={"openings": ids})
            for person, ids in sorted(by_person.items())
        ],
    )
    return [
        ReasonOpeningRead(
            id=o.id,
            opened_at=o.opened_at,
            staff_id=o.staff,
            staff_name=names.get(o.staff, ""),
            registry_id=registry_ids.get(o.person, ""),
            category=o.category,
            reason=o.reason,
            reviewed_at=o.reviewed_at,
            reviewed_by_name=names.get(o.reviewed_by) if o.reviewed_by is not None else None,
        )
        for o in mine
    ]


NO_SUCH_OPENING = Text("閲覧記録が見つかりません。", "No such opening to review.")


async def review_opening(principal: Principal, opening_id: int) -> None:
    """Mark an opening reviewed. Nobody reviews their own."""
    async with write_transaction() as sql:
        opening = await sql.row(
            _Opening,
            "SELECT id, opened_at, staff, person, category, reason, departments, reviewed_at, "
            "reviewed_by FROM reason_opening WHERE id = ? AND municipality = ?",
            [opening_id, principal.municipality_id],
        )
        if opening is None or not _reviews(principal, opening):
            raise NotFound(NO_SUCH_OPENING)
        if opening.staff == principal.account_id:
            raise Forbidden(
                Text("自分の閲覧は確認できません。", "Someone else reviews your own openings.")
            )
        if opening.reviewed_at is not None:
            return
        await sql.execute(
            "UPDATE reason_opening SET reviewed_at = ?, reviewed_by = ? WHERE id = ?",
            [clock.now(), principal.account_id, opening_id],
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="reason_opening.reviewed",
            purpose="review",
            subject_person=opening.person,
            detail={"opening": opening_id},
            sql=sql,
        )
