"""The edge of every HTTP exchange: the client's address, request ids, security headers,
``Cache-Control`` and access logs.

One plain ASGI middleware rather than several, because it sits on every request's path.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import time
from typing import Any

import msgspec

from todoke.web.forwarded import ClientResolver

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_logger = logging.getLogger("todoke.access")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The API explorer page at /schema ships Swagger UI, whose page boots with one inline script.
SCHEMA_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' 'unsafe-inline'"
).replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def current_request_id() -> str:
    return _request_id.get()


def _headers(schema_page: bool, https: bool) -> list[tuple[bytes, bytes]]:
    policy = SCHEMA_CONTENT_SECURITY_POLICY if schema_page else CONTENT_SECURITY_POLICY
    headers = [
        (b"content-security-policy", policy.encode()),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    if https:
        headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
    return headers


# A script, stylesheet or dictionary of the app is never a document: the headers that only a
# document obeys (CSP, frame and opener policies, permissions) would be ~420 bytes on each
# of the 25–30 files of a first load, a tenth of its budget. SVG (a document when opened on
# its own) and everything else keep the full set.
_SUBRESOURCE = re.compile(r"^/assets/[^/]+/.+\.(?:js|css|json|png|woff2)$")
_SUBRESOURCE_HEADERS = (b"referrer-policy", b"x-content-type-options", b"strict-transport-security")


class EdgeMiddleware:
    def __init__(self, app: Any, *, https: bool, clients: ClientResolver | None = None) -> None:
        self.app = app
        self.https = https
        self.clients = clients or ClientResolver(())
        self._plain = _headers(False, https)
        self._schema = _headers(True, https)
        self._subresource = [h for h in self._plain if h[0] in _SUBRESOURCE_HEADERS]
        self._allow: list[tuple[re.Pattern[str], str]] = []

    def learn_routes(self, routes: list[tuple[str, set[str]]]) -> None:
        """Answer OPTIONS from the full method set of each path. (Litestar's automatic
        OPTIONS lists only the first handler's methods when a controller has several.)"""
        merged: dict[str, set[str]] = {}
        for path_format, methods in routes:
            merged.setdefault(path_format, set()).update(methods)
        # Like the router: a literal path (/procedures/preview) wins over a template that
        # also matches it (/procedures/{slug}), so literal paths are tried first.
        for path_format, methods in sorted(merged.items(), key=lambda item: "{" in item[0]):
            pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path_format))
            allowed = {*methods, "OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
            self._allow.append((re.compile(f"^{pattern}$"), ", ".join(sorted(allowed))))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Resolved once, here, so everything after keys on the same client address.
        client, scheme = self.clients.resolve(scope)
        peer = scope.get("client")
        port = peer[1] if peer and peer[0] == client else 0
        scope = {**scope, "client": (client, port), "scheme": scheme or scope.get("scheme", "http")}
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else None
        request_id = request_id or secrets.token_hex(8)
        token = _request_id.set(request_id)
        path: str = scope.get("path", "")
        if _SUBRESOURCE.match(path):
            extra = self._subresource
        else:
            extra = self._schema if path.startswith("/schema") else self._plain
        # API answers carry personal data: no browser or proxy cache keeps them unless the
        # route itself said otherwise (the few public catalogue routes set Cache-Control).
        no_store = path.startswith("/api/")
        https = self.https or scope.get("scheme") == "https"
        if https and not self.https:
            extra = [*extra, (b"strict-transport-security", b"max-age=63072000; includeSubDomains")]
        if scope.get("method") == "OPTIONS":
            allow = next((a for p, a in self._allow if p.match(path)), None)
            if allow is not None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 204,
                        "headers": [
                            (b"allow", allow.encode()),
                            *extra,
                            (b"x-request-id", request_id.encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                _request_id.reset(token)
                return
        started = time.perf_counter()
        status_holder = [0]
        # HEAD is GET without the body (RFC 9110), for every GET route at once.
        head = scope.get("method") == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                headers = message.get("headers", [])
                if no_store and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers = [*headers, (b"cache-control", b"no-store")]
                message["headers"] = [
                    *headers,
                    *extra,
                    (b"x-request-id", request_id.encode()),
                ]
            elif head and message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if access_logger.isEnabledFor(logging.INFO):
                access_logger.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": path,
                        "status": status_holder[0],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            _request_id.reset(token)


def _header(scope: Any, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id of the exchange being served."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = _request_id.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RESERVED:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return msgspec.json.encode(entry, enc_hook=str).decode()


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("uvicorn.error").handlers[:] = []
