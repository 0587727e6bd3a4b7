"""PushHttpClient against bare asyncio servers: keep-alive, limits, answer framing, hostile
servers, refused URLs, a CONNECT proxy, TLS and closing.

The servers here are raw sockets, so what the client writes is checked byte for byte and
what it reads can be anything, including what no real HTTP library would send.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import ipaddress
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from todoke.notices.http_client import Answer, PushHttpClient

CREATED = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
HEADERS = "TTL: 60\r\nContent-Encoding: aes128gcm\r\n"


# --- a raw HTTP/1.1 server --------------------------------------------------------------


@dataclass
class Request:
    """One request a raw server read, and the number of the connection it came on."""

    head: bytes
    body: bytes
    connection: int

    @property
    def line(self) -> str:
        return self.head.split(b"\r\n", 1)[0].decode("latin-1")

    def header(self, name: str) -> str | None:
        for line in self.head.decode("latin-1").split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == name.lower():
                return value.strip()
        return None


# Writes an answer (or not); False closes the connection afterwards.
Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[bool]]


def answer_with(data: bytes = CREATED, *, keep_open: bool = True, delay: float = 0.0) -> Handler:
    async def handler(request: Request, writer: asyncio.StreamWriter) -> bool:
        if delay:
            await asyncio.sleep(delay)
        writer.write(data)
        return keep_open

    return handler


async def never_answer(request: Request, writer: asyncio.StreamWriter) -> bool:
    return True


class RawServer:
    """Reads requests (head up to a blank line, then Content-Length bytes) and lets a
    handler answer each; counts connections, open and at most open at once."""

    def __init__(
        self, handler: Handler, tls: ssl.SSLContext | None, close_when_reused: bool, bind: str
    ) -> None:
        self.handler = handler
        self.tls = tls
        self.bind = bind
        # After one answer on a connection, close it as soon as more bytes arrive, unread:
        # a server whose idle timer fired just as the next request came in.
        self.close_when_reused = close_when_reused
        self.requests: list[Request] = []
        self.connections = 0
        self.open_now = 0
        self.most_open = 0
        self.port = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.bind, 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]

    def url(self, path: str = "/push/x", host: str | None = None) -> str:
        host = host or (f"[{self.bind}]" if ":" in self.bind else self.bind)
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}{path}"

    def bodies(self) -> list[bytes]:
        return [r.body for r in self.requests]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        number = self.connections
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        answered = 0
        try:
            while True:
                if self.close_when_reused and answered:
                    await reader.read(1)
                    break
                head = await reader.readuntil(b"\r\n\r\n")
                request = Request(head, b"", number)
                request.body = await reader.readexactly(int(request.header("Content-Length") or 0))
                self.requests.append(request)
                keep_open = await self.handler(request, writer)
                await writer.drain()
                answered += 1
                if not keep_open:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        except asyncio.CancelledError:
            pass  # close() below: ending quietly keeps asyncio from logging it
        finally:
            self.open_now -= 1
            writer.close()
            self._tasks.discard(task)

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()


# --- a CONNECT proxy --------------------------------------------------------------------


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


class ConnectProxy:
    """Records each CONNECT head, then tunnels to its target (or answers ``refuse``: to the
    first at once, to the others after ``slow_after_first`` seconds)."""

    def __init__(self, refuse: bytes | None, slow_after_first: float) -> None:
        self.refuse = refuse
        self.slow_after_first = slow_after_first
        self.heads: list[str] = []
        self.port = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def url(self, credentials: str = "") -> str:
        return f"http://{credentials}127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        upstream: asyncio.StreamWriter | None = None
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            self.heads.append(head)
            if self.refuse is not None:
                if len(self.heads) > 1:
                    await asyncio.sleep(self.slow_after_first)
                writer.write(self.refuse)
                await writer.drain()
                return
            host, _, port = head.split(" ")[1].rpartition(":")
            up_reader, upstream = await asyncio.open_connection(host, int(port))
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await asyncio.gather(_pipe(reader, upstream), _pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            if upstream is not None:
                upstream.close()
            self._tasks.discard(task)

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()


# --- fixtures ---------------------------------------------------------------------------


ServerFactory = Callable[..., Awaitable[RawServer]]
ProxyFactory = Callable[..., Awaitable[ConnectProxy]]
ClientFactory = Callable[..., PushHttpClient]


@pytest.fixture
async def serve() -> AsyncIterator[ServerFactory]:
    servers: list[RawServer] = []

    async def start(
        handler: Handler | None = None,
        *,
        tls: ssl.SSLContext | None = None,
        close_when_reused: bool = False,
        bind: str = "127.0.0.1",
    ) -> RawServer:
        server = RawServer(handler or answer_with(), tls, close_when_reused, bind)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()


@pytest.fixture
async def proxies() -> AsyncIterator[ProxyFactory]:
    made: list[ConnectProxy] = []

    async def start(refuse: bytes | None = None, slow_after_first: float = 0.0) -> ConnectProxy:
        proxy = ConnectProxy(refuse, slow_after_first)
        await proxy.start()
        made.append(proxy)
        return proxy

    yield start
    for proxy in made:
        await proxy.close()


@pytest.fixture
async def clients() -> AsyncIterator[ClientFactory]:
    made: list[PushHttpClient] = []

    def make(**options: Any) -> PushHttpClient:
        # Short defaults: a test that would hang fails in seconds instead.
        client = PushHttpClient(**{"timeout": 2.0, "connect_timeout": 2.0, **options})
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1: (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def trusting(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on return: nothing listens there


async def until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def post(client: PushHttpClient, url: str, body: bytes) -> Answer:
    # Bounded, so that a client that hangs fails its test rather than the whole run.
    return await asyncio.wait_for(client.post(url, HEADERS, body), timeout=5)


async def post_all(client: PushHttpClient, url: str, bodies: list[bytes]) -> list[Answer]:
    return await asyncio.wait_for(
        asyncio.gather(*(client.post(url, HEADERS, b) for b in bodies)), timeout=5
    )


# --- keep-alive and limits --------------------------------------------------------------


async def test_sequential_posts_reuse_one_kept_alive_connection(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    server = await serve()
    client = clients()
    bodies = [f"message {i}".encode() for i in range(20)]
    statuses = [(await post(client, server.url(), b)).status for b in bodies]
    assert statuses == [201] * 20
    assert server.connections == 1
    assert client.connections() == 1
    assert server.bodies() == bodies


async def test_the_request_is_written_byte_for_byte(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    server = await serve()
    client = clients(user_agent="Todoke-Test/2")
    body = b"\x00\x01\xfe\xffabc\r\n\r\n"
    answer = await post(client, server.url("/push/abc?x=1"), body)
    assert (answer.status, answer.reason) == (201, "Created")
    [request] = server.requests
    assert (
        request.head
        == (
            f"POST /push/abc?x=1 HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"User-Agent: Todoke-Test/2\r\nTTL: 60\r\nContent-Encoding: aes128gcm\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
    )
    assert request.body == body


async def test_concurrent_posts_use_at_most_limit_per_host_connections(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    server = await serve(answer_with(delay=0.02))
    client = clients(limit_per_host=4)
    bodies = [f"{i}".encode() for i in range(30)]
    answers = await post_all(client, server.url(), bodies)
    assert [a.status for a in answers] == [201] * 30
    assert server.most_open == 4  # never more, and the limit was used
    assert server.connections == 4
    assert sorted(server.bodies()) == sorted(bodies)


async def test_time_waiting_for_a_free_connection_is_not_counted_in_the_timeout(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    server = await serve(answer_with(delay=0.15))
    client = clients(limit_per_host=1, timeout=0.3)
    answers = await post_all(client, server.url(), [b"a", b"b", b"c"])
    # The third waited 0.3 s for the connection, then 0.15 s for its answer.
    assert [a.status for a in answers] == [201, 201, 201]


async def test_a_kept_alive_connection_closed_as_a_request_arrives_sends_it_again_once(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    server = await serve(close_when_reused=True)
    client = clients()
    answers = [await post(client, server.url(), b) for b in (b"one", b"two", b"three")]
    assert [a.status for a in answers] == [201, 201, 201]
    assert server.bodies() == [b"one", b"two", b"three"]
    assert [r.connection for r in server.requests] == [1, 2, 3]


@pytest.mark.parametrize("pause", [0.0, 0.1])
async def test_a_connection_closed_after_its_answer_is_not_a_failure(
    serve: ServerFactory, clients: ClientFactory, pause: float
) -> None:
    # The server closes after answering without saying "Connection: close".
    server = await serve(answer_with(keep_open=False))
    client = clients()
    answers: list[Answer] = []
    for body in (b"one", b"two", b"three"):
        answers.append(await post(client, server.url(), body))
        await asyncio.sleep(pause)
    assert [a.status for a in answers] == [201, 201, 201]
    assert server.bodies() == [b"one", b"two", b"three"]
    assert server.connections == 3


# --- answer framing ---------------------------------------------------------------------


async def test_a_chunked_error_answer_is_read_whole_and_its_connection_kept(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    chunked = (
        b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    server = await serve(answer_with(chunked))
    client = clients()
    first = await post(client, server.url(), b"a")
    second = await post(client, server.url(), b"b")
    assert (first.status, first.reason, first.body) == (400, "Bad Request", b"hello world")
    assert (second.status, second.body) == (400, b"hello world")
    assert server.connections == 1


async def test_an_answer_without_a_length_ends_when_the_connection_closes(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    server = await serve(
        answer_with(b"HTTP/1.1 503 Service Unavailable\r\n\r\nback later", keep_open=False)
    )
    client = clients()
    answer = await post(client, server.url(), b"a")
    assert (answer.status, answer.reason, answer.body) == (
        503,
        "Service Unavailable",
        b"back later",
    )


async def test_connection_close_in_an_answer_makes_the_next_post_open_a_new_connection(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    # The server leaves its side open: only the header tells the client not to reuse it.
    server = await serve(
        answer_with(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    )
    client = clients()
    answers = [await post(client, server.url(), b) for b in (b"a", b"b")]
    assert [a.status for a in answers] == [201, 201]
    assert [r.connection for r in server.requests] == [1, 2]


@pytest.mark.parametrize("value", ["120", "Wed, 21 Oct 2015 07:28:00 GMT"])
async def test_retry_after_is_given_raw(
    serve: ServerFactory, clients: ClientFactory, value: str
) -> None:
    answers = iter(
        [
            f"HTTP/1.1 429 Too Many Requests\r\nretry-AFTER: {value}\r\n"
            "Content-Length: 4\r\n\r\nslow".encode(),
            CREATED,
        ]
    )

    async def handler(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(next(answers))
        return True

    server = await serve(handler)
    client = clients()
    limited = await post(client, server.url(), b"a")
    assert (limited.status, limited.retry_after, limited.body) == (429, value, b"slow")
    # The next answer on the same connection has none of its own.
    created = await post(client, server.url(), b"b")
    assert (created.status, created.retry_after, created.body) == (201, None, b"")
    assert server.connections == 1


async def test_a_long_body_is_cut_to_1200_bytes_and_its_connection_kept(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    long_body = bytes(range(256)) * 20
    server = await serve(
        answer_with(b"HTTP/1.1 413 Too Large\r\nContent-Length: 5120\r\n\r\n" + long_body)
    )
    client = clients()
    first = await post(client, server.url(), b"a")
    second = await post(client, server.url(), b"b")
    assert (first.status, first.body) == (413, long_body[:1200])
    assert (second.status, second.body) == (413, long_body[:1200])
    assert server.connections == 1


async def test_an_interim_100_continue_is_passed_over(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    server = await serve(answer_with(b"HTTP/1.1 100 Continue\r\n\r\n" + CREATED))
    client = clients()
    answers = [await post(client, server.url(), b) for b in (b"a", b"b")]
    assert [(a.status, a.reason) for a in answers] == [(201, "Created")] * 2


async def test_a_url_without_a_path_posts_to_the_root(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    server = await serve()
    client = clients()
    assert (await post(client, server.url(path=""), b"a")).status == 201
    assert server.requests[0].line == "POST / HTTP/1.1"


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("?x=1", "POST /?x=1 HTTP/1.1"),
        ("/push/a?b=c#fragment", "POST /push/a?b=c HTTP/1.1"),
        ("#fragment", "POST / HTTP/1.1"),
    ],
)
async def test_the_query_is_sent_and_the_fragment_is_not(
    serve: ServerFactory, clients: ClientFactory, path: str, line: str
) -> None:
    server = await serve()
    client = clients()
    assert (await post(client, server.url(path=path), b"a")).status == 201
    assert server.requests[0].line == line


async def test_an_ipv6_literal_is_bracketed_in_the_host_header(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    try:
        server = await serve(bind="::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    client = clients()
    assert (await post(client, server.url(), b"a")).status == 201
    assert server.requests[0].header("Host") == f"[::1]:{server.port}"


# --- hostile servers and failures -------------------------------------------------------


async def test_an_extra_answer_in_the_same_read_is_not_given_to_the_next_request(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    gone = b"HTTP/1.1 410 Gone\r\nContent-Length: 0\r\n\r\n"

    async def two_answers_to_the_first(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(CREATED + gone if request.body == b"first" else CREATED)
        return True

    server = await serve(two_answers_to_the_first)
    client = clients(limit_per_host=1)
    first, second = await post_all(client, server.url(), [b"first", b"second"])
    assert first.status == 201
    # Both bytes arrived before "second" was written: that 410 cannot be its answer.
    assert second.status in (0, 201)


async def test_garbage_instead_of_http_is_no_answer(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    server = await serve(answer_with(b"hello\r\n\r\n"))
    client = clients()
    answer = await post(client, server.url(), b"a")
    assert answer.status == 0
    assert "malformed" in answer.reason


async def test_a_connection_closed_in_the_middle_of_the_headers_is_no_answer(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    server = await serve(answer_with(b"HTTP/1.1 201 Created\r\nContent-Le", keep_open=False))
    client = clients()
    answer = await post(client, server.url(), b"a")
    assert answer.status == 0
    assert "closed" in answer.reason
    assert len(server.requests) == 1  # not sent again: the server had begun to answer


async def test_a_server_that_never_answers_times_out(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    server = await serve(never_answer)
    client = clients(timeout=0.3)
    started = time.monotonic()
    answer = await post(client, server.url(), b"a")
    elapsed = time.monotonic() - started
    assert answer.status == 0
    assert "Timeout" in answer.reason
    assert 0.25 <= elapsed < 2


async def test_nothing_listening_fails_every_concurrent_post_promptly(
    clients: ClientFactory,
) -> None:
    client = clients(limit_per_host=2)
    started = time.monotonic()
    answers = await post_all(client, f"http://127.0.0.1:{free_port()}/push/x", [b"x"] * 6)
    assert time.monotonic() - started < 1
    assert [a.status for a in answers] == [0] * 6
    assert all(a.reason for a in answers)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/push/a b",
        "http://127.0.0.1:{port}/push/a\r\nX-Injected: 1",
        "http://127.0.0.1:{port}/push/a\nb",
        "http://u:p@127.0.0.1:{port}/push/x",
        "http://u@127.0.0.1:{port}/push/x",
        "ftp://127.0.0.1:{port}/push/x",
        "ws://127.0.0.1:{port}/push/x",
        "http://例え.テスト:{port}/push/x",
        "http://bücher.example:{port}/push/x",
        "http://127.0.0.1:port/push/x",
        "/push/x",
    ],
)
async def test_urls_http_cannot_carry_are_refused_before_sending(
    serve: ServerFactory, clients: ClientFactory, url: str
) -> None:
    server = await serve()
    client = clients()
    with pytest.raises(ValueError):
        client.post(url.replace("{port}", str(server.port)), HEADERS, b"a")
    # The client still works, and nothing reached the server before.
    assert server.connections == 0
    assert (await post(client, server.url(), b"b")).status == 201
    assert server.bodies() == [b"b"]


# --- proxy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credentials", "pair"),
    [("user:secret@", b"user:secret"), ("a%40b:p%3Aw@", b"a@b:p:w")],
)
async def test_posts_go_through_a_connect_proxy_with_basic_credentials(
    serve: ServerFactory,
    proxies: ProxyFactory,
    clients: ClientFactory,
    credentials: str,
    pair: bytes,
) -> None:
    server = await serve()
    proxy = await proxies()
    client = clients(proxy=proxy.url(credentials))
    answers = [await post(client, server.url("/push/p"), b) for b in (b"a", b"b")]
    assert [a.status for a in answers] == [201, 201]
    [head] = proxy.heads  # one tunnel, kept alive for both
    lines = head.split("\r\n")
    assert lines[0] == f"CONNECT 127.0.0.1:{server.port} HTTP/1.1"
    assert f"Proxy-Authorization: Basic {base64.b64encode(pair).decode()}" in lines
    assert [r.line for r in server.requests] == ["POST /push/p HTTP/1.1"] * 2
    assert server.requests[0].header("Host") == f"127.0.0.1:{server.port}"
    assert server.requests[0].header("Proxy-Authorization") is None


async def test_a_proxy_without_credentials_sends_no_authorization(
    serve: ServerFactory, proxies: ProxyFactory, clients: ClientFactory
) -> None:
    server = await serve()
    proxy = await proxies()
    client = clients(proxy=proxy.url())
    assert (await post(client, server.url(), b"a")).status == 201
    assert "proxy-authorization" not in proxy.heads[0].lower()


async def test_a_proxy_refusing_the_tunnel_is_no_answer(
    serve: ServerFactory, proxies: ProxyFactory, clients: ClientFactory
) -> None:
    server = await serve()
    proxy = await proxies(refuse=b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
    client = clients(proxy=proxy.url())
    answer = await post(client, server.url(), b"a")
    assert answer.status == 0
    assert "proxy refused" in answer.reason
    assert "403" in answer.reason
    assert server.connections == 0


async def test_a_proxy_refusing_the_tunnel_is_not_asked_again_while_sends_wait(
    serve: ServerFactory, proxies: ProxyFactory, clients: ClientFactory
) -> None:
    server = await serve()
    proxy = await proxies(
        refuse=b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
        slow_after_first=0.3,
    )
    client = clients(proxy=proxy.url("user:wrong@"), limit_per_host=2)
    answers = await post_all(client, server.url(), [b"x"] * 4)
    assert [a.status for a in answers] == [0] * 4
    assert all("proxy refused" in a.reason for a in answers)
    # Two tunnels were allowed and both refused; asking again fixes nothing (the worker
    # retries later), and repeating it in a loop hammers the proxy.
    assert len(proxy.heads) <= 2
    assert server.connections == 0


async def test_a_proxy_that_never_answers_connect_fails_after_connect_timeout(
    clients: ClientFactory,
) -> None:
    # A listener that never accepts: TCP connects (the backlog), the CONNECT goes unanswered.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        client = clients(
            proxy=f"http://127.0.0.1:{silent.getsockname()[1]}",
            connect_timeout=0.2,
            limit_per_host=1,
        )
        started = time.monotonic()
        answers = await post_all(client, "http://127.0.0.1:9/x", [b"x"] * 4)
        elapsed = time.monotonic() - started
    assert [a.status for a in answers] == [0] * 4
    assert all("no connection within 0.2 s" in a.reason for a in answers)
    assert 0.15 <= elapsed < 1.5


@pytest.mark.parametrize(
    "proxy", ["socks5://x:1", "https://proxy.example:3128", "http://x:port", "http://:3128"]
)
def test_an_invalid_proxy_url_is_refused_at_construction(proxy: str) -> None:
    with pytest.raises(ValueError):
        PushHttpClient(proxy=proxy)


# --- TLS --------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
async def test_tls_to_a_trusted_certificate(
    serve: ServerFactory,
    clients: ClientFactory,
    server_tls: ssl.SSLContext,
    trusting: ssl.SSLContext,
    host: str,
) -> None:
    server = await serve(tls=server_tls)
    client = clients(ssl_context=trusting)
    answers = [await post(client, server.url(host=host), b) for b in (b"a", b"b")]
    assert [a.status for a in answers] == [201, 201]
    assert server.bodies() == [b"a", b"b"]
    assert server.connections == 1
    assert server.requests[0].header("Host") == f"{host}:{server.port}"


async def test_tls_to_an_untrusted_certificate_is_no_answer(
    serve: ServerFactory, clients: ClientFactory, server_tls: ssl.SSLContext
) -> None:
    server = await serve(tls=server_tls)
    client = clients()  # the default context: the system's certificate authorities
    answer = await post(client, server.url(host="localhost"), b"a")
    assert answer.status == 0
    assert "SSLCertVerificationError" in answer.reason
    assert server.requests == []


async def test_tls_checks_the_host_name(
    serve: ServerFactory,
    clients: ClientFactory,
    server_tls: ssl.SSLContext,
    trusting: ssl.SSLContext,
) -> None:
    # The certificate names localhost and 127.0.0.1, not 127.0.0.2 (which is still us).
    server = await serve(tls=server_tls, bind="127.0.0.2")
    client = clients(ssl_context=trusting)
    answer = await post(client, server.url(), b"a")
    assert answer.status == 0
    assert "SSLCertVerificationError" in answer.reason
    assert server.requests == []


async def test_tls_through_the_connect_proxy(
    serve: ServerFactory,
    proxies: ProxyFactory,
    clients: ClientFactory,
    server_tls: ssl.SSLContext,
    trusting: ssl.SSLContext,
) -> None:
    server = await serve(tls=server_tls)
    proxy = await proxies()
    client = clients(ssl_context=trusting, proxy=proxy.url())
    answers = [await post(client, server.url(host="localhost"), b) for b in (b"a", b"b")]
    assert [a.status for a in answers] == [201, 201]
    assert server.bodies() == [b"a", b"b"]
    assert [h.split("\r\n")[0] for h in proxy.heads] == [
        f"CONNECT localhost:{server.port} HTTP/1.1"
    ]


async def test_tls_through_the_proxy_still_checks_the_certificate(
    serve: ServerFactory,
    proxies: ProxyFactory,
    clients: ClientFactory,
    server_tls: ssl.SSLContext,
) -> None:
    server = await serve(tls=server_tls)
    proxy = await proxies()
    client = clients(proxy=proxy.url())
    answer = await post(client, server.url(host="localhost"), b"a")
    assert answer.status == 0
    assert "SSLCertVerificationError" in answer.reason
    assert server.requests == []


# --- closing ----------------------------------------------------------------------------


async def test_close_gives_status_0_to_posts_still_waiting(
    serve: ServerFactory, clients: ClientFactory
) -> None:
    server = await serve(answer_with(delay=5))
    client = clients(limit_per_host=1)
    futures = [client.post(server.url(), HEADERS, f"{i}".encode()) for i in range(5)]
    await until(lambda: len(server.requests) == 1)  # the first waits for its answer
    started = time.monotonic()
    await client.close()
    answers = await asyncio.wait_for(asyncio.gather(*futures), timeout=1)
    assert time.monotonic() - started < 1
    assert [a.status for a in answers] == [0] * 5
    assert all("closed" in a.reason for a in answers)
    assert client.connections() == 0


async def test_close_while_connecting_gives_status_0(clients: ClientFactory) -> None:
    # A listener that never accepts: the TCP handshake completes in the backlog, but for a
    # proxy client the CONNECT answer never comes, so the client is stuck setting up.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        client = clients(proxy=f"http://127.0.0.1:{port}")
        futures = [client.post("http://127.0.0.1:1/push/x", HEADERS, b"a") for _ in range(3)]
        await asyncio.sleep(0.1)
        await client.close()
        answers = await asyncio.wait_for(asyncio.gather(*futures), timeout=1)
    assert [a.status for a in answers] == [0] * 3


async def test_post_after_close_raises(serve: ServerFactory, clients: ClientFactory) -> None:
    server = await serve()
    client = clients()
    assert (await post(client, server.url(), b"a")).status == 201
    await client.close()
    with pytest.raises(RuntimeError):
        client.post(server.url(), HEADERS, b"b")
    await client.close()  # closing twice is harmless
