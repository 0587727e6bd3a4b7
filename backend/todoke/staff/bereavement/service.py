"""おくやみ in the back office (issue 17): the citizens division records a resident's death
once; the case lists every task of the household across the departments, derived from the
registry and the household's applications and benefits, and each department's staff mark
theirs done (or not needed) until none remains.

The death itself is the registry's (``registry.deaths``: status, the surviving parent's
``single_parent``, the change log the re-matching worker reads); this module checks who may,
derives the tasks and audits each record, read and change in the transaction that makes it.

Task codes follow the resident-facing life event おくやみ (``life_event_catalogue`` in the
life-events work: death-notice, head-change, nhi, care, pension, certificate,
child-rearing-allowance) so the two can be unified; the others are the counter's own.
"""

from __future__ import annotations

from datetime import date, timedelta

import msgspec

from todoke import clock
from todoke.audit import service as audit
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import FieldError, InvalidInput, NotFound, Text
from todoke.identity import public as identity
from todoke.principal import Principal
from todoke.procedures import public as procedures
from todoke.procedures.schemas import DepartmentRef, Localized
from todoke.registry import deaths
from todoke.registry import public as registry
from todoke.staff.residents.service import find_resident
from todoke.staff.schemas import (
    BereavementCaseRead,
    BereavementCaseSummary,
    BereavementPerson,
    BereavementReport,
    BereavementTaskRead,
    DeathRecord,
    TaskState,
)

CITIZENS = "citizens"
PURPOSE = "bereavement"
PENSION_OFFICE = "pension_office"


class Task(msgspec.Struct, frozen=True, kw_only=True):
    """A task as derived, before it is stored."""

    item: str
    department: str  # a department code
    kind: str  # counter | online | other_organisation
    procedure: str = ""
    organisation: str = ""
    subject: int | None = None
    state: str = "todo"
    note: str = ""


def _age_on(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def derive_tasks(
    *,
    deceased: deaths.HeldPerson,
    record: registry.PersonRecordRow,
    others: list[deaths.HeldPerson],
    died_on: date,
    surviving_parent: int | None,
    dog: bool,
    death_notice_number: str,
) -> list[Task]:
    """Every task the death brings the household, in the order a counter works them."""
    age = _age_on(deceased.birth_date, died_on)
    receiving = set(filter(None, record.receiving.split(",")))
    living = [m for m in others if m.status == "resident"]
    partner_relation = deaths.PARTNER.get(deceased.relation)
    partner = next((m.id for m in living if m.relation == partner_relation), None)
    tasks = [
        Task(
            item="death-notice",
            department=CITIZENS,
            kind="counter",
            state="done" if death_notice_number else "todo",
            note=f"受理番号 {death_notice_number}" if death_notice_number else "",
        )
    ]
    adults = [m for m in living if (_age_on(m.birth_date, died_on) or 0) >= 15]
    if deceased.relation == "head" and len(adults) >= 2:
        # With one member of 15 or over left, they become the head without a notice.
        tasks.append(Task(item="head-change", department=CITIZENS, kind="counter"))
    tasks.append(
        Task(
            item="certificate",
            department=CITIZENS,
            kind="online",
            procedure="residence-certificate",
        )
    )
    tasks.append(Task(item="seal", department=CITIZENS, kind="counter"))
    if age is not None and age >= 75:
        tasks.append(Task(item="late-elderly", department="elderly", kind="counter"))
    else:
        tasks.append(Task(item="nhi", department=CITIZENS, kind="counter"))
    if (age is not None and age >= 65) or record.care_level:
        tasks.append(Task(item="care", department="elderly", kind="counter"))
    if age is None or age >= 20 or (record.public_pension_yen or 0) > 0:
        tasks.append(
            Task(
                item="pension",
                department=CITIZENS,
                kind="other_organisation",
                organisation=PENSION_OFFICE,
            )
        )
    if record.income_yen:
        tasks.append(Task(item="tax-heir", department="tax", kind="counter"))
    if "child-allowance" in receiving:
        tasks.append(
            Task(
                item="child-allowance",
                department="child-support",
                kind="online",
                procedure="child-allowance",
                subject=surviving_parent or partner,
            )
        )
    if "child-rearing-allowance" in receiving:
        tasks.append(
            Task(item="child-rearing-allowance-end", department="child-support", kind="counter")
        )
    if surviving_parent is not None:
        tasks.append(
            Task(
                item="child-rearing-allowance",
                department="child-support",
                kind="online",
                procedure="child-rearing-allowance",
                subject=surviving_parent,
            )
        )
    if dog:
        tasks.append(Task(item="dog", department="health", kind="counter"))
    return tasks


INVALID_RECORD = Text("死亡の記録を確認してください。", "Check the record of the death.")


def _clean(field: str, label: Text, value: str, *, required: bool) -> str:
    cleaned = " ".join(value.split())
    if (required and not cleaned) or not cleaned.isprintable():
        raise InvalidInput(
            INVALID_RECORD,
            errors=[
                FieldError(
                    field=field,
                    label=label,
                    message=Text("正しく入力してください", "enter it as printed"),
                )
            ],
        )
    return cleaned


async def _require_citizens(principal: Principal) -> None:
    """The resident register is the citizens division's: its staff, or an administrator."""
    found = next(
        (d for d in await registry.departments(principal.municipality_id) if d.code == CITIZENS),
        None,
    )
    await registry.require_department(principal, found.id if found else None)


async def record_death(principal: Principal, registry_id: str, data: DeathRecord) -> int:
    """Record the resident's death and open its おくやみ case with the household's tasks, in one
    transaction with the audit events: nothing is written when anything is refused. Returns
    the case's id."""
    await _require_citizens(principal)
    reported_by = _clean(
        "reported_by", Text("届出人", "reported by"), data.reported_by, required=True
    )
    number = _clean(
        "death_notice_number",
        Text("死亡届の受理番号", "death notice number"),
        data.death_notice_number,
        required=False,
    )
    person_id = await find_resident(principal, registry_id)
    municipality_id = principal.municipality_id
    async with write_transaction() as sql:
        recorded = await deaths.record_death(
            sql, municipality_id=municipality_id, person_id=person_id, died_on=data.died_on
        )
        deceased, others = await deaths.household_of(sql, municipality_id, person_id)
        record = await registry.person_record(person_id, sql)
        assert record is not None
        dog = bool(
            await procedures.persons_who_filed(
                sql, municipality_id, "dog-registration", [person_id]
            )
        )
        tasks = derive_tasks(
            deceased=deceased,
            record=record,
            others=others,
            died_on=data.died_on,
            surviving_parent=recorded.surviving_parent,
            dog=dog,
            death_notice_number=number,
        )
        departments = {d.code: d.id for d in await registry.departments(municipality_id, sql)}
        now = clock.now()
        case_id = await sql.value(
            "INSERT INTO bereavement_case (municipality, person, died_on, reported_by, "
            "reporter_relation, death_notice_number, surviving_parent, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                municipality_id,
                person_id,
                data.died_on,
                reported_by,
                data.reporter_relation,
                number,
                recorded.surviving_parent,
                principal.account_id,
                now,
            ],
        )
        await sql.executemany(
            "INSERT INTO bereavement_task (municipality, bereavement, item, department, kind, "
            "procedure, organisation, subject, state, note, sort_order, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    municipality_id,
                    case_id,
                    task.item,
                    departments.get(task.department, departments[CITIZENS]),
                    task.kind,
                    task.procedure,
                    task.organisation,
                    task.subject,
                    task.state,
                    task.note,
                    order,
                    principal.account_id if task.state != "todo" else None,
                    now if task.state != "todo" else None,
                ]
                for order, task in enumerate(tasks)
            ],
        )
        await audit.record(
            municipality_id=municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="death.recorded",
            purpose=PURPOSE,
            subject_person=person_id,
            detail={
                "died_on": data.died_on.isoformat(),
                "reporter_relation": data.reporter_relation,
                "case": case_id,
                "tasks": len(tasks),
            },
            sql=sql,
        )
        if recorded.surviving_parent is not None:
            await audit.record(
                municipality_id=municipality_id,
                actor_kind="staff",
                actor_account=principal.account_id,
                action="registry.single_parent_recorded",
                purpose=PURPOSE,
                subject_person=recorded.surviving_parent,
                detail={"source": deaths.DEATH_SOURCE, "as_of": data.died_on.isoformat()},
                sql=sql,
            )
    return int(case_id)


# --- reading and working a case -----------------------------------------------------------------


class _Case(msgspec.Struct, frozen=True):
    id: int
    person: int
    died_on: date
    reported_by: str
    reporter_relation: str
    death_notice_number: str
    surviving_parent: int | None
    created_by: int
    created_at: object


class _Task(msgspec.Struct, frozen=True):
    id: int
    bereavement: int
    item: str
    department: int
    kind: str
    procedure: str
    organisation: str
    subject: int | None
    state: str
    note: str
    updated_by: int | None
    updated_at: object


_CASE = (
    "SELECT id, person, died_on, reported_by, reporter_relation, death_notice_number, "
    "surviving_parent, created_by, created_at FROM bereavement_case "
)
_TASK = (
    "SELECT id, bereavement, item, department, kind, procedure, organisation, subject, state, "
    "note, updated_by, updated_at FROM bereavement_task "
)

NO_CASE = Text("このおくやみの記録は見つかりません。", "No such bereavement case.")


async def _people(sql: SqlSession, person_ids: set[int]) -> dict[int, BereavementPerson]:
    found = await registry.person_summaries(sql, person_ids)
    return {
        p.id: BereavementPerson(registry_id=p.registry_id, name=f"{p.family_name} {p.given_name}")
        for p in found
    }


async def _case_read(sql: SqlSession, principal: Principal, case: _Case) -> BereavementCaseRead:
    tasks = await sql.rows(
        _Task,
        _TASK + "WHERE municipality = ? AND bereavement = ? ORDER BY sort_order, id",
        [principal.municipality_id, case.id],
    )
    people = await _people(
        sql,
        {case.person}
        | ({case.surviving_parent} if case.surviving_parent else set())
        | {t.subject for t in tasks if t.subject is not None},
    )
    names = await identity.display_names(
        {case.created_by} | {t.updated_by for t in tasks if t.updated_by is not None}, sql
    )
    departments = {
        d.id: DepartmentRef(
            code=d.code, name=Localized(ja=d.name_ja, easy=d.name_easy, en=d.name_en)
        )
        for d in await registry.departments(principal.municipality_id, sql)
    }
    return BereavementCaseRead(
        id=case.id,
        deceased=people[case.person],
        died_on=case.died_on,
        reported_by=case.reported_by,
        reporter_relation=case.reporter_relation,
        death_notice_number=case.death_notice_number,
        surviving_parent=people.get(case.surviving_parent) if case.surviving_parent else None,
        created_by=names.get(case.created_by),
        created_at=case.created_at,  # type: ignore[arg-type]
        remaining=sum(1 for t in tasks if t.state == "todo"),
        tasks=[
            BereavementTaskRead(
                id=t.id,
                item=t.item,
                department=departments[t.department],
                kind=t.kind,
                procedure=t.procedure,
                organisation=t.organisation,
                subject=people.get(t.subject) if t.subject is not None else None,
                state=t.state,  # type: ignore[arg-type]
                note=t.note,
                updated_by=names.get(t.updated_by) if t.updated_by is not None else None,
                updated_at=t.updated_at,  # type: ignore[arg-type]
                mine=principal.in_department(t.department),
            )
            for t in tasks
        ],
    )


async def _case(sql: SqlSession, principal: Principal, case_id: int) -> _Case:
    found = await sql.row(
        _Case, _CASE + "WHERE municipality = ? AND id = ?", [principal.municipality_id, case_id]
    )
    if found is None:
        raise NotFound(NO_CASE)
    return found


async def read_case(
    principal: Principal, case_id: int, *, audited: bool = True
) -> BereavementCaseRead:
    """One おくやみ case with every department's tasks (audited: a read of the deceased's and
    the household's data; not when it answers the recording just audited)."""
    async with read_transaction() as sql:
        case = await _case(sql, principal, case_id)
        read = await _case_read(sql, principal, case)
    if not audited:
        return read
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="bereavement.read",
        purpose=PURPOSE,
        subject_person=case.person,
        detail={"case": case.id},
    )
    return read


async def open_cases(principal: Principal) -> list[BereavementCaseSummary]:
    """The おくやみ cases with tasks still to do, newest death first, with how many remain
    (in every department, and in the reader's)."""
    async with read_transaction() as sql:
        rows = await sql.fetch(
            "SELECT bereavement, department FROM bereavement_task "
            "WHERE municipality = ? AND state = 'todo'",
            [principal.municipality_id],
        )
        remaining: dict[int, int] = {}
        mine: dict[int, int] = {}
        for case_id, department in rows:
            remaining[case_id] = remaining.get(case_id, 0) + 1
            if principal.in_department(department):
                mine[case_id] = mine.get(case_id, 0) + 1
        cases: list[_Case] = []
        for marks, args in sql.in_batches(sorted(remaining)):
            cases += await sql.rows(
                _Case,
                _CASE + f"WHERE municipality = ? AND id {marks}",
                [principal.municipality_id, *args],
            )
        people = await _people(sql, {c.person for c in cases})
    cases.sort(key=lambda c: (c.died_on, c.id), reverse=True)
    # The list names the deceased: each listed one's read is on the trail.
    await audit.record_many(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="bereavement.listed",
        purpose=PURPOSE,
        subjects=[audit.Subject(person=c.person, detail={"case": c.id}) for c in cases],
    )
    return [
        BereavementCaseSummary(
            id=c.id,
            deceased=people[c.person],
            died_on=c.died_on,
            created_at=c.created_at,  # type: ignore[arg-type]
            remaining=remaining[c.id],
            mine=mine.get(c.id, 0),
        )
        for c in cases
    ]


REPORTS_SHOWN_DAYS = 90  # a report not recorded by then is no longer listed


async def reported_deaths(principal: Principal) -> list[BereavementReport]:
    """Deaths residents told the app of (the おくやみ life event) in the last 90 days whose
    person is still a resident here: the desk records them when the 死亡届 is accepted, and
    the family told it once. Each listed person's read is on the trail."""
    since = clock.now() - timedelta(days=REPORTS_SHOWN_DAYS)
    reports = await procedures.reported_deaths(principal.municipality_id, since)
    listed: list[tuple[BereavementReport, int]] = []
    seen: set[int] = set()
    async with read_transaction() as sql:
        names = await identity.names_as_filed({r.account for r in reports}, sql)
        living = await registry.residents_by_registry_id(
            principal.municipality_id, {code for r in reports for code in r.deceased}, sql
        )
        for report in reports:
            for registry_id in report.deceased:
                person = living.get(registry_id)
                if person is None or person.id in seen:  # recorded, moved, or told twice
                    continue
                seen.add(person.id)
                listed.append(
                    (
                        BereavementReport(
                            life_event_case=report.case_id,
                            deceased=BereavementPerson(
                                registry_id=registry_id,
                                name=f"{person.family_name} {person.given_name}",
                            ),
                            died_on=report.died_on,
                            reported_by=names.get(report.account, ""),
                            reported_at=report.reported_at,
                        ),
                        person.id,
                    )
                )
    await audit.record_many(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="bereavement.reports_listed",
        purpose=PURPOSE,
        subjects=[
            audit.Subject(person=person_id, detail={"life_event_case": r.life_event_case})
            for r, person_id in listed
        ],
    )
    return [report for report, _ in listed]


NO_TASK = Text("このタスクは見つかりません。", "No such task in this case.")


async def update_task(
    principal: Principal, case_id: int, task_id: int, state: TaskState, note: str | None
) -> BereavementCaseRead:
    """Mark a task of the staff member's department done, not needed or back to do (another
    department's is refused, naming it); audited with the change."""
    cleaned = None if note is None else _clean("note", Text("メモ", "note"), note, required=False)
    async with write_transaction() as sql:
        case = await _case(sql, principal, case_id)
        task = await sql.row(
            _Task,
            _TASK + "WHERE municipality = ? AND bereavement = ? AND id = ?",
            [principal.municipality_id, case_id, task_id],
        )
        if task is None:
            raise NotFound(NO_TASK)
        await registry.require_department(principal, task.department, sql)
        await sql.execute(
            "UPDATE bereavement_task SET state = ?, note = ?, updated_by = ?, updated_at = ? "
            "WHERE municipality = ? AND id = ?",
            [
                state,
                task.note if cleaned is None else cleaned,
                principal.account_id,
                clock.now(),
                principal.municipality_id,
                task.id,
            ],
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="bereavement.task_updated",
            purpose=PURPOSE,
            subject_person=case.person,
            detail={"case": case.id, "item": task.item, "from": task.state, "to": state},
            sql=sql,
        )
        return await _case_read(sql, principal, case)
