"""A counter visit booked online (a procedure whose online mode is ``booking``, e.g. 転居届)
and the resident at the desk: support staff find the booking in the visit, open it (with
the answers corrected with the resident, if need be) and get a code; the resident confirms
it with their own passkey like a counter filing (``assisted``), which accepts it there:
approved, with its effects (``decisions.accept_at_counter``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from todoke import clock, codes
from todoke.audit import service as audit
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import Conflict, NotFound, Text
from todoke.principal import Principal
from todoke.procedures import reading
from todoke.procedures.assisted import CONFIRMATION_MINUTES
from todoke.procedures.filing import (
    attachment_tokens,
    bind_attachments,
    check_answers,
    dump_json,
    same_answer,
)
from todoke.procedures.prefill import load_household
from todoke.procedures.reading import ApplicationRow
from todoke.procedures.schemas import (
    AssistedPending,
    CounterBooking,
    FieldSpec,
    Localized,
    ProcedureDefinition,
)
from todoke.procedures.timeline import record_event
from todoke.procedures.versions import FINAL, definitions_of, status_label, version_by_id
from todoke.registry import protection
from todoke.registry import public as registry

PURPOSE = "counter_support"
_MOST_OPEN = 200  # open applications of one person read to find the bookings among them

_NO_BOOKING = NotFound(
    Text(
        "この住民の窓口予約が見つかりません。",
        "There is no such counter booking of a resident.",
    )
)


class _OpenRow(msgspec.Struct, frozen=True):
    id: int
    receipt_number: str
    procedure_id: int
    version: int
    status: str
    submitted_at: datetime
    answers: dict[str, Any] | None
    confirmation_expires_at: datetime | None


def booked_slot(
    definition: ProcedureDefinition, answers: dict[str, Any]
) -> tuple[date | None, str | None, Localized | None]:
    """The day booked (the form's appointment field) and the hour band chosen beside it
    (a choice of the same section named ``…_time``), with its words."""
    for section in definition.form.sections:
        day_field = next((f for f in section.fields if f.appointment), None)
        if day_field is None:
            continue
        try:
            day: date | None = date.fromisoformat(str(answers.get(day_field.name, "")))
        except ValueError:
            day = None
        time_field = next(
            (f for f in section.fields if f.type == "choice" and f.name.endswith("_time")), None
        )
        chosen = answers.get(time_field.name) if time_field is not None else None
        if time_field is None or not isinstance(chosen, str):
            return day, None, None
        label = next((o.label for o in time_field.options if o.value == chosen), None)
        return day, chosen, label
    return None, None, None


async def open_bookings(
    sql: SqlSession, municipality_id: int, person_id: int, now: datetime
) -> list[CounterBooking]:
    """The person's counter bookings not decided or withdrawn, soonest booked day first."""
    rows = await sql.rows(
        _OpenRow,
        "SELECT id, receipt_number, procedure AS procedure_id, version, status, submitted_at, "
        "answers, confirmation_expires_at FROM application "
        "WHERE municipality = ? AND person = ? AND account IS NOT NULL "
        # Filed, in review, a step of its own (来庁予約済み) or asked for more: not decided,
        # withdrawn, nor a counter filing waiting for its resident.
        "AND status NOT IN ('approved', 'rejected', 'withdrawn', 'awaiting_confirmation') "
        "ORDER BY submitted_at DESC, id DESC LIMIT ?",
        [municipality_id, person_id, _MOST_OPEN],
    )
    definitions = await definitions_of(sql, {(r.procedure_id, r.version) for r in rows})
    bookings = []
    for row in rows:
        definition = definitions[(row.procedure_id, row.version)]
        if definition.online != "booking":
            continue
        day, hour, hour_label = booked_slot(definition, row.answers or {})
        expires = row.confirmation_expires_at
        bookings.append(
            CounterBooking(
                application_id=row.id,
                receipt_number=row.receipt_number,
                slug=definition.slug,
                version=row.version,
                title=definition.title,
                status=row.status,
                status_label=status_label(definition, row.status),
                visit_date=day,
                visit_time=hour,
                visit_time_label=hour_label,
                booked_at=row.submitted_at,
                expires_at=expires if expires is not None and expires >= now else None,
            )
        )
    return sorted(
        bookings, key=lambda b: (b.visit_date or date.max, b.visit_time or "", b.application_id)
    )


async def _booking(
    principal: Principal, application_id: int
) -> tuple[ApplicationRow, ProcedureDefinition]:
    """The booking of a resident of this municipality, and the definition it was filed
    against; anything else reads like a missing id."""
    async with read_transaction() as sql:
        rows = await reading.application_rows(
            sql,
            "WHERE a.id = ? AND a.municipality = ? AND a.status != 'awaiting_confirmation'",
            [application_id, principal.municipality_id],
        )
    row = rows[0] if rows else None
    if row is None or row.person is None or row.account is None:
        raise _NO_BOOKING
    filed = await version_by_id(row.procedure_id, row.version)
    if filed.definition.online != "booking":
        raise _NO_BOOKING
    person = await registry.person_record(row.person)
    if person is None or person.status != "resident":
        raise _NO_BOOKING
    return row, filed.definition


def _closed() -> Conflict:
    return Conflict(
        Text(
            "この予約はすでに完了したか、取り下げられています。",
            "This booking is already decided or was withdrawn.",
        )
    )


async def _corrected(
    principal: Principal,
    row: ApplicationRow,
    definition: ProcedureDefinition,
    answers: dict[str, Any],
    *,
    sees_protected: bool,
) -> tuple[dict[str, Any], dict[str, Any], list[FieldSpec]]:
    """The whole form again as staff corrected it with the resident, checked like a filing
    against the booking's own version: (clean answers, pre-fill record, fields changed).
    For a person under 支援措置 and staff without the need (who were shown 「非表示」), the
    address and contact answers stay as the resident filed them, whatever was sent."""
    filed = row.answers or {}
    assert row.person is not None  # a booking of a resident (``_booking``)
    answers = dict(answers)
    async with read_transaction() as sql:
        household = await load_household(sql, row.person, clock.today())
        tokens = await attachment_tokens(sql, row.filed_by, row.id)
        tokens |= await attachment_tokens(sql, principal.account_id, None)
        withheld = not sees_protected and await protection.is_protected(
            principal.municipality_id, row.person, sql
        )
    if withheld:
        for spec in definition.form.fields():
            if reading.says_contact(spec):
                answers.pop(spec.name, None)
                if spec.name in filed:
                    answers[spec.name] = filed[spec.name]
    clean, record = check_answers(
        definition, answers, household, tokens, prefilled=bool(row.prefill)
    )
    changed = [
        spec
        for spec in definition.form.fields()
        if not same_answer(filed.get(spec.name), clean.get(spec.name))
    ]
    return clean, record, changed


def _opening_text(changed: list[FieldSpec]) -> str:
    if not changed:
        return "窓口で予約を開きました"
    return "窓口で予約を開き、次の項目を直しました：" + "、".join(s.label.ja for s in changed)


async def open_booking(
    principal: Principal,
    application_id: int,
    answers: dict[str, Any] | None,
    *,
    sees_protected: bool,
) -> AssistedPending:
    """Support staff open a resident's booking at the desk: its answers are what the
    resident filed, or those corrected with them (the changes on the timeline); the code
    they get lets the resident confirm it with their own passkey within 30 minutes, which
    accepts it (``assisted.confirm_assisted``). Opening it again gives a new code."""
    row, definition = await _booking(principal, application_id)
    if row.status in FINAL:
        raise _closed()
    changed: list[FieldSpec] = []
    clean: dict[str, Any] | None = None
    record: dict[str, Any] = {}
    if answers is not None:
        clean, record, changed = await _corrected(
            principal, row, definition, answers, sees_protected=sees_protected
        )
    code = codes.new_code(groups=2)
    now = clock.now()
    expires_at = now + timedelta(minutes=CONFIRMATION_MINUTES)
    async with write_transaction() as sql:
        opened = await sql.value(
            "UPDATE application SET confirmation_hash = ?, confirmation_expires_at = ?, "
            "updated_at = ? WHERE municipality = ? AND id = ? "
            "AND status NOT IN ('approved', 'rejected', 'withdrawn', 'awaiting_confirmation') "
            "RETURNING id",
            [codes.code_hash(code), expires_at, now, principal.municipality_id, row.id],
        )
        if opened is None:  # decided or withdrawn since it was read
            raise _closed()
        if clean is not None and changed:
            await sql.execute(
                "UPDATE application SET answers = ?, prefill = ? WHERE municipality = ? AND id = ?",
                [dump_json(clean), dump_json(record), principal.municipality_id, row.id],
            )
            await bind_attachments(sql, definition, clean, principal.account_id, row.id)
        await record_event(
            sql,
            principal.municipality_id,
            row.id,
            kind="assisted",
            actor_kind="staff",
            actor_account=principal.account_id,
            actor_name=principal.display_name,
            text=_opening_text(changed),
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="application.booking_opened",
            purpose=PURPOSE,
            subject_person=row.person,
            subject_account=row.account,
            detail={
                "application": row.id,
                "receipt": row.receipt_number,
                "changed": [spec.name for spec in changed],
            },
            sql=sql,
        )
    return AssistedPending(
        application_id=row.id,
        receipt_number=row.receipt_number,
        confirmation_code=code,
        confirm_url=f"/confirm?code={code}",
        expires_at=expires_at,
    )
