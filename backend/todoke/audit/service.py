"""Record and verify audit events. Appends are serialised so the chain never forks."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import msgspec

from todoke import clock
from todoke.audit.schemas import AccessLogEntry, ChainCheck
from todoke.db import SqlSession, read_transaction, write_transaction

GENESIS = "0" * 64
_VERIFY_BATCH = 5000


class _Chained(msgspec.Struct, frozen=True):
    """The fields an event's hash covers, named as the hash input names them."""

    municipality: int
    actor_account: int | None
    actor_kind: str
    action: str
    subject_person: int | None
    subject_account: int | None
    purpose: str
    detail: dict[str, Any]
    occurred_at: str  # ISO 8601 in UTC, to the microsecond


def _digest(previous_hash: str, fields: _Chained) -> str:
    # The chain's byte format: sorted keys, compact separators, non-ASCII kept, as since
    # the first event. Changing any of it breaks every chain already stored.
    canonical = json.dumps(
        msgspec.structs.asdict(fields), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


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
    occurred = clock.now()
    fields = _Chained(
        municipality=municipality_id,
        actor_account=actor_account,
        actor_kind=actor_kind,
        action=action,
        subject_person=subject_person,
        subject_account=subject_account,
        purpose=purpose,
        detail=detail or {},
        occurred_at=occurred.isoformat(timespec="microseconds"),
    )
    if sql is None:
        async with write_transaction() as own:
            await _append(own, fields, occurred)
        return
    await _append(sql, fields, occurred)


async def _append(sql: SqlSession, fields: _Chained, occurred: datetime) -> None:
    if sql.postgres:
        # One writer at a time per chain; released at commit.
        await sql.execute("SELECT pg_advisory_xact_lock(727274)")
    last = await sql.value("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1")
    previous = last or GENESIS
    await sql.execute(
        "INSERT INTO audit_event (municipality, actor_account, actor_kind, action, "
        "subject_person, subject_account, purpose, detail, occurred_at, previous_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            fields.municipality,
            fields.actor_account,
            fields.actor_kind,
            fields.action,
            fields.subject_person,
            fields.subject_account,
            fields.purpose,
            json.dumps(fields.detail, ensure_ascii=False),
            occurred,
            previous,
            _digest(previous, fields),
        ],
    )


class _StoredEvent(msgspec.Struct, frozen=True):
    id: int
    municipality: int
    actor_account: int | None
    actor_kind: str
    action: str
    subject_person: int | None
    subject_account: int | None
    purpose: str
    detail: dict[str, Any]
    occurred_at: datetime
    previous_hash: str
    hash: str

    def chained(self) -> _Chained:
        return _Chained(
            municipality=self.municipality,
            actor_account=self.actor_account,
            actor_kind=self.actor_kind,
            action=self.action,
            subject_person=self.subject_person,
            subject_account=self.subject_account,
            purpose=self.purpose,
            detail=self.detail,
            occurred_at=self.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        )


async def verify_chain() -> ChainCheck:
    """Recompute every hash in order; report the first event where the chain breaks."""
    previous = GENESIS
    count = 0
    last_id = 0
    while True:
        async with read_transaction() as sql:
            events = await sql.rows(
                _StoredEvent,
                "SELECT id, municipality, actor_account, actor_kind, action, subject_person, "
                "subject_account, purpose, detail, occurred_at, previous_hash, hash "
                "FROM audit_event WHERE id > ? ORDER BY id LIMIT ?",
                [last_id, _VERIFY_BATCH],
            )
        if not events:
            return ChainCheck(events=count, first_broken=None)
        for event in events:
            count += 1
            if event.previous_hash != previous or event.hash != _digest(previous, event.chained()):
                return ChainCheck(events=count, first_broken=event.id)
            previous = event.hash
            last_id = event.id


async def events_about(person_id: int | None, account_id: int) -> list[AccessLogEntry]:
    """What was done with a resident's data, newest first, for their own app."""
    condition, args = "subject_account = ?", [account_id]
    if person_id is not None:
        condition, args = "subject_account = ? OR subject_person = ?", [account_id, person_id]
    async with read_transaction() as sql:
        return await sql.rows(
            AccessLogEntry,
            "SELECT id, actor_kind, action, purpose, occurred_at FROM audit_event "  # noqa: S608
            f"WHERE {condition} ORDER BY id DESC LIMIT 200",
            args,
        )
