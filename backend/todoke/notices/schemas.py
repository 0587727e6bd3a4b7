"""The notices domain at the HTTP edge: the inbox as the resident reads it, a device's push
subscription, and delivery figures for operators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

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


class DeliveryFigures(msgspec.Struct):
    """How push delivery is going, for operators: deliveries by status, and latency over
    the last 1,000 deliveries (seconds; None before the first)."""

    subscriptions: int
    queued: int
    delivered: int
    retried: int
    gone: int
    failed: int
    dead: int
    latency_p50_seconds: float | None
    latency_p95_seconds: float | None


class SubscriptionKeys(msgspec.Struct, frozen=True):
    p256dh: Annotated[str, msgspec.Meta(max_length=200)]
    auth: Annotated[str, msgspec.Meta(max_length=100)]


class SubscriptionBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``PushSubscription.toJSON()`` plus the app's language on this device."""

    endpoint: Annotated[str, msgspec.Meta(max_length=1000)]
    keys: SubscriptionKeys
    language: Annotated[str, msgspec.Meta(pattern="^(ja|easy|en)$")] = "ja"
    # Milliseconds since 1970, up to the largest integer a browser's number holds exactly
    # (gt=-1, not ge=0: Litestar leaves a bound of 0 out of the OpenAPI document).
    expirationTime: Annotated[int, msgspec.Meta(gt=-1, le=2**53)] | None = None


class Unsubscribe(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    endpoint: Annotated[str, msgspec.Meta(max_length=1000)]


class PublicKey(msgspec.Struct, frozen=True):
    public_key: str  # base64url, uncompressed P-256: the applicationServerKey


# --- email ---------------------------------------------------------------------------------


class EmailStatus(msgspec.Struct):
    """The account's email address and what is mailed to it (``address`` None: none)."""

    address: str | None
    confirmed: bool
    notify: bool  # "email me when a notice arrives"
    bounced: bool  # a mail server refused it: nothing is sent until it is entered again
    awaiting_confirmation: bool  # a confirmation link was sent and is still valid
    language: str


class EmailAddressBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The address (checked by the service, which says what is wrong with it) and the
    language its emails are written in (the app's language on this device)."""

    address: Annotated[str, msgspec.Meta(max_length=1000)]
    language: Annotated[str, msgspec.Meta(pattern="^(ja|easy|en)$")] = "ja"


class EmailNotifyBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    notify: bool


class EmailConfirmBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class Unsubscribed(msgspec.Struct, frozen=True):
    unsubscribed: bool
