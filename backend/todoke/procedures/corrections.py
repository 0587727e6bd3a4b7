"""Corrections of registry facts ("この情報が違う"): a resident tells the department that
keeps a pre-filled fact that it is wrong; that department's staff answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from todoke import clock
from todoke.audit import service as audit
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import FieldError, Forbidden, InvalidInput, NotFound, Text
from todoke.notices.service import write_notice
from todoke.principal import Principal
from todoke.procedures.filing import dump_json
from todoke.procedures.prefill import FACT_DEPARTMENT, load_household, prefill_for
from todoke.procedures.schemas import CorrectionRead, DepartmentRef, Localized
from todoke.procedures.service import department_refs
from todoke.procedures.versions import load_version
from todoke.registry import public as registry


async def request_correction(
    principal: Principal, *, slug: str, field: str, note: str
) -> CorrectionRead:
    """Tell the department keeping the fact behind a pre-filled field that it is wrong."""
    if principal.is_staff or principal.person_id is None:
        raise Forbidden(
            Text("本人確認済みの住民のみ依頼できます。", "Only verified residents can ask.")
        )
    if len(note) > 1000:
        raise InvalidInput(Text("1000文字以内で書いてください。", "At most 1000 characters."))
    version = await load_version(principal.municipality_id, slug)
    spec = next((f for f in version.definition.form.fields() if f.name == field), None)
    if spec is None or spec.prefill is None:
        raise InvalidInput(
            Text("登録情報から入力された項目ではありません。", "That field is not pre-filled."),
            errors=[
                FieldError(
                    field="field",
                    label=Text("項目", "field"),
                    message=Text("この様式の登録情報の項目を指定してください", "unknown field"),
                )
            ],
        )
    async with write_transaction() as sql:
        household = await load_household(sql, principal.person_id, clock.today())
        held = prefill_for(version.definition.form, household).get(field) if household else None
        fact = held.fact if held else "name"
        current: Any = held.value if held else ""
        if isinstance(current, list) and household is not None:
            current = "、".join(household.name_of(v) for v in current)
        keeper = FACT_DEPARTMENT.get(fact, "citizens")
        department_id = next(
            (
                d.id
                for d in await registry.departments(principal.municipality_id, sql)
                if d.code == keeper
            ),
            version.department_id,
        )
        correction_id = await sql.value(
            "INSERT INTO correction_request (municipality, account, person, department, fact, "
            "field_label, current_value, note, status, reply, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', '', ?) RETURNING id",
            [
                principal.municipality_id,
                principal.account_id,
                principal.person_id,
                department_id,
                fact,
                dump_json(msgspec.to_builtins(spec.label)),
                str(current),
                note.strip(),
                clock.now(),
            ],
        )
        return (await _corrections(sql, "WHERE c.id = ?", [correction_id]))[0]


class _CorrectionRow(msgspec.Struct, frozen=True):
    id: int
    municipality: int
    fact: str
    field_label: dict[str, Any]
    current_value: str
    note: str
    department: int
    status: str
    reply: str
    created_at: datetime
    resolved_at: datetime | None


async def _corrections(sql: SqlSession, where: str, args: list[Any]) -> list[CorrectionRead]:
    rows = await sql.rows(
        _CorrectionRow,
        "SELECT c.id AS id, c.municipality AS municipality, c.fact AS fact, "
        "c.field_label AS field_label, c.current_value AS current_value, c.note AS note, "
        "c.department AS department, c.status AS status, c.reply AS reply, "
        "c.created_at AS created_at, c.resolved_at AS resolved_at "
        "FROM correction_request c " + where,
        args,
    )
    departments: dict[int, DepartmentRef] = {}
    for municipality_id in {r.municipality for r in rows}:
        departments.update(await department_refs(sql, municipality_id))
    result = []
    for row in rows:
        result.append(
            CorrectionRead(
                id=row.id,
                fact=row.fact,
                fact_label=msgspec.convert(row.field_label, Localized),
                current_value=row.current_value,
                note=row.note,
                department=departments[row.department],
                status=row.status,
                reply=row.reply,
                created_at=row.created_at,
                resolved_at=row.resolved_at,
            )
        )
    return result


async def list_corrections(principal: Principal) -> list[CorrectionRead]:
    """The resident's own correction requests, newest first."""
    async with read_transaction() as sql:
        return await _corrections(
            sql, "WHERE c.account = ? ORDER BY c.id DESC", [principal.account_id]
        )


class _CorrectionSubject(msgspec.Struct, frozen=True):
    id: int
    person: int
    account: int


async def list_corrections_for_staff(principal: Principal) -> list[CorrectionRead]:
    """Correction requests for this staff member's departments, newest first. The list
    shows residents' facts and words: each resident listed gets an audit event (their
    access log shows it)."""
    clause, args = principal.department_clause("c.department")
    where = "WHERE c.municipality = ?" + clause + " ORDER BY c.id DESC LIMIT 500"
    async with read_transaction() as sql:
        listed = await _corrections(sql, where, [principal.municipality_id, *args])
        subjects = await sql.rows(
            _CorrectionSubject,
            "SELECT c.id AS id, c.person AS person, c.account AS account "
            "FROM correction_request c " + where,
            [principal.municipality_id, *args],
        )
    by_person: dict[tuple[int, int], list[int]] = {}
    for s in subjects:
        by_person.setdefault((s.person, s.account), []).append(s.id)
    await audit.record_many(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="corrections.listed",
        purpose="correction_handling",
        subjects=[
            audit.Subject(person=person, account=account, detail={"corrections": ids})
            for (person, account), ids in sorted(by_person.items())
        ],
    )
    return listed


class _OpenCorrection(msgspec.Struct, frozen=True):
    department: int
    account: int


async def resolve_correction(
    principal: Principal, correction_id: int, status: str, reply: str
) -> CorrectionRead:
    """Answer a correction request of one's own department; the resident is told."""
    if status not in ("resolved", "rejected") or len(reply) > 2000:
        raise InvalidInput(
            Text("状態は resolved か rejected です。", "Status must be resolved or rejected.")
        )
    async with write_transaction() as sql:
        found = await sql.row(
            _OpenCorrection,
            "SELECT department, account FROM correction_request WHERE id = ? AND municipality = ? "
            "AND status = 'open'",
            [correction_id, principal.municipality_id],
        )
        if found is None or not principal.in_department(found.department):
            raise NotFound(Text("訂正の依頼が見つかりません。", "No such open correction request."))
        await sql.execute(
            "UPDATE correction_request SET status = ?, reply = ?, resolved_at = ? WHERE id = ?",
            [status, reply.strip(), clock.now(), correction_id],
        )
        await write_notice(
            sql,
            municipality_id=principal.municipality_id,
            account_id=found.account,
            kind="correction." + status,
            title={
                "ja": "登録情報の訂正依頼に回答がありました",
                "easy": "じょうほうの なおしに こたえが きました",
                "en": "Your correction request was answered",
            },
            body={"ja": reply or status, "easy": reply or status, "en": reply or status},
            link="/corrections",
            thread=str(correction_id),
        )
        return (await _corrections(sql, "WHERE c.id = ?", [correction_id]))[0]
