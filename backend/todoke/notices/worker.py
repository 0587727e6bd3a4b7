"""The delivery worker: claims due deliveries, sends them, records what the push service said.

Any number of workers share the outbox. On PostgreSQL a batch is claimed with
``FOR UPDATE SKIP LOCKED`` and a lease (``claimed_until``); on SQLite the write lock does the
same for the one embedded worker. A worker that dies mid-batch leaves leases that expire,
and another worker picks those deliveries up. A batch's results are committed together
as soon as the batch is sent, so a delivery recorded as acknowledged is never sent again;
only a batch in flight when its worker died can be sent twice, and the Topic header (one per
thread, or per notice) lets the push service replace such a duplicate.

What a push shows is decided here, from the notice's kind (``notices.kinds``): the inbox
title and body, or for anything personal the municipality's neutral "<市>からお知らせが
あります", whose name comes from the registry's public module.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec

from todoke import clock
from todoke.db import KeptWriter
from todoke.notices import kinds
from todoke.notices.http_client import Answer
from todoke.notices.push import LANGUAGES, QuietHours
from todoke.notices.webpush import (
    PushResult,
    PushSender,
    Subscription,
    Urgency,
    VapidKeys,
    VapidSigner,
    backoff_seconds,
    push_result,
)
from todoke.registry import public as registry
from todoke.settings import Settings

logger = logging.getLogger("todoke.push")

BATCH = 500
LANES = 4  # batches in flight per worker
TITLE_CHARS = 60
BODY_CHARS = 240
_URGENCIES: dict[str, Urgency] = {"very-low": "very-low", "low": "low", "high": "high"}
NAMES_SECONDS = 600.0  # how long a worker keeps the municipalities' names
TOPIC_KEY_LABEL = "todoke push topic"


def vapid_keys(settings: Settings) -> VapidKeys:
    """Generated on first run into the data folder (never in git), then reused."""
    return VapidKeys.load_or_create(settings.data_path / "vapid")


@dataclass
class Claimed:
    delivery_id: int
    attempts: int
    urgency: str
    topic: str
    subscription_id: int
    endpoint: str | None
    p256dh: str
    auth: str
    payload: bytes


@dataclass
class Outcome:
    item: Claimed
    status: str  # delivered | gone | failed | dead | retry
    code: int
    reason: str
    retry_at: datetime | None = None


def _text(value: Any, language: str, limit: int) -> str:
    texts = msgspec.json.decode(value) if isinstance(value, str) else (value or {})
    text = texts.get(language) or texts.get("ja") or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def payload_for(notice_id: int, title: Any, body: Any, link: str, language: str) -> bytes:
    """What the service worker shows: the notice id (to mark it read), a short title and
    body in the device's language (for a neutral kind, the neutral text: see
    ``DeliveryWorker.claim``), and where a tap leads. Well under the 4 KB limit."""
    language = language if language in LANGUAGES else "ja"
    return msgspec.json.encode(
        {
            "id": notice_id,
            "title": _text(title, language, TITLE_CHARS),
            "body": _text(body, language, BODY_CHARS),
            "link": link if link.startswith("/") else "/inbox",
        }
    )


class DeliveryWorker:
    def __init__(self, settings: Settings, *, name: str | None = None) -> None:
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.quiet = QuietHours.parse(settings.quiet_hours)
        self.signer = VapidSigner(vapid_keys(settings), settings.vapid_subject)
        # Most subscriptions share a few push services (FCM above all): allow many
        # connections to one host, or the per-host cap becomes the fan-out rate.
        self.sender = PushSender(
            self.signer,
            allow_http=settings.push_allow_http,
            limit_per_host=100,
            proxy=settings.push_proxy or None,
        )
        # On SQLite, one kept connection whose transactions the lanes queue for (rather than
        # on the busy timeout, whose sleeps would leave the sender idle); on PostgreSQL, the
        # pool, the lanes' transactions side by side.
        self.database = KeptWriter()
        self.topic_key = self.signer.keys.derived_key(TOPIC_KEY_LABEL)
        self._names: dict[int, dict[str, str]] = {}
        self._names_until = 0.0

    async def __aenter__(self) -> DeliveryWorker:
        await self.sender.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.sender.close()
        await self.database.close()

    async def claim(self, limit: int = BATCH) -> list[Claimed]:
        now = clock.now()
        urgent_only = self.quiet.contains(now)
        async with self.database.transaction() as sql:
            lock = " FOR UPDATE SKIP LOCKED" if sql.postgres else ""
            quiet = " AND urgency = 'high'" if urgent_only else ""
            due = await sql.fetch(
                "UPDATE delivery SET claimed_until = ?, worker = ? WHERE id IN ("
                "SELECT id FROM delivery WHERE status = 'queued' AND next_attempt_at <= ? "
                "AND (claimed_until IS NULL OR claimed_until < ?)" + quiet
                + " ORDER BY next_attempt_at, id LIMIT ?" + lock + ") RETURNING id",
                [now + timedelta(seconds=self.settings.push_lease_seconds), self.name, now, now,
                 limit],
            )  # fmt: skip
            if not due:
                return []
            clause, args = sql.in_list(sorted(delivery_id for (delivery_id,) in due))
            rows = await sql.fetch(
                "SELECT d.id, d.attempts, d.urgency, d.topic, d.subscription, s.endpoint, "
                "s.p256dh, s.auth, s.language, n.id, n.municipality, n.kind, n.title, n.body, "
                "n.link "
                "FROM delivery d JOIN notice n ON n.id = d.notice "
                "LEFT JOIN push_subscription s ON s.id = d.subscription WHERE d.id " + clause,
                args,
            )
        names = await self._municipality_names()
        # Plain tuples, unpacked by name: a batch is hundreds of rows, claimed lane after lane.
        claimed = []
        for (delivery_id, attempts, urgency, topic, subscription_id, endpoint, p256dh, auth,
             language, notice_id, municipality, kind, title, body, link) in rows:  # fmt: skip
            if kinds.policy_for(kind).lock_screen == "neutral":
                # Nothing of the notice but its id and link: the details are in the inbox.
                if municipality not in names:  # one added since the names were read
                    names = await self._municipality_names(again=True)
                title, body = kinds.neutral_text(names.get(municipality, {}))
            claimed.append(
                Claimed(
                    delivery_id=delivery_id,
                    attempts=attempts,
                    urgency=urgency,
                    topic=kinds.wire_topic(self.topic_key, topic) or "",
                    subscription_id=subscription_id,
                    endpoint=endpoint,
                    p256dh=p256dh or "",
                    auth=auth or "",
                    payload=payload_for(notice_id, title, body, link, language or "ja"),
                )
            )
        return claimed

    async def _municipality_names(self, *, again: bool = False) -> dict[int, dict[str, str]]:
        """The municipalities' names ({"ja", "easy", "en"} by id), read again when asked or
        when the ones kept are older than ``NAMES_SECONDS`` (a renamed city)."""
        if again or time.monotonic() > self._names_until:
            self._names = {
                m.id: {"ja": m.name_ja, "easy": m.name_easy, "en": m.name_en}
                for m in await registry.municipality_names()
            }
            self._names_until = time.monotonic() + NAMES_SECONDS
        return self._names

    def _start(self, item: Claimed) -> asyncio.Future[Answer] | Outcome:
        """Encrypt and start sending one delivery: the future of the push service's answer,
        or the outcome at once when there is nothing to send."""
        if item.endpoint is None:  # the device unsubscribed meanwhile
            return Outcome(item, "gone", 0, "subscription removed")
        try:
            return self.sender.submit(
                Subscription(item.endpoint, item.p256dh, item.auth),
                item.payload,
                ttl=self.settings.push_ttl_seconds,
                urgency=_URGENCIES.get(item.urgency, "normal"),
                topic=item.topic or None,
            )
        except ValueError as problem:  # nothing a retry can fix (bad keys, too large)
            return Outcome(item, "failed", 0, str(problem)[:300])

    def _judge(self, item: Claimed, result: PushResult) -> Outcome:
        """What the push service's answer means for this delivery: done, or when to retry."""
        outcome = result.outcome
        if outcome != "retry":
            return Outcome(item, outcome, result.status, result.reason)
        attempts = item.attempts + 1
        if attempts >= self.settings.push_max_attempts:
            return Outcome(item, "dead", result.status, result.reason)
        delay = backoff_seconds(attempts, result.retry_after_seconds)
        return Outcome(
            item, "retry", result.status, result.reason, clock.now() + timedelta(seconds=delay)
        )

    async def send(self, batch: list[Claimed]) -> list[Outcome]:
        """Send a batch at once (encrypting each as it goes out); what happened to each,
        not yet recorded."""
        started = []
        for n, item in enumerate(batch, 1):
            started.append(self._start(item))
            if n % 25 == 0:
                # Let answers in between, so freed connections carry the next requests
                # while this batch is still being encrypted.
                await asyncio.sleep(0)
        answers = [s for s in started if not isinstance(s, Outcome)]
        if answers:
            await asyncio.wait(answers)
        return [
            s if isinstance(s, Outcome) else self._judge(item, push_result(s.result()))
            for item, s in zip(batch, started, strict=True)
        ]

    async def record(self, outcomes: list[Outcome]) -> None:
        """Record a batch's results in one transaction. Until it commits, a crash leaves the
        batch claimed; its lease expires and it is sent again (at most this batch twice)."""
        now = clock.now()
        finished = [o for o in outcomes if o.status != "retry"]
        retried = [o for o in outcomes if o.status == "retry"]
        gone = {o.item.subscription_id for o in outcomes if o.status == "gone" and o.item.endpoint}
        async with self.database.transaction() as sql:
            await sql.executemany(
                "UPDATE delivery SET status = ?, attempts = ?, last_status = ?, last_error = ?, "
                "claimed_until = NULL, delivered_at = ? WHERE id = ?",
                [
                    (
                        o.status,
                        o.item.attempts + 1,
                        o.code,
                        "" if o.status == "delivered" else o.reason[:300],
                        now if o.status == "delivered" else None,
                        o.item.delivery_id,
                    )
                    for o in finished
                ],
            )
            await sql.executemany(
                "UPDATE delivery SET attempts = ?, next_attempt_at = ?, claimed_until = NULL, "
                "last_status = ?, last_error = ? WHERE id = ? AND status = 'queued'",
                [
                    (o.item.attempts + 1, o.retry_at, o.code, o.reason[:300], o.item.delivery_id)
                    for o in retried
                ],
            )
            for subscription_id in sorted(gone):
                # 404/410: the browser dropped the subscription; so do we, with what was
                # still queued for it.
                await sql.execute("DELETE FROM push_subscription WHERE id = ?", [subscription_id])
                await sql.execute(
                    "UPDATE delivery SET status = 'gone', claimed_until = NULL "
                    "WHERE subscription = ? AND status = 'queued'",
                    [subscription_id],
                )

    async def run_once(self) -> int:
        """Claim one batch, send it, record the results; the number handled."""
        batch = await self.claim()
        if batch:
            await self.record(await self.send(batch))
        return len(batch)

    async def drain(self) -> int:
        """Deliver everything due now with ``LANES`` batches in flight at once, so one slow
        push service never holds up the next claim; the number handled."""
        total = 0

        async def lane() -> None:
            nonlocal total
            while handled := await self.run_once():
                total += handled

        await asyncio.gather(*(lane() for _ in range(LANES)))
        return total

    async def run(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        async with self:
            while not stop.is_set():
                try:
                    handled = await self.drain()
                except Exception:
                    logger.exception("push worker %s: batch failed; retrying", self.name)
                    handled = 0
                if not handled:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=idle_seconds)
