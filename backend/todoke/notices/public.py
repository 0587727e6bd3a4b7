"""What other domains call to reach the notices domain's data.

Another domain never names this domain's tables in its SQL; it calls a function here
instead. Each function returns msgspec Structs (declared beside it) and opens its own read
or write transaction, or takes the caller's ``SqlSession`` when it must join the caller's
transaction.
"""

from __future__ import annotations

# --- a resident's recent notices, for the back office's consented view ----------------------
from datetime import datetime as _datetime
from typing import Any as _Any

import msgspec


class RecentNotice(msgspec.Struct, frozen=True):
    kind: str
    title: dict[str, _Any]  # {ja, easy, en}
    created_at: _datetime
    read_at: _datetime | None


async def recent_notices(account_id: int, limit: int = 50) -> list[RecentNotice]:
    """The account's latest notices, newest first (titles only, no bodies)."""
    from todoke.db import read_transaction

    async with read_transaction() as sql:
        return await sql.rows(
            RecentNotice,
            "SELECT kind, title, created_at, read_at FROM notice WHERE account = ? "
            "ORDER BY id DESC LIMIT ?",
            [account_id, limit],
        )
