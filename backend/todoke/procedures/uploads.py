"""Attachments as residents upload them: checked by content, cleaned of metadata, stored
behind ``FileStore``, and readable only by the uploader, the applicant and the staff of
the application's department."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from todoke.audit import service as audit
from todoke.db import write_transaction
from todoke.errors import InvalidInput, NotFound, Text
from todoke.principal import Principal
from todoke.procedures.attachments import FileStore, UploadRejected, check_upload, new_key
from todoke.procedures.attachments import safe_filename as _safe_filename

_NOT_FOUND = NotFound(Text("ファイルが見つかりません。", "There is no such file."))


async def store_upload(
    principal: Principal, store: FileStore, *, filename: str, data: bytes, max_bytes: int
) -> dict[str, Any]:
    try:
        content_type, cleaned = check_upload(data, max_bytes=max_bytes)
    except UploadRejected as rejected:
        raise InvalidInput(
            Text(rejected.ja, rejected.en),
            errors=[],
        ) from None
    key = new_key()
    now = datetime.now(UTC)
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
    return {
        "id": key,
        "filename": name,
        "content_type": content_type,
        "size": len(cleaned),
        "created_at": now,
    }


async def read_attachment(
    principal: Principal, store: FileStore, token: str
) -> tuple[dict[str, Any], bytes]:
    if not 16 <= len(token) <= 64:
        raise _NOT_FOUND
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT t.filename, t.content_type, t.account, a.account, a.filed_by, a.department, "
            "a.status, a.person, a.id FROM attachment t "
            "LEFT JOIN application a ON a.id = t.application "
            "WHERE t.token = ? AND t.municipality = ?",
            [token, principal.municipality_id],
        )
    if not rows:
        raise _NOT_FOUND
    filename, content_type, uploader, applicant, _filer, department, status, person, app = rows[0]
    allowed = principal.account_id in (uploader, applicant) or (
        principal.is_staff
        and department is not None
        and status != "awaiting_confirmation"
        and (principal.staff_role == "administrator" or department in principal.departments)
    )
    if not allowed:
        raise _NOT_FOUND
    try:
        data = await store.get(token)
    except KeyError:
        raise _NOT_FOUND from None
    if principal.is_staff and principal.account_id != uploader:
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="attachment.opened",
            purpose="case_handling",
            subject_person=person,
            subject_account=applicant,
            detail={"application": app, "file": filename},
        )
    return {"filename": filename, "content_type": content_type}, data
