"""Write and read inbox notices. Knows nothing of why a notice was written."""

from __future__ import annotations

import json

import msgspec

from todoke import clock
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.notices import email as email_channel
from todoke.notices import kinds, push
from todoke.notices.schemas import Inbox, NoticeRead


async def write_notice(
    sql: SqlSession,
    *,
    municipality_id: int,
    account_id: int,
    kind: str,
    title: dict[str, str],
    body: dict[str, str],
    link: str = "",
    thread: str = "",
    email: bool = True,
) -> int:
    """Put a notice in the inbox inside the caller's transaction, with one push delivery
    per device of the account and, when ``email`` is true and the account has a confirmed
    address with notices by email on, an email saying a notice is waiting: all of it
    commits with its cause, or none of it. (``email=False``: the caller tells this resident
    by another channel, or not by email.)

    ``kind`` is from the vocabulary in ``notices.kinds``, which decides what the push shows
    on a lock screen and its urgency; ``thread`` names what the notice continues (an
    application, a programme), so that a newer notice of the thread replaces an older one
    still waiting at the push service. Neither may hold personal data."""
    now = clock.now()
    notice_id: int = await sql.value(
        "INSERT INTO notice (municipality, account, kind, title, body, link, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            municipality_id,
            account_id,
            kind,
            json.dumps(title, ensure_ascii=False),
            json.dumps(body, ensure_ascii=False),
            link,
            now,
        ],
    )
    policy = kinds.policy_for(kind)
    topic = kinds.thread_digest(municipality_id, account_id, kind, thread or f"notice:{notice_id}")
    await push.enqueue(
        sql,
        notice_id=notice_id,
        account_id=account_id,
        urgency=policy.urgency,
        topic=topic,
        now=now,
    )
    if email:
        await email_channel.enqueue_notice(
            sql,
            notice_id=notice_id,
            municipality_id=municipality_id,
            account_id=account_id,
            urgent=policy.urgency == "high",
            now=now,
        )
    return notice_id


class NewNotice(msgspec.Struct, frozen=True):
    """One notice of a batch (``write_notices``)."""

    account_id: int
    title: dict[str, str]
    body: dict[str, str]
    email: bool = True


# Rows per multi-row INSERT: well under both databases' limits on bound values.
NOTICES_PER_STATEMENT = 500


async def write_notices(
    sql: SqlSession,
    *,
    municipality_id: int,
    kind: str,
    link: str,
    thread: str,
    notices: list[NewNotice],
) -> dict[int, int]:
    """``write_notice`` for many accounts at once (one notice each, same kind, link and
    thread: a programme telling everyone it matched), in a few statements instead of a few
    per notice. Returns account → notice id."""
    accounts = [n.account_id for n in notices]
    if len(set(accounts)) != len(accounts):
        raise ValueError("write_notices takes one notice per account")
    now = clock.now()
    ids: dict[int, int] = {}
    for start in range(0, len(notices), NOTICES_PER_STATEMENT):
        part = notices[start : start + NOTICES_PER_STATEMENT]
        values = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(part))
        args: list[object] = []
        for n in part:
            args += [municipality_id, n.account_id, kind, json.dumps(n.title, ensure_ascii=False),
                     json.dumps(n.body, ensure_ascii=False), link, now]  # fmt: skip
        for notice_id, account in await sql.fetch(
            "INSERT INTO notice (municipality, account, kind, title, body, link, created_at) "
            f"VALUES {values} RETURNING id, account",
            args,
        ):
            ids[account] = notice_id
    policy = kinds.policy_for(kind)
    await push.enqueue_many(
        sql,
        notices={
            account: (notice_id, kinds.thread_digest(municipality_id, account, kind, thread))
            for account, notice_id in ids.items()
        },
        urgency=policy.urgency,
        now=now,
    )
    await email_channel.enqueue_notices(
        sql,
        notices={n.account_id: ids[n.account_id] for n in notices if n.email},
        municipality_id=municipality_id,
        urgent=policy.urgency == "high",
        now=now,
    )
    return ids


async def inbox(account_id: int, limit: int = 100) -> Inbox:
    """The account's latest notices, newest first, and how many of all are unread."""
    async with read_transaction() as sql:
        items = await sql.rows(
            NoticeRead,
            "SELECT id, kind, title, body, link, created_at, read_at IS NOT NULL AS read "
            "FROM notice WHERE account = ? ORDER BY id DESC LIMIT ?",
            [account_id, limit],
        )
        unread = await sql.value(
            "SELECT COUNT(*) FROM notice WHERE account = ? AND read_at IS NULL", [account_id]
        )
    return Inbox(items=items, unread=unread)


async def mark_read(account_id: int, notice_id: int) -> bool:
    """Mark one of the account's own notices read; False if it is not theirs."""
    async with write_transaction() as sql:
        found = await sql.value(
            "SELECT id FROM notice WHERE id = ? AND account = ?", [notice_id, account_id]
        )
        if found is not None:
            await sql.execute(
                "UPDATE notice SET read_at = ? WHERE id = ? AND read_at IS NULL",
                [clock.now(), notice_id],
            )
    return found is not None


async def forget_device(session_id: int) -> None:
    """Signing out of a device stops pushes to it."""
    async with write_transaction() as sql:
        await push.forget_session(sql, [session_id])


async def forget_devices_of(account_id: int) -> None:
    """Signing out everywhere stops pushes to every device."""
    async with write_transaction() as sql:
        await push.forget_sessions_of(sql, account_id)
