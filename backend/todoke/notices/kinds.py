"""What a notice's kind means for its push: the one table of lock-screen text, urgency and
thread.

A push is shown on a lock screen, where anyone near the phone can read it, and its Topic
travels unencrypted through the push service. So the inbox holds the details and the push,
for anything about a resident's benefits, taxes, welfare, applications or messages from
staff, says only "<municipality> has a notice for you"; the details appear after sign-in.

Callers say what a notice is with a kind from this vocabulary (``family`` or
``family.detail``: the family decides), never why it was written — notices stay ignorant of
benefits and procedures:

- ``security``: sign-in, passkeys, recovery. Fixed text that names no one, shown as written
  (so a resident can react to what they did not do), pushed at high urgency (also during
  quiet hours).
- ``support``: a benefit or support programme found or granted (``support.matched``,
  ``support.granted``); thread: the programme's slug.
- ``application``: a procedure's filing, decisions and staff messages
  (``application.received``, ``application.<status>``, ``application.message``); thread: the
  application id.
- ``correction``: the answer to a registry correction request; thread: the request id.
- ``tax``, ``welfare``: reserved for notices about taxes and welfare.
- ``information``: general municipal information, the same text for every resident and
  nothing personal in it; shown as written, low urgency.

A kind not in the table is pushed neutral at normal urgency (fail safe).

A thread (``write_notice(thread=...)``) names what a notice continues — the application, the
programme — so that a newer notice of the same thread replaces an older one the push
service still holds (RFC 8030 §5.4, ``Topic``); without one, each notice is a thread of its
own (a resent duplicate still replaces itself). What is stored is a digest of municipality,
account, family and thread; the worker keys it again before it leaves (``wire_topic``), so
the Topic on the wire cannot be traced back to an account or a programme by guessing.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal

from todoke.codes import b64url_encode
from todoke.notices.webpush import Urgency

LockScreen = Literal["neutral", "as_written"]


@dataclass(frozen=True)
class PushPolicy:
    lock_screen: LockScreen
    urgency: Urgency


POLICIES: dict[str, PushPolicy] = {
    "security": PushPolicy("as_written", "high"),
    "support": PushPolicy("neutral", "normal"),
    "application": PushPolicy("neutral", "normal"),
    "correction": PushPolicy("neutral", "normal"),
    "tax": PushPolicy("neutral", "normal"),
    "welfare": PushPolicy("neutral", "normal"),
    "information": PushPolicy("as_written", "low"),
}
UNKNOWN = PushPolicy("neutral", "normal")


def family_of(kind: str) -> str:
    return kind.partition(".")[0]


def policy_for(kind: str) -> PushPolicy:
    """The push policy of a kind; neutral for any kind not in the table."""
    return POLICIES.get(family_of(kind), UNKNOWN)


def thread_digest(municipality_id: int, account_id: int, kind: str, thread: str) -> str:
    """What the delivery row keeps as its topic: 32 base64url characters standing for the
    account's thread of this kind's family (the worker keys it before sending)."""
    text = f"{municipality_id}\0{account_id}\0{family_of(kind)}\0{thread}"
    return b64url_encode(hashlib.sha256(text.encode()).digest())[:32]


def neutral_text(municipality: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The title and body a neutral push shows, in each language, naming the municipality
    (``{"ja", "easy", "en"}``; any missing name falls back to words without it)."""
    ja, easy, en = (municipality.get(k, "") for k in ("ja", "easy", "en"))
    title = {
        "ja": f"{ja}からお知らせがあります" if ja else "お知らせがあります",
        "easy": f"{easy}から おしらせが あります" if easy else "おしらせが あります",
        "en": f"A notice from {en}" if en else "You have a new notice",
    }
    body = {
        "ja": "内容はアプリを開いてご確認ください。",
        "easy": "アプリを ひらいて みてください。",
        "en": "Open the app to read it.",
    }
    return title, body


def wire_topic(key: bytes, stored: str) -> str | None:
    """The Topic header for a delivery's stored topic: keyed with the worker's secret (so
    the push service cannot test guesses against it), 24 base64url characters (RFC 8030
    allows 32); None when there is none."""
    if not stored:
        return None
    return b64url_encode(hmac.new(key, stored.encode(), hashlib.sha256).digest()[:18])
