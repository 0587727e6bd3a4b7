"""Push subscriptions and the delivery outbox.

The inbox is the record of truth; a delivery row per subscription is written in the same
transaction as its notice (so a notice and its pushes commit together) and workers carry
it to the push service. Knows nothing of why a notice was written.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from todoke.db import SqlSession, write_transaction
from todoke.db import aware as _aware
from todoke.errors import InvalidInput, Text

JST = ZoneInfo("Asia/Tokyo")
LANGUAGES = ("ja", "easy", "en")
MAX_SUBSCRIPTIONS_PER_ACCOUNT = 20


def _now() -> datetime:
    return datetime.now(UTC)


def _b64url(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return b""


def _refuse(en: str, ja: str) -> InvalidInput:
    return InvalidInput(Text(ja, en))


def _known_service(host: str, services: tuple[str, ...]) -> bool:
    """``services`` holds host names, or ".suffix" for every host under a domain."""
    host = host.lower().rstrip(".")
    return any(
        host.endswith(service) if service.startswith(".") else host == service
        for service in services
    )


def check_subscription(
    endpoint: str,
    p256dh: str,
    auth: str,
    *,
    allow_http: bool,
    services: tuple[str, ...] = (),
) -> None:
    """What a browser's PushSubscription must look like before we ever send to it: an https
    endpoint (plain http only on loopback, for the tests' push service), a P-256 public key
    and a 16-byte auth secret."""
    parts = urlsplit(endpoint)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if len(endpoint) > 1000 or not parts.hostname or parts.username or parts.password:
        raise _refuse("The push endpoint is not a valid URL.", "通知の宛先が正しくありません。")
    if allow_http and loopback and parts.scheme == "http":
        pass  # the tests' local push service
    elif parts.scheme != "https":
        raise _refuse("Push endpoints must use https.", "通知の宛先は https である必要があります。")
    elif not _known_service(parts.hostname, services):
        raise _refuse(
            "The endpoint is not a known push service.",
            "この通知サービスには対応していません。",
        )
    key = _b64url(p256dh)
    if len(key) != 65 or key[0] != 4:
        raise _refuse("p256dh must be an uncompressed P-256 key.", "通知の鍵が正しくありません。")
    if len(_b64url(auth)) != 16:
        raise _refuse("auth must be 16 bytes.", "通知の鍵が正しくありません。")


async def subscribe(
    *,
    municipality_id: int,
    account_id: int,
    session_id: int,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str,
    language: str,
) -> None:
    """Create or refresh this device's subscription. An endpoint is one browser profile: if
    another account used it before (a shared phone), it now belongs to whoever is signed in."""
    now = _now()
    async with write_transaction() as sql:
        held = await sql.fetch("SELECT id FROM push_subscription WHERE endpoint = ?", [endpoint])
        if held:
            await sql.execute(
                "UPDATE push_subscription SET municipality = ?, account = ?, session = ?, "
                "p256dh = ?, auth = ?, user_agent = ?, language = ?, last_seen_at = ? WHERE id = ?",
                [municipality_id, account_id, session_id, p256dh, auth, user_agent[:200],
                 language, now, held[0][0]],
            )  # fmt: skip
            return
        count = await sql.fetch(
            "SELECT COUNT(*) FROM push_subscription WHERE account = ?", [account_id]
        )
        if count[0][0] >= MAX_SUBSCRIPTIONS_PER_ACCOUNT:
            # The oldest device no one has opened the app on for longest makes room.
            await sql.execute(
                "DELETE FROM push_subscription WHERE id = (SELECT id FROM push_subscription "
                "WHERE account = ? ORDER BY last_seen_at LIMIT 1)",
                [account_id],
            )
        await sql.execute(
            "INSERT INTO push_subscription (municipality, account, session, endpoint, p256dh, "
            "auth, user_agent, language, created_at, last_seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [municipality_id, account_id, session_id, endpoint, p256dh, auth, user_agent[:200],
             language, now, now],
        )  # fmt: skip


async def unsubscribe(account_id: int, endpoint: str) -> bool:
    async with write_transaction() as sql:
        found = await sql.fetch(
            "SELECT id FROM push_subscription WHERE account = ? AND endpoint = ?",
            [account_id, endpoint],
        )
        if found:
            await _drop_subscription(sql, found[0][0], "gone")
    return bool(found)


async def forget_session(sql: SqlSession, session_ids: list[int]) -> None:
    """Signing out of a device removes that device's subscription."""
    for session_id in session_ids:
        rows = await sql.fetch("SELECT id FROM push_subscription WHERE session = ?", [session_id])
        for (subscription_id,) in rows:
            await _drop_subscription(sql, subscription_id, "gone")


async def _drop_subscription(sql: SqlSession, subscription_id: int, status: str) -> None:
    await sql.execute("DELETE FROM push_subscription WHERE id = ?", [subscription_id])
    await sql.execute(
        "UPDATE delivery SET status = ?, claimed_until = NULL WHERE subscription = ? "
        "AND status = 'queued'",
        [status, subscription_id],
    )


async def enqueue(
    sql: SqlSession, *, notice_id: int, account_id: int, urgency: str, now: datetime
) -> int:
    """One delivery per subscription of the account, in the notice's transaction."""
    subscriptions = await sql.fetch(
        "SELECT id FROM push_subscription WHERE account = ?", [account_id]
    )
    for (subscription_id,) in subscriptions:
        await sql.execute(
            "INSERT INTO delivery (notice, subscription, status, urgency, topic, attempts, "
            "next_attempt_at, worker, last_error, created_at) "
            "VALUES (?, ?, 'queued', ?, ?, 0, ?, '', '', ?)",
            [notice_id, subscription_id, urgency, f"n{notice_id}", now, now],
        )
    return len(subscriptions)


# --- quiet hours ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """ "21:00-08:00" (Japan time). Raises ValueError for anything else."""
        first, _, second = text.partition("-")
        return cls(time.fromisoformat(first.strip()), time.fromisoformat(second.strip()))

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(JST).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, moment: datetime) -> datetime:
        local = moment.astimezone(JST)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC)


# --- operator figures ----------------------------------------------------------------------------


async def figures() -> dict[str, Any]:
    """Queued, delivered, retried, gone, failed and dead deliveries, and delivery latency
    (median and 95th percentile over the last 1,000 deliveries, in seconds)."""
    async with write_transaction() as sql:
        counts = dict(await sql.fetch("SELECT status, COUNT(*) FROM delivery GROUP BY status"))
        retried = await sql.fetch(
            "SELECT COUNT(*) FROM delivery WHERE attempts > 1 OR (status = 'queued' "
            "AND attempts > 0)"
        )
        latest = await sql.fetch(
            "SELECT created_at, delivered_at FROM delivery WHERE status = 'delivered' "
            "ORDER BY id DESC LIMIT 1000"
        )
        subscriptions = await sql.fetch("SELECT COUNT(*) FROM push_subscription")
    latencies = sorted((_aware(done) - _aware(created)).total_seconds() for created, done in latest)

    def share(q: float) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 3)

    return {
        "subscriptions": subscriptions[0][0],
        "queued": counts.get("queued", 0),
        "delivered": counts.get("delivered", 0),
        "retried": retried[0][0],
        "gone": counts.get("gone", 0),
        "failed": counts.get("failed", 0),
        "dead": counts.get("dead", 0),
        "latency_p50_seconds": share(0.5),
        "latency_p95_seconds": share(0.95),
    }
