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
    municipality: int
    channel: str  # app | email | letter
    state: str  # sent | queued | printed | cancelled
    count: int


class MatchingLag(msgspec.Struct, frozen=True):
    municipality: int
    changes: int  # registry changes no matching pass has read yet
    last_pass_at: datetime | None  # when its cursor last moved


async def telling_counts() -> list[TellingCount]:
    async with read_transaction(bulk=True) as sql:
        rows = await sql.fetch(
            "SELECT municipality, channel, state, COUNT(*) FROM program_delivery "
            "GROUP BY municipality, channel, state"
        )
    return [TellingCount(m, channel, state, int(count)) for m, channel, state, count in rows]


async def matching_lag() -> list[MatchingLag]:
    """Per municipality: the registry changes its matching has not read, and its last pass."""
    municipalities = await registry.municipality_ids()
    lags = []
    async with read_transaction(bulk=True) as sql:
        for municipality_id in municipalities:
            cursor = await sql.fetch(
                "SELECT last_change, updated_at FROM matching_cursor WHERE municipality = ?",
                [municipality_id],
            )
            last_change, last_pass = cursor[0] if cursor else (0, None)
            if isinstance(last_pass, str):  # SQLite hands back the stored text
                last_pass = datetime.fromisoformat(last_pass)
            changes = await registry_metrics.unread_changes(sql, municipality_id, last_change or 0)
            lags.append(MatchingLag(municipality_id, changes, last_pass))
    return lags
