"""The notices domain at the HTTP edge: the inbox as the resident reads it."""

from __future__ import annotations

from datetime import datetime

import msgspec


class NoticeRead(msgspec.Struct):
    id: int
    kind: str
    title: dict[str, str]
    body: dict[str, str]
    link: str
    created_at: datetime
    read: bool


class Inbox(msgspec.Struct):
    items: list[NoticeRead]
    unread: int
