"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 (a free port), recording every
message it accepts, with answers to RCPT a test can set.

``SmtpDouble`` runs aiosmtpd's ``Controller`` in a thread of its own, so it works from async
tests (the sender under test runs in the test's loop) and sync ones alike::

    with SmtpDouble() as smtp:
        settings = replace(settings, smtp_url=smtp.url)
        ...send...
        [message] = smtp.messages()
        message.rcpt_tos, message.parsed["Subject"], message.text

``SmtpDouble(login=("user", "password"))`` requires AUTH (PLAIN or LOGIN, over the plain
connection: a test server) before MAIL.
``refuse_rcpt(450, times=1)`` answers the next RCPT with 450 (then accepts again);
``refuse_rcpt(550)`` refuses every RCPT for good; ``refuse_rcpt(550, address=...)`` only
that recipient. ``stop()`` closes the port (a server down), ``start()`` opens it again.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

_REPLIES = {
    421: "421 4.3.2 Service not available, closing transmission channel",
    450: "450 4.2.1 Mailbox temporarily unavailable",
    451: "451 4.3.0 Local error in processing, try again later",
    550: "550 5.1.1 The email account that you tried to reach does not exist",
    553: "553 5.1.3 Mailbox name not allowed",
}


@dataclass(frozen=True)
class Received:
    """A message the server accepted: the envelope, the bytes and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    parsed: EmailMessage

    @property
    def text(self) -> str:
        """The plain-text body, decoded (base64 or not, whatever the charset)."""
        body = self.parsed.get_body(("plain",))
        assert isinstance(body, EmailMessage), "no text/plain part"
        return str(body.get_content())


@dataclass
class _Rule:
    code: int
    times: int | None  # None: for good
    address: str | None


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    received: list[Received] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)


class _Handler:
    def __init__(self, state: _State) -> None:
        self.state = state

    async def handle_RCPT(  # aiosmtpd's hook names
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        with self.state.lock:
            for rule in self.state.rules:
                if rule.address not in (None, address):
                    continue
                if rule.times is not None:
                    if rule.times == 0:
                        continue
                    rule.times -= 1
                self.state.refused.append((address, rule.code))
                return _REPLIES.get(rule.code, f"{rule.code} refused")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = bytes(envelope.original_content or envelope.content)
        parsed = BytesParser(policy=policy.default).parsebytes(data)
        assert isinstance(parsed, EmailMessage)
        with self.state.lock:
            self.state.received.append(
                Received(envelope.mail_from, tuple(envelope.rcpt_tos), data, parsed)
            )
        return "250 2.0.0 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpDouble:
    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.state = _State()
        self.port = _free_port()
        self.login = login
        self.logins: list[tuple[str, bool]] = []  # (user, accepted)
        self._controller: Controller | None = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword) or self.login is None:
            return AuthResult(success=False, handled=False)
        user, password = data.login.decode(), data.password.decode()
        accepted = (user, password) == self.login
        with self.state.lock:
            self.logins.append((user, accepted))
        return AuthResult(success=accepted, handled=False)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        # 8BITMIME and SMTPUTF8 as a modern server offers them; the UTF-8 decoding of the
        # DATA is left to the test (original_content keeps the bytes as sent).
        auth: dict[str, Any] = {}
        if self.login is not None:
            auth = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self._controller = Controller(
            _Handler(self.state),
            hostname="127.0.0.1",
            port=self.port,
            decode_data=False,
            enable_SMTPUTF8=True,
            **auth,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpDouble:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def refuse_rcpt(self, code: int, *, times: int | None = None, address: str | None = None):
        with self.state.lock:
            self.state.rules.append(_Rule(code, times, address))

    def accept_all(self) -> None:
        with self.state.lock:
            self.state.rules.clear()

    def messages(self) -> list[Received]:
        with self.state.lock:
            return list(self.state.received)

    def refused(self) -> list[tuple[str, int]]:
        with self.state.lock:
            return list(self.state.refused)

    def clear(self) -> None:
        with self.state.lock:
            self.state.received.clear()
            self.state.refused.clear()
