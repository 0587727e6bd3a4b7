"""The back office as staff use it in a browser: a caseworker signs in with a passkey, works
the queue, asks the resident for more information, the resident amends, the caseworker
approves; the consented 360° view with its purpose and a consultation with follow-ups; a
supervisor duplicates a procedure in the designer and publishes it, and residents get it;
metrics; an administrator imports registry rows, checks the audit chain, answers a
correction request and deactivates a colleague.

The resident's side goes through the API, as the resident app would: an httpx client with a
software authenticator (passkey with user verification) against the same server.

These tests run against a demo of their own (own port, own database): they publish a
procedure and add registry rows and staff, which the other browser tests must not see.
Every screen is checked with axe and photographed at desktop size (var/screenshots/
staff-*.png); the queue, the case and the menu also at phone size.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect
from soft_authenticator import SoftAuthenticator
from test_staff_identity import (
    add_authenticator,
    assert_no_axe_violations,
    register_staff,
    unexpected_console_errors,
)
from viewports import DESKTOP, PHONE

from conftest import CITY
from todoke import clock

pytestmark = pytest.mark.browser

SLUG = "child-rearing-allowance"
PWA = Path(__file__).resolve().parents[2] / "pwa"


# --- a demo of this module's own ---------------------------------------------------------


class Demo:
    """`todoke demo` on a free port with its own data folder (or PostgreSQL database)."""

    def __init__(self, url: str, env: dict[str, str], data_dir: Path) -> None:
        self.url, self.env, self.data_dir = url, env, data_dir

    def query(self, sql: str) -> list[dict]:
        url = self.env.get("TODOKE_DATABASE_URL", "")
        if url:
            import asyncpg

            async def fetch() -> list[dict]:
                connection = await asyncpg.connect(url)
                try:
                    return [dict(row) for row in await connection.fetch(sql)]
                finally:
                    await connection.close()

            with ThreadPoolExecutor(1) as pool:
                return pool.submit(asyncio.run, fetch()).result()
        with sqlite3.connect(self.data_dir / "todoke.sqlite3") as connection:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute(sql).fetchall()]

    def todoke(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "todoke.cli", *args, "--data-dir", str(self.data_dir)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )


def _off_loop(coroutine) -> None:
    """Run admin SQL on a thread of its own: sync Playwright may already hold an event loop
    on this one (a module's server can start after other browser tests)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


async def _admin_sql(sql: str, url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("backoffice-data")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODOKE_")}
    base_url = os.environ.get("TODOKE_DATABASE_URL", "")
    own_url = ""
    if base_url:
        prefix, _, name = base_url.rpartition("/")
        own_url = f"{prefix}/{name}_backoffice"
        _off_loop(
            _admin_sql(
                f"DROP DATABASE IF EXISTS {name}_backoffice WITH (FORCE)", f"{prefix}/postgres"
            )
        )
        _off_loop(_admin_sql(f"CREATE DATABASE {name}_backoffice", f"{prefix}/postgres"))
        env["TODOKE_DATABASE_URL"] = own_url
    env["TODOKE_PUBLIC_ORIGINS"] = f"http://localhost:{port}"
    env["TODOKE_LOG_LEVEL"] = "WARNING"
    env["TODOKE_AUTH_RATE_LIMIT"] = "100000"
    env["TODOKE_VERIFICATION_RATE_LIMIT"] = "100000"
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "todoke.cli", "demo", "--host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(data_dir), "--persons", "300"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("demo did not start:\n" + (data_dir / "server.log").read_text())
            time.sleep(0.3)
        yield Demo(url, env, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if own_url:
            prefix, _, name = own_url.rpartition("/")
            _off_loop(
                _admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"{prefix}/postgres")
            )


@pytest.fixture(scope="module")
def live_server(live_demo: Demo) -> str:
    return live_demo.url


# --- helpers ----------------------------------------------------------------------------


def staff_in(make_page, live_demo, name: str, role: str, *departments: str, viewport=DESKTOP):
    """A fresh browser signed in at /staff as name/role of the given departments."""
    args = ["create-staff", name, "--role", role]
    for code in departments:
        args += ["--department", code]
    link = live_demo.todoke(*args).stdout.strip().splitlines()[-1].strip()
    assert link.startswith(f"{live_demo.url}/staff/invite#"), link
    page = make_page(viewport)
    add_authenticator(page)
    page.goto(link)
    page.get_by_role("button", name="パスキーを作成して登録").click()
    page.wait_for_url(f"{live_demo.url}/staff")
    expect(page.locator("main h1")).to_have_text("職員メニュー")
    return page


def nav(page):
    return page.get_by_role("navigation", name="職員メニュー")


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def single_parent(live_demo) -> str:
    """A single parent heading a household with children, without an account yet (taken
    from the end of the registry, far from the heads other tests use)."""
    rows = live_demo.query(
        "SELECT p.registry_id FROM person p WHERE p.relation = 'head' AND p.status = 'resident' "
        f"AND p.municipality = {CITY} "
        "AND p.single_parent AND EXISTS (SELECT 1 FROM person c WHERE c.household = "
        "p.household AND c.relation = 'child' AND c.status = 'resident') AND NOT EXISTS "
        "(SELECT 1 FROM account a WHERE a.person = p.id) ORDER BY p.id DESC LIMIT 1"
    )
    assert rows, "the demo registry has no single parent left"
    return rows[0]["registry_id"]


class Resident:
    """The resident's side through the API: a passkey with user verification, the
    activation letter's code, consent to pre-filling, then 児童扶養手当 with a PNG."""

    def __init__(self, live_demo, registry_id: str) -> None:
        self.url = live_demo.url
        self.registry_id = registry_id
        self.client = httpx.Client(base_url=live_demo.url, timeout=20)
        authenticator = SoftAuthenticator()
        options = self.client.post("/api/auth/registration/options", json={"display_name": "住民"})
        assert options.status_code == 200, options.text
        registered = self.client.post(
            "/api/auth/registration",
            json={"credential": authenticator.create(options.json(), live_demo.url)},
        )
        assert registered.status_code == 201, registered.text
        self.headers = {"x-csrf-token": registered.json()["csrf_token"]}
        code = live_demo.todoke("issue-activation-code", registry_id).stdout.split()[-1]
        verified = self.post("/api/me/verification", json={"code": code})
        assert verified.status_code == 200, verified.text
        consent = self.post("/api/me/consents", json={"purpose": "prefill", "granted": True})
        assert consent.status_code == 200, consent.text

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.client.post(
            path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )

    def get(self, path: str) -> dict:
        response = self.client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    def file_child_rearing_allowance(self) -> dict:
        form = self.get(f"/api/procedures/{SLUG}/form")
        assert form["can_file"], form["blockers"]
        upload = self.post(
            "/api/attachments",
            params={"filename": "koseki.png"},
            content=png_bytes(),
            headers={"content-type": "application/octet-stream"},
        )
        assert upload.status_code == 201, upload.text
        answers = {name: held["value"] for name, held in form["prefill"].items()}
        answers.update(
            phone="090-1234-5678",
            occupation="会社員",
            children_living_apart="no",
            reason="divorce",
            public_pension="none",
            bank_account={
                "bank_code": "0001",
                "branch_code": "123",
                "type": "普通",
                "number": "1234567",
                "holder": "ジュウミン ハナコ",
            },
            family_register=[upload.json()["id"]],
            interview_wish=(clock.today() + timedelta(days=10)).isoformat(),
            declaration=True,
        )
        filed = self.post(
            "/api/applications",
            json={"slug": SLUG, "version": form["version"], "answers": answers},
            headers={"idempotency-key": f"e2e-backoffice-{self.registry_id}"},
        )
        assert filed.status_code == 201, filed.text
        return filed.json()


def error_summary(page):
    """The one error summary shown (a case has one per form), focused as it should be."""
    summary = page.locator(".error-summary:not([hidden])")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    return summary


def fits(page, width: int) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def no_sideways_tables(page) -> None:
    """On a phone, every table shown is a list of cards: no box scrolls sideways."""
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.staff-table-scroll')]
              .filter((box) => box.offsetParent !== null)
              .map((box) => [box.scrollWidth, box.clientWidth])"""
    )
    assert all(scroll <= client for scroll, client in boxes), boxes
    fits(page, PHONE["width"])
    # Cards keep the table's roles written out (WebKit drops them from display: block rows):
    # each card is a row, each line a cell or row header, in a table.
    unroled = page.evaluate(
        """() => [...document.querySelectorAll('table.staff-table--cards')]
              .filter((table) => table.offsetParent !== null)
              .flatMap((table) => [
                table.getAttribute('role') === 'table' ? null : 'table',
                ...[...table.querySelectorAll('tr')].map((row) =>
                  row.getAttribute('role') === 'row' ? null : row.textContent.slice(0, 30)),
                ...[...table.querySelectorAll('td')].map((cell) =>
                  cell.getAttribute('role') === 'cell' ? null : cell.textContent.slice(0, 30)),
              ]).filter(Boolean)"""
    )
    assert unroled == [], unroled


# --- the staff dictionary ------------------------------------------------------------------


def test_every_staff_key_the_screens_name_is_in_the_dictionary():
    """Keys written out in the staff scripts and shell (data-i18n, t('…'), labelKey…) exist in
    staff-ja.json; keys made from API values (status.${code}…) are checked by the screens."""
    messages = json.loads((PWA / "assets/i18n/staff-ja.json").read_text(encoding="utf-8"))
    namespaces = {key.split(".")[0] for key in messages}
    literal = re.compile(r"""['"]([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_]+)+)['"]""")
    attribute = re.compile(r"""data-i18n(?:-[\w-]+)?=["']([\w.]+)["']""")
    files = [*sorted((PWA / "assets/js/staff").glob("*.js")), PWA / "staff/index.html"]
    missing = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        text = re.sub(r"(?m)^\s*//.*$", "", text)
        keys = set(attribute.findall(text)) | {
            key
            for key in literal.findall(text)
            if key.split(".")[0] in namespaces and not key.endswith((".js", ".json", ".csv"))
        }
        # A key with a count may be written as its plural forms only (i18n.js: key.other).
        found = set(messages) | {key.removesuffix(".other") for key in messages}
        missing += [f"{path.name}: {key}" for key in sorted(keys - found)]
    assert missing == []
    # A guard for the finder itself: it sees the keys the screens use.
    assert "cases.claim" in messages and "case.decision.submit" in messages


# --- the caseworker's day ------------------------------------------------------------------


def test_a_caseworker_asks_for_more_information_and_approves_the_amended_claim(
    make_page, live_demo, shoot
):
    resident = Resident(live_demo, single_parent(live_demo))
    filed = resident.file_child_rearing_allowance()
    case_id, receipt = filed["id"], filed["receipt_number"]

    page = staff_in(make_page, live_demo, "担当 一子", "caseworker", "child-support")
    # A caseworker's places: cases yes, the designer and the administrators' screens no.
    expect(nav(page).get_by_role("link", name="申請", exact=True)).to_be_visible()
    expect(nav(page).get_by_role("link", name="手続き", exact=True)).to_have_count(0)
    expect(nav(page).get_by_role("link", name="監査", exact=True)).to_have_count(0)
    # Home offers what the role may do: no identity checks (the API refuses caseworkers).
    expect(page.get_by_role("link", name="申請の審査")).to_be_visible()
    expect(page.get_by_role("link", name="窓口での本人確認")).to_have_count(0)
    assert_no_axe_violations(page, "/staff (caseworker)")
    shoot(page, "staff-home-caseworker-desktop")

    nav(page).get_by_role("link", name="申請", exact=True).click()
    expect(page.locator("main h1")).to_have_text("申請の一覧")
    assert page.title() == "申請の一覧｜とどけ 職員用"
    row = page.locator(f'tr[data-case="{case_id}"]')
    expect(row).to_contain_text(receipt)
    expect(row).to_contain_text("児童扶養手当 認定請求")
    expect(row).to_contain_text("受付済み")
    expect(row.locator("[data-assignee]")).to_have_text("未割当")
    # No personal data in the queue.
    assert "ジュウミン" not in page.locator("main").inner_text()

    # Filters live in the address: unassigned, then only the late ones (none yet).
    page.get_by_label("担当者", exact=True).select_option("none")
    page.get_by_role("button", name="絞り込む").click()
    expect(page).to_have_url(re.compile(r"/staff/cases\?assignee=none$"))
    expect(row).to_be_visible()
    page.get_by_label("期限超過のみ").check()
    page.get_by_role("button", name="絞り込む").click()
    expect(page).to_have_url(re.compile(r"assignee=none&breached=true"))
    expect(page.get_by_text("条件に合う申請はありません。")).to_be_visible()
    page.reload()
    expect(page.get_by_label("期限超過のみ")).to_be_checked()
    expect(page.get_by_label("担当者", exact=True)).to_have_value("none")
    page.get_by_role("link", name="条件を元に戻す").click()
    expect(page.get_by_label("状態", exact=True)).to_have_value("open")

    assert_no_axe_violations(page, "/staff/cases")
    shoot(page, "staff-cases-desktop")
    page.get_by_role("button", name=f"担当する {receipt}").click()
    expect(row.locator("[data-assignee]")).to_have_text("自分")
    expect(row.get_by_role("button")).to_have_count(0)
    expect(row.get_by_role("link", name=receipt)).to_be_focused()

    # Opening a case asks why first, with nothing chosen for them: one click opens nothing.
    row.get_by_role("link", name=receipt).click()
    expect(page.locator("main h1")).to_have_text("申請を開く")
    expect(page.get_by_label("閲覧の目的")).to_have_value("")
    expect(page.locator("main")).to_contain_text("住民本人のアプリにも表示されます")
    assert_no_axe_violations(page, "/staff/cases/:id (purpose)")
    page.get_by_role("button", name="申請を開く").click()
    expect(error_summary(page)).to_contain_text("閲覧の目的を選んでください")
    expect(page.get_by_label("閲覧の目的")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(rf"/staff/cases/{case_id}$"))
    assert_no_axe_violations(page, "/staff/cases/:id (no purpose chosen)")
    shoot(page, "staff-case-purpose-desktop")
    page.screenshot(path="/tmp/staff-case-purpose-1280.png", full_page=True)
    # The purpose is kept in the address.
    page.get_by_label("閲覧の目的").select_option("case_handling")
    page.get_by_role("button", name="申請を開く").click()
    expect(page).to_have_url(re.compile(rf"/staff/cases/{case_id}\?purpose=case_handling$"))
    expect(page.locator("main h1")).to_have_text("児童扶養手当 認定請求")
    expect(page.locator("[data-receipt]")).to_have_text(receipt)
    assert page.title() == f"{receipt}（児童扶養手当 認定請求）｜とどけ 職員用"
    expect(page.locator("[data-case-status]")).to_contain_text("受付済み")
    expect(page.locator("main")).to_contain_text("閲覧の目的「申請の審査」として記録されています")
    opened = live_demo.query(
        "SELECT purpose FROM audit_event WHERE action = 'application.opened' "
        "ORDER BY id DESC LIMIT 1"
    )
    assert opened[-1]["purpose"] == "case_handling"

    # Answers with where the registry values came from; the attachment downloads.
    name_row = page.locator('[data-answer="claimant_name"]')
    expect(name_row.locator(".staff-provenance")).to_contain_text(re.compile(r"住民基本台帳.*時点"))
    expect(page.locator("[data-changed]")).to_have_count(0)
    expect(page.locator('[data-answer="occupation"]')).to_contain_text("会社員")
    # Written as the resident's own screens write them (answers.js): choices by their label,
    # yes/no in words, dates with the era, the phone grouped, the account's parts named.
    expect(page.locator('[data-answer="reason"]')).to_contain_text("父母が離婚した")
    expect(page.locator('[data-answer="children_living_apart"]')).to_contain_text("いいえ")
    expect(page.locator('[data-answer="interview_wish"] .staff-answers__value')).to_have_text(
        re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日（令和\d+年）$")
    )
    expect(page.locator('[data-answer="phone"]')).to_contain_text("090-1234-5678")
    expect(page.locator('[data-answer="bank_account"]')).to_contain_text("普通")
    expect(page.locator('[data-answer="declaration"]')).to_contain_text("同意する")
    for raw in ("divorce", "ordinary", "true"):
        expect(page.locator(".staff-answers")).not_to_contain_text(raw)
    attachment = page.get_by_role("link", name="koseki.png")
    download = page.request.get(attachment.get_attribute("href"))
    assert download.status == 200 and download.body().startswith(b"\x89PNG")
    expect(page.locator("[data-assignee]")).to_contain_text("自分")

    # An internal note: kept from the resident.
    expect(page.get_by_text("職員メモ（住民には表示されません）")).to_be_visible()
    page.get_by_label("メモを追加").fill("面談で別居の有無を確認する")
    page.get_by_role("button", name="メモを保存").click()
    expect(page.locator("[data-note]")).to_contain_text("面談で別居の有無を確認する")
    assert "面談で別居の有無" not in json.dumps(resident.get(f"/api/applications/{case_id}"))

    # More information: the message is required, and said so; the document asked for has
    # its own field, offered only with this choice.
    expect(page.get_by_label("求める書類（任意）")).to_be_hidden()
    page.get_by_label("追加情報を依頼").check()
    page.get_by_label("求める書類（任意）").fill("源泉徴収票")
    page.get_by_role("button", name="状態を変更する").click()
    expect(error_summary(page)).to_contain_text("住民に依頼する内容を入力してください")
    page.get_by_label("住民へのメッセージ（依頼内容・却下の理由）").fill(
        "職業欄を、勤務先と仕事の内容がわかるように書き直してください。"
    )
    page.get_by_role("button", name="状態を変更する").click()
    expect(page.locator("[data-done]")).to_contain_text("状態を「追加情報の依頼」に変更しました")
    expect(page.locator("[data-case-status]")).to_contain_text("追加情報の依頼")
    assert_no_axe_violations(page, "/staff/cases/:id (info requested)")
    shoot(page, "staff-case-desktop")

    # The resident sees the request and amends: another job, and one child instead of two.
    detail = resident.get(f"/api/applications/{case_id}")
    assert detail["status"] == "info_requested" and detail["can_amend"]
    assert detail["request"]["document"] == "源泉徴収票"
    assert detail["request"]["message"].startswith("職業欄を")
    answers = {a["name"]: a["value"] for a in detail["answers"]}
    answers["occupation"] = "スーパー店員（パート）"
    answers["children"] = answers["children"][:1]
    amended = resident.client.put(
        f"/api/applications/{case_id}/answers",
        json={"version": detail["version"], "answers": answers, "message": "職業を直しました"},
        headers=resident.headers,
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["status"] == "in_review"

    # The caseworker reloads: the same purpose, in review, the amendment in the timeline.
    page.reload()
    expect(page.locator("main h1")).to_have_text("児童扶養手当 認定請求")
    expect(page.locator("[data-case-status]")).to_contain_text("審査中")
    amendment = page.locator('[data-event="amended"]')
    expect(amendment).to_contain_text("住民が申請内容を直して再提出しました")
    expect(amendment).to_contain_text("職業を直しました")
    # (The server keeps text NFKC-normalised: the brackets come back half-width.)
    expect(page.locator('[data-answer="occupation"]')).to_contain_text("スーパー店員(パート)")
    expect(page.locator('[data-answer="children"] [data-changed]')).to_have_text("住民が変更")
    expect(page.locator("[data-changed-count]")).to_contain_text("1 件")

    # Approval asks first; cancelling changes nothing.
    page.get_by_label("承認", exact=False).first.check()
    page.get_by_role("button", name="状態を変更する").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("この申請を承認しますか？")
    expect(dialog).to_contain_text(receipt)
    assert_no_axe_violations(page, "/staff/cases/:id (confirm approval)")
    shoot(page, "staff-case-confirm-desktop")
    dialog.get_by_role("button", name="キャンセル").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("[data-case-status]")).to_contain_text("審査中")
    page.get_by_role("button", name="状態を変更する").click()
    page.get_by_role("dialog").get_by_role("button", name="承認する").click()
    expect(page.locator("[data-case-status]")).to_contain_text("承認")
    expect(page.locator("[data-final]")).to_contain_text("この申請は「承認」で完了しています")
    assert resident.get(f"/api/applications/{case_id}")["status"] == "approved"
    assert_no_axe_violations(page, "/staff/cases/:id (approved)")
    shoot(page, "staff-case-approved-desktop")

    # A caseworker may not open the designer: said in words, not a broken screen.
    page.goto("/staff/procedures")
    expect(page.locator("main h1")).to_have_text("この役割では使えない画面です")

    # The same work on a phone: cards instead of the table, a menu for the other places.
    page.set_viewport_size(PHONE)
    page.goto("/staff/cases?status=all")
    card = page.locator(f'li[data-case="{case_id}"]')
    expect(card).to_be_visible()
    expect(card).to_contain_text("承認")
    expect(page.locator(f'tr[data-case="{case_id}"]')).to_be_hidden()
    no_sideways_tables(page)
    assert_no_axe_violations(page, "/staff/cases (phone)")
    shoot(page, "staff-cases-phone")
    page.screenshot(path="/tmp/staff-queue-390.png", full_page=True)
    menu = page.get_by_role("button", name="メニュー")
    expect(nav(page).get_by_role("link", name="訂正依頼")).to_be_hidden()
    menu.click()
    expect(page.get_by_role("button", name="閉じる")).to_have_attribute("aria-expanded", "true")
    expect(nav(page).get_by_role("link", name="訂正依頼")).to_be_visible()
    assert_no_axe_violations(page, "/staff/cases (phone, menu open)")
    shoot(page, "staff-menu-phone")
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="メニュー")).to_be_focused()

    card.get_by_role("link", name=receipt).click()
    expect(page.get_by_label("閲覧の目的")).to_have_value("")
    page.get_by_role("button", name="申請を開く").click()
    expect(error_summary(page)).to_contain_text("閲覧の目的を選んでください")
    fits(page, PHONE["width"])
    assert_no_axe_violations(page, "/staff/cases/:id (no purpose chosen, phone)")
    page.screenshot(path="/tmp/staff-case-purpose-390.png", full_page=True)
    page.get_by_label("閲覧の目的").select_option("case_handling")
    page.get_by_role("button", name="申請を開く").click()
    expect(page.locator("[data-case-status]")).to_contain_text("承認")
    fits(page, PHONE["width"])
    assert_no_axe_violations(page, "/staff/cases/:id (phone)")
    shoot(page, "staff-case-phone")
    assert unexpected_console_errors(page) == []


# --- the resident 360° view and consultations ------------------------------------------------


def test_staff_open_a_resident_for_a_case_or_a_reason_and_record_a_consultation(
    make_page, live_demo, shoot
):
    registry_id = single_parent(live_demo)
    resident = Resident(live_demo, registry_id)
    filed = resident.file_child_rearing_allowance()
    person = live_demo.query(
        f"SELECT id, family_name, given_name FROM person WHERE registry_id = '{registry_id}'"
    )[0]
    name = f"{person['family_name']} {person['given_name']}"

    # The counter: no basis is chosen for them; a reason alone shows identity and contact.
    page = staff_in(make_page, live_demo, "窓口 二子", "support", "child-support")
    expect(nav(page).get_by_role("link", name="申請", exact=True)).to_have_count(0)
    nav(page).get_by_role("link", name="住民", exact=True).click()
    expect(page.locator("main h1")).to_have_text("住民の記録")
    expect(page.get_by_label("閲覧の目的")).to_have_count(0)
    assert_no_axe_violations(page, "/staff/residents")
    shoot(page, "staff-residents-desktop")
    page.get_by_role("button", name="記録を開く").click()
    expect(error_summary(page)).to_contain_text("住民コードを入力してください")
    assert_no_axe_violations(page, "/staff/residents (errors)")
    page.get_by_label("住民コード").fill(registry_id)
    page.get_by_role("button", name="記録を開く").click()

    expect(page).to_have_url(re.compile(rf"/staff/residents/{registry_id}$"))
    expect(page.locator("main h1")).to_have_text("住民の記録を開く")
    for kind in ("申請（あなたの部署の案件）", "相談記録", "フォローアップ"):
        expect(page.get_by_label(kind)).not_to_be_checked()
    expect(page.get_by_label("理由", exact=True)).to_be_hidden()
    assert_no_axe_violations(page, "/staff/residents/:id (basis)")
    page.get_by_role("button", name="記録を開く").click()
    expect(error_summary(page)).to_contain_text("記録を開く根拠を選んでください")
    page.get_by_label("上のどれにも当たらない（理由を書く）").check()
    expect(page.get_by_label("番号", exact=True)).to_be_hidden()
    page.get_by_label("理由", exact=True).fill("確認")
    page.get_by_role("button", name="記録を開く").click()
    summary = error_summary(page)
    expect(summary).to_contain_text("理由の種類を選んでください")
    expect(summary).to_contain_text("理由を10〜500文字で書いてください")
    assert_no_axe_violations(page, "/staff/residents/:id (basis errors)")
    page.get_by_label("理由の種類").select_option("counter_support")
    page.get_by_label("理由", exact=True).fill("窓口で本人から児童扶養手当の手続きの相談")
    page.get_by_role("button", name="記録を開く").click()

    expect(page).to_have_url(re.compile(rf"/staff/residents/{registry_id}\?reason_category="))
    expect(page.locator("main h1")).to_have_text(name)
    expect(page.locator("main")).to_contain_text(
        "この閲覧は「理由による閲覧（窓口での手続き支援）」として記録されています"
    )
    withheld = page.locator("[data-withheld]")
    expect(withheld.locator('[data-withheld-reason="need_to_know"]')).to_contain_text("世帯")
    expect(withheld).to_contain_text("生活保護")
    expect(page.locator("#resident-household")).to_have_count(0)
    expect(page.locator("#resident-applications")).to_have_count(0)
    expect(page.locator("#resident-facts")).to_have_count(0)
    expect(page.locator("#resident-person")).to_contain_text("住所")
    assert_no_axe_violations(page, "/staff/residents/:id (counter)")
    viewed = live_demo.query(
        "SELECT purpose FROM audit_event WHERE action = 'resident.viewed' "
        f"AND subject_person = {person['id']} ORDER BY id"
    )
    assert [v["purpose"] for v in viewed] == ["reason"]
    openings = live_demo.query(
        f"SELECT category, reason FROM reason_opening WHERE person = {person['id']}"
    )
    assert openings == [
        {"category": "counter_support", "reason": "窓口で本人から児童扶養手当の手続きの相談"}
    ]

    # Their supervisor reads the reason and marks it reviewed; the counter cannot list them.
    expect(nav(page).get_by_role("link", name="閲覧確認")).to_have_count(0)
    page = staff_in(make_page, live_demo, "係長 四郎", "supervisor", "child-support")
    nav(page).get_by_role("link", name="閲覧確認").click()
    expect(page.locator("main h1")).to_have_text("理由による閲覧の確認")
    row = page.locator("tr", has_text=registry_id)
    expect(row).to_contain_text("窓口 二子")
    expect(row).to_contain_text("窓口での手続き支援")
    expect(row).to_contain_text("窓口で本人から児童扶養手当の手続きの相談")
    assert_no_axe_violations(page, "/staff/openings")
    shoot(page, "staff-openings-desktop")
    page.set_viewport_size(PHONE)
    expect(row.locator("td").first).to_have_attribute("data-label", "閲覧日時")
    no_sideways_tables(page)
    assert_no_axe_violations(page, "/staff/openings (phone)")
    page.screenshot(path="/tmp/staff-openings-390.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    row.get_by_role("button", name=re.compile("^確認済みにする")).click()
    expect(row.get_by_role("button")).to_have_count(0)
    expect(row.locator("td").last).to_have_text("確認済み")
    reviewed = live_demo.query(
        f"SELECT reviewed_at FROM reason_opening WHERE person = {person['id']}"
    )
    assert reviewed[0]["reviewed_at"] is not None

    # The caseworker of the claim's department opens it for the case: the household and
    # the application are theirs to see. A case of another department is refused, said why.
    page = staff_in(make_page, live_demo, "子育て 三郎", "caseworker", "child-support")
    page.goto(f"{live_demo.url}/staff/residents/{registry_id}?case=999999")
    expect(page.locator("main h1")).to_have_text("住民の記録を開く")
    expect(error_summary(page)).to_contain_text("あなたの部署のこの住民の案件を指定してください")
    page.goto(f"{live_demo.url}/staff/residents/{registry_id}?case={filed['id']}")
    expect(page.locator("main h1")).to_have_text(name)
    expect(page.locator("main")).to_contain_text(
        f"この閲覧は「申請 {filed['receipt_number']} の審査」として記録されています"
    )
    sharing = page.locator('[data-sharing="false"]')
    expect(sharing).to_contain_text("本人の同意がないため、他部署の記録は表示していません")
    household = page.locator("#resident-household")
    expect(household).to_contain_text("本人")
    expect(household).to_contain_text("子")
    expect(page.locator("#resident-applications")).to_contain_text(filed["receipt_number"])
    expect(page.locator('[data-withheld-reason="consent"]')).to_contain_text("ひとり親")
    viewed = live_demo.query(
        "SELECT purpose FROM audit_event WHERE action = 'resident.viewed' "
        f"AND subject_person = {person['id']} ORDER BY id"
    )
    assert [v["purpose"] for v in viewed] == ["reason", "case"]

    # A consultation: what is missing is said; follow-up rows come and go.
    page.get_by_role("button", name="相談を記録する").click()
    summary = error_summary(page)
    expect(summary).to_contain_text("相談の分野を1つ以上選んでください")
    expect(summary).to_contain_text("相談の内容を入力してください")
    page.get_by_label("子育て", exact=True).check()
    page.get_by_label("お金・生活費", exact=True).check()
    page.get_by_label("相談の内容").fill(
        "就労と保育所の利用について相談。児童扶養手当の手続きを案内した。"
    )
    page.get_by_role("button", name="フォローアップを追加").click()
    page.get_by_role("button", name="フォローアップを追加").click()
    expect(page.get_by_label("対応 2", exact=True)).to_be_focused()
    page.get_by_role("button", name="対応 2 を削除").click()
    expect(page.get_by_label("対応 2", exact=True)).to_have_count(0)
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    page.get_by_label("対応 1", exact=True).fill("保育課に空き状況を確認して電話する")
    page.get_by_label("対応 1 の期限").fill(yesterday)
    assert_no_axe_violations(page, "/staff/residents/:id (consultation form)")
    page.get_by_role("button", name="相談を記録する").click()
    expect(page.locator("[data-recorded]")).to_have_text("相談を記録しました。")
    consultations = page.locator("#resident-consultations")
    expect(consultations).to_contain_text("就労と保育所の利用について相談")
    expect(consultations).to_contain_text("お金・生活費、子育て")
    expect(consultations).to_contain_text("保育課に空き状況を確認して電話する")
    assert_no_axe_violations(page, "/staff/residents/:id")
    shoot(page, "staff-resident-desktop")
    page.screenshot(path="/tmp/staff-resident-1280.png", full_page=True)
    # On a phone the record's tables (household, applications) are cards.
    page.set_viewport_size(PHONE)
    expect(page.locator("#resident-applications")).to_contain_text(filed["receipt_number"])
    no_sideways_tables(page)
    assert_no_axe_violations(page, "/staff/residents/:id (phone)")
    page.screenshot(path="/tmp/staff-resident-390.png", full_page=True)
    page.set_viewport_size(DESKTOP)

    # The follow-up is due (overdue, even): listed first, marked, and done with one press.
    nav(page).get_by_role("link", name="フォローアップ").click()
    expect(page.locator("main h1")).to_have_text("フォローアップ")
    task = page.locator(".staff-follow-up", has_text="保育課に空き状況を確認して電話する")
    expect(task).to_contain_text("期限超過")
    expect(task).to_have_class(re.compile("is-overdue"))
    expect(page.locator(".staff-follow-up").first).to_have_class(re.compile("is-overdue"))
    assert_no_axe_violations(page, "/staff/follow-ups")
    shoot(page, "staff-follow-ups-desktop")
    task.get_by_role("button", name=re.compile("^完了")).click()
    expect(task).to_have_count(0)
    done = live_demo.query(
        "SELECT done_at FROM follow_up WHERE task = '保育課に空き状況を確認して電話する'"
    )
    assert done and done[0]["done_at"] is not None
    assert unexpected_console_errors(page) == []


# --- the designer and metrics ------------------------------------------------------------------


def test_a_supervisor_duplicates_a_procedure_publishes_it_and_sees_the_metrics(
    make_page, live_demo, shoot
):
    Resident(live_demo, single_parent(live_demo)).file_child_rearing_allowance()
    page = staff_in(make_page, live_demo, "係長 三子", "supervisor", "child-support")
    nav(page).get_by_role("link", name="手続き", exact=True).click()
    expect(page.locator("main h1")).to_have_text("手続きの設計")
    assert_no_axe_violations(page, "/staff/procedures")
    shoot(page, "staff-procedures-desktop")
    page.get_by_role("link", name=re.compile("^編集.*児童扶養手当 認定請求$")).click()
    expect(page).to_have_url(re.compile(rf"/staff/procedures/{SLUG}$"))
    expect(page.locator("[data-version]")).to_have_text("公開中：第1版")
    expect(page.locator("#designer-slug")).to_have_value(SLUG)

    # Duplicate through the JSON view (folded away at first): a new slug and title; the
    # inputs follow.
    json_view = page.get_by_label("手続きの定義（JSON）")
    expect(json_view).to_be_hidden()
    page.get_by_text("JSON（上級者向け）").click()
    definition = json.loads(json_view.input_value())
    assert definition["slug"] == SLUG
    definition["slug"] = "single-parent-support-e2e"
    definition["title"] = {
        "ja": "ひとり親家庭 自立支援の申込",
        "easy": "ひとりおやの かていの しえん",
        "en": "Single-parent family support",
    }
    json_view.fill(json.dumps(definition, ensure_ascii=False, indent=2))
    expect(page.locator("#designer-slug")).to_have_value("single-parent-support-e2e")
    expect(page.locator('[name="title.ja"]')).to_have_value("ひとり親家庭 自立支援の申込")

    # And the other way: an input edits the JSON.
    page.locator('[name="title.en"]').fill("Single-parent family support application")
    assert json.loads(json_view.input_value())["title"]["en"] == (
        "Single-parent family support application"
    )

    # A field edited in its folded editor: moved up, and the form says where it went.
    occupation = page.locator(".designer-field", has_text="職業").first
    occupation.locator("summary").click()
    expect(occupation.get_by_label("項目名")).to_have_value("occupation")
    occupation.get_by_role("button", name=re.compile("上へ移動")).click()
    moved = json.loads(json_view.input_value())["form"]["sections"][0]["fields"]
    order = [field["name"] for field in moved]
    assert order.index("occupation") < order.index("phone")
    # Only a date can be a booked day; the interview's is one, shown on residents' homes.
    expect(occupation.get_by_label("予約日として扱う（住民のホームに表示）")).to_be_hidden()
    interview = page.locator(".designer-field", has_text="面談の希望日").first
    expect(interview.locator("summary")).to_contain_text("予約日")
    interview.locator("summary").click()
    booked = interview.get_by_label("予約日として扱う（住民のホームに表示）")
    expect(booked).to_be_checked()
    booked.uncheck()
    fields = json.loads(json_view.input_value())["form"]["sections"]
    wish = next(f for s in fields for f in s["fields"] if f["name"] == "interview_wish")
    assert not wish.get("appointment")
    booked.check()
    fields = json.loads(json_view.input_value())["form"]["sections"]
    wish = next(f for s in fields for f in s["fields"] if f["name"] == "interview_wish")
    assert wish["appointment"] is True

    # What the screen can check, it says before asking the server.
    page.locator("#designer-slug").fill("bad slug")
    page.get_by_role("button", name="公開する", exact=True).click()
    expect(error_summary(page)).to_contain_text("識別名は英数字とハイフンで")
    page.locator("#designer-slug").fill("single-parent-support-e2e")

    # What only the server knows comes back in the summary, on the JSON view.
    broken = json.loads(json_view.input_value())
    broken["online"] = "sometimes"
    json_view.fill(json.dumps(broken, ensure_ascii=False))
    page.get_by_role("button", name="プレビュー").click()
    expect(error_summary(page)).to_contain_text("sometimes")
    expect(json_view).to_have_attribute("aria-invalid", "true")
    broken["online"] = "partial"
    json_view.fill(json.dumps(broken, ensure_ascii=False, indent=2))

    page.get_by_role("button", name="プレビュー").click()
    expect(page.locator("[data-preview-title]")).to_have_text("ひとり親家庭 自立支援の申込")
    preview = page.locator(".designer-preview")
    expect(preview).to_contain_text("職業")
    expect(preview).to_contain_text("登録情報：住民基本台帳の氏名")
    expect(preview).to_contain_text("面談")
    expect(page.locator(".error-summary")).to_be_hidden()
    assert_no_axe_violations(page, "/staff/procedures/:slug (preview)")
    shoot(page, "staff-designer-desktop")

    page.get_by_role("button", name="公開する", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("「ひとり親家庭 自立支援の申込」を公開しますか？")
    expect(dialog).to_contain_text("公開した版は変更できません")
    dialog.get_by_role("button", name="公開する").click()
    expect(page.locator("[data-published]")).to_contain_text("第1版として公開しました")
    expect(page).to_have_url(re.compile(r"/staff/procedures/single-parent-support-e2e$"))
    listed = httpx.get(f"{live_demo.url}/api/procedures").json()["items"]
    new = next(p for p in listed if p["slug"] == "single-parent-support-e2e")
    assert new["title"]["ja"] == "ひとり親家庭 自立支援の申込"
    assert new["department"]["code"] == "child-support"
    form = httpx.get(f"{live_demo.url}/api/procedures/single-parent-support-e2e/form").json()
    names = [field["name"] for section in form["form"]["sections"] for field in section["fields"]]
    assert names.index("occupation") < names.index("phone")

    # A second publication is the next version; the first one stays as it was.
    page.locator('[name="title.ja"]').fill("ひとり親家庭 自立支援の申込（改）")
    page.get_by_role("button", name="公開する", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="公開する").click()
    expect(page.locator("[data-published]")).to_contain_text("第2版として公開しました")
    expect(page.locator("[data-version]")).to_have_text("公開中：第2版")
    assert_no_axe_violations(page, "/staff/procedures/:slug (published)")
    shoot(page, "staff-designer-published-desktop")

    # A new procedure starts from an empty form.
    page.goto("/staff/procedures/new")
    expect(page.locator("main h1")).to_have_text("新しい手続き")
    expect(page.locator("#designer-department")).to_have_value("child-support")
    assert_no_axe_violations(page, "/staff/procedures/new")

    # Metrics: the procedure with its received claim, and the same figures as CSV.
    nav(page).get_by_role("link", name="実績", exact=True).click()
    expect(page.locator("main h1")).to_have_text("処理実績")
    row = page.locator(f'tr[data-procedure="{SLUG}"]')
    expect(row).to_contain_text("児童扶養手当 認定請求")
    received = int(row.locator("td").first.inner_text())
    assert received >= 1
    with page.expect_download() as download:
        page.get_by_role("link", name="CSVをダウンロード").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.startswith("procedure,title,received")
    assert SLUG in csv_text
    assert_no_axe_violations(page, "/staff/metrics")
    shoot(page, "staff-metrics-desktop")
    assert unexpected_console_errors(page) == []


def test_the_designer_preview_draws_fields_as_residents_get_them_and_changes_nothing(
    make_page, live_demo, shoot
):
    """The preview is the residents' own field renderers (the same label, hint, options and
    pre-fill note, the same markup), with every control disabled: nothing typed, chosen,
    uploaded or looked up reaches the server. Staff notes (type, condition) sit beside."""
    from todoke.procedures.catalogue import CHILD_REARING_FORM

    specs = {spec.name: spec for section in CHILD_REARING_FORM.sections for spec in section.fields}
    page = staff_in(make_page, live_demo, "係長 四子", "supervisor", "child-support")
    page.goto(f"/staff/procedures/{SLUG}")
    expect(page.locator("#designer-slug")).to_have_value(SLUG)
    page.get_by_role("button", name="プレビュー").click()
    frame = page.locator(".designer-preview__frame")
    expect(frame.locator("[data-preview-title]")).to_have_text("児童扶養手当 認定請求")
    expect(frame).to_have_attribute("lang", "ja")
    # The staff app's own words stay its own though it now also loads the residents' ones.
    assert page.title().endswith("とどけ 職員用")
    expect(nav(page)).to_be_visible()

    # A choice: its legend and options are the definition's words, in the residents' markup.
    reason = frame.locator('[data-field="reason"]')
    expect(reason).to_have_class(re.compile(r"\bfield field--choice choice-group\b"))
    expect(reason.locator("legend .field__label-text")).to_have_text(specs["reason"].label.ja)
    expect(reason.locator(".field__required")).to_have_text("※必須")
    expect(reason.locator(".choice__label")).to_have_text(
        [option.label.ja for option in specs["reason"].options]
    )
    # A hint, named by its input as the resident form does.
    phone = frame.locator('[data-field="phone"]')
    expect(phone.locator(".field__hint")).to_have_text(specs["phone"].help.ja)
    hint_id = phone.locator(".field__hint").get_attribute("id")
    assert hint_id in (phone.locator("input").get_attribute("aria-describedby") or "")
    # A pre-filled, locked field says where its value comes from and why it is locked; the
    # preview offers no "この情報が違う" (it would send a correction request).
    name = frame.locator('[data-field="claimant_name"]')
    expect(name.locator(".prefill__source")).to_have_text("登録情報：住民基本台帳の氏名")
    expect(name.locator(".prefill__lock")).to_have_text(specs["claimant_name"].lock_reason.ja)
    expect(frame.locator(".prefill__wrong")).to_have_count(0)
    # The five parts of a bank account, the upload button and the consent, as residents see them.
    expect(frame.locator('[data-field="bank_account"]').locator("input, select")).to_have_count(5)
    expect(frame.locator('[data-field="family_register"] .file-picker__button')).to_have_text(
        "ファイルを選ぶ"
    )
    expect(frame.locator('[data-field="declaration"] .choice__label')).to_contain_text(
        specs["declaration"].label.ja
    )

    # Staff notes around the field: its type, and the condition that shows it (shown anyway).
    detail = frame.locator('[data-preview-field="pension_detail"]')
    expect(detail).to_be_visible()
    expect(detail.locator(".designer-preview-field__type")).to_have_text("テキスト（1行）")
    expect(detail).to_contain_text("「公的年金の受給」が「受けている」のときに表示")
    expect(detail).not_to_contain_text("receiving")
    expect(frame.locator('[data-preview-field="children"]')).to_contain_text(
        "住民の世帯員から選びます（複数可）。"
    )

    # Nothing can be changed: every control is disabled, and what a resident's form would send
    # (an upload, a postal code look-up) is never asked for, even when the events come.
    controls = frame.locator("input, select, textarea, button")
    assert controls.count() > 20
    expect(
        frame.locator("input:enabled, select:enabled, textarea:enabled, button:enabled")
    ).to_have_count(0)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(f"{request.method} {request.url}"))
    first_reason = reason.locator("input").first
    first_reason.click(force=True)
    expect(first_reason).not_to_be_checked()
    page.evaluate(
        """() => {
          const preview = document.querySelector('.designer-preview');
          const file = preview.querySelector('[data-field="family_register"] input');
          const transfer = new DataTransfer();
          transfer.items.add(new File(['%PDF-1.4'], 'koseki.pdf', { type: 'application/pdf' }));
          file.files = transfer.files;
          file.dispatchEvent(new Event('change', { bubbles: true }));
          const postal = preview.querySelector('[data-field="claimant_postal_code"] input');
          postal.value = '1000001';
          postal.dispatchEvent(new Event('input', { bubbles: true }));
        }"""
    )
    page.wait_for_timeout(500)
    assert [line for line in asked if "/api/" in line] == []
    expect(frame.locator(".file-list__item")).to_have_count(0)

    assert_no_axe_violations(page, "/staff/procedures/:slug (preview)")
    frame.scroll_into_view_if_needed()
    shoot(page, "staff-designer-preview-desktop")
    page.set_viewport_size(PHONE)
    expect(frame.locator('[data-field="reason"]')).to_be_visible()
    fits(page, PHONE["width"])
    assert_no_axe_violations(page, "/staff/procedures/:slug (preview, phone)")
    shoot(page, "staff-designer-preview-phone")
    assert unexpected_console_errors(page) == []


# --- the administrator ----------------------------------------------------------------------


def test_an_administrator_imports_checks_the_audit_answers_a_correction_and_deactivates(
    make_page, live_demo, shoot
):
    resident = Resident(live_demo, single_parent(live_demo))
    correction = resident.post(
        "/api/corrections", json={"slug": SLUG, "field": "claimant_kana", "note": "読みが違います"}
    )
    assert correction.status_code == 201, correction.text
    colleague = staff_in(make_page, live_demo, "異動 四郎", "caseworker", "child-support")
    admin = register_staff(make_page, live_demo, "管理 五郎", "administrator")
    page = admin
    assert_no_axe_violations(page, "/staff (administrator)")
    shoot(page, "staff-home-admin-desktop")

    # Registry import: a file with a bad row is checked and refused; a good one is applied.
    nav(page).get_by_role("link", name="取込", exact=True).click()
    expect(page.locator("main h1")).to_have_text("住民記録の取込")
    page.get_by_role("button", name="確認する").click()
    expect(error_summary(page)).to_contain_text("取り込むファイルを選んでください")
    header = (
        "registry_id,household_id,relation,family_name,given_name,family_name_kana,"
        "given_name_kana,birth_date,sex,postal_code,address\n"
    )
    good = (
        "9900000001,HE2E01,head,取込,花子,トリコミ,ハナコ,1985-06-01,female,181-0013,"
        "東京都三鷹市下連雀三丁目1-1\n"
    )
    bad = "9900000002,,,取込,,,,,,,\n"
    page.locator("#import-file").set_input_files(
        files=[
            {
                "name": "registry.csv",
                "mimeType": "text/csv",
                "buffer": (header + good + bad).encode(),
            }
        ]
    )
    page.get_by_role("button", name="確認する").click()
    report = page.locator(".staff-import-result")
    expect(report.locator('[data-count="failed"]')).to_contain_text("1")
    expect(report.locator(".import-errors")).to_contain_text("9900000002")
    expect(report).to_contain_text("反映できません")
    expect(page.get_by_role("button", name="反映する")).to_have_count(0)
    assert_no_axe_violations(page, "/staff/import (errors)")
    shoot(page, "staff-import-errors-desktop")
    page.locator("#import-file").set_input_files(
        files=[{"name": "registry.csv", "mimeType": "text/csv", "buffer": (header + good).encode()}]
    )
    expect(report).to_be_empty()
    page.get_by_role("button", name="確認する").click()
    expect(report.locator('[data-count="created"]')).to_contain_text("1")
    assert live_demo.query("SELECT id FROM person WHERE registry_id = '9900000001'") == []
    page.get_by_role("button", name="反映する").click()
    page.get_by_role("dialog").get_by_role("button", name="反映する").click()
    expect(report.locator('[data-import-status="applied"]')).to_be_visible()
    assert live_demo.query("SELECT given_name FROM person WHERE registry_id = '9900000001'") == [
        {"given_name": "花子"}
    ]
    assert_no_axe_violations(page, "/staff/import (applied)")
    shoot(page, "staff-import-desktop")

    # The audit trail: verified whole, and exported for a period.
    nav(page).get_by_role("link", name="監査", exact=True).click()
    expect(page.locator("main h1")).to_have_text("監査ログ")
    page.get_by_role("button", name="改ざんを確認する").click()
    verified = page.locator('[data-audit-ok="true"]')
    expect(verified).to_contain_text(re.compile(r"改ざんは見つかりませんでした（[0-9,]+件）"))
    # The export's days are Japan's: in UTC's evening, Japan is already on tomorrow.
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
    page.get_by_label("開始日").fill(today.isoformat())
    page.get_by_label("終了日").fill(today.isoformat())
    expect(page.get_by_text("終了日は開始日より後の日付にしてください")).to_be_visible()
    page.get_by_label("終了日").fill((today + timedelta(days=1)).isoformat())
    with page.expect_download() as download:
        page.get_by_role("link", name="CSVをダウンロード").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert exported.startswith("id,occurred_at,actor_kind")
    assert "registry.imported" in exported
    assert_no_axe_violations(page, "/staff/audit")
    shoot(page, "staff-audit-desktop")

    # A correction request: 「訂正しない」 needs the reason, which reaches the resident.
    nav(page).get_by_role("link", name="訂正依頼", exact=True).click()
    expect(page.locator("main h1")).to_have_text("登録情報の訂正依頼")
    item = page.locator(f'[data-correction="{correction.json()["id"]}"]')
    expect(item).to_contain_text("読みが違います")
    item.get_by_role("button", name="訂正しない").click()
    expect(error_summary(page)).to_contain_text("訂正しない理由を入力してください")
    assert_no_axe_violations(page, "/staff/corrections (errors)")
    shoot(page, "staff-corrections-open-desktop")
    item.get_by_label("住民への回答").fill("住民基本台帳の読みと同じため、訂正しません。")
    item.get_by_role("button", name="訂正しない").click()
    answered = page.locator("#corrections-done-title").locator("..")
    expect(answered).to_contain_text("住民基本台帳の読みと同じため")
    mine = resident.get("/api/corrections")["items"][0]
    assert mine["status"] == "rejected" and mine["reply"].startswith("住民基本台帳の読み")
    assert_no_axe_violations(page, "/staff/corrections")
    shoot(page, "staff-corrections-desktop")

    # Staff accounts: departments changed, then the colleague deactivated after a warning.
    nav(page).get_by_role("link", name="職員", exact=True).click()
    expect(page.locator("main h1")).to_have_text("職員の管理")
    expect(page.get_by_role("link", name="職員を招待する")).to_have_attribute(
        "href", "/staff/invites"
    )
    account_id = live_demo.query("SELECT id FROM account WHERE display_name = '異動 四郎'")[0]["id"]
    card = page.locator(f'[data-account-id="{account_id}"]')
    card.get_by_label("保育課").check()
    card.get_by_role("button", name="保存する").click()
    card = page.locator(f'[data-account-id="{account_id}"]')
    expect(card.locator("[data-done]")).to_contain_text(
        "異動 四郎さんの役割と担当部署を保存しました"
    )
    expect(card.get_by_label("保育課")).to_be_checked()
    codes = live_demo.query(
        "SELECT d.code FROM staff_department sd JOIN department d ON d.id = sd.department "
        f"WHERE sd.account = {account_id} ORDER BY d.code"
    )
    assert [c["code"] for c in codes] == ["child-support", "nursery"]
    assert_no_axe_violations(page, "/staff/accounts")
    shoot(page, "staff-accounts-desktop")
    page.screenshot(path="/tmp/staff-accounts-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    expect(card.get_by_label("保育課")).to_be_visible()
    no_sideways_tables(page)
    assert_no_axe_violations(page, "/staff/accounts (phone)")
    page.screenshot(path="/tmp/staff-accounts-390.png", full_page=True)
    page.set_viewport_size(DESKTOP)

    colleague.reload()  # saving ended the colleague's sessions: sign in again
    expect(colleague.locator("main h1")).to_have_text("職員サインイン")
    colleague.get_by_role("button", name="パスキーでサインイン").click()
    expect(colleague.locator("main h1")).to_have_text("職員メニュー")

    card.get_by_role("button", name=re.compile("^無効にする")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("この職員のすべてのセッションがすぐに終了します")
    assert_no_axe_violations(page, "/staff/accounts (confirm)")
    shoot(page, "staff-accounts-confirm-desktop")
    dialog.get_by_role("button", name="無効にする").click()
    card = page.locator(f'[data-account-id="{account_id}"]')
    expect(card.locator('[data-state="inactive"]')).to_have_text("無効")
    expect(card.get_by_role("button")).to_have_count(0)
    assert colleague.request.get("/api/me").status == 401
    colleague.reload()
    expect(colleague.locator("main h1")).to_have_text("職員サインイン")
    assert unexpected_console_errors(page) == []
