"""Inbox notices (the record of truth), push subscriptions and the delivery outbox, and the
email channel: a resident's address and the email outbox."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
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
    endpoint = Varchar(length=1000)
    p256dh = Varchar(length=200)
    auth = Varchar(length=100)
    user_agent = Varchar(length=200, default="")
    language = Varchar(length=8, default="ja")  # the app's language on that device
    created_at = Timestamptz()
    last_seen_at = Timestamptz()


class Delivery(Table):
    """The outbox: one row per notice and subscription, written in the notice's transaction
    and worked by any number of workers until delivered, gone, failed or dead."""

    municipality = ForeignKey(references=Municipality, null=False)
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


class EmailAddress(Table):
    """A resident's email address, one per account: notices are mailed to it ("a notice is
    waiting", never what it says) once it is confirmed, while ``notify`` is on and until
    a mail server refuses it (``bounced_at``). Re-entering it starts over."""

    municipality = ForeignKey(references=Municipality, null=False)
    account = BigInt()  # accounts live above notices: an id only
    address = Varchar(length=254)
    language = Varchar(length=8, default="ja")  # of the emails: ja | easy | en
    notify = Boolean(default=True)
    confirmed_at = Timestamptz(null=True, default=None)
    # SHA-256 of the pending confirmation link's token (never the token), and its expiry.
    confirm_hash = Varchar(length=64, null=True, default=None)
    confirm_expires_at = Timestamptz(null=True, default=None)
    bounced_at = Timestamptz(null=True, default=None)
    bounce_reason = Varchar(length=300, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class EmailDelivery(Table):
    """The email outbox: a notice's email (at most one per notice, written in the notice's
    transaction) or an address's confirmation email, worked like the push ``Delivery``
    until sent, failed, bounced, dead or cancelled (the address changed or turned off)."""

    municipality = ForeignKey(references=Municipality, null=False)
    account = BigInt(index=True)
    notice = ForeignKey(references=Notice, null=True, default=None)
    purpose = Varchar(length=12, default="notice")  # notice | confirm
    email_address = BigInt()  # the EmailAddress row it was written for
    address = Varchar(length=254)  # where it goes: no other address, whatever happens later
    # Confirmation emails: the random half of the link's token (the other half is a key
    # outside the database), cleared once sent.
    nonce = Varchar(length=32, default="")
    urgent = Boolean(default=False)  # sent during quiet hours too
    status = Varchar(length=12, default="queued")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    claimed_until = Timestamptz(null=True, default=None)
    worker = Varchar(length=64, default="")
    last_code = Integer(null=True, default=None)  # the SMTP reply code, 0 without one
    last_error = Text(default="")
    message_id = Varchar(length=200, default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
