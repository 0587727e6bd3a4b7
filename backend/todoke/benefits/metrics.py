"""What the operators' metrics read from the benefits tables at scrape time: programme
tellings by channel and state (outreach letters among them), and how far matching lags
behind the registry's change log. Cheap aggregate queries; nothing here writes."""

from __future__ import annotations

from datetime import datetime

import msgspec

from todoke.db import read_transaction
from todoke.registry import metrics as registry_metrics
from todoke.registry import public as registry


class TellingCount(msgspec.Struct, frozen=True):
    channel: str  # app | email | letter
    state: str  # sent | queued | printed | cancelled
    count: int


class MatchingLag(msgspec.Struct, frozen=True):
    changes: int  # registry changes no matching pass has read yet (all municipalities)
    last_pass_at: datetime | None  # when a cursor last moved


async def telling_counts() -> list[TellingCount]:
    async with read_transaction(bulk=True) as sql:
        rows = await sql.fetch(
            "SELECT channel, state, COUNT(*) FROM program_delivery GROUP BY channel, state"
        )
    return [TellingCount(channel, state, int(count)) for channel, state, count in rows]


async def matching_lag() -> MatchingLag:
    municipalities = await registry.municipality_ids()
    changes = 0
    async with read_transaction(bulk=True) as sql:
        for municipality_id in municipalities:
            cursor = await sql.value(
                "SELECT last_change FROM matching_cursor WHERE municipality = ?",
                [municipality_id],
            )
            changes += await registry_metrics.unread_changes(sql, municipality_id, cursor or 0)
        last_pass = await sql.value("SELECT MAX(updated_at) FROM matching_cursor")
    if isinstance(last_pass, str):  # SQLite hands back the stored text
        last_pass = datetime.fromisoformat(last_pass)
    return MatchingLag(changes=changes, last_pass_at=last_pass)
