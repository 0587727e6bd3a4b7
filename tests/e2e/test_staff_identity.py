"""The staff side of identity, as staff use it in a browser: accept an invite by creating a
passkey, sign in and out, issue and print an activation letter, verify a resident at the
counter, invite a colleague; refusals in the API's own words. Every screen is checked
with axe and photographed (desktop; phone for /staff and /staff/letters)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from viewports import DESKTOP, PHONE

from conftest import CITY

pytestmark = pytest.mark.browser

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}
ACTIVATION_CODE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")
# A refused staff member is told which roles may (the counter's roles here), not just "no".
COUNTER_ROLES_ONLY = (
    "この操作には「窓口支援」または「係長・監督者」または「管理者」の役割が必要です。"
    "あなたの役割ではできません。"
)


def add_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return cdp


def invite_link(live_demo, name: str, role: str) -> str:
    output = live_demo.todoke("create-staff", name, "--role", role).stdout
    link = output.strip().splitlines()[-1].strip()
    assert link.startswith(f"{live_demo.url}/staff/invite#"), output
    return link


def registry_id(live_demo, offset: int, *, with_account: bool = False) -> str:
    """A head of household with no account (a verification letter's addressee), or with
    one of the demo's accounts (a recovery letter's)."""
    rows = live_demo.query(
        "SELECT registry_id FROM person p WHERE relation='head' AND status='resident' AND "
        f"p.municipality = {CITY} AND "
        + ("" if with_account else "NOT ")
        + "EXISTS (SELECT 1 FROM account a WHERE a.person = p.id AND a.verified_by = 'demo') "
        f"ORDER BY id LIMIT 1 OFFSET {int(offset)}"
    )
    return rows[0]["registry_id"]


def assert_no_axe_violations(page, screen: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    # Not "networkidle": Chromium never reports it for a srcdoc frame (the letter).
    page.wait_for_load_state("load")
    before = len(page.console_errors)
    results = Axe().run(page)
    # axe-core measures with inline styles, which our CSP refuses (and the console says
    # so); those refusals are axe's own, not the app's.
    page.console_errors[before:] = [
        e for e in page.console_errors[before:] if not e.startswith("Applying inline style")
    ]
    assert results.violations_count == 0, f"{screen}: {results.generate_report()}"


def unexpected_console_errors(page) -> list[str]:
    # A 4xx answer is one the screen shows (signed out, refused, not found); the browser
    # still logs it. Anything else (a CSP refusal, a script error, a 5xx) is a defect.
    expected = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")
    return [e for e in page.console_errors if not expected.match(e)]


def register_staff(make_page, live_demo, name: str, role: str, viewport=DESKTOP):
    """A fresh browser that accepted an invite for name/role and is signed in at /staff."""
    page = make_page(viewport)
    add_authenticator(page)
    page.goto(invite_link(live_demo, name, role))
    expect(page.locator("[data-invitee]")).to_have_text(name)
    page.get_by_role("button", name="パスキーを作成して登録").click()
    page.wait_for_url(f"{live_demo.url}/staff")
    expect(page.locator("main h1")).to_have_text("職員メニュー")
    return page


def error_summary(page):
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    return summary


def assert_field_invalid(page, field_id: str, message: str) -> None:
    control = page.locator(f"#{field_id}")
    expect(control).to_have_attribute("aria-invalid", "true")
    described = (control.get_attribute("aria-describedby") or "").split()
    error_id = next((i for i in described if i.endswith("-error")), None)
    assert error_id, f"{field_id} is not described by its error: {described}"
    expect(page.locator(f"#{error_id}")).to_contain_text(message)


def test_support_staff_accepts_invite_issues_a_letter_and_signs_in_again(
    make_page, live_demo, shoot
):
    link = invite_link(live_demo, "窓口 花子", "support")
    page = make_page(DESKTOP)
    add_authenticator(page)

    page.goto(link)
    expect(page.locator("main h1")).to_have_text("職員アカウントの作成")
    expect(page.locator("[data-invitee]")).to_have_text("窓口 花子")
    expect(page.locator(".staff-header")).to_contain_text("とどけ 職員用")
    assert page.title() == "職員アカウントの作成｜とどけ 職員用"
    assert_no_axe_violations(page, "/staff/invite")
    shoot(page, "staff-invite-desktop")

    page.get_by_role("button", name="パスキーを作成して登録").click()
    page.wait_for_url(f"{live_demo.url}/staff")
    assert "#" not in page.url, "the used invite token stays in the address bar"
    expect(page.locator(".flash")).to_contain_text("職員アカウントを作成しました")
    expect(page.locator("[data-account-display-name]")).to_have_text("窓口 花子")
    expect(page.locator("[data-account-role]")).to_have_text("窓口支援")
    expect(page.locator("[data-account-name]")).to_have_text("窓口 花子（窓口支援）")
    # Support staff may not invite colleagues: no such entry in the navigation.
    expect(page.get_by_role("link", name="職員招待")).to_have_count(0)
    assert_no_axe_violations(page, "/staff")
    shoot(page, "staff-home-desktop")

    nav = page.get_by_role("navigation", name="職員メニュー")
    nav.get_by_role("link", name="郵送コード").click()
    page.wait_for_url(f"{live_demo.url}/staff/letters")
    expect(page.locator("main h1")).to_have_text("本人確認コードの郵送")
    expect(page.locator("main h1")).to_be_focused()
    assert_no_axe_violations(page, "/staff/letters (form)")

    # Nothing typed: the summary takes focus and the field says what is wrong.
    page.get_by_role("button", name="確認コードを発行").click()
    expect(error_summary(page)).to_contain_text("住民コードを入力してください")
    assert_field_invalid(page, "letters-registry-id", "住民コードを入力してください")
    # An unknown resident: the API's own words, next to the field.
    page.get_by_label("住民コード").fill("0000000000")
    page.get_by_role("button", name="確認コードを発行").click()
    expect(error_summary(page)).to_contain_text("該当する住民がいません。")
    assert_field_invalid(page, "letters-registry-id", "該当する住民がいません。")
    assert_no_axe_violations(page, "/staff/letters (errors)")
    shoot(page, "staff-letters-errors-desktop")

    # A real resident, typed with full-width digits as an IME may give them.
    resident = registry_id(live_demo, 5)
    full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    page.get_by_label("住民コード").fill(resident.translate(full_width))
    page.get_by_role("button", name="確認コードを発行").click()
    code = page.locator("[data-activation-code]")
    expect(code).to_have_text(ACTIVATION_CODE)
    expect(page.locator(".error-summary")).to_be_hidden()
    expect(page.get_by_label("住民コード")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#letters-result-title")).to_be_focused()

    # The letter: in a sandboxed srcdoc frame that runs nothing, with the same code.
    frame_element = page.locator("iframe.letter-frame")
    assert frame_element.get_attribute("sandbox") == "allow-same-origin allow-modals"
    letter = page.frame_locator("iframe.letter-frame")
    expect(letter.locator("h1")).to_have_text("本人確認コードのお知らせ")
    expect(letter.locator("strong")).to_have_text(code.inner_text())
    expect(letter.locator("body")).to_contain_text("とどけ市")
    # The staff stylesheet reached the letter (the CSP let it load): a boxed code.
    border = letter.locator("strong").evaluate("n => getComputedStyle(n).borderTopStyle")
    assert border == "solid"
    # The frame grew to the letter: nothing hidden behind a scroll bar.
    heights = frame_element.evaluate(
        "f => [f.clientHeight, f.contentDocument.documentElement.scrollHeight]"
    )
    assert heights[0] >= heights[1], heights

    # The sandbox lets this page call print() on the letter (a cross-origin frame could
    # not be), and 「印刷する」 prints the letter's own document, not the staff page.
    page.evaluate("() => document.querySelector('iframe.letter-frame').contentWindow.print()")
    page.evaluate(
        """() => {
          window.__printed = [];
          const frame = document.querySelector('iframe.letter-frame');
          frame.contentWindow.print = () => window.__printed.push('letter');
          window.print = () => window.__printed.push('page');
        }"""
    )
    page.get_by_role("button", name="印刷する").click()
    assert page.evaluate("() => window.__printed") == ["letter"]
    assert_no_axe_violations(page, "/staff/letters (issued)")
    shoot(page, "staff-letters-desktop")

    # Sign out from the header: the session is gone on the server too.
    page.get_by_role("button", name="サインアウト").click()
    expect(page.locator("main h1")).to_have_text("職員サインイン")
    expect(page.locator(".flash")).to_contain_text("サインアウトしました。")
    expect(page.locator("[data-account]")).to_be_hidden()
    assert page.request.get("/api/me").status == 401
    assert_no_axe_violations(page, "/staff (signed out)")
    shoot(page, "staff-signin-desktop")

    # A deep link while signed out asks for sign-in, then shows the screen asked for.
    page.goto("/staff/letters")
    expect(page.locator("main h1")).to_have_text("職員サインイン")
    page.get_by_role("button", name="パスキーでサインイン").click()
    expect(page.locator("main h1")).to_have_text("本人確認コードの郵送")
    expect(page.locator("[data-account-name]")).to_have_text("窓口 花子（窓口支援）")
    page.get_by_role("link", name="ホーム").click()
    expect(page.locator("[data-account-role]")).to_have_text("窓口支援")

    page.goto("/staff/no-such-screen")
    expect(page.locator("main h1")).to_have_text("ページが見つかりません")
    assert_no_axe_violations(page, "/staff/no-such-screen")
    shoot(page, "staff-not-found-desktop")
    assert unexpected_console_errors(page) == []


def test_a_used_invite_is_refused_in_the_apis_words(make_page, live_demo, shoot):
    link = invite_link(live_demo, "窓口 一郎", "support")
    first = make_page(DESKTOP)
    add_authenticator(first)
    first.goto(link)
    first.get_by_role("button", name="パスキーを作成して登録").click()
    first.wait_for_url(f"{live_demo.url}/staff")

    again = make_page(DESKTOP)
    add_authenticator(again)
    again.goto(link)
    refusal = again.locator("[data-invite-refusal]")
    expect(refusal).to_have_text(
        "招待リンクが無効か期限切れです。管理者に新しい招待を依頼してください。"
    )
    expect(again.get_by_role("button", name="パスキーを作成して登録")).to_have_count(0)
    assert_no_axe_violations(again, "/staff/invite (used)")
    shoot(again, "staff-invite-used-desktop")

    # A link that lost its token on the way says so before asking the server anything.
    again.goto("/staff/invite")
    expect(again.locator(".notice")).to_contain_text("招待リンクが正しくありません")
    assert unexpected_console_errors(again) == []


def test_a_caseworker_is_refused_at_the_counter(make_page, live_demo, shoot):
    page = register_staff(make_page, live_demo, "担当 五郎", "caseworker")
    expect(page.locator("[data-account-role]")).to_have_text("担当職員")

    page.get_by_role("link", name="窓口確認").click()
    expect(page.locator("main h1")).to_have_text("窓口での本人確認")
    page.get_by_label("受付番号").fill("12345678")
    page.get_by_label("住民コード").fill(registry_id(live_demo, 7))
    page.get_by_label("マイナンバーカード").check()
    page.get_by_role("button", name="本人確認を完了する").click()
    expect(error_summary(page)).to_contain_text(COUNTER_ROLES_ONLY)
    assert_no_axe_violations(page, "/staff/counter (refused)")
    shoot(page, "staff-counter-refused-desktop")
    page.screenshot(path="/tmp/staff-counter-refused-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    expect(error_summary(page)).to_contain_text("「窓口支援」または「係長・監督者」")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert_no_axe_violations(page, "/staff/counter (refused, phone)")
    page.screenshot(path="/tmp/staff-counter-refused-390.png", full_page=True)
    page.set_viewport_size(DESKTOP)

    # Nor may a caseworker issue letters or open the administrators' screen.
    page.get_by_role("link", name="郵送コード").click()
    page.get_by_label("住民コード").fill(registry_id(live_demo, 7))
    page.get_by_role("button", name="確認コードを発行").click()
    expect(error_summary(page)).to_contain_text(COUNTER_ROLES_ONLY)
    page.goto("/staff/invites")
    expect(page.locator("main h1")).to_have_text("管理者専用の操作です")
    assert_no_axe_violations(page, "/staff/invites (not an administrator)")
    shoot(page, "staff-admin-only-desktop")
    assert unexpected_console_errors(page) == []


RESIDENT_SIGN_UP = """async () => {
  const post = async (path, body, csrf) => {
    const headers = {'Content-Type': 'application/json'};
    if (csrf) headers['X-CSRF-Token'] = csrf;
    const response = await fetch(path, {
      method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? null : response.json();
  };
  const options = await post(
    '/api/auth/registration/options', {display_name: '窓口で確認する住民'});
  const credential = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
  });
  const signedIn = await post(
    '/api/auth/registration', {credential: credential.toJSON(), name: 'e2e'});
  const counter = await post('/api/me/counter-code', undefined, signedIn.csrf_token);
  return counter.code;
}"""


def test_support_staff_verify_a_resident_at_the_counter(make_page, live_demo, shoot):
    # The resident signs up in their own browser and shows a counter code.
    resident = make_page(DESKTOP)
    add_authenticator(resident)
    resident.goto("/")
    counter_code = resident.evaluate(RESIDENT_SIGN_UP)
    assert re.fullmatch(r"[0-9]{8}", counter_code)
    assert resident.request.get("/api/me").json()["verified"] is False

    staff = register_staff(make_page, live_demo, "窓口 次郎", "supervisor")
    staff.get_by_role("link", name="窓口確認").click()
    expect(staff.locator("main h1")).to_have_text("窓口での本人確認")
    assert_no_axe_violations(staff, "/staff/counter (form)")

    # Nothing entered, and 「その他」 without a name: every field says what it needs.
    staff.get_by_label("受付番号").fill("1234")
    staff.get_by_label("その他").check()
    staff.get_by_role("button", name="本人確認を完了する").click()
    summary = error_summary(staff)
    expect(summary).to_contain_text("受付番号は8桁の数字で入力してください")
    expect(summary).to_contain_text("住民コードを入力してください")
    expect(summary).to_contain_text("書類の名前を入力してください")
    assert_field_invalid(staff, "counter-code", "8桁の数字")
    assert_field_invalid(staff, "counter-registry-id", "住民コードを入力してください")
    assert_field_invalid(staff, "counter-other-name", "書類の名前を入力してください")
    # The summary's links take the reader to the field.
    summary.get_by_role("link", name="住民コードを入力してください").click()
    expect(staff.get_by_label("住民コード")).to_be_focused()
    assert_no_axe_violations(staff, "/staff/counter (errors)")
    shoot(staff, "staff-counter-errors-desktop")

    staff.get_by_label("受付番号").fill(counter_code)
    staff.get_by_label("住民コード").fill(registry_id(live_demo, 6))
    staff.get_by_label("運転免許証").check()
    staff.get_by_role("button", name="本人確認を完了する").click()
    result = staff.locator("#counter-verified")
    expect(result).to_contain_text("本人確認が完了しました")
    expect(result.locator("h2")).to_be_focused()
    assert resident.request.get("/api/me").json()["verified"] is True
    assert_no_axe_violations(staff, "/staff/counter (verified)")
    shoot(staff, "staff-counter-desktop")

    # The same code a second time: used up, said in the API's words, on the field.
    staff.get_by_role("button", name="次の方を確認する").click()
    staff.get_by_label("受付番号").fill(counter_code)
    staff.get_by_label("住民コード").fill(registry_id(live_demo, 6))
    staff.get_by_label("パスポート").check()
    staff.get_by_role("button", name="本人確認を完了する").click()
    expect(error_summary(staff)).to_contain_text("受付番号が正しくないか期限切れです。")
    assert_field_invalid(staff, "counter-code", "受付番号が正しくないか期限切れです。")

    # The resident's own session is no way into the staff app.
    resident.goto("/staff")
    expect(resident.locator("main h1")).to_have_text("職員専用のページです")
    expect(resident.get_by_role("navigation", name="職員メニュー")).to_be_hidden()
    assert_no_axe_violations(resident, "/staff (resident)")
    shoot(resident, "staff-resident-only-desktop")
    assert unexpected_console_errors(staff) == []
    assert unexpected_console_errors(resident) == []


def test_an_administrator_invites_a_colleague(make_page, live_demo, shoot):
    page = register_staff(make_page, live_demo, "管理 太郎", "administrator")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_demo.url)
    page.get_by_role("link", name="職員招待").click()
    expect(page.locator("main h1")).to_have_text("職員の招待")
    assert_no_axe_violations(page, "/staff/invites (form)")

    page.get_by_role("button", name="招待リンクを作成").click()
    summary = error_summary(page)
    expect(summary).to_contain_text("氏名を入力してください")
    expect(summary).to_contain_text("役割を選んでください")
    assert_field_invalid(page, "invites-name", "氏名を入力してください")
    expect(page.locator("#invites-role")).to_have_attribute(
        "aria-describedby", re.compile(r"invites-role-error")
    )
    expect(page.locator("#invites-role-caseworker")).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violations(page, "/staff/invites (errors)")
    shoot(page, "staff-invites-errors-desktop")

    page.get_by_label("氏名").fill("保育 三郎")
    page.get_by_label("担当職員").check()
    page.get_by_label("保育課").check()
    page.get_by_label("子育て支援課").check()
    page.get_by_role("button", name="招待リンクを作成").click()
    result = page.locator("#invite-created")
    expect(result).to_contain_text("保育 三郎さん（担当職員）への招待です。")
    link = page.get_by_label("招待リンク").input_value()
    assert link.startswith(f"{live_demo.url}/staff/invite#"), link
    page.get_by_role("button", name="リンクをコピー").click()
    expect(result).to_contain_text("招待リンクをコピーしました。")
    assert page.evaluate("() => navigator.clipboard.readText()") == link
    assert_no_axe_violations(page, "/staff/invites (created)")
    shoot(page, "staff-invites-desktop")

    colleague = make_page(DESKTOP)
    colleague.goto(link)
    expect(colleague.locator("[data-invitee]")).to_have_text("保育 三郎")
    assert unexpected_console_errors(page) == []


def test_staff_screens_fit_a_phone(make_page, live_demo, shoot):
    page = register_staff(make_page, live_demo, "窓口 四郎", "support", viewport=PHONE)
    expect(page.locator("[data-account-role]")).to_have_text("窓口支援")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert_no_axe_violations(page, "/staff (phone)")
    shoot(page, "staff-home-phone")

    page.get_by_role("link", name="郵送コード").click()
    # A recovery letter is for a resident who has an account.
    page.get_by_label("住民コード").fill(registry_id(live_demo, 0, with_account=True))
    page.get_by_label("アカウント回復").check()
    page.get_by_role("button", name="確認コードを発行").click()
    expect(page.locator("[data-activation-code]")).to_have_text(ACTIVATION_CODE)
    letter = page.frame_locator("iframe.letter-frame")
    expect(letter.locator("h1")).to_have_text("アカウント回復のお知らせ")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert_no_axe_violations(page, "/staff/letters (phone)")
    shoot(page, "staff-letters-phone")
    assert unexpected_console_errors(page) == []
