"""The whole of an online procedure against the real demo server, nothing mocked: a verified
demo resident opens 児童扶養手当, finds name, kana, birth date, address and household
pre-filled with their source, completes the rest, attaches a file, submits, sees the receipt
and the status; then a caseworker approves and the resident sees it."""

from __future__ import annotations

import re
import struct
import zlib

import pytest
from playwright.sync_api import expect
from test_resident_identity import (
    Authenticator,
    _activation_code,
    _main,
    _say,
    _shoot_whole,
    _sign_up,
    _watch_http_errors,
)
from viewports import DESKTOP, PHONE

from todoke import clock

pytestmark = pytest.mark.browser

SLUG = "child-rearing-allowance"

# A single parent heading a household with a child under 18: the 児童扶養手当 case. The
# last such household, so the identity tests (which take the first heads) never share it.
SINGLE_PARENT_SQL = """
SELECT p.registry_id, p.family_name, p.given_name, p.family_name_kana, p.given_name_kana,
       p.birth_date, p.address
FROM person p
WHERE p.relation = 'head' AND p.status = 'resident' AND p.single_parent
  AND p.municipality = (SELECT id FROM municipality WHERE origin IS NULL)
  AND EXISTS (SELECT 1 FROM person c WHERE c.household = p.household AND c.id <> p.id
              AND c.birth_date > '{cutoff}')
  -- Not one with an account (the demo's, or another test's that took the last single
  -- parent first): a verification code for them would be refused.
  AND NOT EXISTS (SELECT 1 FROM account a WHERE a.person = p.id)
ORDER BY p.id DESC LIMIT 1
"""


def _png(path) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00" * 2 + b"\x00" + b"\x00\x00\xff" * 2)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )  # fmt: skip


def _single_parent(live_demo) -> dict:

    today = clock.today()
    cutoff = today.replace(year=today.year - 18).isoformat()
    rows = live_demo.query(SINGLE_PARENT_SQL.format(cutoff=cutoff))
    assert rows, "the demo registry has a single-parent household"
    return rows[0]


def _next(page) -> None:
    _main(page).get_by_role("button", name=re.compile("^次へ")).click()


def test_a_verified_resident_files_child_rearing_allowance(live_demo, make_page, shoot, tmp_path):
    person = _single_parent(live_demo)
    full_name = f"{person['family_name']} {person['given_name']}"
    page = make_page(PHONE)
    http_errors = _watch_http_errors(page)
    Authenticator(page)
    _sign_up(page, "はは")

    # Verified by the letter's code; pre-fill consent given on its own screen.
    page.goto("/account/verify")
    main = _main(page)
    code = _activation_code(live_demo, person["registry_id"])
    main.get_by_role("textbox", name="確認コード").fill(code)
    main.get_by_role("button", name="確認する", exact=True).click()
    _say(page, "本人確認ができました")
    page.goto("/account/consents")
    main.get_by_role("switch", name=re.compile("申請書への自動入力")).check()
    _say(page, "同意しました（保存済み）")

    # The procedure page, then the form.
    page.goto(f"/procedures/{SLUG}")
    expect(page.locator("main h1")).to_have_text("児童扶養手当 認定請求")
    _shoot_whole(page, shoot, "flow-1-procedure-phone")
    main.get_by_role("button", name="申請をはじめる").click()
    expect(page).to_have_url(re.compile(rf"/procedures/{SLUG}/apply\?draft=\d+"))

    # Pre-filled, locked, with where each value came from.
    name = page.locator("#apply-claimant_name")
    expect(name).to_have_value(full_name)
    expect(name).to_have_attribute("readonly", "")
    expect(page.locator("#apply-claimant_kana")).to_have_value(
        f"{person['family_name_kana']} {person['given_name_kana']}"
    )
    expect(page.locator("#apply-claimant_birth_date")).to_have_value(str(person["birth_date"]))
    expect(page.locator("#apply-claimant_address")).to_have_value(person["address"])
    source = page.locator("#apply-claimant_name-field .prefill__source")
    expect(source).to_contain_text("住民基本台帳")
    expect(source).to_contain_text("時点")
    _shoot_whole(page, shoot, "flow-2-prefilled-phone")
    page.locator("#apply-phone").fill("090-1234-5678")
    page.locator("#apply-occupation").fill("会社員")
    _next(page)

    # The household arrives with the children already chosen.
    children = page.locator("#apply-children-field input[type=checkbox]:checked")
    expect(children.first).to_be_visible()
    assert children.count() >= 1
    _shoot_whole(page, shoot, "flow-3-children-phone")
    page.locator("#apply-children_living_apart-field").get_by_label("いいえ").check()
    _next(page)

    page.locator("#apply-reason-field").get_by_label("離婚").check()
    page.locator("#apply-public_pension-field").get_by_label(re.compile("受けていない")).check()
    _next(page)

    page.get_by_label("金融機関コード").fill("0001")
    page.get_by_label("支店コード").fill("123")
    page.get_by_label("種別").select_option("普通")
    page.get_by_label("口座番号").fill("1234567")
    page.get_by_label("口座名義（カナ）").fill(person["family_name_kana"])
    scan = tmp_path / "koseki.png"
    _png(scan)
    page.locator("#apply-family_register").set_input_files(str(scan))
    expect(page.locator("#apply-family_register-field .file-list__item")).to_contain_text(
        "koseki.png"
    )
    page.locator("#apply-interview_wish").fill("2027-01-15")
    expect(page.locator("#apply-interview_wish-era")).to_have_text("令和9年1月15日")
    page.locator("#apply-declaration-field input[type=checkbox]").check()
    _shoot_whole(page, shoot, "flow-4-last-step-phone")
    main.get_by_role("button", name="入力内容の確認へ").click()

    # Check your answers: nothing sent yet, said plainly.
    expect(page.locator("main h1")).to_have_text("申請内容の確認")
    expect(main).to_contain_text("まだ送信されていません")
    expect(page.locator("#review-claimant_name")).to_contain_text("住民基本台帳")
    _shoot_whole(page, shoot, "flow-5-review-phone")
    main.get_by_role("button", name="この内容で申請する").click()

    # The receipt and the status.
    expect(page).to_have_url(re.compile(r"/applications/\d+\?new=1"))
    expect(page.locator("main h1")).to_have_text("申請を受け付けました")
    expect(main).to_contain_text("受付番号")
    number = re.search(r"\d{6}-[0-9A-Z]{8}", main.inner_text())
    assert number, main.inner_text()
    expect(page.locator(".status-steps__item[aria-current=step]")).to_contain_text("受付")
    _shoot_whole(page, shoot, "flow-6-receipt-phone")
    page.set_viewport_size(DESKTOP)
    _shoot_whole(page, shoot, "flow-6-receipt-desktop")
    page.set_viewport_size(PHONE)

    rows = live_demo.query(
        f"SELECT a.status, a.channel, t.filename FROM application a "
        f"JOIN attachment t ON t.application = a.id "
        f"WHERE a.receipt_number = '{number.group(0)}'"
    )
    assert rows == [{"status": "submitted", "channel": "self", "filename": "koseki.png"}]
    printable = page.request.get(
        page.locator("main a", has_text="受付票を印刷").get_attribute("href")
    )
    assert printable.ok and number.group(0) in printable.text()

    # In the inbox and in my applications.
    page.goto("/inbox")
    expect(_main(page)).to_contain_text("申請を受け付けました")
    page.goto("/applications")
    expect(_main(page)).to_contain_text(number.group(0))
    _shoot_whole(page, shoot, "flow-7-applications-phone")
    assert http_errors == [], http_errors
