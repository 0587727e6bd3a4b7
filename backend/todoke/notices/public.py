"""What other domains call to reach the notices domain's data: a resident's recent notices,
for the back office's consented view. (Writing a notice is ``notices.service.write_notice``.)"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

from todoke.db import SqlSession, read_transaction


class RecentNotice(msgspec.Struct, frozen=True):
    kind: str
    title: dict[str, Any]  # {ja, easy, en}
    created_at: datetime
    read_at: datetime | None


async def recent_notices(account_id: int, limit: int = 50) -> list[RecentNotice]:
    """The account's latest notices, newest first (titles only, no bodies)."""
    async with read_transaction() as sql:
        return await sql.rows(
            RecentNotice,
            "SELECT kind, title, created_at, read_at FROM notice WHERE account = ? "
            "ORDER BY id DESC LIMIT ?",
            [account_id, limit],
        )


class _NoticeId(msgspec.Struct, frozen=True):
    id: int


async def read_notice_ids(sql: SqlSession, notice_ids: Iterable[int]) -> set[int]:
    """Which of these notices their reader has opened (any number of notices)."""
    opened: set[int] = set()
    for marks, args in sql.in_batches(notice_ids):
        rows = await sql.rows(
            _NoticeId, f"SELECT id FROM notice WHERE read_at IS NOT NULL AND id {marks}", args
        )
        opened.update(row.id for row in rows)
    return opened
