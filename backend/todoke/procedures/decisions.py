"""The staff side of an application: opening it, deciding it (and what an approval
changes beyond it), messages to the resident. Who may decide is declared on the staff
routes; here staff see only their own departments' applications."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from todoke import clock
from todoke.audit import service as audit
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import Conflict, FieldError, InvalidInput, Text
from todoke.notices.service import write_notice
from todoke.principal import Principal
from todoke.procedures.prefill import FACT_DEPARTMENT
from todoke.procedures.reading import NOT_FOUND, ApplicationRow, application_rows, read_application
from todoke.procedures.schemas import (
    AddressEffect,
    ApplicationRead,
    Localized,
    ProcedureDefinition,
)
from todoke.procedures.service import decode_definition
from todoke.procedures.timeline import message_text, record_event
from todoke.procedures.versions import FINAL, status_label, version_by_id
from todoke.registry import public as registry_public
from todoke.registry import service as registry


async def staff_row(principal: Principal, application_id: int) -> ApplicationRow:
    """The application if it is filed (not waiting for a counter confirmation) and belongs
    to one of this staff member's departments; otherwise not found."""
    async with read_transaction() as sql:
        rows = await application_rows(
            sql,
            "WHERE a.id = ? AND a.municipality = ? AND a.status != 'awaiting_confirmation'",
            [application_id, principal.municipality_id],
        )
    if not rows or not principal.in_department(rows[0].department):
        raise NOT_FOUND
    return rows[0]


async def get_for_staff(
    principal: Principal, application_id: int, purpose: str, *, sees_protected: bool = False
) -> ApplicationRead:
    """The application for case work; every opening is an audit event with its purpose.
    A protected applicant's contact only for staff with the need (``sees_protected``, which
    the back office decides)."""
    row = await staff_row(principal, application_id)
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="application.opened",
        purpose=purpose,
        subject_person=row.person,
        subject_account=row.account,
        detail={"application": row.id, "receipt": row.receipt_number},
    )
    return await read_application(row, sees_protected=sees_protected)


def _document_error(message: Text) -> FieldError:
    return FieldError(field="document", label=Text("求める書類", "document"), message=message)


async def change_status(
    principal: Principal,
    application_id: int,
    status: str,
    message: str,
    document: str = "",
    *,
    sees_protected: bool = False,
) -> ApplicationRead:
    """Move the application to a step or decide it; the resident is told, an approval
    applies its effects, and the change is an audit event."""
    row = await staff_row(principal, application_id)
    filed = await version_by_id(row.procedure_id, row.version)
    definition = filed.definition
    allowed = {"in_review", "info_requested", "approved", "rejected"} | {
        s.id for s in definition.steps
    }
    if status not in allowed:
        raise InvalidInput(
            Text(
                "この状態にはできません。", f"Status must be one of {', '.join(sorted(allowed))}."
            ),
            errors=[
                FieldError(
                    field="status",
                    label=Text("状態", "status"),
                    message=Text("選べない状態です", "not a status of this procedure"),
                )
            ],
        )
    note = message.strip()
    if status in ("rejected", "info_requested") and not note:
        raise InvalidInput(
            Text("理由または依頼内容を書いてください。", "Say why (or what is needed)."),
            errors=[
                FieldError(
                    field="message",
                    label=Text("理由・依頼内容", "reason or request"),
                    message=Text("必須項目です", "is required"),
                )
            ],
        )
    if len(note) > 2000:
        raise InvalidInput(Text("2000文字以内で書いてください。", "At most 2000 characters."))
    document = document.strip()
    if document and status != "info_requested":
        raise InvalidInput(
            Text(
                "書類を求められるのは追加の情報の依頼だけです。", "Only a request names a document."
            ),
            errors=[_document_error(Text("依頼のときだけ書けます", "only with info_requested"))],
        )
    if len(document) > 100 or any(not c.isprintable() for c in document):
        raise InvalidInput(
            Text(
                "書類の名前は100文字以内で書いてください。",
                "A document name of 1 to 100 characters.",
            ),
            errors=[_document_error(Text("100文字以内", "at most 100 characters"))],
        )
    async with write_transaction() as sql:
        await _decide(
            sql,
            row,
            definition,
            status,
            actor_account=principal.account_id,
            actor_name=principal.display_name,
            note=note,
            document=document,
            purpose="case_handling",
        )
    return await read_application(
        await staff_row(principal, application_id), sees_protected=sees_protected
    )


async def accept_at_counter(
    sql: SqlSession,
    row: ApplicationRow,
    definition: ProcedureDefinition,
    *,
    staff_account: int | None,
    staff_name: str,
) -> None:
    """A counter booking the resident confirmed at the desk with their own passkey is
    accepted there: approved as by the staff member who opened it, with the approval's
    effects (a move changes the registry address of the movers and reaches the departments
    using it), the resident told, audited as counter support. In the caller's transaction,
    so the confirmation and the approval are one."""
    await _decide(
        sql,
        row,
        definition,
        "approved",
        actor_account=staff_account,
        actor_name=staff_name,
        note="",
        document="",
        purpose="counter_support",
    )


async def _decide(
    sql: SqlSession,
    row: ApplicationRow,
    definition: ProcedureDefinition,
    status: str,
    *,
    actor_account: int | None,
    actor_name: str,
    note: str,
    document: str,
    purpose: str,
) -> None:
    """The status change itself: the row (refused once decided), the timeline, an
    approval's effects, the resident's notice and the audit event."""
    now = clock.now()
    updated = await sql.value(
        "UPDATE application SET status = ?, updated_at = ?, decided_at = ? "
        "WHERE municipality = ? AND id = ? AND status NOT IN ('approved', 'rejected', "
        "'withdrawn') RETURNING id",
        [status, now, now if status in FINAL else None, row.municipality, row.id],
    )
    if updated is None:
        raise Conflict(
            Text("この申請はすでに完了しています。", "This application is already decided.")
        )
    await record_event(
        sql,
        row.municipality,
        row.id,
        kind="status",
        status=status,
        actor_kind="staff",
        actor_account=actor_account,
        actor_name=actor_name,
        text=note,
        document=document,
    )
    if status == "approved":
        await _apply_effects(sql, row, definition)
    if row.account is not None:
        label = status_label(definition, status)
        await write_notice(
            sql,
            municipality_id=row.municipality,
            account_id=row.account,
            kind=f"application.{status}",
            title={
                "ja": f"{definition.title.ja}：{label.ja}",
                "easy": f"{definition.title.easy}：{label.easy}",
                "en": f"{definition.title.en}: {label.en}",
            },
            body=_status_notice_body(row.receipt_number, label, note, document),
            link=f"/applications/{row.id}",
            thread=str(row.id),
        )
    await audit.record(
        municipality_id=row.municipality,
        actor_kind="staff",
        actor_account=actor_account,
        action=f"application.{status}",
        purpose=purpose,
        subject_person=row.person,
        subject_account=row.account,
        detail={"application": row.id, "receipt": row.receipt_number},
        sql=sql,
    )


# A status notice in each language: the caseworker's note, else what the status now is; then
# the document asked for, when one was named.
_STATUS_NOTICE = {
    "ja": ("受付番号 {receipt} の状況が「{label}」になりました。", "必要な書類：{document}"),
    "easy": ("うけつけ ばんごう {receipt}：{label}", "ひつような しょるい：{document}"),
    "en": ("Application {receipt} is now: {label}.", "Document needed: {document}"),
}


def _status_notice_body(receipt: str, label: Localized, note: str, document: str) -> dict[str, str]:
    body = {}
    for language, (status_line, document_line) in _STATUS_NOTICE.items():
        text = note or status_line.format(receipt=receipt, label=getattr(label, language))
        if document:
            text += "\n" + document_line.format(document=document)
        body[language] = text
    return body


async def _apply_effects(
    sql: SqlSession, row: ApplicationRow, definition: ProcedureDefinition
) -> None:
    """What an approval changes beyond the application: for a move, the registry address
    (so every later form pre-fills it) and the tracker of where the change reached."""
    answers = row.answers or {}
    for effect in definition.effects:
        if not isinstance(effect, AddressEffect) or row.person is None:
            continue
        postal = answers.get(effect.postal_code_field)
        address = answers.get(effect.address_field)
        moved = answers.get(effect.date_field)
        if not (postal and address and moved):
            continue
        movers = {row.person}
        chosen = answers.get(effect.movers_field) if effect.movers_field else None
        if chosen:
            # Only members of the applicant's own household can be moved by this filing.
            found = await registry_public.person_and_household(row.person, sql)
            _, household = found if found is not None else (None, [])
            movers |= {member.id for member in household if member.registry_id in chosen}
        changed = False
        for person_id in sorted(movers):
            changed |= bool(
                await registry.change_address(
                    sql,
                    municipality_id=row.municipality,
                    person_id=person_id,
                    postal_code=postal,
                    address=address,
                    as_of=date.fromisoformat(moved),
                    source=f"転居届 {row.receipt_number}",
                )
            )
        reached = await _departments_using_address(sql, row.municipality)
        now = clock.now()
        for department_id in reached:
            await sql.execute(
                "INSERT INTO application_reach (municipality, application, department, "
                "reached_at) VALUES (?, ?, ?, ?)",
                [row.municipality, row.id, department_id, now],
            )
        await record_event(
            sql,
            row.municipality,
            row.id,
            kind="effect",
            actor_kind="system",
            actor_name="",
            text="住所を更新しました" if changed else "住所は登録済みでした",
        )


class _PublishedDefinition(msgspec.Struct, frozen=True):
    department: int
    definition: Any


async def _departments_using_address(sql: SqlSession, municipality_id: int) -> list[int]:
    """The base registry's keeper, and every department whose published forms pre-fill
    the address: from now on each of them sees the new one."""
    published = await sql.rows(
        _PublishedDefinition,
        "SELECT p.department AS department, pv.definition AS definition "
        "FROM procedure p JOIN procedure_version pv "
        "ON pv.procedure = p.id AND pv.version = p.published_version WHERE p.municipality = ?",
        [municipality_id],
    )
    keeper_code = FACT_DEPARTMENT["address"]
    departments = [
        d.id
        for d in await registry_public.departments(municipality_id, sql)
        if d.code == keeper_code
    ][:1]
    for procedure in published:
        definition = decode_definition(procedure.definition)
        uses = any(f.prefill in ("address", "postal_code") for f in definition.form.fields())
        if uses and procedure.department not in departments:
            departments.append(procedure.department)
    return departments


async def staff_message(
    principal: Principal, application_id: int, text: str, *, sees_protected: bool = False
) -> ApplicationRead:
    """A message from the case worker on the timeline and in the resident's inbox."""
    row = await staff_row(principal, application_id)
    cleaned = message_text(text)
    async with write_transaction() as sql:
        await record_event(
            sql,
            principal.municipality_id,
            row.id,
            kind="message",
            actor_kind="staff",
            actor_account=principal.account_id,
            actor_name=principal.display_name,
            text=cleaned,
        )
        if row.account is not None:
            await write_notice(
                sql,
                municipality_id=row.municipality,
                account_id=row.account,
                kind="application.message",
                title={
                    "ja": "申請についてメッセージが届きました",
                    "easy": "しんせいに ついて メッセージが きました",
                    "en": "A message about your application",
                },
                body={"ja": cleaned, "easy": cleaned, "en": cleaned},
                link=f"/applications/{row.id}",
                thread=str(row.id),
            )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="application.message",
            purpose="case_handling",
            subject_person=row.person,
            subject_account=row.account,
            detail={"application": row.id, "receipt": row.receipt_number},
            sql=sql,
        )
    return await read_application(row, sees_protected=sees_protected)
