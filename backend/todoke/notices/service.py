"""Write and read inbox notices. Knows nothing of why a notice was written."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from todoke.db import SqlSession, write_transaction
from todoke.notices import push
from todoke.notices.tables import Notice


async def write_notice(
    sql: SqlSession,
    *,
    municipality_id: int,
    account_id: int,
    kind: str,
    title: dict[str, str],
    body: dict[str, str],
    link: str = "",
    urgency: str = "normal",
) -> int:
    """Put a notice in the inbox inside the caller's transaction, with one push delivery
    per device of the account: all of it commits with its cause, or none of it."""
    now = datetime.now(UTC)
    rows = await sql.fetch(
        "INSERT INTO notice (municipality, account, kind, title, body, link, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            municipality_id,
            account_id,
            kind,
            json.dumps(title, ensure_ascii=False),
            json.dumps(body, ensure_ascii=False),
            link,
            now,
        ],
    )
    notice_id = rows[0][0]
    await push.enqueue(sql, notice_id=notice_id, account_id=account_id, urgency=urgency, now=now)
    return notice_id


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def inbox(account_id: int, limit: int = 100) -> list[dict[str, Any]]:
    rows = (
        await Notice.select(
            Notice.id,
            Notice.kind,
            Notice.title,
            Notice.body,
            Notice.link,
            Notice.created_at,
            Notice.read_at,
        )
        .where(Notice.account == account_id)
        .order_by(Notice.id, ascending=False)
        .limit(limit)
        .run()
    )
    for row in rows:
        row["title"], row["body"] = _json(row["title"]), _json(row["body"])
    return rows


async def unread_count(account_id: int) -> int:
    return await Notice.count().where((Notice.account == account_id) & Notice.read_at.is_null())


async def mark_read(account_id: int, notice_id: int) -> bool:
    """Mark one of the account's own notices read; False if it is not theirs."""
    found = await Notice.exists().where((Notice.id == notice_id) & (Notice.account == account_id))
    if found:
        await Notice.update({Notice.read_at: datetime.now(UTC)}).where(
            (Notice.id == notice_id) & Notice.read_at.is_null()
        )
    return found


async def forget_device(session_id: int) -> None:
    """Signing out of a device stops pushes to it."""
    async with write_transaction() as sql:
        await push.forget_session(sql, [session_id])


async def forget_devices_of(account_id: int) -> None:
    """Signing out everywhere stops pushes to every device."""
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT DISTINCT session FROM push_subscription WHERE account = ? "
            "AND session IS NOT NULL",
            [account_id],
        )
        await push.forget_session(sql, [r[0] for r in rows])
