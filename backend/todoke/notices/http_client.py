"""A keep-alive HTTP/1.1 client for push services: POST one body, read one short answer.

Why our own and not aiohttp (which sent pushes before): a fan-out sends one shape of request
thousands of times a second to a handful of push services, and aiohttp's general machinery
(URL objects, multidicts, tracing hooks, a task per request) cost about 100 µs a request on
our 2-core machines, more than the RFC 8291 encryption itself (about 70 µs). Here a request
is one ``bytes`` written to a pooled connection, the answer is parsed by ``httptools``
(llhttp, Node.js's parser, in C) and a send is a future resolved from the protocol's
callbacks: no task per request. TLS is asyncio's (the default context checks the
certificate and the host name); an HTTP proxy is reached with ``CONNECT``.

What it does not do, because push services need none of it: redirects, cookies, request
pipelining, compression, HTTP/2. Concurrency is bounded per origin (``limit_per_host``
connections); callers bound how many sends they start (the delivery worker's batches).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import ssl
import time
from collections import deque
from urllib.parse import unquote, urlsplit

import httptools

_REASON_BYTES = 1200  # the start of an error body: enough for a reason, never all of it
_IDLE_SECONDS = 30.0  # an idle connection older than this is closed rather than reused
_TARGET = re.compile(r"/[!-~]*")  # a request target: visible ASCII, no spaces or CR/LF
_AUTHORITY_END = re.compile(r"[/?#]")
_HOST = re.compile(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]")


def split_url(url: str) -> tuple[str, str]:
    """``url``'s text before its path (a cheap per-origin key, not normalised: one dict
    look-up per send in a fan-out) and its request target (path and query, no fragment)."""
    cut = _AUTHORITY_END.search(url, url.find("//") + 2)
    if cut is None:
        return url, "/"
    target = url[cut.start() :].partition("#")[0]
    if not target.startswith("/"):  # "https://host?query"
        target = "/" + target
    return url[: cut.start()], target


class Answer:
    """What a push service answered. ``status`` 0: no answer (timeout, refused, closed)."""

    __slots__ = ("body", "reason", "retry_after", "status")

    def __init__(
        self, status: int, reason: str = "", retry_after: str | None = None, body: bytes = b""
    ) -> None:
        self.status = status
        self.reason = reason  # the status line's phrase, or why there was no answer
        self.retry_after = retry_after
        self.body = body  # at most _REASON_BYTES of it


class _Exchange:
    """One request and the future its answer resolves."""

    __slots__ = ("body", "deadline", "future", "request", "retry_after", "reused_retry")

    def __init__(self, request: bytes, future: asyncio.Future[Answer]) -> None:
        self.request = request
        self.future = future
        self.deadline = 0.0  # loop time by which the answer must have come
        self.retry_after: str | None = None
        self.body = b""
        self.reused_retry = False  # sent again once after a kept-alive connection closed

    def resolve(self, answer: Answer) -> None:
        if not self.future.done():
            self.future.set_result(answer)


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection to an origin, carrying one exchange at a time."""

    def __init__(self, origin: _Origin) -> None:
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.exchange: _Exchange | None = None
        self.answered = 0  # exchanges completed on this connection
        self.got_bytes = False  # any byte of the current answer arrived
        self.idle_since = 0.0
        self.closed = False
        self.reason_phrase = b""
        self.headers_done = False
        self.finished: bool | None = None  # an answer completed in this read: keep-alive?
        self.unasked = False  # the server sent an answer no request was waiting for
        self.joined = False  # became one of its origin's live connections
        # While a proxy tunnel is being set up: the proxy's answer so far and its waiter.
        self.tunnel: asyncio.Future[bytes] | None = None
        self.tunnel_buffer = b""

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.tunnel is not None:
            self._tunnel_data(data)
            return
        exchange = self.exchange
        if exchange is None:  # nothing was asked: a server speaking out of turn
            self.close()
            return
        self.got_bytes = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(f"malformed answer from the push service: {exc}")
            return
        except httptools.HttpParserUpgrade:
            self._fail("the push service asked to switch protocols")
            return
        # The connection takes its next request only once the whole read is parsed: an
        # answer nobody asked for in the same read must not become the next one's.
        keep_alive, self.finished = self.finished, None
        if keep_alive is None or self.closed:
            return
        if keep_alive and not self.unasked:
            self.origin.release(self)
        else:
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.tunnel is not None and not self.tunnel.done():
            self.tunnel.set_exception(ConnectionError("the proxy closed the connection"))
        exchange, self.exchange = self.exchange, None
        if self.joined:  # a connection that never carried anything is its opener's business
            self.origin.forget(self)
        if exchange is None:
            return
        if self.headers_done:
            # The status and headers came: that is the service's answer, whatever became of
            # the body (one without a length ends with the connection, RFC 9112 §6.3).
            self._answer(exchange)
            return
        if self.origin.client.closed:
            exchange.resolve(Answer(0, "the sender was closed"))
            return
        if self.answered and not self.got_bytes and not exchange.reused_retry:
            # A kept-alive connection the server closed as we wrote to it: the request was
            # not read, so send it once more on a fresh connection (as browsers do).
            exchange.reused_retry = True
            self.origin.submit(exchange)
            return
        why = "connection closed before the answer"
        if exc is not None:
            why = f"{why}: {type(exc).__name__}: {exc}".rstrip(": ")
        exchange.resolve(Answer(0, why))

    # -- httptools callbacks

    def on_message_begin(self) -> None:
        self.reason_phrase = b""
        self.headers_done = False
        if self.exchange is None:  # a second answer to one request
            self.unasked = True

    def on_headers_complete(self) -> None:
        self.headers_done = True

    def on_status(self, status: bytes) -> None:
        self.reason_phrase += status

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) == 11 and name.lower() == b"retry-after" and self.exchange is not None:
            self.exchange.retry_after = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        exchange = self.exchange
        if exchange is not None and len(exchange.body) < _REASON_BYTES:
            exchange.body += body[: _REASON_BYTES - len(exchange.body)]

    def on_message_complete(self) -> None:
        exchange, self.exchange = self.exchange, None
        if exchange is None:
            return
        status = self.parser.get_status_code()
        if 100 <= status < 200:  # an interim answer: the real one follows
            self.exchange = exchange
            return
        self._answer(exchange)
        self.finished = self.parser.should_keep_alive()

    def _answer(self, exchange: _Exchange) -> None:
        self.answered += 1
        self.got_bytes = self.headers_done = False
        reason = self.reason_phrase.decode("latin-1")
        exchange.resolve(
            Answer(self.parser.get_status_code(), reason, exchange.retry_after, exchange.body)
        )

    # -- use

    def start(self, exchange: _Exchange) -> None:
        """Write ``exchange``'s request; its timeout runs from now."""
        self.exchange = exchange
        self.got_bytes = False
        exchange.deadline = self.origin.client.watch(exchange.future.get_loop())
        assert self.transport is not None
        self.transport.write(exchange.request)

    def time_out(self) -> None:
        if self.exchange is not None:
            self._fail(f"TimeoutError: no answer within {self.origin.client.timeout:g} s")

    def _fail(self, why: str) -> None:
        exchange, self.exchange = self.exchange, None
        if exchange is not None:
            exchange.resolve(Answer(0, why))
        self.close()

    def usable(self, now: float) -> bool:
        return not self.closed and now - self.idle_since < _IDLE_SECONDS

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.abort()
            if self.joined:
                self.origin.forget(self)

    # -- proxy tunnel

    def _tunnel_data(self, data: bytes) -> None:
        assert self.tunnel is not None
        self.tunnel_buffer += data
        end = self.tunnel_buffer.find(b"\r\n\r\n")
        if end >= 0 and not self.tunnel.done():
            self.tunnel.set_result(self.tunnel_buffer[:end])
        elif len(self.tunnel_buffer) > 16384 and not self.tunnel.done():
            self.tunnel.set_exception(ConnectionError("the proxy's answer is too long"))


class _Origin:
    """The connections to one ``scheme://host:port`` and the requests waiting for one."""

    def __init__(self, client: PushHttpClient, tls: bool, host: str, port: int) -> None:
        self.client = client
        self.tls = tls
        self.host = host
        self.port = port
        name = f"[{host}]" if ":" in host else host
        # Host header: the port only when it is not the scheme's; CONNECT: always.
        self.host_header = name if port == (443 if tls else 80) else f"{name}:{port}"
        self.authority = f"{name}:{port}"
        self.idle: list[_Connection] = []
        self.live: set[_Connection] = set()
        self.opening = 0
        self.waiting: deque[_Exchange] = deque()

    def submit(self, exchange: _Exchange) -> None:
        now = time.monotonic()
        while self.idle:
            connection = self.idle.pop()  # the most recently used: least likely closed
            if connection.usable(now):
                connection.start(exchange)
                return
            connection.close()
        self.waiting.append(exchange)
        self._open_if_needed()

    def release(self, connection: _Connection) -> None:
        """``connection`` finished an exchange: give it the next waiting one, or park it."""
        while self.waiting:
            exchange = self.waiting.popleft()
            if not exchange.future.done():
                connection.start(exchange)
                return
        connection.idle_since = time.monotonic()
        self.idle.append(connection)

    def forget(self, connection: _Connection) -> None:
        self.live.discard(connection)
        with contextlib.suppress(ValueError):
            self.idle.remove(connection)
        if self.waiting and not self.client.closed:
            self._open_if_needed()

    def _open_if_needed(self) -> None:
        wanted = min(len(self.waiting), self.client.limit_per_host - len(self.live))
        for _ in range(wanted - self.opening):
            self.opening += 1
            task = asyncio.get_running_loop().create_task(self._open())
            self.client.tasks.add(task)
            task.add_done_callback(self.client.tasks.discard)

    async def _open(self) -> None:
        connection = _Connection(self)
        try:
            async with asyncio.timeout(self.client.connect_timeout):
                await self.client.connect(connection, self)
            if connection.closed:
                raise ConnectionError("the connection closed while it was being set up")
        except (OSError, TimeoutError, ssl.SSLError, ValueError) as exc:
            self.opening -= 1
            connection.close()
            text = str(exc) or f"no connection within {self.client.connect_timeout:g} s"
            why = f"{type(exc).__name__}: {text}"
            if not self.live and not self.opening:
                # Nothing can carry what waits: every waiting send fails now (and is
                # retried later by the worker) rather than hanging.
                waiting, self.waiting = self.waiting, deque()
                for exchange in waiting:
                    exchange.resolve(Answer(0, why))
            return
        except BaseException:
            self.opening -= 1
            connection.close()
            raise
        self.opening -= 1
        if self.client.closed:
            connection.close()
            return
        connection.joined = True
        self.live.add(connection)
        self.release(connection)


class PushHttpClient:
    """POSTs to push services over kept-alive connections, ``limit_per_host`` per origin.

    ``post(url, headers, body)`` answers an ``Answer`` and never raises for what the network
    or the service did (status 0 and the reason instead); ``ValueError`` for a URL that is
    not one we would send to. ``timeout`` bounds one exchange from the moment its request is
    written (waiting for a free connection is not counted); ``connect_timeout`` bounds the
    TCP, proxy and TLS set-up. ``proxy`` is ``http://[user:password@]host:port``.
    """

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        limit_per_host: int = 100,
        proxy: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = "Todoke-WebPush/1",
    ) -> None:
        if limit_per_host < 1 or timeout <= 0 or connect_timeout <= 0:
            raise ValueError("limits and timeouts must be positive")
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.limit_per_host = limit_per_host
        self.proxy = _parse_proxy(proxy) if proxy else None
        self._ssl_context = ssl_context  # the default one is made at the first TLS connect
        self._user_agent = user_agent
        self._origins: dict[str, _Origin] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.closed = False
        # One timer for all exchanges rather than one each (a timer per request cost more
        # than parsing its answer): it looks for overdue ones a few times per timeout.
        self._sweeper: asyncio.TimerHandle | None = None
        self._sweep_every = min(1.0, timeout / 4)

    def watch(self, loop: asyncio.AbstractEventLoop) -> float:
        """The deadline of an exchange starting now; makes sure the sweeper runs."""
        if self._sweeper is None:
            self._sweeper = loop.call_later(self._sweep_every, self._sweep, loop)
        return loop.time() + self.timeout

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        self._sweeper = None
        now = loop.time()
        busy = False
        for origin in list(self._origins.values()):
            for connection in list(origin.live):
                exchange = connection.exchange
                if exchange is None:
                    continue
                if exchange.deadline <= now:
                    connection.time_out()
                else:
                    busy = True
        if busy and not self.closed:
            self._sweeper = loop.call_later(self._sweep_every, self._sweep, loop)

    def origin_of(self, url: str) -> tuple[_Origin, str]:
        """The pool for ``url``'s origin and the request target (path and query)."""
        key, target = split_url(url)
        origin = self._origins.get(key)
        if origin is None:
            origin = self._new_origin(key)
        if not _TARGET.fullmatch(target):
            raise ValueError("the push endpoint's path has characters HTTP does not allow")
        return origin, target

    def _new_origin(self, key: str) -> _Origin:
        parts = urlsplit(key)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {key!r}")
        if parts.username is not None or parts.password is not None:
            raise ValueError("a push endpoint carries no user name or password")
        host = parts.hostname
        if not _HOST.fullmatch(host if ":" not in host else f"[{host}]"):
            raise ValueError("the push endpoint's host is not an ASCII host name")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise ValueError("the push endpoint's port is not a number") from exc
        if len(self._origins) >= 1000:
            # Endpoints come from browsers: drop origins no longer in use, never grow unbounded.
            for stale_key in [k for k, o in self._origins.items() if not o.live and not o.waiting]:
                del self._origins[stale_key]
        origin = self._origins[key] = _Origin(self, parts.scheme == "https", host, port)
        return origin

    def post(self, url: str, headers: str, body: bytes) -> asyncio.Future[Answer]:
        """Send ``body`` to ``url``; a future of the answer. ``headers`` are ready-made
        ``Name: value\\r\\n`` lines (the caller checked their values)."""
        if self.closed:
            raise RuntimeError("the push HTTP client is closed")
        origin, target = self.origin_of(url)
        request = (
            f"POST {target} HTTP/1.1\r\nHost: {origin.host_header}\r\n"
            f"User-Agent: {self._user_agent}\r\n{headers}Content-Length: {len(body)}\r\n\r\n"
        ).encode("latin-1") + body
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        origin.submit(_Exchange(request, future))
        return future

    @property
    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    async def connect(self, connection: _Connection, origin: _Origin) -> None:
        loop = asyncio.get_running_loop()
        if self.proxy is None:
            await loop.create_connection(
                lambda: connection,
                origin.host,
                origin.port,
                ssl=self.ssl_context if origin.tls else None,
                server_hostname=origin.host if origin.tls else None,
            )
            return
        proxy_host, proxy_port, authorization = self.proxy
        await loop.create_connection(lambda: connection, proxy_host, proxy_port)
        authority = origin.authority
        connect = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{authorization}\r\n"
        connection.tunnel = loop.create_future()
        assert connection.transport is not None
        connection.transport.write(connect.encode("latin-1"))
        head = await connection.tunnel
        connection.tunnel = None
        status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        if not re.fullmatch(r"HTTP/1\.[01] 2[0-9][0-9]( .*)?", status_line):
            raise OSError(f"the proxy refused the tunnel: {status_line[:100]}")
        if origin.tls:
            transport = await loop.start_tls(
                connection.transport,
                connection,
                self.ssl_context,
                server_hostname=origin.host,
            )
            if transport is None:
                raise OSError("TLS through the proxy did not start")
            connection.transport = transport

    async def close(self) -> None:
        """Close every connection; sends still waiting get status 0."""
        self.closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for task in list(self.tasks):
            task.cancel()
        for origin in self._origins.values():
            waiting, origin.waiting = origin.waiting, deque()
            for exchange in waiting:
                exchange.resolve(Answer(0, "the sender was closed"))
            for connection in [*origin.live]:
                connection.close()
        self._origins.clear()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    def connections(self) -> int:
        """Open connections, all origins (for tests and operators)."""
        return sum(len(o.live) for o in self._origins.values())


def _parse_proxy(proxy: str) -> tuple[str, int, str]:
    """``http://[user:password@]host:port`` → host, port and a Proxy-Authorization line."""
    parts = urlsplit(proxy)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"the push proxy must be http://host:port, not {proxy!r}")
    try:
        port = parts.port or 80
    except ValueError as exc:
        raise ValueError("the push proxy's port is not a number") from exc
    authorization = ""
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        authorization = f"Proxy-Authorization: Basic {base64.b64encode(pair).decode()}\r\n"
    return parts.hostname, port, authorization
