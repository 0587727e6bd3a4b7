"""The email channel through the API and the email worker, against a real SMTP server
(aiosmtpd on a local port) that records every message it accepts: what a resident would
find in their mailbox."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest
from smtp_double import SmtpDouble
from soft_authenticator import SoftAuthenticator
from test_identity import csrf, register, staff_client

from todoke import clock
from todoke.codes import secret_hash
from todoke.db import read_transaction, write_transaction
from todoke.notices import mailer
from todoke.notices.public import email_reachable, queue_email
from todoke.notices.service import write_notice
from todoke.notices.tables import EmailAddress, EmailDelivery
from todoke.notices.worker import EmailWorker
from todoke.registry.tables import Municipality
from todoke.settings import load_settings

ORIGIN = "http://localhost:8000"
ADDRESS = "hanako@example.jp"
# What a notice about a benefit says in the inbox: none of it may reach a mailbox.
SECRET_TITLE = "受けられる支援があります：児童扶養手当"
SECRET_BODY = "ひとり親世帯で、前年の所得が基準額を下回っています。"


@pytest.fixture
def smtp():
    with SmtpDouble() as running:
        yield running


@pytest.fixture
def mail_settings(app, smtp):
    """The app's settings, sending through the local SMTP server."""
    settings = msgspec.structs.replace(app.state.settings, smtp_url=smtp.url)
    app.state.settings = settings
    return settings


async def run_worker(settings, **overrides) -> int:
    return await EmailWorker(msgspec.structs.replace(settings, **overrides)).drain()


async def time_passes() -> None:
    """Every email waiting for a retry is due now."""
    await EmailDelivery.update({EmailDelivery.next_attempt_at: datetime.now(UTC)}).where(
        EmailDelivery.status == "queued"
    )


async def new_resident(client_for, app, name: str = "はなこ"):
    client = client_for(app)
    registered = await register(client, SoftAuthenticator(), name=name)
    assert registered.status_code == 201, registered.text
    return client, csrf(registered), registered.json()["account_id"]


@pytest.fixture
async def resident(client_for, app, city):
    return await new_resident(client_for, app)


def token_in(text: str, path: str) -> str:
    match = re.search(re.escape(f"{ORIGIN}{path}#token=") + r"([A-Za-z0-9_.-]+)", text)
    assert match, f"no {path} link in:\n{text}"
    return match.group(1)


async def add_address(client, headers, address=ADDRESS, language="ja"):
    return await client.put(
        "/api/me/email", json={"address": address, "language": language}, headers=headers
    )


async def confirmed(client, headers, smtp, settings, address=ADDRESS, language="ja") -> None:
    """Add the address and confirm it with the link from the email it received."""
    added = await add_address(client, headers, address, language)
    assert added.status_code == 200, added.text
    await run_worker(settings)
    message = [m for m in smtp.messages() if address in m.rcpt_tos][-1]
    token = token_in(message.text, "/account/email/confirm")
    done = await client.post("/api/me/email/confirm", json={"token": token}, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["confirmed"] is True
    smtp.clear()


async def notify(city, account_id: int, *, kind="support.matched", email=True) -> int:
    async with write_transaction() as sql:
        return await write_notice(
            sql,
            municipality_id=city.id,
            account_id=account_id,
            kind=kind,
            title={"ja": SECRET_TITLE, "easy": SECRET_TITLE, "en": "Support for you"},
            body={"ja": SECRET_BODY, "easy": SECRET_BODY, "en": "Single parent, low income."},
            link="/support#jido-fuyo-teate",
            thread="jido-fuyo-teate",
            email=email,
        )


async def reachable(account_ids) -> set[int]:
    async with read_transaction() as sql:
        return await email_reachable(sql, account_ids)


def assert_problem(response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


# --- adding and confirming an address ----------------------------------------------------------


async def test_add_and_confirm_with_the_link_from_the_email(resident, smtp, mail_settings, city):
    client, headers, account_id = resident
    added = await add_address(client, headers)
    assert added.status_code == 200, added.text
    assert added.json() == {
        "address": ADDRESS,
        "confirmed": False,
        "notify": True,
        "bounced": False,
        "awaiting_confirmation": True,
        "language": "ja",
    }
    assert await run_worker(mail_settings) == 1
    [message] = smtp.messages()
    assert message.rcpt_tos == (ADDRESS,)
    assert message.parsed["Subject"] == "メールアドレスの確認（とどけ市）"
    assert message.parsed["Auto-Submitted"] == "auto-generated"
    assert "24時間" in message.text
    token = token_in(message.text, "/account/email/confirm")

    # The database keeps a hash of the token, never the token.
    row = await EmailAddress.select().first()
    assert row["confirm_hash"] == secret_hash(token)
    stored = json.dumps([*await EmailAddress.select(), *await EmailDelivery.select()], default=str)
    assert token not in stored

    # Opening the link shows the app's page; it changes nothing.
    page = await client.get("/account/email/confirm")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert (await client.get("/api/me/email")).json()["confirmed"] is False
    assert await reachable([account_id]) == set()

    done = await client.post("/api/me/email/confirm", json={"token": token}, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["confirmed"] is True and done.json()["awaiting_confirmation"] is False
    assert await reachable([account_id]) == {account_id}

    again = await client.post("/api/me/email/confirm", json={"token": token}, headers=headers)
    assert_problem(again, 404)  # single use


async def test_an_expired_link_confirms_nothing(resident, smtp, mail_settings):
    client, headers, _ = resident
    await add_address(client, headers)
    await run_worker(mail_settings)
    token = token_in(smtp.messages()[0].text, "/account/email/confirm")
    row = await EmailAddress.select().first()
    expires = row["confirm_expires_at"]
    sent = datetime.now(UTC)
    expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
    assert sent + timedelta(hours=23, minutes=59) < expires <= sent + timedelta(hours=24)
    # A day later (only the link ages: the session's clock is left alone).
    await EmailAddress.update(
        {EmailAddress.confirm_expires_at: datetime.now(UTC) - timedelta(seconds=1)}
    ).where(EmailAddress.id == row["id"])
    expired = await client.post("/api/me/email/confirm", json={"token": token}, headers=headers)
    assert_problem(expired, 404)
    status = (await client.get("/api/me/email")).json()
    assert status["confirmed"] is False and status["awaiting_confirmation"] is False


async def test_a_link_opened_in_another_account_confirms_nothing(
    client_for, app, resident, smtp, mail_settings
):
    client, headers, _ = resident
    await add_address(client, headers)
    await run_worker(mail_settings)
    token = token_in(smtp.messages()[0].text, "/account/email/confirm")
    other, other_headers, _ = await new_resident(client_for, app, "たろう")
    await add_address(other, other_headers, "taro@example.jp")
    refused = await other.post(
        "/api/me/email/confirm", json={"token": token}, headers=other_headers
    )
    assert_problem(refused, 404)
    assert (await client.get("/api/me/email")).json()["confirmed"] is False
    assert (await other.get("/api/me/email")).json()["confirmed"] is False


async def test_a_second_address_cancels_the_first_link(resident, smtp, mail_settings):
    client, headers, _ = resident
    await add_address(client, headers)
    await run_worker(mail_settings)
    first = token_in(smtp.messages()[0].text, "/account/email/confirm")
    await add_address(client, headers, "hanako@example.com")
    await run_worker(mail_settings)
    stale = await client.post("/api/me/email/confirm", json={"token": first}, headers=headers)
    assert_problem(stale, 404)
    second = token_in(smtp.messages()[1].text, "/account/email/confirm")
    assert smtp.messages()[1].rcpt_tos == ("hanako@example.com",)
    done = await client.post("/api/me/email/confirm", json={"token": second}, headers=headers)
    assert done.json()["address"] == "hanako@example.com" and done.json()["confirmed"]


async def test_only_signed_in_residents_have_an_address(client_for, app, city, mail_settings):
    anonymous = client_for(app)
    assert_problem(await anonymous.get("/api/me/email"), 401)
    assert_problem(await anonymous.put("/api/me/email", json={"address": ADDRESS}), 401)
    staff, staff_headers = await staff_client(client_for, app, city)
    assert_problem(await staff.get("/api/me/email"), 403)
    assert_problem(
        await staff.put("/api/me/email", json={"address": ADDRESS}, headers=staff_headers), 403
    )


# --- hostile and odd addresses --------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "hanako@example.jp\r\nBcc: everyone@evil.example",
        "hanako@example.jp\nBcc: everyone@evil.example",
        "hanako@example.jp\rX-Injected: 1",
        "hanako@exa\u0000mple.jp",
        "hana ko@example.jp",
        "hanako@example.jp\u3000x",
        "a" * 290 + "@example.jp",  # 301 characters
        "a" * 65 + "@example.jp",  # local part over 64
        "no-at-sign.example.jp",
        "hanako@@example.jp",
        "hanako@example@jp",
        "@example.jp",
        "hanako@",
        "hanako@localhost",
        "hanako@127.0.0.1",
        "hanako@-example.jp",
        "<hanako@example.jp>",
        "Hanako <hanako@example.jp>",
        '"hanako"@example.jp',
        "はなこ@example.jp",
        "",
        "   ",
    ],
)
async def test_hostile_addresses_are_refused(resident, smtp, mail_settings, address):
    client, headers, _ = resident
    response = await add_address(client, headers, address)
    assert_problem(response, 422)
    assert response.json()["detail_ja"]
    assert await EmailAddress.count() == 0 and await EmailDelivery.count() == 0


async def test_an_address_too_long_for_the_body_is_a_bad_request(resident, mail_settings):
    client, headers, _ = resident
    response = await add_address(client, headers, "a" * 1001 + "@example.jp")
    assert_problem(response, 400)
    assert_problem(
        await client.put(
            "/api/me/email", json={"address": ADDRESS, "admin": True}, headers=headers
        ),
        400,
    )
    assert_problem(await add_address(client, headers, ADDRESS, language="fr"), 400)
    assert await EmailAddress.count() == 0


async def test_full_width_and_old_mobile_addresses_are_accepted(resident, smtp, mail_settings):
    client, headers, _ = resident
    # Typed on a Japanese keyboard: full-width letters, ＠ and ．, an ideographic space.
    added = await add_address(client, headers, "\u3000ｈａｎａｋｏ＠ＥＸＡＭＰＬＥ．ＪＰ ")
    assert added.status_code == 200, added.text
    assert added.json()["address"] == "hanako@example.jp"
    # docomo and au once gave out addresses with ".." and a dot before the @.
    legacy = await add_address(client, headers, "taro..yamada.@docomo.ne.jp")
    assert legacy.status_code == 200, legacy.text
    await run_worker(mail_settings)
    assert smtp.messages()[-1].rcpt_tos == ("taro..yamada.@docomo.ne.jp",)


async def test_entering_addresses_is_rate_limited_per_account(
    client_for, app, resident, smtp, mail_settings
):
    client, headers, _ = resident
    for n in range(5):
        response = await add_address(client, headers, f"hanako{n}@example.jp")
        assert response.status_code == 200, response.text
    refused = await add_address(client, headers, "hanako9@example.jp")
    assert_problem(refused, 429)
    assert int(refused.headers["retry-after"]) > 0
    other, other_headers, _ = await new_resident(client_for, app, "たろう")
    assert (await add_address(other, other_headers, "taro@example.jp")).status_code == 200


# --- a notice's email ----------------------------------------------------------------------------


async def test_a_notice_sends_one_email_that_says_only_a_notice_is_waiting(
    resident, smtp, mail_settings, city
):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    notice_id = await notify(city, account_id)
    assert await EmailDelivery.count().where(EmailDelivery.notice == notice_id) == 1
    assert await run_worker(mail_settings) == 1
    assert await run_worker(mail_settings) == 0  # nothing twice

    [message] = smtp.messages()
    assert message.rcpt_tos == (ADDRESS,)
    assert message.mail_from == "todoke@localhost"
    parsed = message.parsed
    assert parsed["Subject"] == "とどけ市からお知らせがあります"
    assert parsed["From"].addresses[0].display_name == "とどけ市"
    assert parsed["To"] == ADDRESS
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(r"<\d+\.[0-9a-f]{16}@localhost>", str(parsed["Message-ID"]))
    assert parsed["Date"].datetime.tzinfo is not None
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content_charset() == "utf-8"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(parsed["List-Unsubscribe"])
    assert re.fullmatch(rf"<{re.escape(ORIGIN)}/api/email/unsubscribe\?token=[\w.-]+>", unsubscribe)

    text = message.text
    assert text.startswith("とどけ市からお知らせがあります。")
    assert f"{ORIGIN}/inbox" in text
    # Nothing of the notice: not its title, its body, nor its link (it names the programme).
    everything = text + message.data.decode("utf-8", "replace") + str(parsed)
    for secret in (SECRET_TITLE, SECRET_BODY, "児童扶養手当", "jido-fuyo-teate", "ひとり親"):
        assert secret not in everything

    row = await EmailDelivery.select().where(EmailDelivery.notice == notice_id).first()
    assert row["status"] == "sent" and row["sent_at"] is not None and row["attempts"] == 1
    assert row["message_id"] == parsed["Message-ID"]


async def test_the_email_speaks_the_language_chosen(resident, smtp, mail_settings, city):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings, language="en")
    await notify(city, account_id)
    await run_worker(mail_settings)
    [message] = smtp.messages()
    assert message.parsed["Subject"] == "A notice from Todoke City"
    assert message.text.startswith("A notice from Todoke City.")
    # Entering the same confirmed address again changes the language only: no new link.
    same = await add_address(client, headers, ADDRESS, language="easy")
    assert same.json()["confirmed"] is True and same.json()["language"] == "easy"
    smtp.clear()
    await notify(city, account_id)
    await run_worker(mail_settings)
    [message] = smtp.messages()
    assert message.parsed["Subject"] == "とどけしから おしらせが あります"


async def test_nothing_is_mailed_before_confirmation(resident, smtp, mail_settings, city):
    client, headers, account_id = resident
    await add_address(client, headers)
    notice_id = await notify(city, account_id)
    assert await EmailDelivery.count().where(EmailDelivery.notice == notice_id) == 0
    await run_worker(mail_settings)
    [only] = smtp.messages()
    assert only.parsed["Subject"].startswith("メールアドレスの確認")


async def test_nothing_is_mailed_with_notify_off(resident, smtp, mail_settings, city):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    queued = await notify(city, account_id)  # queued while on
    off = await client.patch("/api/me/email", json={"notify": False}, headers=headers)
    assert off.status_code == 200 and off.json()["notify"] is False
    await notify(city, account_id)
    assert await reachable([account_id]) == set()
    await run_worker(mail_settings)
    assert smtp.messages() == []
    row = await EmailDelivery.select().where(EmailDelivery.notice == queued).first()
    assert row["status"] == "cancelled"

    on = await client.patch("/api/me/email", json={"notify": True}, headers=headers)
    assert on.json()["notify"] is True
    assert await reachable([account_id]) == {account_id}


async def test_a_caller_can_leave_email_out(resident, smtp, mail_settings, city):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    notice_id = await notify(city, account_id, email=False)
    assert await EmailDelivery.count().where(EmailDelivery.notice == notice_id) == 0
    # ...and mail it later (a fallback channel), once only.
    async with write_transaction() as sql:
        assert await queue_email(sql, notice_id) is True
        assert await queue_email(sql, notice_id) is False
    await run_worker(mail_settings)
    assert len(smtp.messages()) == 1


async def test_a_new_address_cancels_what_was_queued_for_the_old(
    resident, smtp, mail_settings, city
):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    notice_id = await notify(city, account_id)
    await add_address(client, headers, "hanako@example.com")
    await run_worker(mail_settings)
    assert [m.rcpt_tos for m in smtp.messages()] == [("hanako@example.com",)]  # the link
    row = await EmailDelivery.select().where(EmailDelivery.notice == notice_id).first()
    assert row["status"] == "cancelled"


async def test_removing_the_address(resident, smtp, mail_settings, city):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    await notify(city, account_id)
    removed = await client.delete("/api/me/email", headers=headers)
    assert removed.status_code == 204
    assert (await client.get("/api/me/email")).json()["address"] is None
    await run_worker(mail_settings)
    assert smtp.messages() == []
    assert_problem(await client.delete("/api/me/email", headers=headers), 404)
    assert_problem(await client.patch("/api/me/email", json={"notify": True}, headers=headers), 404)


async def test_quiet_hours_hold_notice_emails_but_not_security_or_links(
    client_for, app, resident, smtp, mail_settings, city
):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    now = clock.now_jst()
    quiet = f"{(now - timedelta(hours=1)):%H:%M}-{(now + timedelta(hours=1)):%H:%M}"
    await notify(city, account_id)  # about support: waits for the morning
    assert await run_worker(mail_settings, quiet_hours=quiet) == 0
    assert smtp.messages() == []
    await notify(city, account_id, kind="security.passkey_added")  # goes at once
    other, other_headers, _ = await new_resident(client_for, app, "たろう")
    await add_address(other, other_headers, "taro@example.jp")  # someone waits for the link
    assert await run_worker(mail_settings, quiet_hours=quiet) == 2
    assert sorted(m.rcpt_tos[0] for m in smtp.messages()) == [ADDRESS, "taro@example.jp"]
    assert await run_worker(mail_settings) == 1  # the support notice, once quiet hours end


# --- failures ----------------------------------------------------------------------------------


async def test_a_4xx_is_retried_with_backoff_then_sent(resident, smtp, mail_settings, city):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    smtp.refuse_rcpt(450, times=1)
    await notify(city, account_id)
    before = datetime.now(UTC)
    await run_worker(mail_settings)
    row = await EmailDelivery.select().where(EmailDelivery.purpose == "notice").first()
    assert row["status"] == "queued" and row["attempts"] == 1 and row["last_code"] == 450
    due = row["next_attempt_at"]
    assert (due if due.tzinfo else due.replace(tzinfo=UTC)) > before
    assert await run_worker(mail_settings) == 0  # not due yet
    assert smtp.messages() == []
    await time_passes()
    await run_worker(mail_settings)
    assert len(smtp.messages()) == 1
    row = await EmailDelivery.select().where(EmailDelivery.purpose == "notice").first()
    assert row["status"] == "sent" and row["attempts"] == 2
    assert smtp.refused() == [(ADDRESS, 450)]


async def test_a_server_that_cannot_be_reached_is_tried_again(resident, smtp, mail_settings, city):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    await notify(city, account_id)
    smtp.stop()
    await run_worker(mail_settings)
    row = await EmailDelivery.select().where(EmailDelivery.purpose == "notice").first()
    assert row["status"] == "queued" and row["attempts"] == 1 and row["last_code"] == 0
    assert row["claimed_until"] is None and row["last_error"]
    smtp.start()
    await time_passes()
    await run_worker(mail_settings)
    assert len(smtp.messages()) == 1


async def test_after_the_last_attempt_an_email_is_dead(resident, smtp, mail_settings, city):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    smtp.refuse_rcpt(451)
    await notify(city, account_id)
    for _ in range(3):
        await time_passes()
        await run_worker(mail_settings, mail_max_attempts=3)
    row = await EmailDelivery.select().where(EmailDelivery.purpose == "notice").first()
    assert row["status"] == "dead" and row["attempts"] == 3 and row["last_code"] == 451
    assert (await client.get("/api/me/email")).json()["bounced"] is False


async def test_a_5xx_bounce_stops_mail_to_that_address(resident, smtp, mail_settings, city):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    smtp.refuse_rcpt(550, address=ADDRESS)
    first = await notify(city, account_id)
    second = await notify(city, account_id)
    await run_worker(mail_settings)
    rows = {
        r["notice"]: r
        for r in await EmailDelivery.select().where(EmailDelivery.purpose == "notice")
    }
    assert rows[first]["status"] == "bounced" and rows[first]["last_code"] == 550
    assert rows[second]["status"] == "cancelled"  # one refusal is enough
    assert smtp.refused() == [(ADDRESS, 550)]  # asked once, not once per notice

    status = (await client.get("/api/me/email")).json()
    assert status["bounced"] is True and status["address"] == ADDRESS
    assert await reachable([account_id]) == set()
    third = await notify(city, account_id)
    assert await EmailDelivery.count().where(EmailDelivery.notice == third) == 0

    # The resident enters it again (the mailbox works now): a new link, then mail again.
    smtp.accept_all()
    again = await add_address(client, headers, ADDRESS)
    assert again.json()["bounced"] is False and again.json()["confirmed"] is False
    smtp.clear()
    await confirmed(client, headers, smtp, mail_settings)
    await notify(city, account_id)
    await run_worker(mail_settings)
    assert len(smtp.messages()) == 1


def delivery_status_notification(
    message_id: str, recipient: str, *, action: str = "failed", status: str = "5.1.1"
) -> bytes:
    """A returned email as Postfix sends it back (RFC 3464)."""
    return (
        "From: MAILER-DAEMON@mx.example.jp\r\nTo: todoke@localhost\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at mx.example.jp.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.jp\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <user>: Recipient address rejected\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {message_id}\r\nSubject: =?utf-8?b?44GK55+l44KJ44Gb?=\r\n"
        "--B--\r\n"
    ).encode()


async def test_a_bounce_returned_later_stops_mail_to_that_address(
    resident, smtp, mail_settings, city
):
    from todoke.notices.bounces import record_bounces

    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    await notify(city, account_id)
    await run_worker(mail_settings)
    [message] = smtp.messages()
    sent_id = str(message.parsed["Message-ID"])
    queued = await notify(city, account_id)

    # Not ours, not failed for good, or about someone else: nothing changes.
    forged = "<1.0123456789abcdef@localhost>"
    assert await record_bounces(delivery_status_notification(forged, ADDRESS)) == 0
    assert (
        await record_bounces(
            delivery_status_notification(sent_id, ADDRESS, action="delayed", status="4.4.1")
        )
        == 0
    )
    assert await record_bounces(delivery_status_notification(sent_id, "other@example.jp")) == 0
    assert await record_bounces(b"Subject: hello\n\nnot a report") == 0
    assert (await client.get("/api/me/email")).json()["bounced"] is False

    assert await record_bounces(delivery_status_notification(sent_id, ADDRESS)) == 1
    assert (await client.get("/api/me/email")).json()["bounced"] is True
    row = await EmailAddress.select().where(EmailAddress.account == account_id).first()
    assert row["bounce_reason"].startswith("5.1.1")
    states = {r["notice"]: r["status"] for r in await EmailDelivery.select()
              .where(EmailDelivery.purpose == "notice")}  # fmt: skip
    assert states[queued] == "cancelled" and "bounced" in states.values()
    assert await reachable([account_id]) == set()


async def test_a_bounced_confirmation_marks_the_address(resident, smtp, mail_settings):
    client, headers, _ = resident
    smtp.refuse_rcpt(550)
    await add_address(client, headers, "nobody@example.jp")
    await run_worker(mail_settings)
    status = (await client.get("/api/me/email")).json()
    assert status["bounced"] is True and status["confirmed"] is False


# --- unsubscribing -------------------------------------------------------------------------------


async def notice_email(resident, smtp, settings, city):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, settings)
    await notify(city, account_id)
    await run_worker(settings)
    [message] = smtp.messages()
    smtp.clear()
    return message


async def test_one_click_unsubscribe(client_for, app, resident, smtp, mail_settings, city):
    client, _, account_id = resident
    message = await notice_email(resident, smtp, mail_settings, city)
    url = message.parsed["List-Unsubscribe"].strip("<>")
    # What a mail provider's server sends (RFC 8058): no cookie, no Origin, no CSRF token.
    provider = client_for(app)
    answer = await provider.post(
        url,
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"unsubscribed": True}
    status = (await client.get("/api/me/email")).json()
    assert status["notify"] is False and status["address"] == ADDRESS
    await notify(city, account_id)
    await run_worker(mail_settings)
    assert smtp.messages() == []
    # Sent twice (a provider retrying): the same answer.
    assert (await provider.post(url)).status_code == 200


async def test_opening_the_unsubscribe_link_changes_nothing(
    client_for, app, resident, smtp, mail_settings, city
):
    client, _, account_id = resident
    message = await notice_email(resident, smtp, mail_settings, city)
    url = message.parsed["List-Unsubscribe"].strip("<>")
    token = parse_qs(urlsplit(url).query)["token"][0]
    opened = await client_for(app).get(url)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/account/email/unsubscribe#token={token}"
    assert (await client.get("/api/me/email")).json()["notify"] is True
    # The page the email's text links to is the app's page with the token in its fragment.
    assert f"{ORIGIN}/account/email/unsubscribe#token={token}" in message.text
    assert (await client_for(app).get("/account/email/unsubscribe")).status_code == 200
    assert await reachable([account_id]) == {account_id}


async def test_forged_and_foreign_unsubscribes_are_refused(
    client_for, app, resident, smtp, mail_settings, city
):
    client, _, _ = resident
    message = await notice_email(resident, smtp, mail_settings, city)
    url = message.parsed["List-Unsubscribe"].strip("<>")
    token = parse_qs(urlsplit(url).query)["token"][0]
    row_id, _, mac = token.partition(".")
    provider = client_for(app)
    forged = "A" * len(mac) if mac != "A" * len(mac) else "B" * len(mac)
    for bad in (f"{row_id}.{forged}", f"{int(row_id) + 1}.{mac}"):
        assert_problem(await provider.post("/api/email/unsubscribe", params={"token": bad}), 404)
    for malformed in ("", "1", "x.y", f"{row_id}.{mac}\r\nX: 1", "0." + mac, "9" * 11 + "." + mac):
        assert_problem(
            await provider.post("/api/email/unsubscribe", params={"token": malformed}), 400
        )
        assert_problem(
            await provider.get("/api/email/unsubscribe", params={"token": malformed}), 400
        )
    # A form on another site cannot unsubscribe anyone.
    cross_site = await provider.post(url, headers={"origin": "https://evil.example"})
    assert_problem(cross_site, 403)
    assert (await client.get("/api/me/email")).json()["notify"] is True


async def test_an_unsubscribe_link_dies_with_its_address(
    resident, smtp, mail_settings, city, client_for, app
):
    client, headers, _ = resident
    message = await notice_email(resident, smtp, mail_settings, city)
    url = message.parsed["List-Unsubscribe"].strip("<>")
    await add_address(client, headers, "hanako@example.com")
    assert_problem(await client_for(app).post(url), 404)
    assert (await client.get("/api/me/email")).json()["notify"] is True


# --- workers -----------------------------------------------------------------------------------


async def test_two_workers_never_send_one_email_twice(
    client_for, app, resident, smtp, mail_settings, city
):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    other, other_headers, other_id = await new_resident(client_for, app, "たろう")
    await confirmed(other, other_headers, smtp, mail_settings, address="taro@example.jp")
    for _ in range(25):
        await notify(city, account_id)
        await notify(city, other_id)
    first = EmailWorker(mail_settings, name="first")
    second = EmailWorker(mail_settings, name="second")
    handled = await asyncio.gather(first.drain(), second.drain())
    assert sum(handled) == 50
    received = smtp.messages()
    assert len(received) == 50
    assert len({m.parsed["Message-ID"] for m in received}) == 50
    assert sorted(m.rcpt_tos[0] for m in received) == [ADDRESS] * 25 + ["taro@example.jp"] * 25
    notices = await EmailDelivery.select().where(EmailDelivery.purpose == "notice")
    assert [r["status"] for r in notices] == ["sent"] * 50
    assert {r["attempts"] for r in notices} == {1}
    assert {r["worker"] for r in notices} == {"first", "second"}  # both had a share


async def test_a_worker_that_died_leaves_its_emails_to_another(resident, smtp, mail_settings, city):
    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    await notify(city, account_id)
    dead = EmailWorker(mail_settings, name="dead")
    claimed, _ = await dead.claim()
    assert len(claimed) == 1  # ...and the process dies before sending
    assert await run_worker(mail_settings) == 0  # leased: no one else takes it
    await EmailDelivery.update({EmailDelivery.claimed_until: datetime.now(UTC)}).where(
        EmailDelivery.status == "queued"
    )  # the lease runs out
    assert await run_worker(mail_settings) == 1
    assert len(smtp.messages()) == 1


async def test_without_smtp_the_mail_goes_to_the_mail_folder_and_the_log(
    resident, smtp, app, city, caplog
):
    client, headers, _ = resident
    settings = msgspec.structs.replace(app.state.settings, smtp_url="")
    await add_address(client, headers)
    with caplog.at_level(logging.INFO, logger="todoke.mail"):
        assert await run_worker(settings) == 1
    [record] = [r for r in caplog.records if r.name == "todoke.mail"]
    assert record.mail_to == ADDRESS
    path = Path(record.file)
    assert path.parent == settings.data_path / "mail"
    parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert parsed["Subject"] == "メールアドレスの確認（とどけ市）"
    token = token_in(record.text, "/account/email/confirm")
    done = await client.post("/api/me/email/confirm", json={"token": token}, headers=headers)
    assert done.json()["confirmed"] is True
    assert smtp.messages() == []


# A test server on loopback: no TLS under AUTH, which aiosmtpd warns about.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_the_server_login_comes_from_the_url(resident, app, city):
    client, headers, _ = resident
    with SmtpDouble(login=("todoke@city.example.jp", "p@ss:word")) as server:
        wrong = msgspec.structs.replace(
            app.state.settings,
            smtp_url=f"smtp://todoke%40city.example.jp:nope@127.0.0.1:{server.port}",
        )
        await add_address(client, headers)
        await run_worker(wrong)
        row = await EmailDelivery.select().first()
        assert row["status"] == "queued" and row["last_code"] == 535  # tried again later
        right = msgspec.structs.replace(
            wrong,
            smtp_url=f"smtp://todoke%40city.example.jp:p%40ss%3Aword@127.0.0.1:{server.port}",
        )
        await time_passes()
        await run_worker(right)
        assert len(server.messages()) == 1
        # aiosmtplib tries each mechanism the server offers before giving up.
        *refused, accepted = server.logins
        assert refused and all(login == ("todoke@city.example.jp", False) for login in refused)
        assert accepted == ("todoke@city.example.jp", True)


# --- settings ----------------------------------------------------------------------------------


def test_smtp_urls() -> None:
    server = mailer.SmtpServer.parse("smtp+starttls://mailer%40city.jp:p%40ss%3Aw@mx.city.jp")
    assert (server.host, server.port, server.tls) == ("mx.city.jp", 587, "starttls")
    assert (server.username, server.password) == ("mailer@city.jp", "p@ss:w")
    assert mailer.SmtpServer.parse("smtps://mx.city.jp").port == 465
    plain = mailer.SmtpServer.parse("smtp://10.0.0.5:2525")
    assert (plain.port, plain.tls, plain.username) == (2525, "none", None)
    for wrong in ("http://mx.city.jp", "smtp://", "smtp://mx.city.jp:port"):
        with pytest.raises(ValueError, match="TODOKE_SMTP_URL"):
            load_settings({"TODOKE_SMTP_URL": wrong})
    with pytest.raises(ValueError, match="TODOKE_MAIL_FROM"):
        load_settings({"TODOKE_MAIL_FROM": "Todoke <todoke@city.jp>"})
    assert load_settings({}).mail_sender == "todoke@localhost"
    settings = load_settings({"TODOKE_PUBLIC_ORIGINS": "https://todoke.city.example.jp"})
    assert settings.mail_sender == "todoke@todoke.city.example.jp"


async def test_each_municipality_mails_from_its_own_address(
    app, resident, smtp, mail_settings, city
):
    """Two municipalities on one deployment never mix senders: the town's resident gets
    mail from the town, at the town's host, with links to the town (issue 16)."""
    from test_tenant_isolation import TOWN_ORIGIN, town_sign_up

    client, headers, account_id = resident
    await confirmed(client, headers, smtp, mail_settings)
    town_client, town_headers = await town_sign_up(app)
    town_address = "jiro@example.jp"
    added = await add_address(town_client, town_headers, town_address)
    assert added.status_code == 200, added.text
    await run_worker(mail_settings)
    [confirm] = [m for m in smtp.messages() if town_address in m.rcpt_tos]
    assert confirm.mail_from == "todoke@higashi.localhost"
    assert f"{TOWN_ORIGIN}/account/email/confirm#token=" in confirm.text
    assert ORIGIN + "/" not in confirm.text
    token = confirm.text.split("#token=")[1].split()[0]
    done = await town_client.post(
        "/api/me/email/confirm", json={"token": token}, headers=town_headers
    )
    assert done.status_code == 200, done.text
    smtp.clear()

    town_account = (await town_client.get("/api/me")).json()["id"]
    town = await Municipality.select(Municipality.id).where(Municipality.origin.is_not_null())
    await notify(city, account_id)
    await notify(SimpleNamespace(id=town[0]["id"]), town_account)
    assert await run_worker(mail_settings) == 2
    by_recipient = {m.rcpt_tos[0]: m for m in smtp.messages()}
    city_mail, town_mail = by_recipient[ADDRESS], by_recipient[town_address]
    assert city_mail.mail_from == "todoke@localhost"
    assert city_mail.parsed["From"].addresses[0].display_name == "とどけ市"
    assert town_mail.mail_from == "todoke@higashi.localhost"
    assert town_mail.parsed["From"].addresses[0].display_name == "ひがし町"
    assert str(town_mail.parsed["Message-ID"]).endswith("@higashi.localhost>")
    assert town_mail.parsed["Subject"] == "ひがし町からお知らせがあります"
    assert f"{TOWN_ORIGIN}/inbox" in town_mail.text and "とどけ市" not in town_mail.text
