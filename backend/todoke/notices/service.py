"""Write and read inbox notices. Knows nothing of why a notice was written."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from todoke.db import SqlSession
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
) -> None:
    """Put a notice in the inbox inside the caller's transaction: it commits with its cause."""
    await sql.execute(
        "INSERT INTO notice (municipality, account, kind, title, body, link, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            municipality_id,
            account_id,
            kind,
            json.dumps(title, ensure_ascii=False),
            json.dumps(body, ensure_ascii=False),
            link,
            datetime.now(UTC),
        ],
    )


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
