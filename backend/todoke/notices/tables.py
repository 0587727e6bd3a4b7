"""Inbox notices (the record of truth), push subscriptions and the delivery outbox."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, ForeignKey, Integer, Text, Timestamptz, Varchar
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


class PushSubscription(Table):
    """One browser's push subscription: one per device, refreshed by the app at each start
    and removed when that device signs out."""

    municipality = ForeignKey(references=Municipality, null=False)
    account = BigInt(index=True)
    session = BigInt(null=True, default=None, index=True)  # the device's session
    endpoint = Varchar(length=1000, unique=True)
    p256dh = Varchar(length=200)
    auth = Varchar(length=100)
    user_agent = Varchar(length=200, default="")
    language = Varchar(length=8, default="ja")  # the app's language on that device
    created_at = Timestamptz()
    last_seen_at = Timestamptz()


class Delivery(Table):
    """The outbox: one row per notice and subscription, written in the notice's transaction
    and worked by any number of workers until delivered, gone, failed or dead."""

    notice = ForeignKey(references=Notice, null=False, index=True)
    subscription = BigInt(index=True)  # kept after the subscription is gone, for the record
    status = Varchar(length=12, default="queued")  # queued | delivered | gone | failed | dead
    urgency = Varchar(length=10, default="normal")
    topic = Varchar(length=32, default="")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    claimed_until = Timestamptz(null=True, default=None)
    worker = Varchar(length=64, default="")
    last_status = Integer(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)
