"""Issue 15's "Done when": the resident's and the staff's journeys, end to end against a real
demo, every screen checked at 390×844 and 1280×800 (journey_kit.check_screen: axe finds
nothing, no dictionary key or raw code among the visible words, a screenshot in
var/screenshots/journey-<language>-<screen>-<size>.png).

The resident's journey runs in 日本語, やさしい日本語 and English: first run signed out,
passkey, the letter's code, consent to pre-filling, home's timeline, 住民票の写しの請求 found
and filed with the registry's values pre-filled — sent while offline, so it waits on the device
and goes by itself once the network is back — the department asks for more, the resident
answers, the access log shows the opening, the inbox, and the read-aloud control.

The staff journey (the staff app is Japanese only): sign in, the queue, a case opened for a
chosen purpose, a named document asked for, approval; a resident's record opened on a written
reason; a programme built with the rule builder, which its submitter is not offered to approve
and a colleague approves.

A demo of this module's own: approving a programme writes notices into residents' inboxes,
which the other browser tests must not meet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from journey_kit import as_staff, check_screen, number_in
from playwright.sync_api import expect
from screen_text import city_words
from soft_authenticator import SoftAuthenticator
from test_resident_identity import (
    Authenticator,
    _activation_code,
    _without_autofill,
)
from test_search_read_text_size import SPEECH_STUB
from test_staff_backoffice import staff_in
from viewports import PHONE

from conftest import CITY, LiveDemo, running_demo
from todoke.procedures.catalogue import PROCEDURES

pytestmark = pytest.mark.browser

SLUG = "residence-certificate"
PROCEDURE = next(p for p in PROCEDURES if p.slug == SLUG)
# A head of household without an account (the n-th: each journey takes its own).
PERSON_SQL = (
    "SELECT registry_id, family_name, given_name FROM person p WHERE relation = 'head' "
    "AND status = 'resident' AND NOT EXISTS (SELECT 1 FROM account a WHERE a.person = p.id) "
    f"AND p.municipality = {CITY} "
    "ORDER BY id LIMIT 1 OFFSET {n}"
)
SPEECH_LANG = {"ja": "ja-JP", "easy": "ja-JP", "en": "en-US"}
ASKED = "本人確認書類の写し"
ASKING = "請求の理由がわかる書類を添付してください。"


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    with running_demo(tmp_path_factory, "journeys") as demo:
        yield demo


@pytest.fixture(scope="module")
def live_server(live_demo: LiveDemo) -> str:
    return live_demo.url


def _person(live_demo, n: int) -> dict:
    return live_demo.query(PERSON_SQL.format(n=int(n)))[0]


def _said(page, text: str, timeout: float = 10000):
    """main shows text (the live announcer repeats it outside main)."""
    expect(page.locator("main").get_by_text(text, exact=False).first).to_be_visible(timeout=timeout)


# --- the resident ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ja", "easy", "en"])
def test_the_resident_journey(live_demo, make_page, language):
    words = city_words(language)
    person = _person(live_demo, {"ja": 0, "easy": 1, "en": 2}[language])
    full_name = f"{person['family_name']} {person['given_name']}"
    title = getattr(PROCEDURE.title, language)

    # The browser's own language picks ja or en; やさしい日本語 was chosen on an earlier visit.
    page = make_page(PHONE, "en-US" if language == "en" else "ja-JP")
    if language == "easy":
        page.add_init_script(
            "if (!localStorage.getItem('todoke.lang')) localStorage.setItem('todoke.lang', 'easy')"
        )
    page.add_init_script(SPEECH_STUB)
    _without_autofill(page)
    Authenticator(page)
    main = page.locator("main")

    # First run, signed out: home invites to sign in.
    page.goto("/")
    expect(page.locator("main h1")).to_have_text(words["home.title"])
    expect(main.get_by_role("heading", name=words["home.signIn.title"])).to_be_visible()
    assert page.evaluate("document.documentElement.dataset.lang") == language
    check_screen(page, "01-home-signed-out", language)

    # A passkey, made from the invitation.
    main.get_by_role("link", name=words["home.signIn.button"]).click()
    main.get_by_role("button", name=words["account.signUp.toggle"]).click()
    main.get_by_role("textbox", name=words["account.signUp.nicknameLabel"]).fill("たろう")
    check_screen(page, "02-sign-up", language)
    main.get_by_role("button", name=words["account.signUp.submit"]).click()
    _said(page, words["account.signUp.done"])
    check_screen(page, "03-signed-up", language)

    # The letter's code.
    page.goto("/account/verify")
    code = _activation_code(live_demo, person["registry_id"])
    main.get_by_role("textbox", name=words["verify.code.label"]).fill(code)
    check_screen(page, "04-verify", language)
    main.get_by_role("button", name=words["verify.code.submit"], exact=True).click()
    _said(page, words["verify.done"])
    check_screen(page, "05-verified", language)

    # Consent to pre-filling.
    page.goto("/account/consents")
    main.get_by_role("switch", name=words["consents.prefill.label"]).check()
    _said(page, words["consents.savedOn"])
    check_screen(page, "06-consents", language)

    # Home, signed in: the timeline.
    page.goto("/")
    expect(main.get_by_role("heading", name=words["home.timeline.title"])).to_be_visible()
    check_screen(page, "07-home-timeline", language)

    # Found among the procedures, and started.
    page.goto("/procedures")
    main.get_by_role("link", name=title).first.click()
    expect(page.locator("main h1")).to_have_text(title)
    check_screen(page, "08-procedure", language)
    main.get_by_role("button", name=words["procedurePage.start"]).click()
    expect(page).to_have_url(re.compile(rf"/procedures/{SLUG}/apply\?draft=\d+"))

    # The form: what is asked, then the delivery section pre-filled from the registry.
    scope = {"ja": "本人のみ", "easy": "じぶん だけ", "en": "Only me"}[language]
    page.locator("#apply-scope-field").get_by_label(scope, exact=True).check()
    page.locator("#apply-copies").fill("1")
    check_screen(page, "09-apply-request", language)
    main.get_by_role("button", name=re.compile(f"^{words['apply.next']}")).click()
    page.locator("#apply-purpose").select_option("work")
    main.get_by_role("button", name=re.compile(f"^{words['apply.next']}")).click()
    name = page.locator("#apply-applicant_name")
    expect(name).to_have_value(full_name)
    expect(name).to_have_attribute("readonly", "")
    expect(page.locator("#apply-delivery_address")).not_to_have_value("")
    page.locator("#apply-phone").fill("090-1234-5678")
    check_screen(page, "10-apply-prefilled", language)
    main.get_by_role("button", name=re.compile(f"^{words['apply.next']}")).click()
    page.locator("#apply-declaration-field input[type=checkbox]").check()
    main.get_by_role("button", name=words["apply.toReview"]).click()
    expect(main.get_by_role("button", name=words["review.submit"])).to_be_visible()
    check_screen(page, "11-review", language)

    # Filed while offline: it waits on the device, then goes by itself.
    page.wait_for_load_state("networkidle")
    page.context.set_offline(True)
    main.get_by_role("button", name=words["review.submit"]).click()
    _said(page, words["review.queued.title"])
    check_screen(page, "12-offline-waiting", language)
    page.context.set_offline(False)
    expect(page.locator("main h1")).to_have_text(words["application.received.title"], timeout=20000)
    application_id = number_in(page.url)
    check_screen(page, "13-receipt", language)

    # The department opens it and asks for more (the staff journey does this on screen).
    staff = staff_in(make_page, live_demo, f"市民課 {language}", "caseworker", "citizens")
    opened = as_staff(
        staff, "GET", f"/api/staff/applications/{application_id}?purpose=case_handling"
    )
    assert opened["status"] == 200, opened
    asked = as_staff(
        staff,
        "POST",
        f"/api/staff/applications/{application_id}/status",
        {"status": "info_requested", "message": ASKING, "document": ASKED},
    )
    assert asked["status"] == 200, asked

    # Home's timeline says so first; its line leads to the status card, where it is answered.
    page.goto("/")
    asked_line = main.locator(
        ".home-timeline__item", has_text=words["home.timeline.what.info_requested"]
    )
    expect(asked_line).to_contain_text(title)
    check_screen(page, "14-home-asked", language)
    asked_line.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/applications/{application_id}$"))
    request = main.locator(".request-notice")
    expect(request.get_by_role("heading", name=words["application.request.title"])).to_be_visible()
    expect(request).to_contain_text(ASKING)
    expect(request).to_contain_text(ASKED)
    check_screen(page, "15-info-requested", language)
    main.get_by_role("link", name=words["application.request.reply"]).click()
    main.get_by_role("textbox", name=words["application.message.label"]).fill(
        "書類を窓口に持っていきます。"
    )
    main.get_by_role("button", name=words["application.message.send"]).click()
    _said(page, words["application.message.sent"])
    check_screen(page, "16-answered", language)

    # The access log shows the department's opening.
    page.goto("/account/access-log")
    expect(page.locator("main h1")).to_have_text(words["accessLog.title"])
    expect(main.locator('.access-log__entry[data-actor="staff"]').first).to_be_visible()
    check_screen(page, "17-access-log", language)

    # The inbox, read aloud in the language of the screen.
    page.goto("/inbox")
    expect(page.locator("main h1")).to_have_text(words["inbox.title"])
    expect(main.locator(".inbox-item").first).to_be_visible()
    check_screen(page, "18-inbox", language)
    page.locator("header").get_by_role("button", name=words["readAloud.start"]).click()
    expect(
        page.locator("header").get_by_role("button", name=words["readAloud.stop"])
    ).to_be_visible()
    spoken = page.evaluate("window.__speech.spoken")
    assert spoken, "nothing was spoken"
    assert {s["lang"] for s in spoken} == {SPEECH_LANG[language]}
    assert words["inbox.title"] in " ".join(s["text"] for s in spoken)
    check_screen(page, "19-inbox-reading", language)


# --- the staff ---------------------------------------------------------------------------


class Resident:
    """A resident through the API, as the app would: passkey, the letter's code, consent."""

    def __init__(self, live_demo, registry_id: str) -> None:
        self.client = httpx.Client(base_url=live_demo.url, timeout=20)
        options = self.client.post("/api/auth/registration/options", json={"display_name": "住民"})
        credential = SoftAuthenticator().create(options.json(), live_demo.url)
        registered = self.client.post("/api/auth/registration", json={"credential": credential})
        assert registered.status_code == 201, registered.text
        self.headers = {"x-csrf-token": registered.json()["csrf_token"]}
        code = _activation_code(live_demo, registry_id)
        assert self.post("/api/me/verification", json={"code": code}).status_code == 200
        consent = self.post("/api/me/consents", json={"purpose": "prefill", "granted": True})
        assert consent.status_code == 200, consent.text

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.client.post(
            path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )

    def request_certificate(self) -> dict:
        form = self.client.get(f"/api/procedures/{SLUG}/form").json()
        answers = {name: held["value"] for name, held in form["prefill"].items()}
        answers.update(scope="self", copies=1, purpose="work", phone="090-1234-5678",
                       declaration=True)  # fmt: skip
        filed = self.post(
            "/api/applications",
            json={"slug": SLUG, "version": form["version"], "answers": answers},
            headers={"idempotency-key": "journeys-staff"},
        )
        assert filed.status_code == 201, filed.text
        return filed.json()


def nav(page):
    return page.get_by_role("navigation", name="職員メニュー")


def test_the_staff_journey(live_demo, make_page):
    person = _person(live_demo, 3)
    resident = Resident(live_demo, person["registry_id"])
    filed = resident.request_certificate()
    case_id, receipt = filed["id"], filed["receipt_number"]

    # Signed in with a passkey from the invitation: the menu.
    page = staff_in(make_page, live_demo, "市民課 審査子", "caseworker", "citizens")
    check_screen(page, "01-home", "staff-ja")

    # The queue.
    nav(page).get_by_role("link", name="申請", exact=True).click()
    expect(page.locator("main h1")).to_have_text("申請の一覧")
    row = page.locator(f'tr[data-case="{case_id}"]')
    expect(row).to_contain_text(receipt)
    check_screen(page, "02-queue", "staff-ja")

    # Opened for a purpose, none chosen for them.
    row.get_by_role("link", name=receipt).click()
    expect(page.locator("main h1")).to_have_text("申請を開く")
    expect(page.get_by_label("閲覧の目的")).to_have_value("")
    page.get_by_role("button", name="申請を開く").click()
    expect(page.locator(".error-summary:not([hidden])")).to_contain_text(
        "閲覧の目的を選んでください"
    )
    check_screen(page, "03-case-purpose", "staff-ja")
    page.get_by_label("閲覧の目的").select_option("case_handling")
    page.get_by_role("button", name="申請を開く").click()
    expect(page.locator("main h1")).to_have_text(PROCEDURE.title.ja)
    expect(page.locator("[data-receipt]")).to_have_text(receipt)
    check_screen(page, "04-case", "staff-ja")

    # A named document asked for.
    page.get_by_label("追加情報を依頼").check()
    page.get_by_label("求める書類（任意）").fill(ASKED)
    page.get_by_label("住民へのメッセージ（依頼内容・却下の理由）").fill(ASKING)
    page.get_by_role("button", name="状態を変更する").click()
    expect(page.locator("[data-case-status]")).to_contain_text("追加情報の依頼")
    check_screen(page, "05-case-info-requested", "staff-ja")

    # The resident answers; the caseworker approves, asked first.
    said = resident.post(f"/api/applications/{case_id}/messages", json={"text": "送りました"})
    assert said.status_code == 200, said.text
    page.reload()
    page.get_by_label("承認", exact=False).first.check()
    page.get_by_role("button", name="状態を変更する").click()
    expect(page.get_by_role("dialog")).to_contain_text(receipt)
    check_screen(page, "06-case-confirm-approval", "staff-ja")
    page.get_by_role("dialog").get_by_role("button", name="承認する").click()
    expect(page.locator("[data-final]")).to_contain_text("この申請は「承認」で完了しています")
    check_screen(page, "07-case-approved", "staff-ja")

    # A resident's record opened on a written reason, none chosen for them.
    page.goto(f"/staff/residents/{person['registry_id']}")
    expect(page.locator("main h1")).to_have_text("住民の記録を開く")
    for kind in ("申請（あなたの部署の案件）", "上のどれにも当たらない（理由を書く）"):
        expect(page.get_by_label(kind)).not_to_be_checked()
    check_screen(page, "08-resident-basis", "staff-ja")
    page.get_by_label("上のどれにも当たらない（理由を書く）").check()
    page.get_by_label("理由の種類").select_option("resident_inquiry")
    page.get_by_label("理由", exact=True).fill("本人から電話で住民票の請求について問い合わせ")
    page.get_by_role("button", name="記録を開く").click()
    expect(page.locator("main")).to_contain_text("この閲覧は「理由による閲覧")
    check_screen(page, "09-resident-record", "staff-ja")

    # A programme from the rule builder, with the live count.
    drafter = staff_in(make_page, live_demo, "衛生 つくる", "supervisor", "health")
    drafter.goto("/staff/programs/new")
    drafter.get_by_label("識別名").fill("journey-check-75")
    texts = {
        "title": ("75歳以上の健康診査", "75さい いじょうの けんこう しんさ", "Health check 75+"),
        "summary": ("費用を助成します。", "おかねを だします。", "Subsidised."),
        "action": ("医療機関で受けてください。", "びょういんで うけて ください。", "See a doctor."),
    }
    for name, values in texts.items():
        for lang, value in zip(("ja", "easy", "en"), values, strict=True):
            drafter.locator(f"#program-{name}-{lang}").fill(value)
    drafter.locator("#program-rule-1-fact").select_option(label="年齢")
    drafter.locator("#program-rule-1-value").fill("75")
    drafter.get_by_role("button", name="条件を追加").click()
    drafter.locator("#program-rule-2-fact").select_option(label="住民税非課税")
    count = drafter.locator("[data-rule-count]")
    expect(count).to_have_text(
        re.compile(r"^この条件に合う住民：[\d,]+人（判断できない人：[\d,]+人）$")
    )
    check_screen(drafter, "10-program-rule-builder", "staff-ja")
    drafter.get_by_role("button", name="保存").click()
    drafter.wait_for_url(f"{live_demo.url}/staff/programs/journey-check-75")
    drafter.get_by_role("button", name="承認を依頼する").click()
    expect(drafter.locator('[data-row="status"]')).to_contain_text("承認待ち")
    # Its submitter is not offered approval, and is told who approves.
    expect(drafter.get_by_role("button", name="承認して開始する")).to_have_count(0)
    expect(drafter.locator("[data-own-program]")).to_contain_text("あなたは承認できません")
    check_screen(drafter, "11-program-submitted", "staff-ja")

    colleague = staff_in(make_page, live_demo, "衛生 みとめる", "supervisor", "health")
    colleague.goto("/staff/programs/journey-check-75")
    colleague.get_by_role("button", name="承認して開始する").click()
    expect(colleague.get_by_role("dialog")).to_be_visible()
    check_screen(colleague, "12-program-approve-dialog", "staff-ja")
    colleague.get_by_role("dialog").get_by_role("button", name="承認して開始する").click()
    expect(colleague.locator('[data-row="status"]')).to_contain_text("実施中")
    expect(colleague.locator('[data-row="approved-by"] dd')).to_have_text("衛生 みとめる")
    check_screen(colleague, "13-program-approved", "staff-ja")
