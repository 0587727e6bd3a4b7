"""Push subscriptions and the delivery outbox.

The inbox is the record of truth; a delivery row per subscription is written in the same
transaction as its notice (so a notice and its pushes commit together) and workers carry
it to the push service. Knows nothing of why a notice was written.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

import msgspec
from cryptography.hazmat.primitives.asymmetric import ec

from todoke import clock
from todoke.codes import b64url_decode
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import Conflict, InvalidInput, Text
from todoke.notices.schemas import DeliveryFigures

LANGUAGES = ("ja", "easy", "en")
MAX_SUBSCRIPTIONS_PER_ACCOUNT = 20


def _key_bytes(value: str) -> bytes:
    """A subscription key's bytes; nothing for text that is not base64url, which then
    fails the length check like any other malformed key."""
    try:
        return b64url_decode(value)
    except ValueError:
        return b""


def _on_p256(key: bytes) -> bool:
    """An uncompressed point (0x04, x, y) on P-256: any other 65 bytes would be stored and
    then fail the key agreement of every notice sent to it (RFC 8291 §3.1)."""
    if len(key) != 65 or key[0] != 4:
        return False
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
    except ValueError:
        return False
    return True


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
    if not _on_p256(_key_bytes(p256dh)):
        raise _refuse("p256dh must be an uncompressed P-256 key.", "通知の鍵が正しくありません。")
    if len(_key_bytes(auth)) != 16:
        raise _refuse("auth must be 16 bytes.", "通知の鍵が正しくありません。")


class _Held(msgspec.Struct):
    id: int
    account: int
    p256dh: str
    auth: str


def _same_keys(held: _Held, p256dh: str, auth: str) -> bool:
    # Compared as bytes: the same key may come padded or not.
    return hmac.compare_digest(_key_bytes(held.p256dh), _key_bytes(p256dh)) and (
        hmac.compare_digest(_key_bytes(held.auth), _key_bytes(auth))
    )


ENDPOINT_TAKEN = Conflict(
    Text(
        "この通知の宛先は別のアカウントで使われています。",
        "This push endpoint belongs to another account.",
    )
)


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
    """Create or refresh this device's subscription.

    An endpoint is one browser profile's push resource, and its keys (p256dh, auth) are made
    by that browser with it (RFC 8030 §4, RFC 8291 §2): whoever shows the endpoint with the
    same keys is that browser, e.g. a shared phone where the next resident signed in, and the
    subscription moves to them. The endpoint with other keys is not that browser (a push
    encrypted to them could not be read there, and the holder would stop getting notices),
    so it is refused while it belongs to another account."""
    now = clock.now()
    async with write_transaction() as sql:
        held_row = await sql.row(
            _Held,
            "SELECT id, account, p256dh, auth FROM push_subscription "
            "WHERE municipality = ? AND endpoint = ?",
            [municipality_id, endpoint],
        )
        if held_row is not None:
            held = held_row.id
            if held_row.account != account_id and not _same_keys(held_row, p256dh, auth):
                raise ENDPOINT_TAKEN
            await sql.execute(
                "UPDATE push_subscription SET account = ?, session = ?, p256dh = ?, auth = ?, "
                "user_agent = ?, language = ?, last_seen_at = ? WHERE id = ?",
                [account_id, session_id, p256dh, auth, user_agent[:200], language, now, held],
            )  # fmt: skip
            return
        count = await sql.value(
            "SELECT COUNT(*) FROM push_subscription WHERE account = ?", [account_id]
        )
        if count >= MAX_SUBSCRIPTIONS_PER_ACCOUNT:
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
        found = await sql.value(
            "SELECT id FROM push_subscription WHERE account = ? AND endpoint = ?",
            [account_id, endpoint],
        )
        if found is not None:
            await _drop_subscriptions(sql, [found])
    return found is not None


class _Id(msgspec.Struct):
    id: int


async def forget_session(sql: SqlSession, session_ids: list[int]) -> None:
    """Signing out of a device removes that device's subscription."""
    if not session_ids:
        return
    clause, args = sql.in_list(session_ids)
    query = "SELECT id FROM push_subscription WHERE session " + clause  # noqa: S608
    rows = await sql.rows(_Id, query, args)
    await _drop_subscriptions(sql, [r.id for r in rows])


async def forget_sessions_of(sql: SqlSession, account_id: int) -> None:
    """Signing out everywhere removes the subscription of every device of the account."""
    rows = await sql.rows(
        _Id,
        "SELECT id FROM push_subscription WHERE session IN (SELECT session "
        "FROM push_subscription WHERE account = ? AND session IS NOT NULL)",
        [account_id],
    )
    await _drop_subscriptions(sql, [r.id for r in rows])


async def _drop_subscriptions(sql: SqlSession, subscription_ids: list[int]) -> None:
    """The subscriptions go, and what was still queued for them is marked gone."""
    if not subscription_ids:
        return
    clause, args = sql.in_list(subscription_ids)
    await sql.execute("DELETE FROM push_subscription WHERE id " + clause, args)  # noqa: S608
    await sql.execute(
        "UPDATE delivery SET status = 'gone', claimed_until = NULL "  # noqa: S608
        f"WHERE subscription {clause} AND status = 'queued'",
        args,
    )


async def enqueue(
    sql: SqlSession, *, notice_id: int, account_id: int, urgency: str, topic: str, now: datetime
) -> int:
    """One delivery per subscription of the account, in the notice's transaction, with the
    urgency and the (not yet keyed) topic its kind and thread gave it."""
    # The delivery is the subscription's municipality's (the account's, the notice's).
    subscriptions = await sql.fetch(
        "SELECT id, municipality FROM push_subscription WHERE account = ?", [account_id]
    )
    await sql.executemany(
        "INSERT INTO delivery (municipality, notice, subscription, status, urgency, topic, "
        "attempts, next_attempt_at, worker, last_error, created_at) "
        "VALUES (?, ?, ?, 'queued', ?, ?, 0, ?, '', '', ?)",
        [
            (municipality, notice_id, s, urgency, topic, now, now)
            for s, municipality in subscriptions
        ],
    )
    return len(subscriptions)


async def enqueue_many(
    sql: SqlSession, *, notices: dict[int, tuple[int, str]], urgency: str, now: datetime
) -> int:
    """``enqueue`` for many notices at once (``notices``: account → (notice, topic))."""
    rows = []
    for marks, args in sql.in_batches(notices):
        for subscription_id, account, municipality in await sql.fetch(
            f"SELECT id, account, municipality FROM push_subscription WHERE account {marks}",  # noqa: S608
            args,
        ):
            notice_id, topic = notices[account]
            rows.append((municipality, notice_id, subscription_id, urgency, topic, now, now))
    await sql.executemany(
        "INSERT INTO delivery (municipality, notice, subscription, status, urgency, topic, "
        "attempts, next_attempt_at, worker, last_error, created_at) "
        "VALUES (?, ?, ?, 'queued', ?, ?, 0, ?, '', '', ?)",
        rows,
    )
    return len(rows)


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
        local = moment.astimezone(clock.JST).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, moment: datetime) -> datetime:
        local = moment.astimezone(clock.JST)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC)


# --- operator figures ----------------------------------------------------------------------------


class _StatusCount(msgspec.Struct):
    status: str
    count: int


class _Delivered(msgspec.Struct):
    created_at: datetime
    delivered_at: datetime


async def figures() -> DeliveryFigures:
    """Queued, delivered, retried, gone, failed and dead deliveries, and delivery latency
    (median and 95th percentile over the last 1,000 deliveries, in seconds)."""
    async with read_transaction(bulk=True) as sql:
        by_status = await sql.rows(
            _StatusCount, "SELECT status, COUNT(*) AS count FROM delivery GROUP BY status"
        )
        retried = await sql.value(
            "SELECT COUNT(*) FROM delivery WHERE attempts > 1 OR (status = 'queued' "
            "AND attempts > 0)"
        )
        latest = await sql.rows(
            _Delivered,
            "SELECT created_at, delivered_at FROM delivery WHERE status = 'delivered' "
            "ORDER BY id DESC LIMIT 1000",
        )
        subscriptions = await sql.value("SELECT COUNT(*) FROM push_subscription")
    counts = {c.status: c.count for c in by_status}
    latencies = sorted((d.delivered_at - d.created_at).total_seconds() for d in latest)

    def share(q: float) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 3)

    return DeliveryFigures(
        subscriptions=subscriptions,
        queued=counts.get("queued", 0),
        delivered=counts.get("delivered", 0),
        retried=retried,
        gone=counts.get("gone", 0),
        failed=counts.get("failed", 0),
        dead=counts.get("dead", 0),
        latency_p50_seconds=share(0.5),
        latency_p95_seconds=share(0.95),
    )
