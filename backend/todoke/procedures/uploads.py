"""Attachments as residents upload them: checked by content, cleaned of metadata, counted
against the account's daily quota, stored behind ``FileStore``, and readable only by the
uploader, the applicant and the staff of the application's department."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, time, timedelta

import msgspec

from todoke import clock
from todoke.audit import service as audit
from todoke.db import read_transaction, write_transaction
from todoke.errors import Forbidden, InvalidInput, NotFound, Text, TooManyRequests
from todoke.principal import Principal
from todoke.procedures.attachments import (
    FileStore,
    UploadRejected,
    check_upload,
    new_key,
    stored_name,
)
from todoke.procedures.schemas import AttachmentRead

_NOT_FOUND = NotFound(Text("ファイルが見つかりません。", "There is no such file."))
_UNVERIFIED = Forbidden(
    Text(
        "ファイルを添付するには本人確認が必要です。郵送された確認コードを入力するか、"
        "市区町村の窓口で本人確認をしてから、もう一度添付してください。",
        "Verify your identity before attaching files: enter the activation code sent to you "
        "by post, or verify at a counter of the city office, then attach the file again.",
    )
)


class UploadQuota(msgspec.Struct, frozen=True):
    """What one account may store per day (Japan time)."""

    files: int
    bytes: int


class _Usage(msgspec.Struct, frozen=True):
    files: int
    bytes: int


# One row per account and day. The conditional upsert counts and checks in one statement:
# concurrent uploads (from any number of server processes) queue on the row and each sees
# the count the one before it left; over the quota, no row comes back and nothing changes.
_COUNT = (
    "INSERT INTO upload_usage (municipality, account, day, files, bytes) VALUES (?, ?, ?, 1, ?) "
    "ON CONFLICT (municipality, account, day) DO UPDATE SET files = upload_usage.files + 1, "
    "bytes = upload_usage.bytes + excluded.bytes "
    "WHERE upload_usage.files < ? AND upload_usage.bytes + excluded.bytes <= ? "
    "RETURNING files"
)


def require_may_upload(principal: Principal) -> None:
    """Residents attach files once their account is bound to their resident record; staff
    (who upload at the counter) are identified when invited."""
    if principal.is_resident and principal.person_id is None:
        raise _UNVERIFIED


async def require_room(principal: Principal, quota: UploadQuota) -> None:
    """Refuse early, before a body is read or parsed, when today's quota is already used
    up. ``store_upload`` counts again, atomically; this only saves the work."""
    async with read_transaction() as sql:
        used = await sql.row(
            _Usage,
            "SELECT files, bytes FROM upload_usage WHERE municipality = ? AND account = ? "
            "AND day = ?",
            [principal.municipality_id, principal.account_id, clock.today()],
        )
    if used is not None and (used.files >= quota.files or used.bytes >= quota.bytes):
        raise _over_quota(quota)


def _over_quota(quota: UploadQuota) -> TooManyRequests:
    megabytes = f"{round(quota.bytes / 1_048_576, 1):g}"
    midnight = datetime.combine(clock.today() + timedelta(days=1), time(), tzinfo=clock.JST)
    return TooManyRequests(
        Text(
            f"1日に添付できるのは{quota.files}件・合計{megabytes}MBまでです。"
            "明日になってから、もう一度添付してください。",
            f"You can attach up to {quota.files} files and {megabytes} MB a day. "
            "Please attach this file tomorrow.",
        ),
        retry_after=int((midnight - clock.now()).total_seconds()) + 1,
    )


async def store_upload(
    principal: Principal,
    store: FileStore,
    *,
    filename: str,
    data: bytes,
    max_bytes: int,
    quota: UploadQuota,
) -> AttachmentRead:
    """Check and clean an upload, count it against the account's day, then keep it as the
    uploader's until a filing names it."""
    require_may_upload(principal)
    try:
        # A PDF parse or an image decode takes a while: off the event loop.
        content_type, cleaned = await asyncio.to_thread(check_upload, data, max_bytes=max_bytes)
    except UploadRejected as rejected:
        raise InvalidInput(
            Text(rejected.ja, rejected.en),
            errors=[],
        ) from None
    key = new_key()
    now = clock.now()
    name = stored_name(filename, content_type)
    size = len(cleaned)
    await store.put(key, cleaned)
    try:
        async with write_transaction() as sql:
            counted = None
            if size <= quota.bytes:
                counted = await sql.value(
                    _COUNT,
                    [
                        principal.municipality_id,
                        principal.account_id,
                        clock.today(),
                        size,
                        quota.files,
                        quota.bytes,
                    ],
                )
            if counted is None or counted > quota.files:
                raise _over_quota(quota)
            await sql.execute(
                "INSERT INTO attachment (municipality, token, account, application, filename, "
                "content_type, size, sha256, created_at) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)",
                [
                    principal.municipality_id,
                    key,
                    principal.account_id,
                    name,
                    content_type,
                    size,
                    hashlib.sha256(cleaned).hexdigest(),
                    now,
                ],
            )
    except BaseException:
        await store.delete(key)  # no file without its row
        raise
    return AttachmentRead(
        id=key, filename=name, content_type=content_type, size=size, created_at=now
    )


class AttachmentFile(msgspec.Struct, frozen=True):
    filename: str
    content_type: str
    data: bytes


class _Holders(msgspec.Struct, frozen=True):
    """An attachment and who may read it: the uploader, the applicant, the staff of the
    application's department once it is filed."""

    filename: str
    content_type: str
    uploader: int
    applicant: int | None
    department: int | None
    status: str | None
    person: int | None
    application: int | None


async def read_attachment(principal: Principal, store: FileStore, token: str) -> AttachmentFile:
    """The file, if this account may read it; a staff reader is an audit event."""
    if not 16 <= len(token) <= 64:
        raise _NOT_FOUND
    async with read_transaction() as sql:
        found = await sql.row(
            _Holders,
            "SELECT t.filename AS filename, t.content_type AS content_type, t.account AS uploader, "
            "a.account AS applicant, a.department AS department, a.status AS status, "
            "a.person AS person, a.id AS application FROM attachment t "
            "LEFT JOIN application a ON a.id = t.application "
            "WHERE t.token = ? AND t.municipality = ?",
            [token, principal.municipality_id],
        )
    if found is None:
        raise _NOT_FOUND
    allowed = principal.account_id in (found.uploader, found.applicant) or (
        found.department is not None
        and found.status != "awaiting_confirmation"
        and principal.in_department(found.department)
    )
    if not allowed:
        raise _NOT_FOUND
    try:
        data = await store.get(token)
    except KeyError:
        raise _NOT_FOUND from None
    if principal.is_staff and principal.account_id != found.uploader:
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="attachment.opened",
            purpose="case_handling",
            subject_person=found.person,
            subject_account=found.applicant,
            detail={"application": found.application, "file": found.filename},
        )
    # Rows stored before names took the detected type's extension get it here too.
    name = stored_name(found.filename, found.content_type)
    return AttachmentFile(filename=name, content_type=found.content_type, data=data)
