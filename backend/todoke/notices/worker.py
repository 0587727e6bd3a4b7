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

The email worker (``EmailWorker``, below) works the email outbox the same way, one message
at a time, beside the push worker in the same process.
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
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import msgspec

from todoke import clock
from todoke.db import KeptWriter, failed_round, read_transaction, write_transaction
from todoke.notices import email as email_channel
from todoke.notices import kinds, mailer
from todoke.notices.http_client import Answer
from todoke.notices.push import LANGUAGES, QuietHours
from todoke.notices.vapid import Keyring
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
mail_logger = logging.getLogger("todoke.mail")

BATCH = 500
LANES = 4  # batches in flight per worker
TITLE_CHARS = 60
BODY_CHARS = 240
_URGENCIES: dict[str, Urgency] = {"very-low": "very-low", "low": "low", "high": "high"}
NAMES_SECONDS = 600.0  # how long a worker keeps the municipalities' names
TOPIC_KEY_LABEL = "todoke push topic"
# What push services answer to a VAPID key that is not the subscription's (FCM and Apple
# 403, Mozilla 401).
KEY_REFUSED = frozenset({401, 403})


def vapid_keys(settings: Settings) -> VapidKeys:
    """Generated on first run into the data folder (never in git), then reused; read again
    when the key file changes (``todoke rotate-vapid``), which costs a stat per call."""
    folder = settings.data_path / "vapid"
    try:
        stamp: tuple[int, int] | None = _stamp(folder / VapidKeys.FILE_NAME)
    except FileNotFoundError:
        stamp = None
    kept = _KEPT_KEYS.get(folder)
    if stamp is not None and kept is not None and kept[0] == stamp:
        return kept[1]
    keys = VapidKeys.load_or_create(folder)
    _KEPT_KEYS[folder] = (_stamp(folder / VapidKeys.FILE_NAME), keys)
    return keys


def _stamp(path: Path) -> tuple[int, int]:
    """A rotation replaces the file: a new inode and a new modification time."""
    found = path.stat()
    return found.st_ino, found.st_mtime_ns


_KEPT_KEYS: dict[Path, tuple[tuple[int, int], VapidKeys]] = {}


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
    subscribed_at: Any = None  # which VAPID key the subscription is bound to (notices.vapid)


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


def payload_for(
    notice_id: int, title: Any, body: Any, link: str, language: str, thread: str = ""
) -> bytes:
    """What the service worker shows: the notice id (to mark it read), a short title and
    body in the device's language (for a neutral kind, the neutral text: see
    ``DeliveryWorker.claim``), where a tap leads, and the thread (the opaque digest the
    Topic header carries: a newer notice of the thread replaces the older one on the
    device too). Well under the 4 KB limit."""
    language = language if language in LANGUAGES else "ja"
    return msgspec.json.encode(
        {
            "id": notice_id,
            "title": _text(title, language, TITLE_CHARS),
            "body": _text(body, language, BODY_CHARS),
            "link": link if link.startswith("/") else "/inbox",
            "thread": thread,
        }
    )


class DeliveryWorker:
    def __init__(self, settings: Settings, *, name: str | None = None) -> None:
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.quiet = QuietHours.parse(settings.quiet_hours)
        # The current key and those retired by `todoke rotate-vapid`, for the subscriptions
        # made with them; ``signer`` is the current one.
        self.keyring = Keyring(settings.data_path / "vapid", settings.vapid_subject)
        self.signer: VapidSigner = self.keyring.signer
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
        self._origins: dict[int, str] = {}
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
        if not await _anything_due("delivery", "urgency = 'high'" if urgent_only else "", now):
            return []  # an idle round takes no write lock
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
                "n.link, s.created_at "
                "FROM delivery d JOIN notice n ON n.id = d.notice "
                "LEFT JOIN push_subscription s ON s.id = d.subscription WHERE d.id " + clause,
                args,
            )
        names = await self._municipality_names()
        # Plain tuples, unpacked by name: a batch is hundreds of rows, claimed lane after lane.
        claimed = []
        for (delivery_id, attempts, urgency, topic, subscription_id, endpoint, p256dh, auth,
             language, notice_id, municipality, kind, title, body, link,
             subscribed_at) in rows:  # fmt: skip
            if kinds.policy_for(kind).lock_screen == "neutral":
                # Nothing of the notice but its id and link: the details are in the inbox.
                if municipality not in names:  # one added since the names were read
                    names = await self._municipality_names(again=True)
                title, body = kinds.neutral_text(names.get(municipality, {}))
            wire_topic = kinds.wire_topic(self.topic_key, topic) or ""
            claimed.append(
                Claimed(
                    delivery_id=delivery_id,
                    attempts=attempts,
                    urgency=urgency,
                    topic=wire_topic,
                    subscription_id=subscription_id,
                    endpoint=endpoint,
                    p256dh=p256dh or "",
                    auth=auth or "",
                    payload=payload_for(notice_id, title, body, link, language or "ja", wire_topic),
                    subscribed_at=subscribed_at,
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
                signer=self.keyring.signer_for(item.subscribed_at),
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
        self.keyring.reload_if_rotated()  # a stat: a rotation is followed without a restart
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
        outcomes = [
            s if isinstance(s, Outcome) else self._judge(item, push_result(s.result()))
            for item, s in zip(batch, started, strict=True)
        ]
        return await self._with_other_keys(outcomes)

    async def _with_other_keys(self, outcomes: list[Outcome]) -> list[Outcome]:
        """A push service that refused the VAPID key (401/403) is asked again at once with
        the keyring's other keys: the subscription was made with another key than its date
        says (a public key fetched just before a rotation). Rare; one at a time."""
        for index, outcome in enumerate(outcomes):
            if outcome.status != "failed" or outcome.code not in KEY_REFUSED:
                continue
            item = outcome.item
            tried = self.keyring.signer_for(item.subscribed_at)
            for signer in self.keyring.signers():
                if signer is tried or item.endpoint is None:
                    continue
                answer = await self.sender.submit(
                    Subscription(item.endpoint, item.p256dh, item.auth),
                    item.payload,
                    ttl=self.settings.push_ttl_seconds,
                    urgency=_URGENCIES.get(item.urgency, "normal"),
                    topic=item.topic or None,
                    signer=signer,
                )
                outcome = self._judge(item, push_result(answer))
                if outcome.code not in KEY_REFUSED:
                    break
            outcomes[index] = outcome
        return outcomes

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
            failures = 0
            while not stop.is_set():
                wait = idle_seconds
                try:
                    handled = await self.drain()
                    failures = 0
                except Exception as error:  # the database down, a bug: the loop goes on
                    failures += 1
                    what = f"push worker {self.name}: batch"
                    wait = failed_round(logger, what, error, failures, idle_seconds)
                    handled = 0
                if not handled:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=wait)


# --- email -------------------------------------------------------------------------------------

MAIL_BATCH = 20
# A batch's lease: longer than a batch can take (each message's send is capped at the SMTP
# timeout, and the worker stops early when its lease runs short), so no other worker ever
# takes a message this one may still be sending.
MAIL_LEASE_SECONDS = 300


class _DueEmail(msgspec.Struct):
    id: int
    municipality: int
    purpose: str  # notice | confirm
    email_address: int
    address: str
    nonce: str
    attempts: int
    claimed_until: datetime
    # The account's address as it is now (None: removed since).
    current_id: int | None
    current_address: str | None
    confirmed_at: datetime | None
    notify: bool | None
    bounced_at: datetime | None
    language: str | None


def _still_wanted(due: _DueEmail) -> bool:
    """Whether the email may still go: to the same address, not refused since, and for a
    notice, confirmed with notices on (a change meanwhile cancels it)."""
    if due.current_id != due.email_address or due.current_address != due.address:
        return False
    if due.bounced_at is not None:
        return False
    if due.purpose == "confirm":
        return due.confirmed_at is None
    return due.confirmed_at is not None and bool(due.notify)


async def _anything_due(outbox: str, only: str, now: datetime) -> bool:
    """Whether an outbox (``delivery`` or ``email_delivery``) holds a row due now, looked up
    in a read transaction: on SQLite an idle worker then never takes the write lock, which
    every writer of the app would queue behind."""
    async with read_transaction() as sql:
        found = await sql.value(
            f"SELECT 1 FROM {outbox} WHERE status = 'queued' AND next_attempt_at <= ? "
            "AND (claimed_until IS NULL OR claimed_until < ?)"
            + (f" AND {only}" if only else "")
            + " LIMIT 1",
            [now, now],
        )
    return found is not None


class EmailWorker:
    """Sends the email outbox: claims due emails (``FOR UPDATE SKIP LOCKED`` and a lease on
    PostgreSQL, the write lock on SQLite, like the push ``DeliveryWorker``), writes each
    message, sends it and records the outcome at once, one message at a time, so that an
    email recorded as sent is never sent again. Passing failures are retried with backoff
    until ``mail_max_attempts``; a recipient refused for good (5xx) marks the address
    bounced, and nothing more is mailed to it until the resident enters it again."""

    def __init__(
        self,
        settings: Settings,
        *,
        name: str | None = None,
        transport: mailer.MailTransport | None = None,
    ) -> None:
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:mail"
        self.quiet = QuietHours.parse(settings.quiet_hours)
        self.transport = transport or mailer.transport_for(settings.smtp_url, settings.data_path)
        self.key = email_channel.link_key(settings)
        self.lease_seconds = MAIL_LEASE_SECONDS
        self._names: dict[int, dict[str, str]] = {}
        self._origins: dict[int, str] = {}
        self._names_until = 0.0

    async def claim(self, limit: int = MAIL_BATCH) -> tuple[list[_DueEmail], int]:
        """Lease up to ``limit`` due emails: those to send, and how many of the claimed
        were no longer wanted and are cancelled here."""
        now = clock.now()
        quiet = " AND urgent = ?" if self.quiet.contains(now) else ""
        if not await _anything_due("email_delivery", "urgent" if quiet else "", now):
            return [], 0  # an idle round takes no write lock
        async with write_transaction() as sql:
            lock = " FOR UPDATE SKIP LOCKED" if sql.postgres else ""
            due = await sql.fetch(
                "UPDATE email_delivery SET claimed_until = ?, worker = ? WHERE id IN ("
                "SELECT id FROM email_delivery WHERE status = 'queued' AND next_attempt_at <= ? "
                "AND (claimed_until IS NULL OR claimed_until < ?)" + quiet
                + " ORDER BY next_attempt_at, id LIMIT ?" + lock + ") RETURNING id",
                [now + timedelta(seconds=self.lease_seconds), self.name, now, now,
                 *([True] if quiet else []), limit],
            )  # fmt: skip
            if not due:
                return [], 0
            clause, args = sql.in_list(sorted(email_id for (email_id,) in due))
            rows = await sql.rows(
                _DueEmail,
                "SELECT d.id, d.municipality, d.purpose, d.email_address, d.address, d.nonce, "
                "d.attempts, d.claimed_until, a.id AS current_id, a.address AS current_address, "
                "a.confirmed_at, a.notify, a.bounced_at, a.language "
                "FROM email_delivery d LEFT JOIN email_address a ON a.account = d.account "
                "WHERE d.id " + clause + " ORDER BY d.next_attempt_at, d.id",
                args,
            )
            unwanted = [(row.id,) for row in rows if not _still_wanted(row)]
            await sql.executemany(
                "UPDATE email_delivery SET status = 'cancelled', claimed_until = NULL, "
                "last_error = 'the address changed, was removed or turned off' WHERE id = ?",
                unwanted,
            )
        return [row for row in rows if _still_wanted(row)], len(unwanted)

    async def _municipality_names(self) -> dict[int, dict[str, str]]:
        if time.monotonic() > self._names_until:
            held = await registry.municipality_names()
            self._names = {
                m.id: {"ja": m.name_ja, "easy": m.name_easy, "en": m.name_en} for m in held
            }
            # A municipality at its own origin: its links go there, not to the deployment's.
            self._origins = {m.id: m.origin for m in held if m.origin}
            self._names_until = time.monotonic() + NAMES_SECONDS
        return self._names

    def compose(
        self, due: _DueEmail, municipality: dict[str, str], origin: str | None = None
    ) -> EmailMessage:
        """The message for one outbox row, in its address's language; its links at the
        municipality's own origin, or the deployment's."""
        sender = self.settings.mail_sender_for(origin)
        origin = origin or self.settings.public_origins[0]
        letterhead = mailer.Letterhead(municipality=municipality, origin=origin, sender=sender)
        language = due.language if due.language in email_channel.LANGUAGES else "ja"
        unsubscribe_url = None
        if due.purpose == "confirm":
            token = email_channel.confirm_token(self.key, due.email_address, due.nonce)
            subject, body = mailer.confirm_text(
                letterhead, language, mailer.confirm_url(origin, token),
                email_channel.CONFIRM_HOURS,
            )  # fmt: skip
        else:
            token = email_channel.unsubscribe_token(self.key, due.email_address, due.address)
            unsubscribe_url, page = mailer.unsubscribe_urls(origin, token)
            subject, body = mailer.notice_text(letterhead, language, page)
        return mailer.build(
            letterhead=letterhead,
            to=due.address,
            subject=subject,
            body=body,
            message_id=mailer.message_id(due.id, self.key, sender),
            date=clock.now(),
            unsubscribe_url=unsubscribe_url,
        )

    async def send(self, batch: list[_DueEmail]) -> int:
        """Send a claimed batch over one connection, recording each outcome as it comes;
        what is left when the connection fails or the lease runs short waits for the next
        claim. The number recorded."""
        names = await self._municipality_names()
        if any(due.municipality not in names for due in batch):  # one added since
            self._names_until = 0.0
            names = await self._municipality_names()
        recorded: set[int] = set()
        bounced: set[int] = set()  # addresses refused in this batch (the rest is cancelled)
        margin = timedelta(seconds=2 * mailer.SMTP_TIMEOUT_SECONDS)
        try:
            async with self.transport.session() as session:
                for due in batch:
                    if due.email_address in bounced:
                        recorded.add(due.id)  # cancelled when the address bounced
                        continue
                    if clock.now() + margin > due.claimed_until:
                        break  # the lease is running out: the rest are released below
                    origin = self._origins.get(due.municipality)
                    sender = self.settings.mail_sender_for(origin)
                    message_id = mailer.message_id(due.id, self.key, sender)
                    try:
                        message = self.compose(due, names.get(due.municipality, {}), origin)
                        await session.send(sender, due.address, message)
                    except (aiosmtplib.SMTPException, OSError, ValueError) as error:
                        result = mailer.judge(error)
                        await self.record(due, result, message_id)
                        recorded.add(due.id)
                        if result.verdict == "bounced":
                            bounced.add(due.email_address)
                        if isinstance(error, ConnectionError | TimeoutError):
                            break  # the connection is gone: the rest wait for the next one
                        continue
                    await self.record(due, mailer.SendResult("sent", 250, ""), message_id)
                    recorded.add(due.id)
        except (aiosmtplib.SMTPException, OSError) as error:
            # No connection (or it failed while opening): each waits and counts a try.
            result = mailer.judge(error)
            mail_logger.warning("mail worker %s: %s", self.name, result.reason)
            for due in batch:
                if due.id not in recorded:
                    await self.record(due, result, "")
                    recorded.add(due.id)
        left = [due.id for due in batch if due.id not in recorded]
        if left:
            async with write_transaction() as sql:
                clause, args = sql.in_list(left)
                await sql.execute(
                    "UPDATE email_delivery SET claimed_until = NULL WHERE status = 'queued' "
                    "AND id " + clause,
                    args,
                )
        return len(recorded)

    async def record(self, due: _DueEmail, result: mailer.SendResult, message_id: str) -> None:
        """Record one email's outcome (its own transaction: sent means never again)."""
        now = clock.now()
        attempts = due.attempts + 1
        async with write_transaction() as sql:
            if result.verdict == "sent":
                await sql.execute(
                    "UPDATE email_delivery SET status = 'sent', attempts = ?, last_code = ?, "
                    "last_error = '', message_id = ?, nonce = '', claimed_until = NULL, "
                    "sent_at = ? WHERE id = ?",
                    [attempts, result.code, message_id, now, due.id],
                )
                return
            if result.verdict == "retry" and attempts < self.settings.mail_max_attempts:
                retry_at = now + timedelta(seconds=backoff_seconds(attempts))
                await sql.execute(
                    "UPDATE email_delivery SET attempts = ?, next_attempt_at = ?, "
                    "claimed_until = NULL, last_code = ?, last_error = ? "
                    "WHERE id = ? AND status = 'queued'",
                    [attempts, retry_at, result.code, result.reason, due.id],
                )
                return
            status = "dead" if result.verdict == "retry" else result.verdict
            await sql.execute(
                "UPDATE email_delivery SET status = ?, attempts = ?, claimed_until = NULL, "
                "last_code = ?, last_error = ?, message_id = ? WHERE id = ? AND status = 'queued'",
                [status, attempts, result.code, result.reason, message_id, due.id],
            )
            if status == "bounced":
                # The mail server says this mailbox does not exist (or never will take our
                # mail): stop mailing it. The resident sees "bounced" and can enter it again.
                await sql.execute(
                    "UPDATE email_address SET bounced_at = ?, bounce_reason = ?, updated_at = ? "
                    "WHERE id = ? AND address = ?",
                    [now, result.reason, now, due.email_address, due.address],
                )
                await sql.execute(
                    "UPDATE email_delivery SET status = 'cancelled', claimed_until = NULL, "
                    "last_error = 'the address bounced' "
                    "WHERE email_address = ? AND status = 'queued' AND id <> ?",
                    [due.email_address, due.id],
                )

    async def run_once(self) -> int:
        """Claim one batch and send it; the number of emails handled (sent, retried,
        given up or cancelled)."""
        batch, cancelled = await self.claim()
        return cancelled + (await self.send(batch) if batch else 0)

    async def drain(self) -> int:
        """Send everything due now; the number handled."""
        total = 0
        while handled := await self.run_once():
            total += handled
        return total

    async def run(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        failures = 0
        while not stop.is_set():
            wait = idle_seconds
            try:
                handled = await self.drain()
                failures = 0
            except Exception as error:  # the database down, a bug: the loop goes on
                failures += 1
                what = f"mail worker {self.name}: batch"
                wait = failed_round(mail_logger, what, error, failures, idle_seconds)
                handled = 0
            if not handled:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=wait)
