"""Web Push sending: encryption, VAPID, keys, retry rules, and sends to a local push double.

The double (tests/support/push_double.py) decrypts with ``http_ece`` and verifies VAPID with
``cryptography`` directly, so a bug in ``webpush.py`` does not cancel itself out.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import socket
import stat
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from push_double import PushDouble, RequestRefused, decrypt_push, verify_vapid
from py_vapid import Vapid02
from py_vapid.jwt import decode as vapid_decode

from todoke.notices.kinds import PushPolicy, policy_for, thread_digest, wire_topic
from todoke.notices.webpush import (
    MAX_PAYLOAD_BYTES,
    PushSender,
    Subscription,
    VapidKeys,
    VapidSigner,
    _encrypt,
    audience,
    backoff_seconds,
    classify,
    encrypt,
    parse_retry_after,
)

CONTACT = "mailto:push-admin@city.example.jp"
RFC_UA_PUBLIC = (
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
)
NOTICE = json.dumps(
    {
        "kind": "application_update",
        "title": "児童手当の申請を受け付けました",
        "body": "審査が終わりましたらお知らせします。",
        "url": "/inbox/42",
    },
    ensure_ascii=False,
).encode()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(header: str) -> tuple[dict, dict, str, str]:
    assert header.startswith("vapid t=")
    token, k = header.removeprefix("vapid t=").split(", k=")
    head, claims, _ = token.split(".")
    return json.loads(b64d(head)), json.loads(b64d(claims)), token, k


class FakeClock:
    def __init__(self, now: float = 1_760_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def double() -> Iterator[PushDouble]:
    with PushDouble() as d:
        yield d
    # Every test that sends through the double must leave no refused request behind,
    # unless it asked for refusals (those tests clear them).
    assert d.rejected() == [], d.rejected()


@pytest.fixture
def keys() -> VapidKeys:
    return VapidKeys.generate()


@pytest.fixture
def signer(keys: VapidKeys) -> VapidSigner:
    return VapidSigner(keys, CONTACT)


@pytest.fixture
async def sender(signer: VapidSigner) -> AsyncIterator[PushSender]:
    async with PushSender(signer, allow_http=True, timeout=5) as s:
        yield s


def as_subscription(sub: dict) -> Subscription:
    return Subscription.from_json(sub)


# --- encryption -------------------------------------------------------------------------


def test_rfc8291_appendix_a_example_byte_for_byte() -> None:
    """RFC 8291 Appendix A: fixed keys and salt give exactly the published message."""
    as_private = ec.derive_private_key(
        int.from_bytes(b64d("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"), "big"),
        ec.SECP256R1(),
    )
    body = _encrypt(
        b"When I grow up, I want to be a watermelon",
        RFC_UA_PUBLIC,
        "BTBZMqHH6r4Tts7J_aSIgg",
        sender_key=as_private,
        salt=b64d("DGv6ra1nlYgDCS1FRnbzlw"),
    )
    assert body == b64d(
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vC"
        "YLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXL"
        "WyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
    )
    ua_private = ec.derive_private_key(
        int.from_bytes(b64d("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"), "big"),
        ec.SECP256R1(),
    )
    plain = decrypt_push(body, ua_private, b64d("BTBZMqHH6r4Tts7J_aSIgg"))
    assert plain == b"When I grow up, I want to be a watermelon"


def test_the_double_decrypts_what_we_encrypt(double: PushDouble) -> None:
    sub = double.subscribe()
    body = encrypt(NOTICE, sub["keys"]["p256dh"], sub["keys"]["auth"])
    assert body[16:20] == (4096).to_bytes(4, "big")  # record size
    assert double.decrypt(double.id_of(sub), body) == NOTICE


def test_the_largest_payload_fills_one_4096_byte_record(double: PushDouble) -> None:
    sub = double.subscribe()
    payload = os.urandom(MAX_PAYLOAD_BYTES)
    body = encrypt(payload, sub["keys"]["p256dh"], sub["keys"]["auth"])
    assert MAX_PAYLOAD_BYTES == 3993
    assert len(body) == 4096
    assert double.decrypt(double.id_of(sub), body) == payload


def test_a_payload_too_large_is_refused_before_sending(double: PushDouble) -> None:
    sub = double.subscribe()
    with pytest.raises(ValueError, match="3993"):
        encrypt(b"x" * (MAX_PAYLOAD_BYTES + 1), sub["keys"]["p256dh"], sub["keys"]["auth"])


@pytest.mark.parametrize(
    ("p256dh", "auth"),
    [
        ("not base64!", "BTBZMqHH6r4Tts7J_aSIgg"),
        ("BTBZMqHH6r4Tts7J_aSIgg", "BTBZMqHH6r4Tts7J_aSIgg"),  # 16 bytes, not a point
        # a 65-byte string starting 0x04 that is not on the curve
        (base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode(), "BTBZMqHH6r4Tts7J_aSIgg"),
        (RFC_UA_PUBLIC, "c2hvcnQ"),  # a 5-byte auth secret
    ],
)
def test_malformed_subscription_keys_are_refused(p256dh: str, auth: str) -> None:
    with pytest.raises(ValueError):
        encrypt(b"hello", p256dh, auth)


def test_identical_payloads_encrypt_differently(double: PushDouble) -> None:
    sub = double.subscribe()
    one = encrypt(NOTICE, sub["keys"]["p256dh"], sub["keys"]["auth"])
    two = encrypt(NOTICE, sub["keys"]["p256dh"], sub["keys"]["auth"])
    assert one[:16] != two[:16]  # salt
    assert one[21:86] != two[21:86]  # ephemeral public key (RFC 8291 §3.1)
    assert one[86:] != two[86:]
    assert double.decrypt(double.id_of(sub), one) == double.decrypt(double.id_of(sub), two)


def test_a_body_for_another_subscription_does_not_decrypt(double: PushDouble) -> None:
    mine, theirs = double.subscribe(), double.subscribe()
    body = encrypt(NOTICE, theirs["keys"]["p256dh"], theirs["keys"]["auth"])
    with pytest.raises(RequestRefused, match="undecryptable"):
        double.decrypt(double.id_of(mine), body)


# --- VAPID ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "origin"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc:def", "https://fcm.googleapis.com"),
        ("https://Updates.Push.Services.Mozilla.com/wpush/v2/x", "https://updates.push.services.mozilla.com"),
        ("https://web.push.apple.com:443/QG9", "https://web.push.apple.com"),
        ("https://push.example:8443/p/1?x=y", "https://push.example:8443"),
        ("http://127.0.0.1:9/push/1", "http://127.0.0.1:9"),
    ],
)  # fmt: skip
def test_audience_is_the_endpoint_origin(endpoint: str, origin: str) -> None:
    assert audience(endpoint) == origin


def test_vapid_header_carries_a_valid_es256_jwt(keys: VapidKeys) -> None:
    clock = FakeClock()
    signer = VapidSigner(keys, CONTACT, clock=clock)
    header = signer.header("https://fcm.googleapis.com/fcm/send/abc")
    head, claims, token, k = jwt_parts(header)
    assert head == {"typ": "JWT", "alg": "ES256"}
    assert claims == {
        "aud": "https://fcm.googleapis.com",
        "exp": int(clock.now) + 12 * 3600,
        "sub": CONTACT,
    }
    assert claims["exp"] - clock.now <= 24 * 3600
    assert k == keys.public_key_b64url
    assert len(b64d(k)) == 65 and b64d(k)[0] == 4
    # Two independent verifiers: py_vapid's and the double's. (py_vapid's own header
    # parser, Vapid02.verify, splits on the last space and so only reads its own
    # "t=…,k=…" spelling; RFC 8292 §3 allows the space, as in its example.)
    assert vapid_decode(token, k) == claims
    assert verify_vapid(header, "https://fcm.googleapis.com", clock.now) == claims


def test_vapid_header_is_cached_per_origin_and_renewed_before_expiry(keys: VapidKeys) -> None:
    clock = FakeClock()
    signer = VapidSigner(keys, CONTACT, clock=clock)
    first = signer.header("https://fcm.googleapis.com/fcm/send/a")
    assert signer.header("https://fcm.googleapis.com/fcm/send/b") is first
    other = signer.header("https://updates.push.services.mozilla.com/wpush/v2/c")
    assert other != first
    assert jwt_parts(other)[1]["aud"] == "https://updates.push.services.mozilla.com"

    clock.now += 10 * 3600  # two hours left: still reused
    assert signer.header("https://fcm.googleapis.com/fcm/send/a") is first
    clock.now += 3600 + 1  # less than an hour left: a new one
    renewed = signer.header("https://fcm.googleapis.com/fcm/send/a")
    assert renewed != first
    assert jwt_parts(renewed)[1]["exp"] == int(clock.now) + 12 * 3600
    assert verify_vapid(renewed, "https://fcm.googleapis.com", clock.now)


def test_vapid_header_follows_a_patched_time_module(
    keys: VapidKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = VapidSigner(keys, CONTACT)
    now = time.time()
    first = signer.header("https://fcm.googleapis.com/x")
    monkeypatch.setattr(time, "time", lambda: now + 11.5 * 3600)
    assert signer.header("https://fcm.googleapis.com/x") != first


@pytest.mark.parametrize("subject", ["push-admin@city.example.jp", "http://city.example.jp", ""])
def test_vapid_subject_must_be_a_mailto_or_https_contact(keys: VapidKeys, subject: str) -> None:
    with pytest.raises(ValueError):
        VapidSigner(keys, subject)


def test_vapid_lifetime_cannot_exceed_24_hours(keys: VapidKeys) -> None:
    with pytest.raises(ValueError):
        VapidSigner(keys, CONTACT, lifetime=24 * 3600 + 1)
    VapidSigner(keys, "https://city.example.jp/contact", lifetime=24 * 3600)


# --- VAPID keys on disk -----------------------------------------------------------------


def test_keys_are_generated_once_and_reused(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "vapid"
    first = VapidKeys.load_or_create(folder)
    path = folder / "private_key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.name for p in folder.iterdir()] == ["private_key.pem"]  # no temporary left
    again = VapidKeys.load_or_create(folder)
    assert again.public_key_b64url == first.public_key_b64url
    # The file is an ordinary PEM key: pywebpush's py_vapid reads it too.
    assert Vapid02.from_file(str(path)).public_key.public_numbers() == (
        first.private_key.public_key().public_numbers()
    )


def test_the_topic_key_is_shared_by_workers_and_stands_for_no_one(tmp_path: Path) -> None:
    """Every worker sharing the VAPID key keys Topics alike (so a thread's notices share
    one); another key gives other Topics, and what is sent is not what the row keeps."""
    folder = tmp_path / "vapid"
    key = VapidKeys.load_or_create(folder).derived_key("todoke push topic")
    assert VapidKeys.load_or_create(folder).derived_key("todoke push topic") == key
    assert len(key) == 32 and key != VapidKeys.generate().derived_key("todoke push topic")
    assert key != VapidKeys.load_or_create(folder).derived_key("another use")
    stored = thread_digest(1, 7, "application.approved", "42")
    assert stored == thread_digest(1, 7, "application.received", "42")  # one thread
    assert stored != thread_digest(1, 8, "application.received", "42")  # another account
    assert stored != thread_digest(1, 7, "support.matched", "42")  # another family
    topic = wire_topic(key, stored)
    assert topic is not None and re.fullmatch(r"[A-Za-z0-9_-]{24}", topic)
    assert topic == wire_topic(key, stored) and topic != stored
    assert topic != wire_topic(VapidKeys.generate().derived_key("todoke push topic"), stored)
    assert wire_topic(key, "") is None


@pytest.mark.parametrize(
    ("kind", "lock_screen", "urgency"),
    [
        ("security", "as_written", "high"),
        ("security.passkey_added", "as_written", "high"),
        ("support.matched", "neutral", "normal"),
        ("support.granted", "neutral", "normal"),
        ("application.received", "neutral", "normal"),
        ("application.message", "neutral", "normal"),
        ("correction.rejected", "neutral", "normal"),
        ("tax", "neutral", "normal"),
        ("welfare.decision", "neutral", "normal"),
        ("information", "as_written", "low"),
        ("", "neutral", "normal"),
        ("securityish", "neutral", "normal"),  # only the family, exactly, counts
        ("informational", "neutral", "normal"),
    ],
)
def test_the_push_policy_of_each_kind(kind: str, lock_screen: str, urgency: str) -> None:
    assert policy_for(kind) == PushPolicy(lock_screen, urgency)


def test_a_key_file_readable_by_others_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "vapid"
    first = VapidKeys.load_or_create(folder)
    (folder / "private_key.pem").chmod(0o644)
    folder.chmod(0o755)
    again = VapidKeys.load_or_create(folder)
    assert again.public_key_b64url == first.public_key_b64url
    assert stat.S_IMODE((folder / "private_key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_key_written_by_another_process_first_wins(tmp_path: Path) -> None:
    folder = tmp_path / "vapid"
    folder.mkdir(mode=0o700)
    theirs = VapidKeys.generate()
    (folder / "private_key.pem").write_bytes(theirs.to_pem())
    (folder / "private_key.pem").chmod(0o600)
    assert VapidKeys.load_or_create(folder).public_key_b64url == theirs.public_key_b64url


# --- retry rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (201, "delivered"), (200, "delivered"), (202, "delivered"),
        (404, "gone"), (410, "gone"),
        (429, "retry"), (500, "retry"), (502, "retry"), (503, "retry"), (0, "retry"),
        (400, "failed"), (401, "failed"), (403, "failed"), (413, "failed"), (301, "failed"),
    ],
)  # fmt: skip
def test_classify(status: int, outcome: str) -> None:
    assert classify(status) == outcome


def test_backoff_honours_retry_after_even_above_the_cap() -> None:
    assert backoff_seconds(1, retry_after=120, rng=lambda: 0.999) >= 120
    assert backoff_seconds(1, retry_after=120, rng=lambda: 0.0) == 120
    assert backoff_seconds(1, retry_after=7200, cap=3600, rng=lambda: 0.5) == 7200
    # A shorter Retry-After does not cut the exponential delay short.
    assert backoff_seconds(6, retry_after=5, rng=lambda: 0.5) == 0.5 * 960


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    assert backoff_seconds(1, rng=lambda: 0.0) == 0
    assert backoff_seconds(1, rng=lambda: 1.0) == 30
    assert backoff_seconds(3, rng=lambda: 1.0) == 120
    assert backoff_seconds(30, rng=lambda: 1.0) == 3600
    assert backoff_seconds(10_000, rng=lambda: 1.0) == 3600
    for attempt in range(1, 12):
        for _ in range(200):
            delay = backoff_seconds(attempt)
            assert 0 <= delay <= min(3600, 30 * 2 ** (attempt - 1))
    with pytest.raises(ValueError):
        backoff_seconds(0)


def test_retry_after_in_both_forms() -> None:
    now = 1_760_000_000.0
    assert parse_retry_after("120", now=now) == 120
    later = datetime.fromtimestamp(now, UTC) + timedelta(seconds=90)
    assert parse_retry_after(format_datetime(later, usegmt=True), now=now) == 90
    assert parse_retry_after(format_datetime(later - timedelta(hours=1), usegmt=True), now=now) == 0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") is None


# --- sending to the double --------------------------------------------------------------


async def test_a_message_is_delivered_and_decrypts(double: PushDouble, sender: PushSender) -> None:
    sub = double.subscribe()
    result = await sender.send(
        as_subscription(sub), NOTICE, ttl=86400, urgency="high", topic="application-42"
    )
    assert (result.status, result.outcome) == (201, "delivered")
    [delivery] = await double.wait_for_async(1)
    assert delivery.subscription_id == double.id_of(sub)
    assert delivery.payload == NOTICE
    assert delivery.headers["ttl"] == "86400"
    assert delivery.headers["urgency"] == "high"
    assert delivery.headers["topic"] == "application-42"
    assert delivery.headers["content-encoding"] == "aes128gcm"
    assert delivery.headers["content-type"] == "application/octet-stream"


async def test_many_concurrent_sends_all_arrive(double: PushDouble, sender: PushSender) -> None:
    subs = [double.subscribe() for _ in range(40)]
    payloads = [f'{{"n":{i}}}'.encode() for i in range(40)]
    results = await asyncio.gather(
        *(sender.send(as_subscription(s), p, ttl=3600) for s, p in zip(subs, payloads, strict=True))
    )
    assert {r.status for r in results} == {201}
    got = {d.subscription_id: d.payload for d in await double.wait_for_async(40)}
    assert got == {double.id_of(s): p for s, p in zip(subs, payloads, strict=True)}


async def test_an_unsubscribed_endpoint_is_gone(double: PushDouble, sender: PushSender) -> None:
    sub = double.subscribe()
    double.unsubscribe(double.id_of(sub))
    result = await sender.send(as_subscription(sub), NOTICE, ttl=60)
    assert (result.status, result.outcome) == (410, "gone")
    double.answer(404, subscription_id=double.id_of(other := double.subscribe()))
    result = await sender.send(as_subscription(other), NOTICE, ttl=60)
    assert (result.status, result.outcome) == (404, "gone")
    assert double.received() == []


async def test_429_gives_its_retry_after(double: PushDouble, sender: PushSender) -> None:
    sub = double.subscribe()
    double.answer(429, retry_after=120, times=1)
    result = await sender.send(as_subscription(sub), NOTICE, ttl=60)
    assert (result.status, result.outcome, result.retry_after_seconds) == (429, "retry", 120)
    assert backoff_seconds(1, retry_after=result.retry_after_seconds) >= 120

    when = datetime.now(UTC) + timedelta(seconds=300)
    double.answer(503, retry_after=format_datetime(when, usegmt=True), times=1)
    result = await sender.send(as_subscription(sub), NOTICE, ttl=60)
    assert result.outcome == "retry"
    assert 298 <= (result.retry_after_seconds or 0) <= 301


async def test_500_twice_then_delivered(double: PushDouble, sender: PushSender) -> None:
    sub = double.subscribe()
    sid = double.id_of(sub)
    double.answer(500, times=2, subscription_id=sid)
    outcomes = [(await sender.send(as_subscription(sub), NOTICE, ttl=60)).status for _ in range(3)]
    assert outcomes == [500, 500, 201]
    assert [a.status for a in double.attempts(sid)] == [500, 500, 201]
    assert [d.payload for d in double.received(sid)] == [NOTICE]


async def test_413_fails_with_a_short_reason(double: PushDouble, sender: PushSender) -> None:
    sub = double.subscribe()
    double.answer(413, text="payload too large " + "あ" * 1000)
    result = await sender.send(as_subscription(sub), NOTICE, ttl=60)
    assert (result.status, result.outcome) == (413, "failed")
    assert result.reason.startswith("payload too large ")
    assert len(result.reason) == 300


async def test_a_slow_service_times_out_as_a_retry(double: PushDouble, signer: VapidSigner) -> None:
    sub = double.subscribe()
    double.slow(2.0, times=1)
    async with PushSender(signer, allow_http=True, timeout=0.3) as quick:
        started = time.monotonic()
        result = await quick.send(as_subscription(sub), NOTICE, ttl=60)
    assert time.monotonic() - started < 1.5
    assert (result.status, result.outcome) == (0, "retry")
    assert "Timeout" in result.reason
    # A push service may still take a message its sender gave up on (so a retry can
    # duplicate it: notices carry their own id for the service worker to de-duplicate).
    await double.wait_for_async(1, timeout=5)


async def test_a_refused_connection_is_a_retry(sender: PushSender) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the send: nothing listens
    body = b"\0" * 200
    result = await sender.send_encrypted(f"http://127.0.0.1:{port}/push/x", body, ttl=60)
    assert (result.status, result.outcome) == (0, "retry")
    assert result.reason


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ttl": 0}, "TTL"),
        ({"ttl": -1}, "TTL"),
        ({"ttl": 60, "urgency": "urgent"}, "Urgency"),
        ({"ttl": 60, "topic": "x" * 33}, "Topic"),
        ({"ttl": 60, "topic": "山田さんの申請"}, "Topic"),
    ],
)
async def test_what_no_retry_can_fix_is_refused_before_sending(
    double: PushDouble, sender: PushSender, kwargs: dict, message: str
) -> None:
    sub = double.subscribe()
    with pytest.raises(ValueError, match=message):
        await sender.send(as_subscription(sub), NOTICE, **kwargs)
    assert double.attempts() == []


async def test_plain_http_endpoints_need_to_be_allowed(signer: VapidSigner) -> None:
    async with PushSender(signer) as strict:
        with pytest.raises(ValueError, match="https"):
            await strict.send_encrypted("http://127.0.0.1:9/push/x", b"x", ttl=60)


# --- the double refuses what a push service refuses -------------------------------------


async def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status, await response.text()


def good_headers(signer: VapidSigner, endpoint: str) -> dict[str, str]:
    return {
        "TTL": "60",
        "Content-Encoding": "aes128gcm",
        "Authorization": signer.header(endpoint),
    }


async def test_the_double_refuses_a_tampered_jwt(double: PushDouble, signer: VapidSigner) -> None:
    sub = double.subscribe()
    body = encrypt(NOTICE, sub["keys"]["p256dh"], sub["keys"]["auth"])
    headers = good_headers(signer, sub["endpoint"])
    _head, claims, token, k = jwt_parts(headers["Authorization"])
    claims["sub"] = "mailto:someone-else@example.com"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    h, _, sig = token.split(".")
    headers["Authorization"] = f"vapid t={h}.{forged}.{sig}, k={k}"
    status, text = await post(sub["endpoint"], body, headers)
    assert status == 403 and "signature" in text
    assert [r.status for r in double.rejected()] == [403]
    assert double.received() == []
    double.clear()


async def test_the_double_refuses_a_key_that_did_not_sign(
    double: PushDouble, signer: VapidSigner
) -> None:
    sub = double.subscribe()
    body = encrypt(NOTICE, sub["keys"]["p256dh"], sub["keys"]["auth"])
    headers = good_headers(signer, sub["endpoint"])
    token = headers["Authorization"].split(", k=")[0]
    headers["Authorization"] = f"{token}, k={VapidKeys.generate().public_key_b64url}"
    status, _ = await post(sub["endpoint"], body, headers)
    assert status == 403
    double.clear()


async def test_the_double_refuses_a_wrong_audience(double: PushDouble, keys: VapidKeys) -> None:
    sub = double.subscribe()
    body = encrypt(NOTICE, sub["keys"]["p256dh"], sub["keys"]["auth"])
    headers = good_headers(VapidSigner(keys, CONTACT), "https://fcm.googleapis.com/fcm/send/x")
    status, text = await post(sub["endpoint"], body, headers)
    assert status == 403 and "aud" in text
    double.clear()


async def test_the_double_refuses_an_expired_jwt(double: PushDouble, keys: VapidKeys) -> None:
    sub = double.subscribe()
    body = encrypt(NOTICE, sub["keys"]["p256dh"], sub["keys"]["auth"])
    yesterday = VapidSigner(keys, CONTACT, clock=lambda: time.time() - 13 * 3600)
    status, text = await post(sub["endpoint"], body, good_headers(yesterday, sub["endpoint"]))
    assert status == 403 and "expired" in text
    double.clear()


async def test_the_double_refuses_a_missing_ttl_and_a_foreign_body(
    double: PushDouble, signer: VapidSigner
) -> None:
    sub, other = double.subscribe(), double.subscribe()
    body = encrypt(NOTICE, sub["keys"]["p256dh"], sub["keys"]["auth"])
    headers = good_headers(signer, sub["endpoint"])
    del headers["TTL"]
    assert (await post(sub["endpoint"], body, headers))[0] == 400
    foreign = encrypt(NOTICE, other["keys"]["p256dh"], other["keys"]["auth"])
    assert (await post(sub["endpoint"], foreign, good_headers(signer, sub["endpoint"])))[0] == 400
    assert [r.status for r in double.rejected()] == [400, 400]
    double.clear()


def test_pywebpush_itself_can_send_to_the_double(double: PushDouble, keys: VapidKeys) -> None:
    """A third-party sender is accepted too, so the double is not tuned to our own quirks.
    (Synchronous: the way a Playwright test would use the double.)"""
    from pywebpush import webpush

    sub = double.subscribe()
    response = webpush(
        sub,
        data=NOTICE.decode(),
        vapid_private_key=Vapid02.from_pem(keys.to_pem()),
        vapid_claims={"sub": CONTACT},
        ttl=60,
        timeout=5,
    )
    assert response.status_code == 201
    [delivery] = double.wait_for(1)
    assert delivery.payload == NOTICE


async def test_an_oversized_body_is_refused_before_sending(sender: PushSender) -> None:
    with pytest.raises(ValueError, match="4096"):
        await sender.send_encrypted("http://127.0.0.1:9/push/x", b"\0" * 4097, ttl=60)


async def test_deferred_decryption_still_catches_a_foreign_body(signer: VapidSigner) -> None:
    """The benchmark's mode: 201 at once, as a push service; the check comes on reading."""
    with PushDouble(decrypt="deferred") as double:
        sub, other = double.subscribe(), double.subscribe()
        async with PushSender(signer, allow_http=True) as sender:
            good = await sender.send(as_subscription(sub), NOTICE, ttl=60)
            foreign = encrypt(NOTICE, other["keys"]["p256dh"], other["keys"]["auth"])
            bad = await sender.send_encrypted(sub["endpoint"], foreign, ttl=60)
        assert (good.status, bad.status) == (201, 201)
        assert [d.payload for d in double.received()] == [NOTICE]
        assert [r.status for r in double.rejected()] == [400]


def test_a_double_in_a_child_process(signer: VapidSigner) -> None:
    with PushDouble.spawn() as double:
        sub = double.subscribe()

        async def send() -> int:
            async with PushSender(signer, allow_http=True) as sender:
                return (await sender.send(as_subscription(sub), NOTICE, ttl=60)).status

        assert asyncio.run(send()) == 201
        [delivery] = double.wait_for(1)
        assert delivery.payload == NOTICE
        assert double.rejected() == []


@pytest.mark.parametrize(
    "data",
    [
        {"endpoint": "https://fcm.googleapis.com/fcm/send/x"},
        {
            "endpoint": "ftp://push.example/x",
            "keys": {"p256dh": RFC_UA_PUBLIC, "auth": "BTBZMqHH6r4Tts7J_aSIgg"},
        },
        {"endpoint": "https://push.example/x", "keys": {"p256dh": "AAAA", "auth": "c2hvcnQ"}},
        {"keys": {"p256dh": RFC_UA_PUBLIC, "auth": "BTBZMqHH6r4Tts7J_aSIgg"}},
    ],
)
def test_a_malformed_browser_subscription_is_refused(data: dict) -> None:
    with pytest.raises(ValueError):
        Subscription.from_json(data)
