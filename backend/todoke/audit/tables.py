"""Audit events: each carries the hash of the one before, so a changed or deleted event
breaks the chain at that point."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, ForeignKey, Timestamptz, Varchar
from piccolo.table import Table

from todoke.registry.tables import Municipality


class AuditEvent(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    actor_account = BigInt(null=True, default=None)  # accounts live above audit: an id only
    actor_kind = Varchar(length=16)  # resident | staff | system
    action = Varchar(length=64)
    subject_person = BigInt(null=True, default=None)
    subject_account = BigInt(null=True, default=None)
    purpose = Varchar(length=200)
    detail = JSON(default="{}")
    occurred_at = Timestamptz()
    previous_hash = Varchar(length=64)
    hash = Varchar(length=64)
