"""What the operators' metrics read from the notices outbox at scrape time: deliveries by
channel and state, and how long the oldest delivery a worker should already have sent has
waited (the workers' lag). Cheap aggregate queries; nothing here writes."""

from __future__ import annotations

from datetime import datetime

import msgspec

from todoke.db import read_transaction
from todoke.notices.push import QuietHours


class OutboxCount(msgspec.Struct, frozen=True):
    municipality: int
    channel: str  # push | email
    state: str  # queued | delivered | gone | failed | dead (push); sent | bounced | ... (email)
    count: int


async def outbox_counts() -> list[OutboxCount]:
    async with read_transaction(bulk=True) as sql:
        push = await sql.fetch(
            "SELECT municipality, status, COUNT(*) FROM delivery GROUP BY municipality, status"
        )
        email = await sql.fetch(
            "SELECT municipality, status, COUNT(*) FROM email_delivery "
            "GROUP BY municipality, status"
        )
    return [OutboxCount(m, "push", state, int(count)) for m, state, count in push] + [
        OutboxCount(m, "email", state, int(count)) for m, state, count in email
    ]


async def oldest_due_seconds(now: datetime, quiet_hours: str) -> dict[str, float]:
    """Per channel, how long ago the oldest queued delivery became due (0 when none is).

    During quiet hours only urgent deliveries are due, as the workers see it: non-urgent
    ones waiting for the morning are not lag."""
    quiet = QuietHours.parse(quiet_hours).contains(now)
    async with read_transaction(bulk=True) as sql:
        push = await sql.value(
            "SELECT MIN(next_attempt_at) FROM delivery WHERE status = 'queued' "
            "AND next_attempt_at <= ? AND (? OR urgency = 'high')",
            [now, not quiet],
        )
        email = await sql.value(
            "SELECT MIN(next_attempt_at) FROM email_delivery WHERE status = 'queued' "
            "AND next_attempt_at <= ? AND (? OR urgent = ?)",
            [now, not quiet, True],
        )
    return {"push": _age(now, push), "email": _age(now, email)}


def _age(now: datetime, since: object) -> float:
    if since is None:
        return 0.0
    if isinstance(since, str):  # SQLite hands back the stored text
        since = datetime.fromisoformat(since)
    assert isinstance(since, datetime)
    if since.tzinfo is None:
        since = since.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - since).total_seconds())
