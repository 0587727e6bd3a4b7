"""What other domains call to reach the audit domain's data.

Another domain never names this domain's tables in its SQL; it calls a function here
instead. Each function returns msgspec Structs (declared beside it) and opens its own read
or write transaction, or takes the caller's ``SqlSession`` when it must join the caller's
transaction.
"""

from __future__ import annotations

import msgspec


# --- the audit trail as exported by administrators -----------------------------------------

from datetime import datetime as _datetime  # noqa: E402


class ExportedEvent(msgspec.Struct, frozen=True):
    id: int
    occurred_at: _datetime
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
    municipality_id: int, since: _datetime | None, until: _datetime | None
) -> list[ExportedEvent]:
    """The municipality's audit events in chain order, from ``since`` until before
    ``until`` (either may be open)."""
    from todoke.db import read_transaction

    where = "WHERE municipality = ?"
    args: list[object] = [municipality_id]
    if since is not None:
        where += " AND occurred_at >= ?"
        args.append(since)
    if until is not None:
        where += " AND occurred_at < ?"
        args.append(until)
    async with read_transaction() as sql:
        return await sql.rows(
            ExportedEvent,
            "SELECT id, occurred_at, actor_kind, actor_account, action, purpose, "  # noqa: S608
            "subject_person, subject_account, detail, previous_hash, hash FROM audit_event "
            + where
            + " ORDER BY id",
            args,
        )
