"""What other domains call to reach the notices domain's data: a resident's recent notices,
for the back office's consented view, and who an email would reach. (Writing a notice is
``notices.service.write_notice``.)"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

from todoke.db import SqlSession, read_transaction
from todoke.notices import email as email_channel


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


async def email_reachable(sql: SqlSession, account_ids: Iterable[int]) -> set[int]:
    """Which of these accounts a notice's email would reach now: a confirmed address, with
    "email me when a notice arrives" on, that no mail server has refused (any number of
    accounts; inside the caller's transaction, so what it counts is what
    ``write_notice(..., email=True)`` would queue)."""
    return await email_channel.reachable(sql, set(account_ids))


async def queue_email(sql: SqlSession, notice_id: int) -> bool:
    """Mail a notice already in the inbox (a later channel, e.g. not opened within some
    days), inside the caller's transaction, if its account is email-reachable (see
    ``email_reachable``); never twice for one notice. True if an email was queued."""
    return await email_channel.enqueue_for_notice(sql, notice_id)
