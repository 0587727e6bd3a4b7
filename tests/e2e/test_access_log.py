"""Issue 15, "promises kept": the staff screens promise that an opening of a resident's
record is shown in the resident's own app. A staff member at the counter opens a
resident's record on a written reason; the resident finds it on「わたしの情報を見た記録」
(reached from the account screen): when (in the Japanese era), who (the role, never the
staff member's name), which department, what and why (the kind of reason, never the
words the staff member wrote), in Japanese, plain Japanese and English, at phone and
desktop size, with no axe violations.

Screenshots go to var/screenshots/access-log-*.png (or TODOKE_SCREENSHOT_DIR).
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect
from soft_authenticator import SoftAuthenticator
from test_resident_identity import (
    Authenticator,
    _activation_code,
    _check_console,
    _person,
    _say,
    _shoot_whole,
    _sign_up,
    _watch_http_errors,
    _without_autofill,
)
from test_staff_backoffice import Resident, single_parent
from test_staff_identity import add_authenticator, assert_no_axe_violations
from viewports import DESKTOP, PHONE

pytestmark = pytest.mark.browser

STAFF_NAME = "窓口 記録子"
REASON = "本人から電話で手当の手続きについて問い合わせがあった"


def _staff(make_page, live_demo, name: str, role: str, department: str, viewport=DESKTOP):
    """Staff of one department, signed in at /staff."""
    output = live_demo.todoke(
        "create-staff", name, "--role", role, "--department", department
    ).stdout
    link = output.strip().splitlines()[-1].strip()
    assert link.startswith(f"{live_demo.url}/staff/invite#"), output
    page = make_page(viewport)
    add_authenticator(page)
    page.goto(link)
    page.get_by_role("button", name="パスキーを作成して登録").click()
    page.wait_for_url(f"{live_demo.url}/staff")
    expect(page.locator("main h1")).to_have_text("職員メニュー")
    return page


def _open_on_a_reason(staff, registry_id: str, shoot) -> None:
    staff.goto(f"/staff/residents/{registry_id}")
    expect(staff.locator("main h1")).to_have_text("住民の記録を開く")
    # The promise the resident's screen keeps: department and role, not the name.
    expect(staff.locator("main")).to_contain_text("本人には職員の名前ではなく部署と役割が表示され")
    shoot(staff, "access-log-staff-basis-desktop")
    staff.get_by_label("上のどれにも当たらない（理由を書く）").check()
    staff.get_by_label("理由の種類").select_option("resident_inquiry")
    staff.get_by_label("理由", exact=True).fill(REASON)
    staff.get_by_role("button", name="記録を開く").click()
    expect(staff.locator("main")).to_contain_text("この閲覧は「理由による閲覧")


def _entries(page):
    return page.locator("main .access-log__entry")


def _in(page, language: str) -> None:
    page.evaluate(f"localStorage.setItem('todoke.lang', '{language}')")
    page.reload()


def test_the_resident_sees_who_opened_their_record_and_why(live_demo, make_page, shoot):
    person = _person(live_demo, 23)
    page = make_page(PHONE)
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    Authenticator(page)
    main = page.locator("main")

    # Before anything happened: the empty state says what will appear here.
    _sign_up(page, "きろく")
    page.goto("/account/access-log")
    expect(main.locator("h1")).to_have_text("わたしの情報を見た記録")
    _say(page, "まだ記録はありません")
    expect(main).to_contain_text("日時・部署・目的が表示されます")
    assert_no_axe_violations(page, "/account/access-log (empty)")
    _shoot_whole(page, shoot, "access-log-1-empty-phone")

    # Verified by the letter's code: the resident's own steps, but no staff opening yet.
    code = _activation_code(live_demo, person["registry_id"])
    page.goto("/account/verify")
    main.get_by_role("textbox", name="確認コード").fill(code)
    main.get_by_role("button", name="確認する", exact=True).click()
    _say(page, "本人確認ができました")
    page.goto("/account/access-log")
    _say(page, "職員があなたの記録を開いた記録はありません")
    expect(_entries(page)).to_have_count(0)
    expect(main).to_contain_text("0件")
    assert_no_axe_violations(page, "/account/access-log (no staff yet)")
    _shoot_whole(page, shoot, "access-log-1b-no-staff-phone")

    # Staff at the counter open the record on a written reason.
    staff = _staff(make_page, live_demo, STAFF_NAME, "support", "citizens")
    _open_on_a_reason(staff, person["registry_id"], shoot)

    # The resident reaches the log from the account screen.
    page.goto("/account")
    link = main.get_by_role("link", name=re.compile("わたしの情報を見た記録"))
    expect(link).to_contain_text("市の職員がいつ、なぜ、あなたの記録を開いたかを見る")
    link.scroll_into_view_if_needed()
    shoot(page, "access-log-account-link-phone")
    link.click()
    page.wait_for_url(re.compile(r"/account/access-log$"))
    expect(_entries(page)).to_have_count(1)
    entry = _entries(page).first
    expect(entry.locator("h2")).to_have_text("あなたの記録を開きました")
    expect(entry).to_contain_text("市の職員（窓口支援）")
    expect(entry).to_contain_text("市民課")
    expect(entry).to_contain_text("理由を書いて開きました（上司が確認します）")
    expect(entry).to_contain_text("理由の種類：あなたからの問い合わせ")
    expect(entry.locator("time")).to_contain_text(re.compile(r"^20\d\d年\d+月\d+日"))
    text = main.inner_text()
    assert STAFF_NAME not in text and REASON not in text
    assert "resident.viewed" not in text and "resident_inquiry" not in text
    expect(main).to_contain_text("1件")
    assert_no_axe_violations(page, "/account/access-log (staff)")
    _shoot_whole(page, shoot, "access-log-2-staff-phone")

    # Everything: the resident's own verification and the letter, in words too.
    main.get_by_label("すべて").check()
    expect(entry).to_be_attached()
    expect(main).to_contain_text("本人確認が済みました")
    expect(main).to_contain_text("確認コードの手紙を出しました")
    expect(main.locator('.access-log__entry[data-actor="you"]').first).to_contain_text("あなた")
    assert_no_axe_violations(page, "/account/access-log (all)")
    _shoot_whole(page, shoot, "access-log-3-all-phone")
    page.set_viewport_size(DESKTOP)
    main.get_by_label("職員によるもの").check()
    expect(_entries(page)).to_have_count(1)
    assert_no_axe_violations(page, "/account/access-log (desktop)")
    shoot(page, "access-log-4-desktop")

    # Plain Japanese and English: every part in words of that language.
    _in(page, "easy")
    expect(main.locator("h1")).to_have_text("わたしの じょうほうを みた きろく")
    entry = _entries(page).first
    expect(entry.locator("h2")).to_have_text("あなたの きろくを みました")
    expect(entry).to_contain_text("しの しょくいん（まどぐち）")
    expect(entry).to_contain_text("しみんか")
    expect(entry).to_contain_text("りゆうの しゅるい：あなたからの しつもん")
    assert_no_axe_violations(page, "/account/access-log (easy)")
    shoot(page, "access-log-5-easy-desktop")
    page.set_viewport_size(PHONE)
    _shoot_whole(page, shoot, "access-log-6-easy-phone")

    _in(page, "en")
    expect(main.locator("h1")).to_have_text("Who looked at my information")
    entry = _entries(page).first
    expect(entry.locator("h2")).to_have_text("Opened your record")
    expect(entry).to_contain_text("City staff (counter support)")
    expect(entry).to_contain_text("Citizens Division")
    expect(entry).to_contain_text("Kind of reason: your own inquiry")
    expect(main).to_contain_text("1 entry")
    assert_no_axe_violations(page, "/account/access-log (en)")
    _shoot_whole(page, shoot, "access-log-7-en-phone")
    page.set_viewport_size(DESKTOP)
    shoot(page, "access-log-8-en-desktop")

    # A language switch in place (what /settings does) redraws the log where it stands: the
    # filter keeps its choice, and every word follows.
    main.get_by_label("Everything").check()
    page.evaluate(
        """() => import(document.querySelector('link[rel=modulepreload][href$="/js/i18n.js"]')
          .href).then((i18n) => i18n.loadLanguage('ja'))"""
    )
    expect(main.locator("h1")).to_have_text("わたしの情報を見た記録")
    expect(main.get_by_label("すべて")).to_be_checked()
    expect(main).to_contain_text("本人確認が済みました")
    expect(_entries(page).locator('[lang="en"]')).to_have_count(0)
    expect(main.locator(".access-log__count")).to_have_text(re.compile(r"^\s*\d+件\s*$"))

    # axe resolves app.css's @import against the page's address (a 404, not the app's).
    _check_console(page, http_errors, (r"404 GET /tokens\.css",))


def test_signed_out_the_log_asks_to_sign_in(make_page, shoot):
    page = make_page(PHONE)
    _without_autofill(page)
    page.goto("/account/access-log")
    main = page.locator("main")
    expect(main.locator("h1")).to_have_text("わたしの情報を見た記録")
    _say(page, "パスキーでサインインしてください")
    assert_no_axe_violations(page, "/account/access-log (signed out)")
    _shoot_whole(page, shoot, "access-log-0-signed-out-phone")


class NicknamedResident(Resident):
    """Resident (test_staff_backoffice) signed up as 「ちよこ」, then verified by letter."""

    NICKNAME = "ちよこ"

    def __init__(self, live_demo, registry_id: str) -> None:
        self.url = live_demo.url
        self.registry_id = registry_id
        self.client = httpx.Client(base_url=live_demo.url, timeout=20)
        authenticator = SoftAuthenticator()
        options = self.client.post(
            "/api/auth/registration/options", json={"display_name": self.NICKNAME}
        )
        assert options.status_code == 200, options.text
        registered = self.client.post(
            "/api/auth/registration",
            json={"credential": authenticator.create(options.json(), live_demo.url)},
        )
        assert registered.status_code == 201, registered.text
        self.headers = {"x-csrf-token": registered.json()["csrf_token"]}
        code = live_demo.todoke("issue-activation-code", registry_id).stdout.split()[-1]
        assert self.post("/api/me/verification", json={"code": code}).status_code == 200
        consent = self.post("/api/me/consents", json={"purpose": "prefill", "granted": True})
        assert consent.status_code == 200, consent.text


def test_the_staff_case_names_a_verified_applicant_by_the_registry(live_demo, make_page, shoot):
    """Issue 15: after verification the case, its timeline and the receipt say 氏名, not the
    nickname chosen at sign-up."""
    resident = NicknamedResident(live_demo, single_parent(live_demo))
    filed = resident.file_child_rearing_allowance()
    said = resident.post(f"/api/applications/{filed['id']}/messages", json={"text": "お願いします"})
    assert said.status_code == 200, said.text
    person = live_demo.query(
        f"SELECT family_name, given_name FROM person WHERE registry_id = '{resident.registry_id}'"
    )[0]
    name = f"{person['family_name']} {person['given_name']}"
    receipt = resident.client.get(f"/api/applications/{filed['id']}/receipt").text
    assert f"申請者：{name}（本人：{name}）" in receipt and "ちよこ" not in receipt

    for viewport, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        staff = _staff(
            make_page, live_demo, f"担当 {label}", "caseworker", "child-support", viewport
        )
        staff.goto(f"/staff/cases/{filed['id']}?purpose=case_handling")
        expect(staff.locator("[data-receipt]")).to_have_text(filed["receipt_number"])
        timeline = staff.locator("#case-timeline")
        expect(timeline.locator("[data-event]")).to_have_count(2)
        for who in timeline.locator(".staff-timeline__who").all():
            expect(who).to_contain_text(name)
        expect(staff.locator("main")).to_contain_text(name)
        assert "ちよこ" not in staff.locator("main").inner_text()
        assert_no_axe_violations(staff, f"/staff/cases/:id ({label})")
        timeline.scroll_into_view_if_needed()
        shoot(staff, f"access-log-staff-case-{label}")


def test_a_failed_load_says_so_and_retries(make_page, shoot):
    page = make_page(PHONE)
    _without_autofill(page)
    Authenticator(page)
    _sign_up(page, "きろく2")
    state = {"failing": True, "asked": []}

    def unavailable(route):
        state["asked"].append(route.request.url.split("/api/", 1)[1])
        if state["failing"]:
            route.fulfill(
                status=503,
                content_type="application/problem+json",
                body='{"status": 503, "title": "Service Unavailable", "detail": "止まっています"}',
            )
        else:
            route.continue_()

    page.route(re.compile(r"/api/me/access-log(\?.*)?$"), unavailable)
    page.goto("/account/access-log")
    _say(page, "記録を表示できませんでした")
    assert_no_axe_violations(page, "/account/access-log (error)")
    _shoot_whole(page, shoot, "access-log-9-error-phone")
    state["failing"] = False
    page.locator("main").get_by_role("button", name=re.compile("もう一度")).click()
    _say(page, "まだ記録はありません")
    # Everything, and the staff's own list (never crowded out by the resident's sign-ins).
    assert sorted(set(state["asked"])) == ["me/access-log", "me/access-log?actor=staff"]
