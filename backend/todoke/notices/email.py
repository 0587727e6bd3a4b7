"""The email channel: a resident's address (one per account), its confirmation, and the
email outbox a notice's email is queued in.

An email says only that a notice is waiting, with a link to the inbox: what the notice says
stays in the app, behind sign-in (an email crosses mail servers we do not run, and sits in
a mailbox others may read). So the outbox row keeps no text at all; the worker writes the
message when it sends it (``notices.mailer``).

Links carry tokens made with a key that is not in the database (derived from the server's
VAPID key, which every process of the deployment shares): a confirmation token is
``HMAC(key, address row, random nonce)`` and the database keeps only its SHA-256 (to find
it) and, until the email is sent, the nonce; an unsubscribe token is
``row id . HMAC(key, row id, address)`` and is kept nowhere. Someone who reads the database
cannot make either.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import msgspec

from todoke import clock
from todoke.codes import b64url_encode, secret_hash
from todoke.db import MAX_ID, SqlSession, read_transaction, write_transaction
from todoke.errors import InvalidInput, NotFound, Text
from todoke.notices.schemas import EmailStatus
from todoke.notices.webpush import VapidKeys
from todoke.settings import Settings

CONFIRM_HOURS = 24
LANGUAGES = ("ja", "easy", "en")
LINK_KEY_LABEL = "todoke email links"

# --- the address ---------------------------------------------------------------------------------

MAX_ADDRESS = 254  # RFC 5321's limit on a path, less its angle brackets
MAX_LOCAL = 64
# RFC 5322 atext. Dots anywhere in the local part: older Japanese mobile addresses
# (docomo, au) have consecutive dots or a dot before the @, and their servers take them.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _refuse(ja: str, en: str) -> InvalidInput:
    return InvalidInput(Text(ja, en))


def normalize_address(text: str) -> str:
    """The address as stored, or ``InvalidInput`` saying what is wrong with it.

    Full-width characters typed on a Japanese keyboard (＠, ．, full-width letters) are
    folded to ASCII and spaces around the address dropped; then it must be one
    ``local@domain`` of printable ASCII with no space or control character anywhere (so
    nothing can be smuggled into a mail header), at most 254 characters, a local part of
    at most 64, and a domain of dotted labels ending in a name (not an IP address). The
    domain is lower-cased; the local part is kept as typed (its case may matter)."""
    if len(text) > MAX_ADDRESS * 4:
        raise _too_long()
    folded = unicodedata.normalize("NFKC", text).strip(" ")
    if not folded:
        raise _refuse("メールアドレスを入力してください。", "Enter an email address.")
    if any(not (c.isascii() and c.isprintable()) or c.isspace() for c in folded):
        raise _refuse(
            "メールアドレスに使えない文字（空白、改行、全角文字など）が含まれています。",
            "The address has characters an email address cannot have "
            "(spaces, line breaks, non-ASCII).",
        )
    if len(folded) > MAX_ADDRESS:
        raise _too_long()
    if folded.count("@") != 1:
        raise _refuse(
            "メールアドレスには @ を1つだけ含めてください。",
            "An email address has exactly one @.",
        )
    local, domain = folded.split("@")
    if not local or len(local) > MAX_LOCAL or not _LOCAL.fullmatch(local):
        raise _refuse("@ の前の部分が正しくありません。", "The part before the @ is not valid.")
    labels = domain.rstrip(".").split(".") if domain else []
    if (
        len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise _refuse(
            "@ の後の部分（ドメイン）が正しくありません。", "The part after the @ is not a domain."
        )
    return f"{local}@{'.'.join(labels).lower()}"


def _too_long() -> InvalidInput:
    return _refuse(
        f"メールアドレスは{MAX_ADDRESS}文字以内で入力してください。",
        f"An email address has at most {MAX_ADDRESS} characters.",
    )


# --- link tokens ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _link_key(vapid_folder: Path) -> bytes:
    return VapidKeys.load_or_create(vapid_folder).derived_key(LINK_KEY_LABEL)


def link_key(settings: Settings) -> bytes:
    """The key email links are made with (the same in every process of the deployment)."""
    return _link_key(settings.data_path.resolve() / "vapid")


def confirm_token(key: bytes, address_id: int, nonce: str) -> str:
    mac = hmac.new(key, f"confirm\0{address_id}\0{nonce}".encode(), hashlib.sha256)
    return b64url_encode(mac.digest())


def unsubscribe_token(key: bytes, address_id: int, address: str) -> str:
    mac = hmac.new(key, f"unsubscribe\0{address_id}\0{address}".encode(), hashlib.sha256)
    return f"{address_id}.{b64url_encode(mac.digest()[:18])}"


_UNSUBSCRIBE = re.compile(r"([1-9][0-9]{0,9})\.([A-Za-z0-9_-]{24})")


# --- the resident's address --------------------------------------------------------------------


NO_ADDRESS = EmailStatus(
    address=None,
    confirmed=False,
    notify=False,
    bounced=False,
    awaiting_confirmation=False,
    language="ja",
)


class _AddressRow(msgspec.Struct):
    id: int
    address: str
    language: str
    notify: bool
    confirmed_at: datetime | None
    confirm_hash: str | None
    confirm_expires_at: datetime | None
    bounced_at: datetime | None


_ADDRESS_COLUMNS = (
    "id, address, language, notify, confirmed_at, confirm_hash, confirm_expires_at, bounced_at"
)


async def _address_of(sql: SqlSession, account_id: int) -> _AddressRow | None:
    return await sql.row(
        _AddressRow,
        f"SELECT {_ADDRESS_COLUMNS} FROM email_address WHERE account = ?",  # noqa: S608
        [account_id],
    )


def _status(row: _AddressRow | None, now: datetime) -> EmailStatus:
    if row is None:
        return NO_ADDRESS
    return EmailStatus(
        address=row.address,
        confirmed=row.confirmed_at is not None,
        notify=row.notify,
        bounced=row.bounced_at is not None,
        awaiting_confirmation=row.confirmed_at is None
        and row.confirm_hash is not None
        and row.confirm_expires_at is not None
        and row.confirm_expires_at > now,
        language=row.language,
    )


async def status(account_id: int) -> EmailStatus:
    async with read_transaction() as sql:
        return _status(await _address_of(sql, account_id), clock.now())


async def set_address(
    *, key: bytes, municipality_id: int, account_id: int, address: str, language: str
) -> EmailStatus:
    """Store the account's address, unconfirmed, and queue a confirmation email with a
    single-use link valid for ``CONFIRM_HOURS``. The same address, already confirmed and
    not refused by a mail server, only changes the emails' language. A new address (or one
    that bounced) starts over: whatever was still queued for the old one is cancelled."""
    address = normalize_address(address)
    language = language if language in LANGUAGES else "ja"
    now = clock.now()
    async with write_transaction() as sql:
        row = await _address_of(sql, account_id)
        if (
            row is not None
            and row.address == address
            and row.confirmed_at is not None
            and row.bounced_at is None
        ):
            await sql.execute(
                "UPDATE email_address SET language = ?, updated_at = ? WHERE id = ?",
                [language, now, row.id],
            )
            return _status(await _address_of(sql, account_id), now)
        if row is None:
            address_id: int = await sql.value(
                "INSERT INTO email_address (municipality, account, address, language, notify, "
                "confirmed_at, confirm_hash, confirm_expires_at, bounced_at, bounce_reason, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, '', ?, ?) "
                "RETURNING id",
                [municipality_id, account_id, address, language, True, now, now],
            )
        else:
            address_id = row.id
            await _cancel_queued(sql, address_id, "the address was entered again")
        nonce = secrets.token_urlsafe(16)
        await sql.execute(
            "UPDATE email_address SET address = ?, language = ?, notify = ?, "
            "confirmed_at = NULL, confirm_hash = ?, confirm_expires_at = ?, bounced_at = NULL, "
            "bounce_reason = '', updated_at = ? WHERE id = ?",
            [
                address,
                language,
                True,
                secret_hash(confirm_token(key, address_id, nonce)),
                now + timedelta(hours=CONFIRM_HOURS),
                now,
                address_id,
            ],
        )
        await sql.execute(
            "INSERT INTO email_delivery (municipality, account, notice, purpose, email_address, "
            "address, nonce, urgent, status, attempts, next_attempt_at, worker, last_error, "
            "message_id, created_at) "
            "VALUES (?, ?, NULL, 'confirm', ?, ?, ?, ?, 'queued', 0, ?, '', '', '', ?)",
            # Urgent: the resident is waiting for it, quiet hours or not.
            [municipality_id, account_id, address_id, address, nonce, True, now, now],
        )
        return _status(await _address_of(sql, account_id), now)


LINK_GONE = Text(
    "この確認リンクは使えません（期限切れ、使用済み、または別のアカウントのものです）。",
    "This confirmation link cannot be used (expired, already used, or for another account).",
)


async def confirm(account_id: int, token: str) -> EmailStatus:
    """Confirm the account's address with the token from the confirmation email: once,
    before it expires, and only for the account it was sent for (a link opened while
    signed in as someone else confirms nothing)."""
    now = clock.now()
    async with write_transaction() as sql:
        row = await _address_of(sql, account_id)
        if (
            row is None
            or row.confirm_hash is None
            or not hmac.compare_digest(row.confirm_hash, secret_hash(token))
            or row.confirm_expires_at is None
            or row.confirm_expires_at <= now
        ):
            raise NotFound(LINK_GONE)
        await sql.execute(
            "UPDATE email_address SET confirmed_at = ?, confirm_hash = NULL, "
            "confirm_expires_at = NULL, updated_at = ? WHERE id = ?",
            [now, now, row.id],
        )
        return _status(await _address_of(sql, account_id), now)


NO_ADDRESS_YET = Text("メールアドレスが登録されていません。", "No email address is registered.")


async def set_notify(account_id: int, notify: bool) -> EmailStatus:
    """Turn "email me when a notice arrives" on or off (off also cancels what is queued)."""
    now = clock.now()
    async with write_transaction() as sql:
        row = await _address_of(sql, account_id)
        if row is None:
            raise NotFound(NO_ADDRESS_YET)
        await sql.execute(
            "UPDATE email_address SET notify = ?, updated_at = ? WHERE id = ?",
            [notify, now, row.id],
        )
        if not notify:
            await _cancel_queued(sql, row.id, "notices by email were turned off")
        return _status(await _address_of(sql, account_id), now)


async def remove(account_id: int) -> bool:
    """Forget the account's address; False if there was none."""
    async with write_transaction() as sql:
        row = await _address_of(sql, account_id)
        if row is None:
            return False
        await _cancel_queued(sql, row.id, "the address was removed")
        await sql.execute("DELETE FROM email_address WHERE id = ?", [row.id])
    return True


async def unsubscribe(key: bytes, token: str) -> bool:
    """One-click unsubscribe (RFC 8058) with the token of an email's List-Unsubscribe
    link: notices stop being mailed to that address. False for a token that is not one
    of ours, or whose address was changed or removed since."""
    match = _UNSUBSCRIBE.fullmatch(token)
    if match is None:
        return False
    address_id = int(match.group(1))
    if address_id > MAX_ID:  # ten digits reach past the id column (PostgreSQL refused: a 500)
        return False
    now = clock.now()
    async with write_transaction() as sql:
        address = await sql.value("SELECT address FROM email_address WHERE id = ?", [address_id])
        if address is None or not hmac.compare_digest(
            token, unsubscribe_token(key, address_id, address)
        ):
            return False
        await sql.execute(
            "UPDATE email_address SET notify = ?, updated_at = ? WHERE id = ?",
            [False, now, address_id],
        )
        await _cancel_queued(sql, address_id, "unsubscribed")
    return True


async def _cancel_queued(sql: SqlSession, address_id: int, reason: str) -> None:
    await sql.execute(
        "UPDATE email_delivery SET status = 'cancelled', claimed_until = NULL, last_error = ? "
        "WHERE email_address = ? AND status = 'queued'",
        [reason, address_id],
    )


# --- the outbox ------------------------------------------------------------------------------


async def enqueue_notice(
    sql: SqlSession,
    *,
    notice_id: int,
    municipality_id: int,
    account_id: int,
    urgent: bool,
    now: datetime,
) -> bool:
    """Queue the notice's email, in the notice's transaction, when the account has a
    confirmed address with notices on that no mail server has refused; True if queued."""
    queued = await sql.value(
        "INSERT INTO email_delivery (municipality, account, notice, purpose, email_address, "
        "address, nonce, urgent, status, attempts, next_attempt_at, worker, last_error, "
        "message_id, created_at) "
        "SELECT ?, account, ?, 'notice', id, address, '', ?, 'queued', 0, ?, '', '', '', ? "
        "FROM email_address WHERE account = ? AND confirmed_at IS NOT NULL AND notify = ? "
        "AND bounced_at IS NULL RETURNING id",
        [municipality_id, notice_id, urgent, now, now, account_id, True],
    )
    return queued is not None


async def enqueue_notices(
    sql: SqlSession,
    *,
    notices: dict[int, int],
    municipality_id: int,
    urgent: bool,
    now: datetime,
) -> set[int]:
    """``enqueue_notice`` for many notices at once (``notices``: account → notice, one each);
    returns the accounts whose email was queued."""
    queued: set[int] = set()
    for marks, args in sql.in_batches(notices):
        rows = await sql.fetch(
            "SELECT id, account, address FROM email_address WHERE confirmed_at IS NOT NULL "  # noqa: S608
            f"AND notify = ? AND bounced_at IS NULL AND account {marks}",
            [True, *args],
        )
        await sql.executemany(
            "INSERT INTO email_delivery (municipality, account, notice, purpose, "
            "email_address, address, nonce, urgent, status, attempts, next_attempt_at, "
            "worker, last_error, message_id, created_at) "
            "VALUES (?, ?, ?, 'notice', ?, ?, '', ?, 'queued', 0, ?, '', '', '', ?)",
            [(municipality_id, account, notices[account], address_id, address, urgent, now, now)
             for address_id, account, address in rows],
        )  # fmt: skip
        queued.update(account for _, account, _ in rows)
    return queued


async def enqueue_for_notice(sql: SqlSession, notice_id: int) -> bool:
    """Queue the email of a notice already in the inbox (a channel that comes later: not
    opened within some days), on the same terms as ``enqueue_notice``; a notice is mailed
    at most once, so a second call queues nothing. True if queued."""
    now = clock.now()
    queued = await sql.value(
        "INSERT INTO email_delivery (municipality, account, notice, purpose, email_address, "
        "address, nonce, urgent, status, attempts, next_attempt_at, worker, last_error, "
        "message_id, created_at) "
        "SELECT n.municipality, a.account, n.id, 'notice', a.id, a.address, '', ?, 'queued', 0, "
        "?, '', '', '', ? FROM notice n JOIN email_address a "
        "ON a.municipality = n.municipality AND a.account = n.account "
        "WHERE n.id = ? AND a.confirmed_at IS NOT NULL AND a.notify = ? "
        "AND a.bounced_at IS NULL ON CONFLICT (municipality, notice) DO NOTHING RETURNING id",
        [False, now, now, notice_id, True],
    )
    return queued is not None


class _Account(msgspec.Struct):
    account: int


async def reachable(sql: SqlSession, account_ids: list[int] | set[int]) -> set[int]:
    """Which of these accounts a notice's email would reach (see ``enqueue_notice``)."""
    found: set[int] = set()
    for marks, args in sql.in_batches(account_ids):
        rows = await sql.rows(
            _Account,
            "SELECT account FROM email_address WHERE confirmed_at IS NOT NULL AND notify = ? "  # noqa: S608
            f"AND bounced_at IS NULL AND account {marks}",
            [True, *args],
        )
        found.update(row.account for row in rows)
    return found
