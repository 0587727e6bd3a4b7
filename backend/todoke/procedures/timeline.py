"""An application's timeline: every filing, status change, message, amendment and effect
is one event, written in the transaction of the change it records."""

from __future__ import annotations

from todoke import clock
from todoke.db import SqlSession
from todoke.errors import FieldError, InvalidInput, Text


async def record_event(
    sql: SqlSession,
    municipality_id: int,
    application_id: int,
    *,
    kind: str,
    actor_kind: str,
    actor_name: str,
    status: str | None = None,
    actor_account: int | None = None,
    text: str = "",
    document: str = "",
) -> None:
    await sql.execute(
        "INSERT INTO application_event (municipality, application, kind, status, actor_kind, "
        "actor_account, actor_name, text, document, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [municipality_id, application_id, kind, status, actor_kind, actor_account, actor_name,
         text, document, clock.now()],
    )  # fmt: skip


def message_text(text: str) -> str:
    """A message on the timeline, trimmed: 1 to 2000 characters."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > 2000:
        raise InvalidInput(
            Text("メッセージは1文字以上2000文字以内で入力してください。", "1 to 2000 characters."),
            errors=[
                FieldError(
                    field="text",
                    label=Text("メッセージ", "message"),
                    message=Text("1〜2000文字", "1 to 2000 characters"),
                )
            ],
        )
    return cleaned
