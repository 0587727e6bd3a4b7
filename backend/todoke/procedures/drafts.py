"""Drafts: what a resident (or their delegate) has typed so far, kept for DRAFT_DAYS and
never seen by staff. A draft may be incomplete or wrong; only its size is limited."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import msgspec

from todoke import clock
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import InvalidInput, NotFound, Text
from todoke.identity import public as identity
from todoke.principal import Principal
from todoke.procedures.applicants import applicant_for
from todoke.procedures.schemas import AttachmentRead, DraftRead
from todoke.procedures.service import decode_definition
from todoke.procedures.versions import load_version

DRAFT_DAYS = 30
MAX_DRAFT_BYTES = 64_000

_DRAFT_NOT_FOUND = NotFound(Text("下書きが見つかりません。", "There is no such draft."))


class _DraftRow(msgspec.Struct, frozen=True):
    id: int
    slug: str
    version: int
    current_version: int
    answers: dict[str, Any] | None
    principal: int
    updated_at: datetime
    expires_at: datetime
    definition: Any


_DRAFT_SELECT = (
    "SELECT d.id AS id, p.slug AS slug, d.version AS version, "
    "p.published_version AS current_version, d.answers AS answers, d.principal AS principal, "
    "d.updated_at AS updated_at, d.expires_at AS expires_at, pv.definition AS definition "
    "FROM draft d JOIN procedure p ON p.id = d.procedure "
    "JOIN procedure_version pv ON pv.procedure = p.id AND pv.version = p.published_version "
)


async def _drafts_read(sql: SqlSession, rows: list[_DraftRow], author: int) -> list[DraftRead]:
    names = await identity.display_names([r.principal for r in rows if r.principal != author], sql)
    drafts = []
    for row in rows:
        definition = decode_definition(row.definition)
        answers = row.answers or {}
        proxy = row.principal != author
        drafts.append(
            DraftRead(
                id=row.id,
                slug=row.slug,
                title=definition.title,
                version=row.version,
                current_version=row.current_version,
                answers=answers,
                on_behalf_of=row.principal if proxy else None,
                on_behalf_of_name=names.get(row.principal) if proxy else None,
                updated_at=row.updated_at,
                expires_at=row.expires_at,
                closes_on=definition.closes_on,
                attachments=await _draft_files(sql, author, answers),
            )
        )
    return drafts


async def list_drafts(principal: Principal) -> list[DraftRead]:
    async with read_transaction() as sql:
        rows = await sql.rows(
            _DraftRow,
            _DRAFT_SELECT + "WHERE d.author = ? AND d.expires_at > ? ORDER BY d.updated_at DESC",
            [principal.account_id, clock.now()],
        )
        return await _drafts_read(sql, rows, principal.account_id)


async def get_draft(principal: Principal, draft_id: int) -> DraftRead:
    async with read_transaction() as sql:
        rows = await sql.rows(
            _DraftRow,
            _DRAFT_SELECT + "WHERE d.id = ? AND d.author = ? AND d.expires_at > ?",
            [draft_id, principal.account_id, clock.now()],
        )
        if not rows:
            raise _DRAFT_NOT_FOUND
        return (await _drafts_read(sql, rows, principal.account_id))[0]


async def _draft_files(
    sql: SqlSession, account_id: int, answers: dict[str, Any]
) -> list[AttachmentRead]:
    """The author's not-yet-filed uploads that the draft's answers name."""
    named = {
        value
        for answer in answers.values()
        for value in (answer if isinstance(answer, list) else [answer])
        if isinstance(value, str) and 16 <= len(value) <= 64
    }
    if not named:
        return []
    clause, args = sql.in_list(sorted(named))
    return await sql.rows(
        AttachmentRead,
        "SELECT token AS id, filename, content_type, size, created_at FROM attachment "  # noqa: S608
        "WHERE account = ? AND application IS NULL AND token " + clause,
        [account_id, *args],
    )


class _DraftExpiry(msgspec.Struct, frozen=True):
    id: int
    expires_at: datetime


async def open_draft(
    principal: Principal, slug: str, on_behalf_of: int | None
) -> tuple[DraftRead, bool]:
    """The author's draft for this procedure and principal, created when there is none.
    Returns (draft, created)."""
    version = await load_version(principal.municipality_id, slug)
    now = clock.now()
    async with write_transaction() as sql:
        applicant = await applicant_for(sql, principal, on_behalf_of, version)
        mine = [principal.account_id, version.procedure_id, applicant.account_id]
        held = await sql.row(
            _DraftExpiry,
            "SELECT id, expires_at FROM draft WHERE author = ? AND procedure = ? AND principal = ?",
            mine,
        )
        if held is not None and held.expires_at <= now:
            await sql.execute("DELETE FROM draft WHERE id = ?", [held.id])
            held = None
        created = held is None
        if created:
            await sql.execute(
                "INSERT INTO draft (municipality, procedure, version, author, principal, "
                "answers, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    principal.municipality_id,
                    version.procedure_id,
                    version.version,
                    principal.account_id,
                    applicant.account_id,
                    "{}",
                    now,
                    now,
                    now + timedelta(days=DRAFT_DAYS),
                ],
            )
        draft_id = await sql.value(
            "SELECT id FROM draft WHERE author = ? AND procedure = ? AND principal = ?", mine
        )
    return await get_draft(principal, draft_id), created


async def save_draft(
    principal: Principal, draft_id: int, version: int, answers: dict[str, Any]
) -> DraftRead:
    """Keep what was typed as is (a draft may be incomplete or wrong); only its size and
    shape are limited. Saving pushes the expiry forward."""
    encoded = json.dumps(answers, ensure_ascii=False, separators=(",", ":"))
    if len(encoded.encode()) > MAX_DRAFT_BYTES or len(answers) > 200:
        raise InvalidInput(
            Text("下書きが大きすぎます。", f"A draft is limited to {MAX_DRAFT_BYTES} bytes.")
        )
    now = clock.now()
    async with write_transaction() as sql:
        found = await sql.value(
            "SELECT id FROM draft WHERE id = ? AND author = ? AND expires_at > ?",
            [draft_id, principal.account_id, now],
        )
        if found is None:
            raise _DRAFT_NOT_FOUND
        await sql.execute(
            "UPDATE draft SET version = ?, answers = ?, updated_at = ?, expires_at = ? "
            "WHERE id = ?",
            [version, encoded, now, now + timedelta(days=DRAFT_DAYS), draft_id],
        )
    return await get_draft(principal, draft_id)


async def delete_draft(principal: Principal, draft_id: int) -> None:
    async with write_transaction() as sql:
        found = await sql.value(
            "SELECT id FROM draft WHERE id = ? AND author = ?", [draft_id, principal.account_id]
        )
        if found is None:
            raise _DRAFT_NOT_FOUND
        await sql.execute("DELETE FROM draft WHERE id = ?", [draft_id])
