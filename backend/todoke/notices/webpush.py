"""Web Push, the sending side: VAPID keys and headers, payload encryption, one HTTP send.

Standards: RFC 8030 (the push protocol: ``TTL``, ``Urgency``, ``Topic``), RFC 8291 (message
encryption, ``aes128gcm`` from RFC 8188) and RFC 8292 (VAPID). No database here: the
delivery worker decides what to send, when to retry (``classify``, ``backoff_seconds``) and
records the outcome.

Why not pywebpush for the sending itself, although it is a dependency (2.5 read):

* ``webpush()`` sends with ``requests`` (blocking the event loop). ``webpush_async()`` and
  ``webpush()`` sign a new VAPID JWT for every message (one ECDSA signature each) and write
  ``aud`` and ``exp`` into the caller's claims dict, so a dict reused across push services
  keeps the first service's ``aud``; we keep one signed header per origin instead.
* Both default to ``TTL: 0`` (never delivered to a phone that is offline) and raise
  ``WebPushException`` for any status above 202, with ``Retry-After`` as raw text; the
  worker wants a result it can classify (gone / retry / failed), not an exception.
* ``WebPusher.encode()`` would do the encryption (through ``http_ece``) but has no size
  check: 3994 bytes of plaintext give a 4097-byte body, more than 4079 give two records,
  both refused by push services (413). The RFC 8291 construction is a dozen lines over
  ``cryptography``; the tests check it byte for byte against the RFC's Appendix A example,
  and the test double decrypts with ``http_ece`` (pywebpush's own decoder), so the two
  sides are independent implementations of the same RFC.

So pywebpush stays a dependency (its ``py_vapid`` and ``http_ece`` are what the tests
cross-check against; one test sends with ``webpush()`` itself) and the sending is ours:
kept-alive connections per push service (``http_client.py``: a general-purpose client cost
more per message than the encryption), explicit timeouts, no redirects, no cookies.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import hmac
import json
import logging
import math
import os
import random
import re
import ssl
import struct
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import UTC
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import msgspec
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from todoke.codes import b64url_decode, b64url_encode
from todoke.notices.http_client import Answer, PushHttpClient, split_url

log = logging.getLogger(__name__)

Urgency = Literal["very-low", "low", "normal", "high"]
Outcome = Literal["delivered", "gone", "retry", "failed"]

URGENCIES: frozenset[str] = frozenset(("very-low", "low", "normal", "high"))
# RFC 8291 §4: one record of at most 4096 bytes; 86 bytes of header (salt 16, rs 4, idlen 1,
# keyid 65), a 16-byte tag and the 0x02 padding delimiter leave 3993 bytes of plaintext.
RECORD_SIZE = 4096
HEADER_SIZE = 16 + 4 + 1 + 65
MAX_PAYLOAD_BYTES = RECORD_SIZE - HEADER_SIZE - 16 - 1
# Push services keep a message at most about four weeks (FCM: 28 days).
MAX_TTL_SECONDS = 28 * 24 * 3600
VAPID_MAX_LIFETIME = 24 * 3600
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")
_REASON_CHARS = 300


def _public_point(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


# --- VAPID keys -----------------------------------------------------------------------


class VapidKeys:
    """The application server's P-256 key pair (RFC 8292 §3.2).

    ``load_or_create(folder)`` reads ``folder/private_key.pem`` or, on first run, generates
    it (folder 0700, file 0600, written to a temporary file and linked into place, so two
    processes starting at once end up with the same key).

    Secrets derived from the key (``derived_key``: email links, push topics) come from the
    deployment's first key, ``first_key.pem``, once a rotation (``notices.vapid``) has kept
    it there: rotating the VAPID key does not break the links in emails already sent.
    """

    FILE_NAME = "private_key.pem"
    FIRST_FILE_NAME = "first_key.pem"

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
            private_key.curve, ec.SECP256R1
        ):
            raise ValueError("a VAPID key must be an EC P-256 private key")
        self.private_key = private_key
        self._derive_from = private_key
        self.public_key_bytes = _public_point(private_key)
        # What the browser's PushManager.subscribe({applicationServerKey}) wants.
        self.public_key_b64url = b64url_encode(self.public_key_bytes)

    @classmethod
    def generate(cls) -> VapidKeys:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    def derived_key(self, label: str) -> bytes:
        """A 32-byte secret for another purpose (``label``) of this application server,
        derived from the private key with HKDF-SHA256: every worker that shares the VAPID
        key derives the same one, and it reveals nothing of the key."""
        secret = self._derive_from.private_numbers().private_value.to_bytes(32, "big")
        return _hkdf(b"", secret, label.encode(), 32)

    @classmethod
    def from_pem(cls, pem: bytes) -> VapidKeys:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the VAPID key file does not hold an EC private key")
        return cls(key)

    def to_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @classmethod
    def load_or_create(cls, folder: Path | str) -> VapidKeys:
        folder = Path(folder)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if folder.stat().st_mode & 0o077:
            folder.chmod(0o700)
        path = folder / cls.FILE_NAME
        if not path.exists():
            cls._create(path)
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            log.warning("VAPID key %s was readable by others (mode %o); now 0600", path, mode)
            path.chmod(0o600)
        keys = cls.from_pem(path.read_bytes())
        first = folder / cls.FIRST_FILE_NAME
        if first.exists():
            keys._derive_from = cls.from_pem(first.read_bytes()).private_key
        return keys

    @classmethod
    def _create(cls, path: Path) -> None:
        pem = cls.generate().to_pem()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".private_key.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:  # mkstemp made it 0600
                file.write(pem)
                file.flush()
                os.fsync(file.fileno())
            try:
                # link, not replace: if another process got there first, keep its key.
                os.link(tmp, path)
            except FileExistsError:
                return
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
            log.info("generated a new VAPID key at %s", path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


# --- VAPID header ---------------------------------------------------------------------


def audience(endpoint: str) -> str:
    """The push resource's origin (RFC 8292 §2: the JWT ``aud``): scheme://host[:port]."""
    parts = urlsplit(endpoint)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"not an http(s) push endpoint: {endpoint!r}")
    host = parts.hostname  # lower-cased by urlsplit
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != (443 if scheme == "https" else 80):
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def check_subject(subject: str) -> str:
    """The VAPID ``sub``: a contact the push service can reach (RFC 8292 §2.1)."""
    if re.fullmatch(r"mailto:[^@\s]+@[^@\s]+\.[^@\s]+", subject):
        return subject
    parts = urlsplit(subject)
    if parts.scheme == "https" and parts.hostname:
        return subject
    raise ValueError(f"VAPID subject must be a mailto: or https: contact, not {subject!r}")


class VapidSigner:
    """Builds ``Authorization: vapid t=<JWT>, k=<public key>`` per push-service origin.

    One signed header per origin is cached and reused until less than ``renew_before``
    seconds of its ``exp`` remain; a fresh claims dict is built for every signature.
    ``clock`` defaults to ``time.time`` (looked up at call time, so tests may patch it).
    """

    def __init__(
        self,
        keys: VapidKeys,
        subject: str,
        *,
        lifetime: int = 12 * 3600,
        renew_before: int = 3600,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if not 0 < lifetime <= VAPID_MAX_LIFETIME:
            raise ValueError("VAPID lifetime must be positive and at most 24 hours")
        if not 0 <= renew_before < lifetime:
            raise ValueError("renew_before must be shorter than the lifetime")
        self.keys = keys
        self.subject = check_subject(subject)
        self.lifetime = lifetime
        self.renew_before = renew_before
        self._clock = clock
        self._cache: dict[str, tuple[str, int]] = {}
        self._k = keys.public_key_b64url

    def _now(self) -> float:
        return (self._clock or time.time)()

    def header(self, endpoint: str) -> str:
        """The ``Authorization`` value for a push to ``endpoint``."""
        # Keyed by the endpoint's text up to its path (cheap; one per push service in
        # practice); the origin is parsed and normalised only when signing.
        key = split_url(endpoint)[0]
        now = self._now()
        cached = self._cache.get(key)
        if cached is not None and cached[1] - now > self.renew_before:
            return cached[0]
        aud = audience(endpoint)
        exp = int(now) + self.lifetime
        value = f"vapid t={self.sign({'aud': aud, 'exp': exp, 'sub': self.subject})}, k={self._k}"
        if len(self._cache) > 1000:  # endpoints come from browsers: bound what they can add
            self._cache.clear()
        self._cache[key] = (value, exp)
        return value

    def sign(self, claims: Mapping[str, object]) -> str:
        """An ES256 JWT (RFC 7515/7518: the signature is r||s, 32 bytes each)."""
        header = b64url_encode(b'{"typ":"JWT","alg":"ES256"}')
        # Sorted keys: Chrome's push service has been reported to want them so (py_vapid).
        body = b64url_encode(
            json.dumps(dict(claims), separators=(",", ":"), sort_keys=True).encode()
        )
        signing_input = f"{header}.{body}".encode("ascii")
        der = self.keys.private_key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return f"{header}.{body}.{b64url_encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


# --- RFC 8291 encryption --------------------------------------------------------------


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA-256 (RFC 5869) for outputs of at most one block, as RFC 8291 §3.4 writes it."""
    prk = hmac.digest(salt, ikm, "sha256")
    return hmac.digest(prk, info + b"\x01", "sha256")[:length]


def _receiver_keys(p256dh_b64url: str, auth_b64url: str) -> tuple[bytes, bytes]:
    try:
        ua_public = b64url_decode(p256dh_b64url)
        auth_secret = b64url_decode(auth_b64url)
    except ValueError as exc:
        raise ValueError("subscription keys are not base64url") from exc
    if len(ua_public) != 65 or ua_public[0] != 4:
        raise ValueError("p256dh must be an uncompressed P-256 point (65 bytes)")
    if len(auth_secret) != 16:
        raise ValueError("auth must be a 16-byte secret")
    return ua_public, auth_secret


def encrypt(payload: bytes, p256dh_b64url: str, auth_b64url: str) -> bytes:
    """Encrypt ``payload`` for one subscription (RFC 8291, ``Content-Encoding: aes128gcm``).

    A new ephemeral key and salt for every call, so equal payloads never look equal.
    ValueError if the payload would not fit one 4096-byte record (3993 bytes of plaintext)
    or if the subscription's keys are malformed.
    """
    return _encrypt(
        payload,
        p256dh_b64url,
        auth_b64url,
        sender_key=ec.generate_private_key(ec.SECP256R1()),
        salt=os.urandom(16),
    )


def _encrypt(
    payload: bytes,
    p256dh_b64url: str,
    auth_b64url: str,
    *,
    sender_key: ec.EllipticCurvePrivateKey,
    salt: bytes,
) -> bytes:
    if not isinstance(payload, bytes | bytearray):
        raise TypeError("push payloads are bytes (encode the JSON first)")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ValueError(
            f"push payload is {len(payload)} bytes; at most {MAX_PAYLOAD_BYTES} fit one record"
        )
    ua_public, auth_secret = _receiver_keys(p256dh_b64url, auth_b64url)
    peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ua_public)
    as_public = _public_point(sender_key)
    ecdh_secret = sender_key.exchange(ec.ECDH(), peer)
    ikm = _hkdf(auth_secret, ecdh_secret, b"WebPush: info\x00" + ua_public + as_public, 32)
    prk = hmac.digest(salt, ikm, "sha256")
    cek = hmac.digest(prk, b"Content-Encoding: aes128gcm\x00\x01", "sha256")[:16]
    nonce = hmac.digest(prk, b"Content-Encoding: nonce\x00\x01", "sha256")[:12]
    ciphertext = AESGCM(cek).encrypt(nonce, payload + b"\x02", None)
    return salt + struct.pack("!IB", RECORD_SIZE, len(as_public)) + as_public + ciphertext


# --- sending --------------------------------------------------------------------------


class Subscription(msgspec.Struct, frozen=True):
    """What the browser's ``PushSubscription.toJSON()`` gives: endpoint and two keys."""

    endpoint: str
    p256dh: str
    auth: str

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Subscription:
        """Read and check a browser's subscription: ValueError if the keys are malformed or
        the endpoint is not an http(s) URL. (Which push-service hosts to accept is the
        caller's policy: the endpoint is a URL a browser, or an attacker, gave us.)"""
        keys = data.get("keys")
        endpoint = data.get("endpoint")
        if not isinstance(keys, Mapping) or not isinstance(endpoint, str):
            raise ValueError("a subscription has an endpoint and keys")
        p256dh, auth = keys.get("p256dh"), keys.get("auth")
        if not isinstance(p256dh, str) or not isinstance(auth, str):
            raise ValueError("subscription keys p256dh and auth are strings")
        ua_public, _ = _receiver_keys(p256dh, auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ua_public)
        audience(endpoint)
        return cls(endpoint, p256dh, auth)


class PushResult(msgspec.Struct, frozen=True):
    """What the push service answered. ``status`` 0 means no answer (timeout, refused)."""

    status: int
    retry_after_seconds: int | None = None
    reason: str = ""

    @property
    def outcome(self) -> Outcome:
        return classify(self.status)


def classify(status: int) -> Outcome:
    """What a push service's answer means (RFC 8030 §5-§8, autopush's error guide)."""
    if status in (200, 201, 202):
        return "delivered"
    if status in (404, 410):
        return "gone"
    if status == 0 or status == 429 or 500 <= status <= 599:
        return "retry"
    return "failed"


def backoff_seconds(
    attempt: int,
    retry_after: float | None = None,
    base: float = 30,
    cap: float = 3600,
    rng: Callable[[], float] = random.random,
) -> float:
    """Delay before retry number ``attempt`` (1 for the first retry).

    Exponential with full jitter, ``uniform(0, min(cap, base * 2**(attempt-1)))``, but never
    shorter than the service's ``Retry-After`` (which may exceed ``cap``: it is honoured).
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    ceiling = min(cap, base * 2 ** min(attempt - 1, 62))
    delay = rng() * ceiling
    if retry_after is not None and retry_after > delay:
        return float(retry_after)
    return delay


def parse_retry_after(value: str | None, *, now: float | None = None) -> int | None:
    """``Retry-After`` as whole seconds from now (delta-seconds or HTTP-date); never rounded
    down. None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]{1,10}", value):
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": RFC 9110 dates are GMT anyway
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0, math.ceil(when.timestamp() - current))


def check_topic(topic: str) -> str:
    if not _TOPIC.fullmatch(topic):
        raise ValueError("Topic must be 1-32 base64url characters (and never personal data)")
    return topic


class PushSender:
    """Sends encrypted messages to push services (``http_client.PushHttpClient``).

    Use as ``async with PushSender(signer) as sender: result = await sender.send(...)``.
    It answers what happened (``PushResult``); retry policy is the caller's. ``submit``
    starts a send and returns the future of its answer, so a worker sending a batch makes
    no task per message.

    At most ``limit_per_host`` connections to one push service; sends beyond that wait for
    a free one, and their ``timeout`` starts only once their request is written, so a large
    fan-out queued behind a slow service is not mistaken for timeouts. ``connect_timeout``
    bounds the TCP, proxy and TLS set-up. ``allow_http`` permits ``http://`` endpoints (tests
    and the local double only; real push services are all https). ``proxy``
    (``http://host:port``) reaches push services through an HTTP proxy with CONNECT.
    """

    def __init__(
        self,
        signer: VapidSigner,
        *,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        limit_per_host: int = 100,
        allow_http: bool = False,
        proxy: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.signer = signer
        self.allow_http = allow_http
        # Built now so a bad proxy URL or limit fails at start, not at the first send.
        self._options = {
            "timeout": timeout,
            "connect_timeout": connect_timeout,
            "limit_per_host": limit_per_host,
            "proxy": proxy,
            "ssl_context": ssl_context,
        }
        PushHttpClient(**self._options)  # type: ignore[arg-type]
        self._client: PushHttpClient | None = None

    async def __aenter__(self) -> PushSender:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        if self._client is None or self._client.closed:
            self._client = PushHttpClient(**self._options)  # type: ignore[arg-type]

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def send(
        self,
        subscription: Subscription,
        payload: bytes,
        *,
        ttl: int,
        urgency: Urgency = "normal",
        topic: str | None = None,
    ) -> PushResult:
        """Encrypt ``payload`` for ``subscription`` and POST it. ValueError for what no retry
        can fix (payload too large, malformed keys, bad TTL, Urgency or Topic)."""
        answer = await self.submit(subscription, payload, ttl=ttl, urgency=urgency, topic=topic)
        return push_result(answer)

    async def send_encrypted(
        self,
        endpoint: str,
        body: bytes,
        *,
        ttl: int,
        urgency: Urgency = "normal",
        topic: str | None = None,
    ) -> PushResult:
        answer = await self.submit_encrypted(endpoint, body, ttl=ttl, urgency=urgency, topic=topic)
        return push_result(answer)

    def submit(
        self,
        subscription: Subscription,
        payload: bytes,
        *,
        ttl: int,
        urgency: Urgency = "normal",
        topic: str | None = None,
        signer: VapidSigner | None = None,
    ) -> asyncio.Future[Answer]:
        """Encrypt and start sending; the future of the service's answer (``push_result``
        reads it). ValueError as for ``send``, before anything is sent. ``signer``: another
        application server key than the sender's (a subscription made before a rotation)."""
        body = encrypt(payload, subscription.p256dh, subscription.auth)
        return self.submit_encrypted(
            subscription.endpoint, body, ttl=ttl, urgency=urgency, topic=topic, signer=signer
        )

    def submit_encrypted(
        self,
        endpoint: str,
        body: bytes,
        *,
        ttl: int,
        urgency: Urgency = "normal",
        topic: str | None = None,
        signer: VapidSigner | None = None,
    ) -> asyncio.Future[Answer]:
        if not 0 < ttl <= MAX_TTL_SECONDS:
            raise ValueError(f"TTL must be between 1 and {MAX_TTL_SECONDS} seconds")
        if urgency not in URGENCIES:
            raise ValueError(f"Urgency must be one of {sorted(URGENCIES)}")
        if len(body) > RECORD_SIZE:
            raise ValueError(f"an encrypted push body is at most {RECORD_SIZE} bytes")
        if not endpoint.startswith("https://") and not (
            self.allow_http and endpoint.startswith("http://")
        ):
            raise ValueError("push endpoints must be https")
        client = self._client
        if client is None:
            raise RuntimeError("PushSender is not started (use 'async with PushSender(...)')")
        headers = (
            f"TTL: {ttl}\r\nUrgency: {urgency}\r\nContent-Encoding: aes128gcm\r\n"
            f"Content-Type: application/octet-stream\r\n"
            f"Authorization: {(signer or self.signer).header(endpoint)}\r\n"
        )
        if topic is not None:
            headers += f"Topic: {check_topic(topic)}\r\n"
        return client.post(endpoint, headers, body)

    def connections(self) -> int:
        """Connections open to push services now."""
        return 0 if self._client is None else self._client.connections()


def push_result(answer: Answer) -> PushResult:
    """What a push service's answer means for the caller: status, Retry-After in whole
    seconds, and a short reason (the start of an error body, or the status phrase)."""
    status = answer.status
    retry_after = parse_retry_after(answer.retry_after) if answer.retry_after else None
    if status in (200, 201, 202) or not answer.body:
        return PushResult(status, retry_after, answer.reason[:_REASON_CHARS])
    text = answer.body.decode("utf-8", errors="replace").strip()
    return PushResult(status, retry_after, (text or answer.reason)[:_REASON_CHARS])


__all__ = [
    "MAX_PAYLOAD_BYTES",
    "Outcome",
    "PushResult",
    "PushSender",
    "Subscription",
    "Urgency",
    "VapidKeys",
    "VapidSigner",
    "audience",
    "backoff_seconds",
    "classify",
    "encrypt",
    "parse_retry_after",
    "push_result",
]
