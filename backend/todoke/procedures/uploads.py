"""Attachments as residents upload them: checked by content, cleaned of metadata, stored
behind ``FileStore``, and readable only by the uploader, the applicant and the staff of
the application's department."""

from __future__ import annotations

import hashlib

import msgspec

from todoke import clock
from todoke.audit import service as audit
from todoke.db import read_transaction, write_transaction
from todoke.errors import InvalidInput, NotFound, Text
from todoke.principal import Principal
from todoke.procedures.attachments import FileStore, UploadRejected, check_upload, new_key
from todoke.procedures.attachments import safe_filename as _safe_filename
from todoke.procedures.schemas import AttachmentRead

_NOT_FOUND = NotFound(Text("ファイルが見つかりません。", "There is no such file."))


async def store_upload(
    principal: Principal, store: FileStore, *, filename: str, data: bytes, max_bytes: int
) -> AttachmentRead:
    """Check and clean an upload, then keep it as the uploader's until a filing names it."""
    try:
        content_type, cleaned = check_upload(data, max_bytes=max_bytes)
    except UploadRejected as rejected:
        raise InvalidInput(
            Text(rejected.ja, rejected.en),
            errors=[],
        ) from None
    key = new_key()
    now = clock.now()
    name = _safe_filename(filename)
    await store.put(key, cleaned)
    try:
        async with write_transaction() as sql:
            await sql.execute(
                "INSERT INTO attachment (municipality, token, account, application, filename, "
                "content_type, size, sha256, created_at) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)",
                [
                    principal.municipality_id,
                    key,
                    principal.account_id,
                    name,
                    content_type,
                    len(cleaned),
                    hashlib.sha256(cleaned).hexdigest(),
                    now,
                ],
            )
    except BaseException:
        await store.delete(key)  # no file without its row
        raise
    return AttachmentRead(
        id=key, filename=name, content_type=content_type, size=len(cleaned), created_at=now
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
    return AttachmentFile(filename=found.filename, content_type=found.content_type, data=data)
