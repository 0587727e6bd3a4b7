"""Record and verify audit events. Appends are serialised so the chain never forks."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from todoke.audit.tables import AuditEvent
from todoke.db import SqlSession, write_transaction

GENESIS = "0" * 64


def _digest(previous_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    detail = row["detail"]
    if isinstance(detail, str):
        detail = json.loads(detail)
    occurred = row["occurred_at"]
    if isinstance(occurred, datetime):
        occurred = occurred.astimezone(UTC).isoformat(timespec="microseconds")
    return {
        "municipality": row["municipality"],
        "actor_account": row["actor_account"],
        "actor_kind": row["actor_kind"],
        "action": row["action"],
        "subject_person": row["subject_person"],
        "subject_account": row["subject_account"],
        "purpose": row["purpose"],
        "detail": detail,
        "occurred_at": str(occurred),
    }


async def record(
    *,
    municipality_id: int,
    actor_kind: str,
    action: str,
    purpose: str,
    actor_account: int | None = None,
    subject_person: int | None = None,
    subject_account: int | None = None,
    detail: dict[str, Any] | None = None,
    sql: SqlSession | None = None,
) -> None:
    """Append one event, chained to the last. Pass ``sql`` to write inside the caller's
    transaction (so the event and what it records commit together)."""
    if sql is None:
        async with write_transaction() as own:
            await _append(own, locals())
        return
    await _append(sql, locals())


async def _append(sql: SqlSession, values: dict[str, Any]) -> None:
    if sql.postgres:
        # One writer at a time per chain; released at commit.
        await sql.execute("SELECT pg_advisory_xact_lock(727274)")
    last = await sql.fetch("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1")
    previous = last[0][0] if last else GENESIS
    occurred = datetime.now(UTC)
    fields = {
        "municipality": values["municipality_id"],
        "actor_account": values["actor_account"],
        "actor_kind": values["actor_kind"],
        "action": values["action"],
        "subject_person": values["subject_person"],
        "subject_account": values["subject_account"],
        "purpose": values["purpose"],
        "detail": values["detail"] or {},
        "occurred_at": occurred.isoformat(timespec="microseconds"),
    }
    await sql.execute(
        "INSERT INTO audit_event (municipality, actor_account, actor_kind, action, "
        "subject_person, subject_account, purpose, detail, occurred_at, previous_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            fields["municipality"],
            fields["actor_account"],
            fields["actor_kind"],
            fields["action"],
            fields["subject_person"],
            fields["subject_account"],
            fields["purpose"],
            json.dumps(fields["detail"], ensure_ascii=False),
            occurred,
            previous,
            _digest(previous, fields),
        ],
    )


@dataclass(frozen=True)
class ChainCheck:
    events: int
    first_broken: int | None  # id of the first event whose hash does not hold


async def verify_chain() -> ChainCheck:
    """Recompute every hash in order; report the first event where the chain breaks."""
    previous = GENESIS
    count = 0
    last_id = 0
    while True:
        rows = (
            await AuditEvent.select()
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(5000)
            .run()
        )
        if not rows:
            return ChainCheck(count, None)
        for row in rows:
            count += 1
            if row["previous_hash"] != previous or row["hash"] != _digest(previous, _fields(row)):
                return ChainCheck(count, row["id"])
            previous = row["hash"]
            last_id = row["id"]


async def events_about(person_id: int | None, account_id: int) -> list[dict[str, Any]]:
    """What was done with a resident's data, newest first, for their own app."""
    condition = AuditEvent.subject_account == account_id
    if person_id is not None:
        condition = condition | (AuditEvent.subject_person == person_id)
    return (
        await AuditEvent.select(
            AuditEvent.id,
            AuditEvent.actor_kind,
            AuditEvent.action,
            AuditEvent.purpose,
            AuditEvent.occurred_at,
        )
        .where(condition)
        .order_by(AuditEvent.id, ascending=False)
        .limit(200)
        .run()
    )
