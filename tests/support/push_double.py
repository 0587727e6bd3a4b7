"""A local push service for tests: checks what a real one checks, and decrypts like a phone.

``PushDouble`` serves HTTP on 127.0.0.1 from a background thread with its own event loop, so
the same object works from sync tests (Playwright) and from async tests::

    with PushDouble() as double:
        sub = double.subscribe()      # what PushSubscription.toJSON() gives a page
        ...send to sub["endpoint"]...
        [delivery] = double.wait_for(1)
        assert delivery.payload == b"..."
        assert double.rejected() == []

For every subscription it makes its own P-256 key pair and 16-byte auth secret, exactly as a
browser does. On each POST to an endpoint it checks ``Content-Encoding: aes128gcm``, ``TTL``,
``Urgency`` and ``Topic`` (RFC 8030), the VAPID ``Authorization`` (RFC 8292: ES256 signature
by the key ``k``, ``aud`` = this origin, ``exp`` in the future and at most 24 h away, ``sub``
a mailto: or https: contact), the 4096-byte limit, and decrypts the body with the
subscription's private key (RFC 8291, through ``http_ece``, pywebpush's own decoder: an
implementation independent of ours). A request that fails any check is answered 400, 403 or
413 and recorded in ``rejected()``; tests assert that list is empty.

Behaviour can be set globally or per subscription: ``answer(410)``, ``answer(429,
retry_after=120)``, ``answer(500, times=2)`` (then 201 again), ``slow(2.0)``;
``unsubscribe(id)`` makes an endpoint answer 410 as after a browser unsubscribes.

``decrypt="deferred"`` answers 201 without decrypting (as a real push service does: only the
phone can decrypt) and decrypts when ``received()`` is called; a body that then fails to
decrypt goes to ``rejected()``. The benchmark uses it, with ``PushDouble.spawn()`` which runs
the double in a child process so that the sender's CPU is measured alone.
"""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing
import os
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_BODY = 4096
MAX_VAPID_LIFETIME = 24 * 3600
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")
_URGENCIES = ("very-low", "low", "normal", "high")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    if not _B64URL.fullmatch(text):
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- records --------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """A message the double accepted and decrypted. Header names are lower-cased."""

    subscription_id: str
    payload: bytes
    headers: dict[str, str]
    received_at: float


@dataclass(frozen=True)
class Rejection:
    """A request a real push service (or the phone) would have refused."""

    subscription_id: str | None
    status: int
    reason: str
    headers: dict[str, str]
    received_at: float


@dataclass(frozen=True)
class Attempt:
    """Every POST to an endpoint, with the status answered."""

    subscription_id: str | None
    status: int
    received_at: float


@dataclass
class _Rule:
    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    times: int | None = None  # None: for ever
    text: str | None = None


@dataclass
class _Subscription:
    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    gone: bool = False
    server_key: str | None = None  # the applicationServerKey it was made with, if told


@dataclass
class _Pending:
    subscription_id: str
    body: bytes
    headers: dict[str, str]
    received_at: float


class RequestRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --- the checks -----------------------------------------------------------------------


def decrypt_push(body: bytes, private_key: ec.EllipticCurvePrivateKey, auth_secret: bytes) -> bytes:
    """Decrypt an RFC 8291 message as the browser does. RequestRefused(400) if it is not one
    well-formed aes128gcm record keyed by a P-256 point."""
    if len(body) > MAX_BODY:
        raise RequestRefused(413, f"body of {len(body)} bytes exceeds {MAX_BODY}")
    if len(body) < 86 + 17:
        raise RequestRefused(400, "body too short for an aes128gcm record")
    record_size = int.from_bytes(body[16:20], "big")
    if body[20] != 65 or body[21] != 4:
        raise RequestRefused(400, "keyid is not an uncompressed P-256 point (RFC 8291 §4)")
    if len(body) - 86 > record_size:
        raise RequestRefused(400, "more than one record (RFC 8291 §4 allows one)")
    try:
        return http_ece.decrypt(
            body, private_key=private_key, auth_secret=auth_secret, version="aes128gcm"
        )
    except Exception as exc:  # http_ece raises its own and cryptography's errors
        raise RequestRefused(400, f"undecryptable: {exc!r}") from exc


def parse_vapid(authorization: str) -> tuple[str, str]:
    """``vapid t=<jwt>, k=<key>`` (RFC 8292 §3) → (jwt, k)."""
    scheme, _, params = authorization.strip().partition(" ")
    if scheme.lower() != "vapid":
        raise RequestRefused(403, "Authorization scheme is not vapid")
    found: dict[str, str] = {}
    for part in params.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise RequestRefused(403, "malformed vapid parameters")
        found[name.strip().lower()] = value.strip().strip('"')
    if "t" not in found or "k" not in found:
        raise RequestRefused(403, "vapid needs t= and k=")
    return found["t"], found["k"]


def verify_vapid(authorization: str, origin: str, now: float) -> dict[str, Any]:
    """Check a VAPID header as a push service does; the JWT's claims, or RequestRefused."""
    token, k = parse_vapid(authorization)
    claims = _verify_jwt(token, k)
    return _check_claims(claims, origin, now)


def _verify_jwt(token: str, k: str) -> dict[str, Any]:
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(unb64url(header_b64))
        claims = json.loads(unb64url(claims_b64))
        signature = unb64url(signature_b64)
        point = unb64url(k)
    except ValueError as exc:
        raise RequestRefused(403, f"malformed JWT: {exc}") from exc
    if not isinstance(header, dict) or header.get("alg") != "ES256":
        raise RequestRefused(403, "JWT alg must be ES256")
    if header.get("typ", "JWT") != "JWT" or not isinstance(claims, dict):
        raise RequestRefused(403, "not a JWT")
    if len(signature) != 64:
        raise RequestRefused(403, "ES256 signature must be 64 bytes (r||s)")
    try:
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as exc:
        raise RequestRefused(403, "k is not a P-256 public key") from exc
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public_key.verify(
            der, f"{header_b64}.{claims_b64}".encode("ascii"), ec.ECDSA(hashes.SHA256())
        )
    except InvalidSignature as exc:
        raise RequestRefused(403, "JWT signature does not verify with k") from exc
    return claims


def _check_claims(claims: dict[str, Any], origin: str, now: float) -> dict[str, Any]:
    if claims.get("aud") != origin:
        raise RequestRefused(403, f"aud {claims.get('aud')!r} is not {origin!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise RequestRefused(403, "exp must be an integer")
    if exp <= now:
        raise RequestRefused(403, "JWT expired")
    if exp > now + MAX_VAPID_LIFETIME:
        raise RequestRefused(403, "exp more than 24 hours ahead (RFC 8292 §2)")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not (
        re.fullmatch(r"mailto:[^@\s]+@[^@\s]+", sub) or sub.startswith("https://")
    ):
        raise RequestRefused(403, "sub must be a mailto: or https: contact")
    return claims


def check_protocol_headers(headers: dict[str, str]) -> None:
    """RFC 8030 and RFC 8188 headers. ``headers`` has lower-case names."""
    if headers.get("content-encoding", "").lower() != "aes128gcm":
        raise RequestRefused(400, "Content-Encoding must be aes128gcm")
    ttl = headers.get("ttl")
    if ttl is None or not re.fullmatch(r"[0-9]+", ttl):
        raise RequestRefused(400, "TTL header missing or not a number")
    urgency = headers.get("urgency")
    if urgency is not None and urgency not in _URGENCIES:
        raise RequestRefused(400, f"unknown Urgency {urgency!r}")
    topic = headers.get("topic")
    if topic is not None and not _TOPIC.fullmatch(topic):
        raise RequestRefused(400, "Topic must be 1-32 base64url characters")


# --- the double -----------------------------------------------------------------------


class PushDouble:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        decrypt: Literal["inline", "deferred"] = "inline",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.host = host
        self.port = port
        self.decrypt_mode = decrypt
        self.clock = clock
        self.url = ""
        self._subs: dict[str, _Subscription] = {}
        self._deliveries: list[Delivery] = []
        self._pending: list[_Pending] = []
        self._rejections: list[Rejection] = []
        self._attempts: list[Attempt] = []
        self._rules: dict[str | None, deque[_Rule]] = {}
        self._verified: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._error: BaseException | None = None

    # -- life cycle

    @property
    def origin(self) -> str:
        return self.url

    def start(self) -> PushDouble:
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="push-double", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("push double did not start")
        if self._error is not None:
            raise RuntimeError("push double did not start") from self._error
        return self

    def stop(self) -> None:
        loop, runner = self._loop, self._runner
        if loop is None or runner is None:
            return
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = self._runner = self._thread = None

    def __enter__(self) -> PushDouble:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start()
            self._error = exc
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _serve(self) -> None:
        app = web.Application(client_max_size=64 * 1024)
        app.router.add_post("/push/{id}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.port = port
        self.url = f"http://{host}:{port}"

    # -- subscriptions

    def subscribe(self, server_key: str | None = None) -> dict[str, Any]:
        """A new subscription, as the browser's ``PushSubscription.toJSON()`` returns it.
        With ``server_key`` (the page's ``applicationServerKey``, base64url) pushes signed
        with any other VAPID key are refused with 403, as FCM and Apple refuse them."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth_secret = os.urandom(16)
        sub = _Subscription(secrets.token_urlsafe(16), private_key, auth_secret)
        sub.server_key = server_key
        with self._lock:
            self._subs[sub.id] = sub
        public = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.url}/push/{sub.id}",
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(auth_secret)},
        }

    def subscribe_many(self, count: int) -> list[dict[str, Any]]:
        return [self.subscribe() for _ in range(count)]

    @staticmethod
    def id_of(subscription: dict[str, Any] | str) -> str:
        endpoint = subscription if isinstance(subscription, str) else subscription["endpoint"]
        return endpoint.rsplit("/", 1)[-1]

    def unsubscribe(self, subscription_id: str) -> None:
        """As if the browser unsubscribed: the endpoint answers 410 from now on."""
        with self._lock:
            self._subs[subscription_id].gone = True

    def decrypt(self, subscription_id: str, body: bytes) -> bytes:
        """Decrypt ``body`` with the subscription's keys (the direct route, no HTTP)."""
        sub = self._subs[subscription_id]
        return decrypt_push(body, sub.private_key, sub.auth_secret)

    # -- behaviour

    def answer(
        self,
        status: int,
        *,
        retry_after: int | str | None = None,
        times: int | None = None,
        subscription_id: str | None = None,
        text: str | None = None,
    ) -> None:
        """Answer ``status`` (``times`` times, or for ever), to one subscription or all, with
        an optional ``Retry-After`` and body ``text``."""
        retry = None if retry_after is None else str(retry_after)
        self._add_rule(subscription_id, _Rule(status, retry, 0.0, times, text))

    def slow(
        self, seconds: float, *, times: int | None = None, subscription_id: str | None = None
    ) -> None:
        """Wait ``seconds`` before handling (the message is still delivered afterwards)."""
        self._add_rule(subscription_id, _Rule(None, None, seconds, times))

    def reset_rules(self) -> None:
        with self._lock:
            self._rules.clear()

    def _add_rule(self, scope: str | None, rule: _Rule) -> None:
        with self._lock:
            self._rules.setdefault(scope, deque()).append(rule)

    def _take_rule(self, subscription_id: str) -> _Rule | None:
        with self._lock:
            for scope in (subscription_id, None):
                rules = self._rules.get(scope)
                if not rules:
                    continue
                rule = rules[0]
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        rules.popleft()
                return rule
        return None

    # -- what arrived

    def received(self, subscription_id: str | None = None) -> list[Delivery]:
        self._decrypt_pending()
        with self._lock:
            found = list(self._deliveries)
        if subscription_id is not None:
            found = [d for d in found if d.subscription_id == subscription_id]
        return found

    def rejected(self) -> list[Rejection]:
        self._decrypt_pending()
        with self._lock:
            return list(self._rejections)

    def attempts(self, subscription_id: str | None = None) -> list[Attempt]:
        with self._lock:
            found = list(self._attempts)
        if subscription_id is not None:
            found = [a for a in found if a.subscription_id == subscription_id]
        return found

    def stats(self) -> dict[str, int]:
        """Counts without decrypting anything (cheap enough to poll)."""
        with self._lock:
            return {
                "delivered": len(self._deliveries) + len(self._pending),
                "rejected": len(self._rejections),
                "attempts": len(self._attempts),
                "cpu_ms": round(time.process_time() * 1000),
            }

    def clear(self) -> None:
        with self._lock:
            self._deliveries.clear()
            self._pending.clear()
            self._rejections.clear()
            self._attempts.clear()

    def wait_for(
        self, count: int, timeout: float = 5.0, *, subscription_id: str | None = None
    ) -> list[Delivery]:
        """Block until ``count`` messages were accepted; AssertionError after ``timeout``.

        From an async test whose own loop does the sending, use ``wait_for_async``."""
        deadline = time.monotonic() + timeout

        def accepted() -> int:
            return sum(
                1
                for d in (*self._deliveries, *self._pending)
                if subscription_id is None or d.subscription_id == subscription_id
            )

        with self._changed:
            while accepted() < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"push double got {accepted()} of {count} messages in {timeout}s; "
                        f"rejected: {self._rejections[:3]}"
                    )
                self._changed.wait(left)
        return self.received(subscription_id)

    async def wait_for_async(
        self, count: int, timeout: float = 5.0, *, subscription_id: str | None = None
    ) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.wait_for(count, 0, subscription_id=subscription_id)
            except AssertionError:
                if time.monotonic() >= deadline:
                    raise
                await asyncio.sleep(0.01)

    def _decrypt_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        done: list[Delivery] = []
        failed: list[Rejection] = []
        for p in pending:
            try:
                payload = self.decrypt(p.subscription_id, p.body)
            except RequestRefused as exc:
                failed.append(
                    Rejection(p.subscription_id, exc.status, exc.reason, p.headers, p.received_at)
                )
            else:
                done.append(Delivery(p.subscription_id, payload, p.headers, p.received_at))
        with self._lock:
            self._deliveries.extend(done)
            self._rejections.extend(failed)

    # -- the endpoint

    async def _handle(self, request: web.Request) -> web.Response:
        now = self.clock()
        sub_id = request.match_info["id"]
        headers = {k.lower(): v for k, v in request.headers.items()}
        sub = self._subs.get(sub_id)
        if sub is None or sub.gone:
            return self._answer(sub_id, 404 if sub is None else 410, now)
        body = await request.read()
        rule = self._take_rule(sub_id)
        if rule is not None and rule.delay:
            await asyncio.sleep(rule.delay)
        try:
            check_protocol_headers(headers)
            if len(body) > MAX_BODY:
                raise RequestRefused(413, f"body of {len(body)} bytes exceeds {MAX_BODY}")
            k = self._check_vapid(headers.get("authorization", ""), now)
            if sub.server_key is not None and k != sub.server_key:
                raise RequestRefused(403, "the VAPID key is not the subscription's")
            payload = None
            if self.decrypt_mode == "inline":
                payload = decrypt_push(body, sub.private_key, sub.auth_secret)
        except RequestRefused as exc:
            with self._changed:
                self._rejections.append(Rejection(sub_id, exc.status, exc.reason, headers, now))
                self._attempts.append(Attempt(sub_id, exc.status, now))
                self._changed.notify_all()
            return web.Response(status=exc.status, text=exc.reason)
        if rule is not None and rule.status is not None:
            extra = {"Retry-After": rule.retry_after} if rule.retry_after is not None else {}
            return self._answer(sub_id, rule.status, now, extra, rule.text)
        with self._changed:
            if payload is None:
                self._pending.append(_Pending(sub_id, body, headers, now))
            else:
                self._deliveries.append(Delivery(sub_id, payload, headers, now))
            self._attempts.append(Attempt(sub_id, 201, now))
            self._changed.notify_all()
        message_id = secrets.token_urlsafe(8)
        return web.Response(status=201, headers={"Location": f"{self.url}/message/{message_id}"})

    def _answer(
        self,
        sub_id: str,
        status: int,
        now: float,
        headers: dict[str, str] | None = None,
        text: str | None = None,
    ) -> web.Response:
        with self._changed:
            self._attempts.append(Attempt(sub_id, status, now))
            self._changed.notify_all()
        if text is None:
            text = json.dumps({"code": status, "message": f"push double answers {status}"})
        return web.Response(status=status, text=text, headers=headers or {})

    def _check_vapid(self, authorization: str, now: float) -> str:
        token, k = parse_vapid(authorization)
        # A signature, once verified, stays verified: only the time-dependent claims are
        # checked again (the sender reuses one header per origin for hours).
        claims = self._verified.get((token, k))
        if claims is None:
            claims = _verify_jwt(token, k)
            if len(self._verified) > 1000:
                self._verified.clear()
            self._verified[(token, k)] = claims
        _check_claims(claims, self.origin, now)
        return k

    # -- in a child process

    @classmethod
    def spawn(cls, **kwargs: Any) -> RemotePushDouble:
        """Run a double in a child process (its own CPU and GIL); same methods."""
        return RemotePushDouble(kwargs)


def _serve_in_child(conn: Any, kwargs: dict[str, Any]) -> None:
    double = PushDouble(**kwargs).start()
    conn.send(double.url)
    try:
        while True:
            message = conn.recv()
            if message is None:
                break
            name, args, kw = message
            try:
                conn.send(("ok", getattr(double, name)(*args, **kw)))
            except BaseException as exc:
                conn.send(("error", exc))
    finally:
        double.stop()


@dataclass
class RemotePushDouble:
    """A ``PushDouble`` in a child process, driven over a pipe (used by the benchmark)."""

    kwargs: dict[str, Any]
    url: str = field(init=False, default="")

    def __post_init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve_in_child, args=(child, self.kwargs), name="push-double", daemon=True
        )
        self._process.start()
        if not self._conn.poll(30):
            self._process.kill()
            raise RuntimeError("push double process did not start")
        self.url = self._conn.recv()

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._conn.send((name, args, kwargs))
        status, value = self._conn.recv()
        if status == "error":
            raise value
        return value

    def subscribe(self) -> dict[str, Any]:
        return self._call("subscribe")

    def subscribe_many(self, count: int) -> list[dict[str, Any]]:
        return self._call("subscribe_many", count)

    def answer(self, status: int, **kwargs: Any) -> None:
        self._call("answer", status, **kwargs)

    def slow(self, seconds: float, **kwargs: Any) -> None:
        self._call("slow", seconds, **kwargs)

    def received(self, subscription_id: str | None = None) -> list[Delivery]:
        return self._call("received", subscription_id)

    def rejected(self) -> list[Rejection]:
        return self._call("rejected")

    def stats(self) -> dict[str, int]:
        return self._call("stats")

    def clear(self) -> None:
        self._call("clear")

    def wait_for(self, count: int, timeout: float = 5.0, **kwargs: Any) -> list[Delivery]:
        return self._call("wait_for", count, timeout, **kwargs)

    def stop(self) -> None:
        if self._process.is_alive():
            self._conn.send(None)
            self._process.join(10)
            if self._process.is_alive():
                self._process.kill()

    def __enter__(self) -> RemotePushDouble:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
