"""Inbox notices. Written once, never lost; push delivery (later) only carries them."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, ForeignKey, Timestamptz, Varchar
from piccolo.table import Table

from todoke.registry.tables import Municipality


class Notice(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    account = BigInt(index=True)  # accounts live above notices: an id only
    kind = Varchar(length=32)  # security | application | support | ...
    title = JSON()  # {"ja", "easy", "en"}
    body = JSON()  # {"ja", "easy", "en"}
    link = Varchar(length=200, default="")
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)
