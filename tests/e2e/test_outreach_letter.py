"""An outreach letter (勧奨通知) from approval to application, in Chromium against a demo of
its own: a supervisor of child support approves 児童扶養手当 with the legal basis for letters
(the approval form's default), prints the waiting letters as one batch and downloads the
PDF; the code on a letter, opened the way its QR code opens it (/activate?code=…), takes a
resident with no account through creating a passkey and straight into the application,
pre-filled from the registry with the name the letter was addressed to.

Screenshots at phone and desktop size: var/screenshots/letters-*.png.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from test_resident_identity import Authenticator, _shoot_whole, _watch_http_errors
from test_staff_identity import assert_no_axe_violations, unexpected_console_errors
from test_staff_programs import live_demo, live_server, staff_in  # noqa: F401 (fixtures)
from viewports import DESKTOP, PHONE

pytestmark = pytest.mark.browser

SLUG = "child-rearing-allowance"
CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


def _query(live_demo, sql: str) -> list[dict]:  # noqa: F811
    """Rows from the demo's own database (SQLite, or PostgreSQL when the suite uses it)."""
    url = live_demo.env.get("TODOKE_DATABASE_URL", "")
    if url:
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        import asyncpg

        async def fetch() -> list[dict]:
            connection = await asyncpg.connect(url)
            try:
                return [dict(row) for row in await connection.fetch(sql)]
            finally:
                await connection.close()

        # A thread of its own: sync Playwright holds an event loop on this one.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, fetch()).result()
    with sqlite3.connect(live_demo.data_dir / "todoke.sqlite3") as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(sql).fetchall()]


def _letters(live_demo) -> dict[str, int]:  # noqa: F811
    rows = _query(
        live_demo,
        "SELECT state, COUNT(*) AS n FROM program_delivery WHERE channel = 'letter' GROUP BY state",
    )
    return {row["state"]: int(row["n"]) for row in rows}


def _letter(text: str) -> tuple[str, str]:
    """The code and the addressee's name ("family given") printed on a letter."""
    [code] = CODE.findall(text)
    name = next(line for line in text.splitlines() if line.rstrip().endswith("様"))
    return code, name.rstrip().removesuffix("様").rstrip("\u3000 ")


def test_a_printed_letters_code_opens_the_prefilled_application(
    make_page,
    live_demo,  # noqa: F811
    shoot,
    tmp_path,
):
    page = staff_in(make_page, live_demo, "係長 ふみ", "supervisor", "child-support")
    page.goto(f"/staff/programs/{SLUG}")
    expect(page.locator("main h1")).to_have_text("児童扶養手当")
    expect(page.get_by_role("checkbox", name=re.compile("郵送で案内する"))).to_be_checked()
    expect(page.locator("#program-letter-basis")).to_have_value(re.compile("個人情報保護法"))
    page.get_by_role("button", name="承認して開始する").click()
    page.get_by_role("dialog").get_by_role("button", name="承認して開始する").click()
    expect(page.locator('[data-row="status"]')).to_contain_text("実施中")

    section = page.get_by_role("region", name="郵送のお知らせ（勧奨通知）")
    waiting = section.locator("[data-letters-waiting] dd")
    expect(waiting).to_have_text(re.compile(r"^[\d,]+通$"))
    count = int(waiting.inner_text().rstrip("通").replace(",", ""))
    assert count >= 2, f"the demo's approval queued {count} letters: {_letters(live_demo)}"
    expect(section).to_contain_text("個人情報保護法")
    assert_no_axe_violations(page, "letters waiting")
    shoot(page, "letters-staff-waiting-desktop")

    section.get_by_role("button", name=re.compile("^印刷用ファイルを作る")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("確認コードを発行します")
    dialog.get_by_role("button", name="印刷用ファイルを作る").click()
    success = section.locator(".notice--success .notice__title")
    expect(success).to_have_text(re.compile(r"通のお知らせを印刷用ファイルにしました"),
                                 timeout=60_000)  # fmt: skip
    expect(waiting).to_have_text("0通")
    row = section.locator("tr[data-batch]")
    expect(row).to_have_count(1)
    assert_no_axe_violations(page, "letters printed")
    shoot(page, "letters-staff-printed-desktop")
    page.set_viewport_size(PHONE)
    # On a phone the batch is a card: both files side by side, nothing scrolls sideways.
    expect(row.get_by_role("link", name=re.compile("PDFをダウンロード"))).to_be_visible()
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.staff-table-scroll')]
              .filter((box) => box.offsetParent !== null)
              .map((box) => [box.scrollWidth, box.clientWidth])"""
    )
    assert boxes and all(scroll <= client for scroll, client in boxes), boxes
    assert_no_axe_violations(page, "letters printed (phone)")
    shoot(page, "letters-staff-printed-phone")
    row.screenshot(path="/tmp/staff-letters-row-390.png")
    page.set_viewport_size(DESKTOP)

    with page.expect_download() as download:
        row.get_by_role("link", name=re.compile("PDFをダウンロード")).click()
    pdf = tmp_path / "letters.pdf"
    download.value.save_as(pdf)
    texts = [letter.extract_text() for letter in PdfReader(pdf).pages]
    assert len(texts) == _letters(live_demo)["printed"] >= 2
    audited = _query(
        live_demo, "SELECT COUNT(*) AS n FROM audit_event WHERE action = 'letters.downloaded'"
    )
    assert int(audited[0]["n"]) == 1  # downloaded once, recorded once
    assert unexpected_console_errors(page) == []

    for text, viewport, size in ((texts[0], PHONE, "phone"), (texts[1], DESKTOP, "desktop")):
        _open_the_letter(make_page, shoot, text, viewport, size)


def _open_the_letter(make_page, shoot, text: str, viewport, size: str) -> None:
    """A resident with no account opens what the letter's QR code opens and lands on the
    application, pre-filled with the name the letter was addressed to."""
    assert "児童扶養手当のご案内" in text and "〒" in text
    code, name = _letter(text)
    page = make_page(viewport)
    http_errors = _watch_http_errors(page)
    Authenticator(page)
    page.goto(f"/activate?code={code}")
    main = page.locator("main")
    expect(main.locator("h1")).to_have_text("お知らせのコードで始める")
    expect(main).to_contain_text("確認コードはQRコードから入力済みです")
    assert_no_axe_violations(page, "activate: passkey")
    _shoot_whole(page, shoot, f"letters-activate-1-{size}")

    main.get_by_role("button", name="パスキーを作成して次へ").click()
    expect(main).to_contain_text("パスキーでサインインしています")
    expect(main.get_by_role("textbox", name="確認コード")).to_have_value(code)
    expect(main.get_by_role("heading", name=re.compile("確認コードを入れる"))).to_be_focused()
    prefill = main.get_by_role("switch", name="申請書に市の記録を入れる")
    expect(prefill).not_to_be_checked()  # their choice, never assumed
    prefill.check()
    assert_no_axe_violations(page, "activate: code")
    _shoot_whole(page, shoot, f"letters-activate-2-{size}")

    main.get_by_role("button", name="確認して申請へ進む").click()
    expect(page).to_have_url(re.compile(rf"/procedures/{SLUG}/apply\?draft=\d+"))
    expect(page.locator("#apply-claimant_name")).to_have_value(name)
    expect(page.locator("#apply-claimant_name-field .prefill__source")).to_contain_text(
        "住民基本台帳"
    )
    _shoot_whole(page, shoot, f"letters-activate-3-application-{size}")
    assert [e for e in http_errors if not e.startswith("4")] == []
    assert unexpected_console_errors(page) == []

    # The code is used up: the same letter binds nobody else.
    other = make_page(viewport)
    Authenticator(other)
    other.goto(f"/activate?code={code}")
    other.get_by_role("button", name="パスキーを作成して次へ").click()
    other.get_by_role("button", name="確認して申請へ進む").click()
    expect(other.locator("#activate-code-error")).to_contain_text("確認コード")
