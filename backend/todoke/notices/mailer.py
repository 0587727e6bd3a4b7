"""Writing and sending the emails of the email channel.

Two kinds, both plain text in UTF-8 and in the address's language:

- a notice's email: the municipality's neutral "<市>からお知らせがあります" and a link to the
  inbox, nothing of the notice itself (not its title, not its link, which can name a
  programme); with ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058) so a mail
  app's "unsubscribe" button works in one click;
- a confirmation email: the link that confirms the address.

Both carry ``Auto-Submitted: auto-generated`` (RFC 3834: no vacation replies) and a
``Message-ID`` made from the outbox row, so a resend after a crash is the same message.

Transports: ``SmtpTransport`` (aiosmtplib; ``TODOKE_SMTP_URL``) and, with no SMTP server
configured (the demo), ``FileTransport``, which writes each message to
``<data_dir>/mail/*.eml`` (any mail program opens them: that folder is the demo's mail
viewer) and one JSON log line with the recipient, subject and text.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import ssl
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import unquote, urlencode, urlsplit

import aiosmtplib

from todoke.notices import kinds

logger = logging.getLogger("todoke.mail")

SMTP_TIMEOUT_SECONDS = 30.0

# --- the messages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Letterhead:
    """What every email of one municipality shares."""

    municipality: dict[str, str]  # {"ja", "easy", "en"}
    origin: str  # the canonical origin links point at
    sender: str  # the From address


def _lines(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def notice_text(letterhead: Letterhead, language: str, unsubscribe_page: str) -> tuple[str, str]:
    """Subject and body of a notice's email: that a notice is waiting, where to read it,
    and how to stop these emails. Nothing from the notice itself."""
    title, _ = kinds.neutral_text(letterhead.municipality)
    inbox = f"{letterhead.origin}/inbox"
    if language == "en":
        body = _lines(
            f"{title['en']}.",
            "Sign in to the app to read it:",
            "",
            inbox,
            "",
            "This email says only that a notice is waiting; what it says is in the app.",
            "Please do not reply to this email.",
            f"To stop these emails: {unsubscribe_page}",
        )
    elif language == "easy":
        body = _lines(
            f"{title['easy']}。",
            "アプリに サインインして よんでください。",
            "",
            inbox,
            "",
            "この メールには おしらせの なかみは かいて いません。",
            "この メールに へんじは できません。",
            f"メールを とめる ときは ここを ひらいて ください: {unsubscribe_page}",
        )
    else:
        body = _lines(
            f"{title['ja']}。",
            "アプリにサインインしてご確認ください。",
            "",
            inbox,
            "",
            "このメールはお知らせが届いたことだけをお伝えしています。内容はアプリでご覧ください。",
            "このメールは送信専用です。返信はできません。",
            f"メールでのお知らせを止めるには: {unsubscribe_page}",
        )
    return title.get(language) or title["ja"], body


def confirm_text(letterhead: Letterhead, language: str, link: str, hours: int) -> tuple[str, str]:
    """Subject and body of the email that confirms an address."""
    name = letterhead.municipality
    if language == "en":
        city = name.get("en") or "the city"
        return f"Confirm your email address ({city})", _lines(
            f"This address was entered in {city}'s resident app to receive notices.",
            f"Open this link and press “Confirm” (valid for {hours} hours):",
            "",
            link,
            "",
            "If this was not you, ignore this email: nothing will be sent to this address.",
        )
    if language == "easy":
        city = name.get("easy") or name.get("ja") or ""
        return f"メールアドレスの かくにん（{city}）", _lines(
            f"{city}の アプリで この メールアドレスが とうろく されました。",
            "この リンクを ひらいて「かくにんする」を おして ください"
            f"（{hours}じかん つかえます）。",
            "",
            link,
            "",
            "こころあたりが ない ときは、この メールを すてて ください。",
        )
    city = name.get("ja") or ""
    return f"メールアドレスの確認（{city}）", _lines(
        f"{city}の住民向けアプリで、このメールアドレスがお知らせの受け取り先として登録されました。",
        f"次のリンクを開き、「確認する」を押してください（{hours}時間有効）。",
        "",
        link,
        "",
        "お心当たりがない場合は、このメールを破棄してください。このアドレスには何も送られません。",
    )


def message_id(delivery_id: int, key: bytes, sender: str) -> str:
    """The same id for every attempt at one outbox row, unguessable from outside."""
    digest = hmac.new(key, f"message\0{delivery_id}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"<{delivery_id}.{digest}@{sender.rpartition('@')[2]}>"


def build(
    *,
    letterhead: Letterhead,
    to: str,
    subject: str,
    body: str,
    message_id: str,
    date: datetime,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    """A plain-text UTF-8 message. Header values come from our own fixed texts and a
    checked address; the email package refuses a line break in any of them anyway."""
    message = EmailMessage(policy=email_policy.SMTP)
    city = letterhead.municipality.get("ja") or ""
    local, _, domain = letterhead.sender.rpartition("@")
    message["From"] = Address(display_name=city, username=local, domain=domain)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url is not None:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body, charset="utf-8", cte="base64")
    return message


def unsubscribe_urls(origin: str, token: str) -> tuple[str, str]:
    """Where a mail app's one-click unsubscribe POSTs (RFC 8058: the token in the URL,
    since the POST carries nothing else of ours), and the page a person opens from the
    email's text (the token in the fragment, which never reaches a server log)."""
    return (
        f"{origin}/api/email/unsubscribe?{urlencode({'token': token})}",
        f"{origin}/account/email/unsubscribe#token={token}",
    )


def confirm_url(origin: str, token: str) -> str:
    return f"{origin}/account/email/confirm#token={token}"


# --- sending ---------------------------------------------------------------------------------

Verdict = Literal["sent", "retry", "bounced", "failed"]


@dataclass(frozen=True)
class SendResult:
    verdict: Verdict
    code: int  # the SMTP reply code (0 without one: a connection that failed)
    reason: str


def judge(error: BaseException) -> SendResult:
    """What a failed send means: the recipient refused for good (5xx to RCPT) is a bounce,
    and that address is mailed no more; the message refused for good (5xx to MAIL or DATA)
    has failed; anything passing (4xx, a connection lost, a timeout, a login refused until
    an operator fixes it) is tried again later."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        refused = error.recipients[0]
        verdict: Verdict = "bounced" if 500 <= refused.code < 600 else "retry"
        return SendResult(verdict, refused.code, refused.message[:300])
    if isinstance(error, aiosmtplib.SMTPSenderRefused | aiosmtplib.SMTPDataError):
        verdict = "failed" if 500 <= error.code < 600 else "retry"
        return SendResult(verdict, error.code, error.message[:300])
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return SendResult("retry", error.code, error.message[:300])
    if isinstance(error, ValueError):  # an address aiosmtplib will not put on the wire
        return SendResult("failed", 0, str(error)[:300])
    return SendResult("retry", 0, (str(error) or type(error).__name__)[:300])


class MailSession(Protocol):
    async def send(self, sender: str, recipient: str, message: EmailMessage) -> None:
        """Hand one message over; raises what the server or the connection said."""


class MailTransport(Protocol):
    def session(self) -> AbstractAsyncContextManager[MailSession]:
        """A connection (or its stand-in) for a batch of messages."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: Literal["none", "starttls", "implicit"]
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        """``smtp://`` (plain, port 25), ``smtp+starttls://`` (587) or ``smtps://`` (465),
        each with an optional ``user:password@`` (percent-encoded)."""
        parts = urlsplit(url)
        schemes: dict[str, tuple[Literal["none", "starttls", "implicit"], int]] = {
            "smtp": ("none", 25),
            "smtp+starttls": ("starttls", 587),
            "smtps": ("implicit", 465),
        }
        tls, default_port = schemes[parts.scheme]
        return cls(
            host=parts.hostname or "",
            port=parts.port or default_port,
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class _SmtpSession:
    def __init__(self, smtp: aiosmtplib.SMTP) -> None:
        self.smtp = smtp

    async def send(self, sender: str, recipient: str, message: EmailMessage) -> None:
        await self.smtp.sendmail(sender, [recipient], message.as_bytes())


class SmtpTransport:
    """One connection per batch, the messages one after another on it."""

    def __init__(self, server: SmtpServer, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
        self.server = server
        self.timeout = timeout

    @asynccontextmanager
    async def session(self) -> AsyncIterator[MailSession]:
        server = self.server
        smtp = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            use_tls=server.tls == "implicit",
            # Plain smtp:// stays plain (a relay on the municipality's own network); TLS
            # is what the URL asks for, with the server's certificate checked.
            start_tls=server.tls == "starttls",
            tls_context=ssl.create_default_context() if server.tls != "none" else None,
            username=server.username,
            password=server.password,
            timeout=self.timeout,
        )
        await smtp.connect()
        try:
            yield _SmtpSession(smtp)
        finally:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()


class FileTransport:
    """No SMTP server (the demo): each message becomes a file in ``folder`` (the mail
    viewer: open it with any mail program) and a log line with its text."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @asynccontextmanager
    async def session(self) -> AsyncIterator[MailSession]:
        self.folder.mkdir(parents=True, exist_ok=True)
        yield self

    async def send(self, sender: str, recipient: str, message: EmailMessage) -> None:
        identifier = str(message["Message-ID"]).strip("<>").partition("@")[0]
        path = self.folder / f"{identifier}.eml"
        path.write_bytes(message.as_bytes())
        body = message.get_body()
        logger.info(
            "email written to the mail folder (no TODOKE_SMTP_URL)",
            extra={
                "mail_from": sender,
                "mail_to": recipient,
                "subject": str(message["Subject"]),
                "message_id": str(message["Message-ID"]),
                "file": str(path),
                "text": body.get_content() if isinstance(body, EmailMessage) else "",
            },
        )


def transport_for(smtp_url: str, data_path: Path) -> MailTransport:
    if smtp_url:
        return SmtpTransport(SmtpServer.parse(smtp_url))
    return FileTransport(data_path / "mail")
