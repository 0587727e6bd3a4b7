"""Audit structs: what the audit domain hands to the rest of the service."""

from __future__ import annotations

from datetime import datetime

import msgspec


class AccessBasis(msgspec.Struct, frozen=True, omit_defaults=True):
    """What a staff opening of the resident's record belonged to, as the resident sees it:
    which case, consultation or follow-up (and its department), or a reason's category. The
    staff member's own words are never part of it."""

    kind: str  # case | consultation | follow_up | reason
    receipt_number: str | None = None  # case
    held_on: str | None = None  # consultation, follow-up: the consultation's date
    department: str | None = None  # code of the case's or consultation's department
    category: str | None = None  # reason


class LoggedEvent(msgspec.Struct, frozen=True):
    """One thing done with a resident's data, as the trail holds it (without the staff
    member's words); ``identity`` turns it into what the resident's own app lists."""

    id: int
    actor_kind: str
    actor_account: int | None
    action: str
    purpose: str
    occurred_at: datetime
    basis: AccessBasis | None = None  # for openings of the record by staff


class ChainCheck(msgspec.Struct, frozen=True):
    events: int
    first_broken: int | None  # id of the first event whose hash does not hold
