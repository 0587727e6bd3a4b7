"""Record and verify audit events: one hash chain per municipality (an event links to the
last event of its own municipality), so one municipality's trail is verified — or handed
over — without another's events. Appends are serialised per chain so it never forks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from todoke import clock
from todoke.audit.schemas import AccessBasis, ChainCheck, LoggedEvent
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


class Subject(msgspec.Struct, frozen=True):
    """Whom one of several events of a kind is about (``record_many``)."""

    person: int | None
    account: int | None = None
    detail: dict[str, Any] = {}


async def record_many(
    *,
    municipality_id: int,
    actor_kind: str,
    action: str,
    purpose: str,
    subjects: Sequence[Subject],
    actor_account: int | None = None,
    sql: SqlSession | None = None,
) -> None:
    """One event per subject, chained in order, in one transaction: a staff read of a list
    shows in each listed resident's access log."""
    if not subjects:
        return
    occurred = clock.now()
    batch = [
        _Chained(
            municipality=municipality_id,
            actor_account=actor_account,
            actor_kind=actor_kind,
            action=action,
            subject_person=s.person,
            subject_account=s.account,
            purpose=purpose,
            detail=s.detail,
            occurred_at=occurred.isoformat(timespec="microseconds"),
        )
        for s in subjects
    ]
    if sql is None:
        async with write_transaction() as own:
            await _append(own, batch, occurred)
        return
    await _append(sql, batch, occurred)


async def _append(sql: SqlSession, batch: _Chained | list[_Chained], occurred: datetime) -> None:
    events = batch if isinstance(batch, list) else [batch]
    municipality = events[0].municipality
    if any(fields.municipality != municipality for fields in events):
        raise ValueError("one audit batch, one municipality's chain")
    if sql.postgres:
        # One writer at a time per chain; released at commit.
        await sql.execute("SELECT pg_advisory_xact_lock(727274, ?)", [municipality])
    last = await sql.value(
        "SELECT hash FROM audit_event WHERE municipality = ? ORDER BY id DESC LIMIT 1",
        [municipality],
    )
    previous = last or GENESIS
    rows = []
    for fields in events:
        digest = _digest(previous, fields)
        rows.append(
            (
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
                digest,
            )
        )
        previous = digest
    # One row at a time, in order: ids follow the chain.
    for row in rows:
        await sql.execute(
            "INSERT INTO audit_event (municipality, actor_account, actor_kind, action, "
            "subject_person, subject_account, purpose, detail, occurred_at, previous_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            row,
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


async def verify_chain(municipality_id: int) -> ChainCheck:
    """Recompute every hash of the municipality's chain in order, from its own events alone;
    report the first event where the chain breaks."""
    previous = GENESIS
    count = 0
    last_id = 0
    while True:
        async with read_transaction(bulk=True) as sql:
            events = await sql.rows(
                _StoredEvent,
                "SELECT id, municipality, actor_account, actor_kind, action, subject_person, "
                "subject_account, purpose, detail, occurred_at, previous_hash, hash "
                "FROM audit_event WHERE municipality = ? AND id > ? ORDER BY id LIMIT ?",
                [municipality_id, last_id, _VERIFY_BATCH],
            )
        if not events:
            return ChainCheck(events=count, first_broken=None)
        for event in events:
            count += 1
            if event.previous_hash != previous or event.hash != _digest(previous, event.chained()):
                return ChainCheck(events=count, first_broken=event.id)
            previous = event.hash
            last_id = event.id


class _StoredAbout(msgspec.Struct, frozen=True):
    id: int
    actor_kind: str
    actor_account: int | None
    action: str
    purpose: str
    occurred_at: datetime
    detail: dict[str, Any]


def _basis(detail: dict[str, Any]) -> AccessBasis | None:
    """The opening's basis as the resident may see it: only AccessBasis's fields pass (the
    staff member's reason is stored beside it, never inside)."""
    basis = detail.get("basis")
    if not isinstance(basis, dict):
        return None
    try:
        return msgspec.convert(basis, AccessBasis)
    except msgspec.ValidationError:
        return None


async def events_about(
    person_id: int | None, account_id: int, *, actor_kind: str | None = None
) -> list[LoggedEvent]:
    """What was done with a resident's data, newest first, for their own app (only what
    actors of ``actor_kind`` did, if given: staff openings are not crowded out of the
    newest 200 by the resident's own sign-ins)."""
    condition = "(subject_account = ?)"
    args: list[int | str] = [account_id]
    if person_id is not None:
        condition = "(subject_account = ? OR subject_person = ?)"
        args.append(person_id)
    if actor_kind is not None:
        condition += " AND actor_kind = ?"
        args.append(actor_kind)
    async with read_transaction() as sql:
        events = await sql.rows(
            _StoredAbout,
            "SELECT id, actor_kind, actor_account, action, purpose, occurred_at, detail "  # noqa: S608
            f"FROM audit_event WHERE {condition} ORDER BY id DESC LIMIT 200",
            args,
        )
    return [
        LoggedEvent(
            id=e.id,
            actor_kind=e.actor_kind,
            actor_account=e.actor_account,
            action=e.action,
            purpose=e.purpose,
            occurred_at=e.occurred_at,
            basis=_basis(e.detail),
        )
        for e in events
    ]
