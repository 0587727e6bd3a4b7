"""What other domains call to reach the audit domain's data: the trail as administrators
export it. (Writing an event is ``audit.service.record``; a resident's own events are
``audit.service.events_about``.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from todoke.db import read_transaction


class ExportedEvent(msgspec.Struct, frozen=True):
    id: int
    occurred_at: datetime
    actor_kind: str
    actor_account: int | None
    action: str
    purpose: str
    subject_person: int | None
    subject_account: int | None
    detail: object  # as stored (JSON text on either driver), so a copy hashes the same
    previous_hash: str
    hash: str


async def events_between(
    municipality_id: int, since: datetime | None, until: datetime | None
) -> list[ExportedEvent]:
    """The municipality's audit events in chain order, from ``since`` until before
    ``until`` (either may be open)."""
    where = "WHERE municipality = ?"
    args: list[Any] = [municipality_id]
    if since is not None:
        where += " AND occurred_at >= ?"
        args.append(since)
    if until is not None:
        where += " AND occurred_at < ?"
        args.append(until)
    async with read_transaction(bulk=True) as sql:
        return await sql.rows(
            ExportedEvent,
            "SELECT id, occurred_at, actor_kind, actor_account, action, purpose, "
            "subject_person, subject_account, detail, previous_hash, hash FROM audit_event "
            + where
            + " ORDER BY id",
            args,
        )


class RecordedAction(msgspec.Struct, frozen=True):
    actor_account: int | None
    detail: object  # JSON text on SQLite, decoded or text on PostgreSQL
    occurred_at: datetime


async def actions_recorded(municipality_id: int, action: str) -> list[RecordedAction]:
    """Who did one kind of action, and when, in chain order (a designer's publications:
    the versions table keeps no author, the audit trail does)."""
    async with read_transaction() as sql:
        return await sql.rows(
            RecordedAction,
            "SELECT actor_account, detail, occurred_at FROM audit_event "
            "WHERE municipality = ? AND action = ? ORDER BY id",
            [municipality_id, action],
        )
