"""What a resident (or the delegate who filed) does with an open application: send a
message, answer a request for more information, withdraw it."""

from __future__ import annotations

from typing import Any

from todoke import clock
from todoke.db import read_transaction, write_transaction
from todoke.errors import Conflict, Text
from todoke.identity import public as identity
from todoke.principal import Principal
from todoke.procedures.filing import (
    attachment_tokens,
    bind_attachments,
    check_answers,
    dump_json,
    version_problem,
)
from todoke.procedures.prefill import load_household
from todoke.procedures.reading import ApplicationRow, get_for_resident, resident_row
from todoke.procedures.schemas import ApplicationRead
from todoke.procedures.timeline import message_text, record_event
from todoke.procedures.versions import FINAL, version_by_id


def _actor_kind(row: ApplicationRow, principal: Principal) -> str:
    return "resident" if row.account == principal.account_id else "proxy"


async def post_message(principal: Principal, application_id: int, text: str) -> ApplicationRead:
    row = await resident_row(principal, application_id)
    cleaned = message_text(text)
    if row.status in FINAL:
        raise Conflict(
            Text(
                "完了した申請にはメッセージを送れません。",
                "This application is closed for messages.",
            )
        )
    async with write_transaction() as sql:
        await record_event(
            sql,
            principal.municipality_id,
            row.id,
            kind="message",
            actor_kind=_actor_kind(row, principal),
            actor_account=principal.account_id,
            actor_name=principal.display_name,
            text=cleaned,
        )
        await sql.execute(
            "UPDATE application SET updated_at = ? WHERE id = ?", [clock.now(), row.id]
        )
    return await get_for_resident(principal, application_id)


async def amend(
    principal: Principal, application_id: int, version: int, answers: dict[str, Any], message: str
) -> ApplicationRead:
    """Answer a request for more information: the whole form again, against the version the
    application was filed with; the caseworker gets it back for review."""
    row = await resident_row(principal, application_id)
    if row.status != "info_requested":
        raise Conflict(
            Text("この申請は今は変更できません。", "This application cannot be amended now.")
        )
    if version != row.version:
        raise version_problem(row.version)
    filed = await version_by_id(row.procedure_id, row.version)
    async with read_transaction() as sql:
        household = (
            await load_household(sql, row.person, clock.today()) if row.person is not None else None
        )
        tokens = await attachment_tokens(sql, principal.account_id, row.id)
    prefilled = row.account is not None and await identity.has_consent(row.account, "prefill")
    clean, record = check_answers(
        filed.definition, answers, household, tokens, prefilled=prefilled or bool(row.prefill)
    )
    note = message.strip()[:2000]
    async with write_transaction() as sql:
        updated = await sql.value(
            "UPDATE application SET answers = ?, prefill = ?, status = 'in_review', "
            "updated_at = ? WHERE id = ? AND status = 'info_requested' RETURNING id",
            [dump_json(clean), dump_json(record), clock.now(), row.id],
        )
        if updated is None:
            raise Conflict(Text("この申請は今は変更できません。", "Cannot be amended now."))
        await bind_attachments(sql, filed.definition, clean, principal.account_id, row.id)
        await record_event(
            sql,
            principal.municipality_id,
            row.id,
            kind="amended",
            status="in_review",
            actor_kind=_actor_kind(row, principal),
            actor_account=principal.account_id,
            actor_name=principal.display_name,
            text=note,
        )
    return await get_for_resident(principal, application_id)


async def withdraw(principal: Principal, application_id: int) -> ApplicationRead:
    row = await resident_row(principal, application_id)
    now = clock.now()
    async with write_transaction() as sql:
        updated = await sql.value(
            "UPDATE application SET status = 'withdrawn', updated_at = ?, decided_at = ? "
            "WHERE id = ? AND status IN ('submitted', 'in_review', 'info_requested') "
            "RETURNING id",
            [now, now, row.id],
        )
        if updated is None:
            raise Conflict(
                Text(
                    "この申請は取り下げられません。", "This application can no longer be withdrawn."
                )
            )
        await record_event(
            sql,
            principal.municipality_id,
            row.id,
            kind="withdrawn",
            status="withdrawn",
            actor_kind=_actor_kind(row, principal),
            actor_account=principal.account_id,
            actor_name=principal.display_name,
        )
    return await get_for_resident(principal, application_id)
