"""Passkey identity as a resident meets it, in Chromium with a CDP virtual authenticator:
create a passkey, verify identity with the code from the letter, sign out and back in;
consents; passkeys added, renamed and removed; recovery and the inbox; errors said
plainly; no accessibility violations; large text.

Screenshots go to var/screenshots/identity-*.png (phone size unless named -desktop).
"""

from __future__ import annotations

import re

import pytest
from viewports import DESKTOP, PHONE

from conftest import CITY

pytestmark = pytest.mark.browser

PERSON_SQL = (
    "SELECT registry_id, family_name, given_name, family_name_kana, given_name_kana "
    "FROM person WHERE relation = 'head' AND status = 'resident' "
    f"AND municipality = {CITY} "
    # Not one the demo gave an account: a verification code for them would be refused.
    "AND id NOT IN (SELECT person FROM account WHERE verified_by = 'demo') "
    "ORDER BY id LIMIT 1 OFFSET {n}"
)


# --- helpers --------------------------------------------------------------------------------


def _person(live_demo, n: int) -> dict[str, str]:
    """The n-th household head of the demo registry (each test takes its own)."""
    return live_demo.query(PERSON_SQL.format(n=int(n)))[0]


def _activation_code(live_demo, registry_id: str, purpose: str = "verify") -> str:
    result = live_demo.todoke("issue-activation-code", registry_id, "--purpose", purpose)
    code = result.stdout.strip().splitlines()[-1].strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code), result.stdout
    return code


class Authenticator:
    """A platform authenticator with user verification, driven through CDP."""

    def __init__(self, page) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable")
        self.id = self.add()

    def add(self) -> str:
        return self.cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )["authenticatorId"]

    def replace_device(self) -> None:
        """Another device: a new authenticator, the old one (and its passkeys) gone."""
        self.cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": self.id})
        self.id = self.add()

    def presence(self, enabled: bool) -> None:
        """Off: the person does not pick a passkey, so an autofill request stays open."""
        self.cdp.send(
            "WebAuthn.setAutomaticPresenceSimulation",
            {"authenticatorId": self.id, "enabled": enabled},
        )

    def credentials(self) -> list[dict]:
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})["credentials"]


def _without_autofill(page) -> None:
    """Tests that are not about the autofill sign-in turn it off: every signed-out screen
    would otherwise fetch sign-in options, and the API allows 30 a minute per client
    address, which the whole browser suite (one address) would exceed."""
    page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = async () => false;")


def _watch_http_errors(page) -> list[str]:
    """Every 4xx/5xx answer the page got, as "STATUS METHOD PATH"."""
    seen: list[str] = []

    def record(response):
        if response.status >= 400:
            path = re.sub(r"^https?://[^/]+", "", response.url)
            seen.append(f"{response.status} {response.request.method} {path}")

    page.on("response", record)
    return seen


def _check_console(page, http_errors: list[str], expected: tuple[str, ...] = ()) -> None:
    """No script errors. Chrome logs each 4xx as a console error; those must be answers
    the test provoked on purpose (expected: regular expressions). A signed-out visit makes
    none: the app learns who is signed in from GET /api/auth/session, 200 either way."""
    unexpected_http = [e for e in http_errors if not any(re.fullmatch(a, e) for a in expected)]
    assert unexpected_http == [], unexpected_http
    others = [e for e in page.console_errors if not e.startswith("Failed to load resource")]
    assert others == [], others


def _main(page):
    return page.locator("main")


def _say(page, text: str):
    """Wait until main shows text (the live announcer repeats it outside main)."""
    locator = _main(page).get_by_text(text, exact=False).first
    try:
        locator.wait_for()
    except Exception:
        # What the screen said instead, for the failure report.
        shown = _main(page).inner_text()
        raise AssertionError(f"{text!r} not shown; main says: {shown!r}") from None
    return locator


def _shoot_whole(page, shoot, name: str) -> None:
    """On phones the frame inside the page scrolls, so a full-page screenshot would cut it:
    grow the viewport to the content for the picture."""
    size = page.viewport_size
    height = page.evaluate(
        """() => {
          const frame = document.querySelector('[data-scroller]');
          const nav = document.querySelector('.app-nav');
          const phone = getComputedStyle(frame).display !== 'contents';
          return Math.ceil(frame.scrollHeight + (nav && phone ? nav.offsetHeight : 0));
        }"""
    )
    if height > size["height"] and size["width"] < 768:
        page.set_viewport_size({"width": size["width"], "height": height})
        page.wait_for_timeout(100)
        shoot(page, name)
        page.set_viewport_size(size)
    else:
        shoot(page, name)


def _sign_up(page, nickname: str = "") -> None:
    page.goto("/account")
    page.get_by_role("button", name="はじめての方：パスキーを作成").click()
    if nickname:
        page.get_by_role("textbox", name="呼び名").fill(nickname)
    page.get_by_role("button", name="この端末でパスキーを作成").click()
    _say(page, "パスキーを作成し、サインインしました")


def _focused_is_h1(page) -> bool:
    return page.evaluate("document.activeElement?.tagName") == "H1"


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


# --- the main path -----------------------------------------------------------------------------


def test_create_passkey_verify_sign_out_and_back_in(live_demo, make_page, shoot):
    person = _person(live_demo, 0)
    code = _activation_code(live_demo, person["registry_id"])
    full_name = f"{person['family_name']} {person['given_name']}"
    kana = f"{person['family_name_kana']} {person['given_name_kana']}"

    page = make_page(PHONE)
    http_errors = _watch_http_errors(page)
    authenticator = Authenticator(page)

    # Signed out: one sentence about passkeys, the two ways in, the autofill field.
    page.goto("/account")
    main = _main(page)
    main.get_by_role("button", name="パスキーでサインイン").wait_for()
    assert "パスワードの代わりに" in main.inner_text()
    autofill = main.get_by_role("textbox", name="保存されているパスキーから選ぶ")
    autofill.wait_for()
    assert autofill.get_attribute("autocomplete") == "username webauthn"
    assert page.title() == "アカウント｜とどけ（とどけ市）"
    _shoot_whole(page, shoot, "identity-1-signed-out")

    # First time: create a passkey, with a nickname.
    page.get_by_role("button", name="はじめての方：パスキーを作成").click()
    nickname = page.get_by_role("textbox", name="呼び名")
    assert page.evaluate("document.activeElement?.id") == "account-nickname"
    nickname.fill("はなこ")
    _shoot_whole(page, shoot, "identity-2-create-passkey")
    page.get_by_role("button", name="この端末でパスキーを作成").click()
    _say(page, "パスキーを作成し、サインインしました")
    assert _focused_is_h1(page)
    assert len(authenticator.credentials()) == 1

    # Unverified: the nickname and the call to verify; the spare-passkey hint, once.
    identity = main.get_by_role("region", name="あなたの情報", exact=True)
    assert "はなこ" in identity.inner_text()
    assert "本人確認がまだです" in identity.inner_text()
    suggestion = main.get_by_role("region", name="予備のパスキーを作りませんか")
    suggestion.wait_for()
    passkeys = main.get_by_role("region", name="パスキー", exact=True)
    passkeys.locator(".passkey").first.wait_for()
    assert passkeys.locator(".passkey").count() == 1
    assert "この端末のみ" in passkeys.inner_text()
    _shoot_whole(page, shoot, "identity-3-signed-in-unverified")
    page.reload()
    main.get_by_role("region", name="あなたの情報", exact=True).wait_for()
    assert main.get_by_role("region", name="予備のパスキーを作りませんか").count() == 0, (
        "the second-passkey suggestion must be shown once, not at every visit"
    )

    # Verify with the letter's code, typed in lower case without dashes.
    main.get_by_role("link", name="本人確認をする").click()
    page.wait_for_url("**/account/verify")
    main.get_by_role("heading", name="本人確認", exact=True).wait_for()
    assert _focused_is_h1(page)
    main.get_by_role("textbox", name="確認コード").fill(code.replace("-", "").lower())
    _shoot_whole(page, shoot, "identity-4-verify")
    main.get_by_role("button", name="確認する", exact=True).click()
    page.wait_for_url(re.compile(r"/account$"))
    _say(page, "本人確認ができました")
    identity = main.get_by_role("region", name="あなたの情報", exact=True)
    identity.get_by_text(full_name).wait_for()
    assert kana in identity.inner_text()
    assert "本人確認済み" in identity.inner_text()
    assert "本人確認がまだです" not in identity.inner_text()
    passkeys.locator(".passkey").first.wait_for()
    _shoot_whole(page, shoot, "identity-5-verified")
    page.set_viewport_size(DESKTOP)
    page.wait_for_timeout(200)
    _shoot_whole(page, shoot, "identity-5-verified-desktop")
    page.set_viewport_size(PHONE)

    # Sign out: the server session ends too. (Presence off: the autofill request that
    # starts on the signed-out screen must wait for the person, as it would on a phone.)
    authenticator.presence(False)
    main.get_by_role("button", name="サインアウト", exact=True).click()
    _say(page, "サインアウトしました")
    main.get_by_role("button", name="パスキーでサインイン").wait_for()
    assert full_name not in main.inner_text()
    assert page.request.get("/api/me").status == 401
    _shoot_whole(page, shoot, "identity-6-signed-out-again")

    # Back in with the same passkey: still the registry name.
    authenticator.presence(True)
    main.get_by_role("button", name="パスキーでサインイン").click()
    _say(page, "サインインしました")
    main.get_by_role("region", name="あなたの情報", exact=True).get_by_text(full_name).wait_for()
    assert _focused_is_h1(page)
    _shoot_whole(page, shoot, "identity-7-signed-in-again")
    page.reload()
    main.get_by_role("region", name="あなたの情報", exact=True).get_by_text(full_name).wait_for()

    _check_console(page, http_errors)


def test_autofill_signs_in_with_the_saved_passkey(make_page):
    """Conditional mediation: the passkey offered in the username field's autofill signs in
    (the virtual authenticator picks it as a person would from the list)."""
    page = make_page(PHONE)
    http_errors = _watch_http_errors(page)
    authenticator = Authenticator(page)
    _sign_up(page, "autofill")
    authenticator.presence(False)
    _main(page).get_by_role("button", name="サインアウト", exact=True).click()
    _say(page, "サインアウトしました")
    assert page.request.get("/api/me").status == 401
    page.reload()
    _main(page).get_by_role("textbox", name="保存されているパスキーから選ぶ").wait_for()
    # Leave first: an autofill request still pending on this page would be answered the
    # moment the authenticator is back, and the sign-in would happen on the page we leave.
    sign_in_page = page.url
    page.goto("about:blank")
    authenticator.presence(True)
    page.goto(sign_in_page)  # a fresh autofill request, now answered
    _say(page, "サインインしました")
    _main(page).get_by_text("autofill").wait_for()
    assert page.request.get("/api/me").status == 200
    _check_console(page, http_errors)


def test_works_without_the_browsers_webauthn_json_helpers(make_page):
    """Browsers without PublicKeyCredential.parse…FromJSON and toJSON (older Safari and
    Firefox) go through the app's own base64url conversion, both ways."""
    page = make_page(PHONE)
    _without_autofill(page)
    page.add_init_script(
        """delete PublicKeyCredential.parseCreationOptionsFromJSON;
           delete PublicKeyCredential.parseRequestOptionsFromJSON;
           delete PublicKeyCredential.prototype.toJSON;"""
    )
    http_errors = _watch_http_errors(page)
    authenticator = Authenticator(page)
    _sign_up(page, "fallback")
    assert page.evaluate("typeof PublicKeyCredential.parseCreationOptionsFromJSON") == "undefined"
    authenticator.presence(False)
    _main(page).get_by_role("button", name="サインアウト", exact=True).click()
    _say(page, "サインアウトしました")
    authenticator.presence(True)
    _main(page).get_by_role("button", name="パスキーでサインイン").click()
    _say(page, "サインインしました")
    _main(page).get_by_text("fallback").wait_for()
    _check_console(page, http_errors)


# --- verification errors ------------------------------------------------------------------------


def test_wrong_code_is_explained_and_repeated_failures_lock(make_page, shoot):
    page = make_page(PHONE)
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    Authenticator(page)
    _sign_up(page)
    page.goto("/account/verify")
    main = _main(page)
    field = main.get_by_role("textbox", name="確認コード")
    submit = main.get_by_role("button", name="確認する", exact=True)

    # Not a code at all: said before anything is sent.
    field.fill("ABC-12")
    submit.click()
    _say(page, "確認コードは12文字です")
    assert field.get_attribute("aria-invalid") == "true"
    assert not any("/verification" in e for e in http_errors)

    # A well-formed wrong code: the API's own words, next to the field.
    field.fill("aaaa bbbb cccc")
    submit.click()
    _say(page, "確認コードが正しくないか、有効期限が切れています。")
    assert field.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement?.id") == "verify-code"
    _shoot_whole(page, shoot, "identity-verify-wrong-code")

    # In English the API's English detail is shown.
    page.evaluate("localStorage.setItem('todoke.lang', 'en')")
    page.reload()
    main.get_by_role("textbox", name="Verification code").fill("AAAA-BBBB-CCCD")
    main.get_by_role("button", name="Verify", exact=True).click()
    _say(page, "The activation code is wrong or has expired.")
    page.evaluate("localStorage.setItem('todoke.lang', 'ja')")
    page.reload()

    # Five failures lock verification; the next try says until when.
    for attempt in range(3):
        field.fill(f"AAAA-BBBB-CCC{'EFG'[attempt]}")
        submit.click()
        page.wait_for_function(
            "n => document.querySelectorAll('[aria-busy=true]').length === 0", arg=None
        )
        _say(page, "確認コードが正しくない")
    field.fill("AAAA-BBBB-CCCH")
    submit.click()
    _say(page, "確認コードの入力はロックされています")
    lock = _main(page).locator(".notice--error")
    text = lock.inner_text()
    assert re.search(r"\d+月\d+日\s*\d+:\d{2}以降にもう一度お試しください", text), text
    assert "窓口でも本人確認ができます" in text
    _shoot_whole(page, shoot, "identity-verify-locked")

    verification_errors = [e for e in http_errors if "/api/me/verification" in e]
    assert verification_errors.count("422 POST /api/me/verification") == 5
    assert verification_errors[-1] == "429 POST /api/me/verification"
    _check_console(
        page,
        http_errors,
        expected=(r"422 POST /api/me/verification", r"429 POST /api/me/verification"),
    )


def test_counter_code_in_big_digits(make_page, shoot):
    page = make_page(PHONE)
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    Authenticator(page)
    _sign_up(page)
    page.goto("/account/verify")
    main = _main(page)
    main.get_by_role("region", name="窓口で本人確認する").wait_for()
    main.get_by_role("button", name="窓口用のコードを表示").click()
    digits = main.locator(".counter-code__digits")
    digits.wait_for()
    code = digits.inner_text().replace(" ", "").replace("\n", "")
    assert re.fullmatch(r"\d{8}", code), code
    assert re.search(r"\d{1,2}:\d{2}まで有効です", main.locator(".counter-code").inner_text())
    size = float(digits.evaluate("node => parseFloat(getComputedStyle(node).fontSize)"))
    assert size >= 40, f"counter code digits are {size}px"
    # Staff have not checked anything yet: the resident is told so.
    main.get_by_role("button", name="確認が済んだか調べる").click()
    _say(page, "まだ本人確認は済んでいません")
    _shoot_whole(page, shoot, "identity-verify-counter-code")
    _check_console(page, http_errors)


# --- consents ------------------------------------------------------------------------------------


def test_consents_are_separate_saved_at_once_and_kept(make_page, shoot):
    page = make_page(PHONE)
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    Authenticator(page)
    _sign_up(page)
    page.goto("/account/consents")
    main = _main(page)
    prefill = main.get_by_role("switch", name="申請書への自動入力（市が持っている情報を使う）")
    matching = main.get_by_role(
        "switch", name="受けられる支援のお知らせ（市があなたの情報で支援を探す）"
    )
    prefill.wait_for()
    assert "サインインしただけでは、同意したことになりません" in main.inner_text()
    assert not prefill.is_checked() and not matching.is_checked(), "signing in is not consent"

    prefill.check()
    _say(page, "同意しました（保存済み）")
    _shoot_whole(page, shoot, "identity-consents")
    page.reload()
    prefill.wait_for()
    assert prefill.is_checked() and not matching.is_checked()

    matching.check()
    _say(page, "同意しました（保存済み）")
    prefill.uncheck()
    _say(page, "同意を取り消しました（保存済み）")
    page.reload()
    prefill.wait_for()
    assert not prefill.is_checked() and matching.is_checked()
    consents = page.request.get("/api/me/consents").json()
    assert consents == {"prefill": False, "matching": True, "sharing": False}
    _check_console(page, http_errors)


# --- passkeys -------------------------------------------------------------------------------------


def test_passkeys_add_rename_remove(make_page, shoot):
    page = make_page(PHONE)
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    authenticator = Authenticator(page)
    _sign_up(page)
    main = _main(page)
    passkeys = main.get_by_role("region", name="パスキー", exact=True)
    items = passkeys.locator(".passkey")
    items.first.wait_for()

    # This device already holds this account's passkey (excludeCredentials).
    passkeys.get_by_role("button", name="パスキーを追加").click()
    _say(page, "この端末には、このアカウントのパスキーがすでにあります")

    # The last passkey cannot be removed: the API's reason is shown.
    items.first.get_by_role("button", name="削除", exact=True).click()
    items.first.get_by_role("button", name="削除する").click()
    _say(page, "最後のパスキーは削除できません")
    assert items.count() == 1

    # On another device: a second passkey.
    authenticator.replace_device()
    passkeys.get_by_role("button", name="パスキーを追加").click()
    _say(page, "パスキーを追加しました")
    assert items.count() == 2

    # Rename the first one.
    items.first.get_by_role("button", name="名前を変更").click()
    name_field = items.first.get_by_role("textbox", name="新しい名前")
    name_field.fill("古いスマホ")
    _shoot_whole(page, shoot, "identity-passkeys-rename")
    items.first.get_by_role("button", name="保存").click()
    _say(page, "名前を「古いスマホ」に変更しました")
    assert items.first.get_by_role("heading").inner_text() == "古いスマホ"

    # Remove it (after a second question).
    items.first.get_by_role("button", name="削除", exact=True).click()
    assert "「古いスマホ」を削除しますか？" in items.first.inner_text()
    items.first.get_by_role("button", name="削除する").click()
    _say(page, "「古いスマホ」を削除しました")
    assert items.count() == 1
    assert "古いスマホ" not in passkeys.locator(".passkey-list").inner_text()
    _shoot_whole(page, shoot, "identity-passkeys-after-remove")

    # The remaining passkey (on the new device) still signs in.
    authenticator.presence(False)
    main.get_by_role("button", name="サインアウト", exact=True).click()
    _say(page, "サインアウトしました")
    authenticator.presence(True)
    main.get_by_role("button", name="パスキーでサインイン").click()
    _say(page, "サインインしました")
    assert sum(e.startswith("409 DELETE /api/me/passkeys/") for e in http_errors) == 1
    _check_console(page, http_errors, expected=(r"409 DELETE /api/me/passkeys/\d+",))


def test_sign_out_everywhere_and_a_copied_passkey(make_page, shoot):
    """One passkey on two devices (copied, as a thief would): "sign out on every device"
    ends both sessions; the stale copy is refused as a possible clone, and the list then
    warns about that passkey."""
    phone = make_page(PHONE)
    _without_autofill(phone)
    phone_errors = _watch_http_errors(phone)
    phone_authenticator = Authenticator(phone)
    _sign_up(phone, "ふたつの端末")
    credential = phone_authenticator.credentials()[0]

    desktop = make_page(DESKTOP)
    _without_autofill(desktop)
    desktop_errors = _watch_http_errors(desktop)
    desktop_authenticator = Authenticator(desktop)
    desktop_authenticator.cdp.send(
        "WebAuthn.addCredential",
        {"authenticatorId": desktop_authenticator.id, "credential": credential},
    )
    desktop_authenticator.presence(False)
    desktop.goto("/account")
    desktop_authenticator.presence(True)
    _main(desktop).get_by_role("button", name="パスキーでサインイン").click()
    _say(desktop, "サインインしました")
    _main(desktop).get_by_text("ふたつの端末").wait_for()

    desktop_authenticator.presence(False)
    _main(desktop).get_by_role("button", name="すべての端末からサインアウト").click()
    _say(desktop, "すべての端末からサインアウトしました")
    assert phone.request.get("/api/me").status == 401, "the phone's session must end too"
    phone_authenticator.presence(False)
    phone.reload()
    _main(phone).get_by_role("button", name="パスキーでサインイン").wait_for()

    # The phone's copy has the older signature counter: refused, in plain words.
    phone_authenticator.presence(True)
    _main(phone).get_by_role("button", name="パスキーでサインイン").click()
    _say(phone, "このパスキーは複製された可能性があるため使えません")
    assert phone.request.get("/api/me").status == 401

    # The newer copy still signs in, and the list warns about the passkey.
    desktop_authenticator.presence(True)
    _main(desktop).get_by_role("button", name="パスキーでサインイン").click()
    _say(desktop, "サインインしました")
    _say(desktop, "このパスキーは複製された可能性があります")
    shoot(desktop, "identity-clone-warning-desktop")
    _check_console(phone, phone_errors, expected=(r"422 POST /api/auth/login",))
    _check_console(desktop, desktop_errors)


# --- recovery and the inbox -----------------------------------------------------------------------


def test_recovery_writes_a_notice_read_in_the_inbox(live_demo, make_page, shoot):
    """A resident who lost their device verifies a new passkey with a recovery letter: the
    old account lives on, other devices are signed out, and the inbox says what happened."""
    person = _person(live_demo, 1)
    full_name = f"{person['family_name']} {person['given_name']}"

    old_device = make_page(PHONE)
    _without_autofill(old_device)
    old_authenticator = Authenticator(old_device)
    _sign_up(old_device)
    old_device.goto("/account/verify")
    old_device.get_by_role("textbox", name="確認コード").fill(
        _activation_code(live_demo, person["registry_id"])
    )
    old_device.get_by_role("button", name="確認する", exact=True).click()
    _say(old_device, "本人確認ができました")

    new_device = make_page(PHONE)
    _without_autofill(new_device)
    http_errors = _watch_http_errors(new_device)
    Authenticator(new_device)
    new_device.goto("/inbox")
    _say(new_device, "サインインが必要です")
    _sign_up(new_device)
    new_device.goto("/account/verify")
    new_device.get_by_role("textbox", name="確認コード").fill(
        _activation_code(live_demo, person["registry_id"], "recovery")
    )
    new_device.get_by_role("button", name="確認する", exact=True).click()
    _say(new_device, "以前のアカウントにこのパスキーを追加しました")
    _main(new_device).get_by_text(full_name).wait_for()

    # The old device was signed out. (Its passkey still works: presence off, so the
    # autofill request on the signed-out screen does not sign it straight back in.)
    old_authenticator.presence(False)
    old_device.reload()
    _main(old_device).get_by_role("button", name="パスキーでサインイン").wait_for()

    # The inbox: two unread notices (the recovery letter was issued; a passkey was added),
    # opened and marked read.
    new_device.get_by_role("navigation").get_by_role("link", name="お知らせ").click()
    new_device.wait_for_url("**/inbox")
    main = _main(new_device)
    _say(new_device, "未読のお知らせが2件あります")
    assert _focused_is_h1(new_device)
    notice = main.get_by_role("button", name=re.compile("新しいパスキーが追加されました"))
    issued = main.get_by_role("button", name=re.compile("アカウント回復の通知を発行しました"))
    assert "未読" in notice.inner_text()
    _shoot_whole(new_device, shoot, "identity-inbox-unread")
    notice.click()
    assert notice.get_attribute("aria-expanded") == "true"
    _say(new_device, "心当たりがない場合は")
    _say(new_device, "未読のお知らせが1件あります")
    issued.click()
    _say(new_device, "未読のお知らせはありません")
    assert "未読" not in notice.inner_text()
    _shoot_whole(new_device, shoot, "identity-inbox-read")
    new_device.reload()
    main.get_by_role("button", name=re.compile("新しいパスキーが追加されました")).wait_for()
    _say(new_device, "未読のお知らせはありません")
    assert main.locator("[data-unread]").count() == 0

    # In English, the notice is in English.
    new_device.evaluate("localStorage.setItem('todoke.lang', 'en')")
    new_device.reload()
    main.get_by_role("button", name=re.compile("A new passkey was added")).wait_for()
    _check_console(new_device, http_errors)


def test_a_recovery_letter_not_asked_for_is_cancelled_from_the_account_screen(
    live_demo, make_page, shoot
):
    """Someone asked the city for a recovery letter in this resident's name; the resident,
    who still has their passkey, is told and cancels it: the letter's code no longer works."""
    person = _person(live_demo, 7)
    page = make_page(PHONE)
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    Authenticator(page)
    _sign_up(page)
    page.goto("/account/verify")
    page.get_by_role("textbox", name="確認コード").fill(
        _activation_code(live_demo, person["registry_id"])
    )
    page.get_by_role("button", name="確認する", exact=True).click()
    _say(page, "本人確認ができました")

    code = _activation_code(live_demo, person["registry_id"], "recovery")
    page.goto("/account")
    box = _main(page).locator("#account-recovery")
    box.get_by_role("heading", name="アカウント回復の通知が発行されています").wait_for()
    _axe(page, "/account (recovery pending)")
    # axe's own styles, which the CSP (rightly) blocks: not the app's.
    page.console_errors[:] = [
        e for e in page.console_errors if not e.startswith("Applying inline style")
    ]
    _shoot_whole(page, shoot, "identity-recovery-pending")
    box.get_by_role("button", name="回復コードを取り消す").click()
    _say(page, "回復コードを取り消しました")
    assert _main(page).locator("#account-recovery").count() == 0

    # Whoever holds the letter gets nowhere with it.
    stranger = make_page(PHONE)
    _without_autofill(stranger)
    Authenticator(stranger)
    _sign_up(stranger)
    stranger.goto("/account/verify")
    stranger.get_by_role("textbox", name="確認コード").fill(code)
    stranger.get_by_role("button", name="確認する", exact=True).click()
    _say(stranger, "確認コードが正しくないか、有効期限が切れています")
    # axe resolves app.css's @import against the page's address (a 404, not the app's).
    _check_console(page, http_errors, (r"404 GET /tokens\.css",))


# --- accessibility, large text, desktop -----------------------------------------------------------


def _axe(page, path: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    assert results.violations_count == 0, f"{path}: {results.generate_report()}"


def test_no_axe_violations_on_identity_screens(make_page):
    page = make_page(PHONE)
    Authenticator(page)
    for path in ("/account", "/account/verify", "/account/consents", "/inbox"):
        page.goto(path)
        _main(page).locator("h1").wait_for()
        _axe(page, f"{path} (signed out)")

    _sign_up(page, "axe")
    _main(page).locator(".passkey").first.wait_for()
    _axe(page, "/account (signed in)")

    page.goto("/account/verify")
    _main(page).get_by_role("button", name="窓口用のコードを表示").click()
    _main(page).locator(".counter-code__digits").wait_for()
    _axe(page, "/account/verify")

    page.goto("/account/consents")
    _main(page).get_by_role("switch").first.check()
    _say(page, "同意しました（保存済み）")
    _axe(page, "/account/consents")

    page.goto("/inbox")
    _say(page, "お知らせはまだありません")
    _axe(page, "/inbox")


def test_large_text_and_desktop(make_page, shoot):
    page = make_page(PHONE)
    page.add_init_script("localStorage.setItem('todoke.textSize', 'large')")
    Authenticator(page)
    page.goto("/account")
    _main(page).get_by_role("button", name="パスキーでサインイン").wait_for()
    assert page.evaluate("document.documentElement.dataset.textSize") == "125"  # "large" was 125%
    assert _no_horizontal_scroll(page)
    _shoot_whole(page, shoot, "identity-large-signed-out")

    _sign_up(page, "大きな文字")
    _main(page).locator(".passkey").first.wait_for()
    assert _no_horizontal_scroll(page)
    _shoot_whole(page, shoot, "identity-large-signed-in")

    # Every control on the screen is at least 44 × 44 CSS px.
    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main a, main input')]
          .filter((n) => n.offsetParent !== null)
          .map((n) => {
            const own = n.getBoundingClientRect();
            // A switch's or a link row's whole row is its target.
            const row = (n.closest('.switch__row, .link-list__link') ?? n).getBoundingClientRect();
            const height = Math.max(own.height, row.height);
            const width = Math.max(own.width, row.width);
            return [n.textContent.trim() || n.id, height, width];
          })
          .filter(([, height, width]) => height < 44 || width < 44)"""
    )
    assert small == [], small

    page.goto("/account/verify")
    _main(page).get_by_role("button", name="窓口用のコードを表示").click()
    _main(page).locator(".counter-code__digits").wait_for()
    assert _no_horizontal_scroll(page)
    _shoot_whole(page, shoot, "identity-large-verify")

    desktop = make_page(DESKTOP)
    Authenticator(desktop)
    desktop.goto("/account")
    _main(desktop).get_by_role("button", name="パスキーでサインイン").wait_for()
    shoot(desktop, "identity-signed-out-desktop")
    desktop.goto("/account/consents")
    _say(desktop, "サインインが必要です")
    shoot(desktop, "identity-consents-signed-out-desktop")
