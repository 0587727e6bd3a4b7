"""What other domains call to reach the notices domain's data: a resident's recent notices,
for the back office's consented view. (Writing a notice is ``notices.service.write_notice``.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from todoke.db import read_transaction


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
