"""The email channel as a resident meets it, in Chromium against `todoke demo` (no SMTP
server configured: the demo writes each email to <data>/mail/*.eml, its mail viewer):
enter an address in 設定, open the link of the email that arrives, confirm, and see the
switch; a link without its token says so."""

from __future__ import annotations

import re
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from test_resident_identity import (
    Authenticator,
    _check_console,
    _main,
    _say,
    _sign_up,
    _watch_http_errors,
)
from test_support_and_push import _no_axe_violations
from viewports import PHONE

pytestmark = pytest.mark.browser

ADDRESS = "mail-e2e@example.jp"


def _mail_to(live_demo, address: str, timeout: float = 15.0) -> EmailMessage:
    """The newest email the demo wrote for address (its worker sends within a second)."""
    folder = live_demo.data_dir / "mail"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = []
        for path in folder.glob("*.eml") if folder.is_dir() else []:
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            if message["To"] == address:
                found.append((path.stat().st_mtime, message))
        if found:
            message = max(found, key=lambda item: item[0])[1]
            assert isinstance(message, EmailMessage)
            return message
        time.sleep(0.2)
    raise AssertionError(f"no email to {address} in {folder}")


def test_add_an_address_and_confirm_it_from_the_email(live_demo, make_page):
    page = make_page(PHONE)
    http_errors = _watch_http_errors(page)
    Authenticator(page)
    _sign_up(page, "めーる")

    page.goto("/settings")
    main = _main(page)
    main.get_by_role("textbox", name="メールアドレス").fill(ADDRESS)
    main.get_by_role("button", name="登録して確認メールを送る").click()
    _say(page, f"{ADDRESS} に確認のメールを送りました")
    _say(page, "確認のメールを送りました。メールのリンクを開き")

    message = _mail_to(live_demo, ADDRESS)
    assert message["Subject"].startswith("メールアドレスの確認")
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    link = re.search(r"https?://\S+/account/email/confirm#token=\S+", body.get_content())
    assert link, body.get_content()

    page.goto(link.group(0))
    _say(page, "このメールアドレスでお知らせを受け取ります")
    assert "#token" not in page.url  # out of the address bar and the history
    _no_axe_violations(page, "/account/email/confirm", http_errors)
    main.get_by_role("button", name="確認する", exact=True).click()
    _say(page, "メールアドレスを確認しました")

    page.goto("/settings")
    switch = main.get_by_role("switch", name="お知らせをメールでも受け取る")
    switch.wait_for()
    assert switch.is_checked()
    _say(page, "確認済みです。")
    switch.uncheck()
    _say(page, "メールでのお知らせをオフにしました")
    _no_axe_violations(page, "/settings (email confirmed)", http_errors)

    page.goto("/account/email/unsubscribe")  # a link that lost its token
    _say(page, "リンクが正しくありません")
    _check_console(page, http_errors)
