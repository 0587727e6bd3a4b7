"""Audit structs: what the audit domain hands to the rest of the service."""

from __future__ import annotations

from datetime import datetime

import msgspec


class AccessLogEntry(msgspec.Struct, frozen=True):
    """One thing done with a resident's data, as their own app lists it."""

    id: int
    actor_kind: str
    action: str
    purpose: str
    occurred_at: datetime


class ChainCheck(msgspec.Struct, frozen=True):
    events: int
    first_broken: int | None  # id of the first event whose hash does not hold
