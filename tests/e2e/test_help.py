"""Help where residents got stuck (issue 15), as they meet it in Chromium:

- a mistyped address (/help) shows the app's 「ページが見つかりません」 with the way home and
  to the procedures, with status 404, in the browser's language, and without JavaScript
  too; /Account (another case) lands on /account;
- the home screen invites a signed-out visitor to sign in or create an account;
- the sign-in screen says what to do when the passkey is lost, and the autofill field that
  offers saved passkeys is labelled and says nothing needs typing;
- turning notifications on says why it failed (the browser's push service, a refused
  permission, the city's server) and what to try;
- 設定 offers adding the app to the Home Screen (the browser's own prompt where it has one,
  else the steps), can be closed for good, and is not there in the installed app.

Screenshots: var/screenshots/help-*.png (TODOKE_SCREENSHOT_DIR moves them).
"""

from __future__ import annotations

import json

import pytest
from test_resident_identity import (
    Authenticator,
    _check_console,
    _main,
    _say,
    _shoot_whole,
    _sign_up,
    _watch_http_errors,
    _without_autofill,
)
from test_support_and_push import IPHONE_SAFARI, _no_axe_violations
from viewports import DESKTOP, PHONE

pytestmark = pytest.mark.browser

EASY = "localStorage.setItem('todoke.lang', 'easy');"


def _lang(page, code: str) -> None:
    if code == "easy":
        page.add_init_script(EASY)


# --- a mistyped address ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewport", "locale", "language", "title", "home", "procedures"),
    [
        (PHONE, "ja-JP", "ja", "ページが見つかりません", "ホームに戻る", "手続きの一覧を見る"),
        (DESKTOP, "en-US", "en", "Page not found", "Back to home", "See all procedures"),
        (
            PHONE,
            "ja-JP",
            "easy",
            "ページが ありません",
            "ホームに もどる",
            "てつづきの いちらんを みる",
        ),
    ],
    ids=["ja-phone", "en-desktop", "easy-phone"],
)
def test_a_mistyped_address_shows_the_not_found_screen(
    make_page, shoot, viewport, locale, language, title, home, procedures
):
    page = make_page(viewport, locale)
    _lang(page, language)
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    response = page.goto("/help")
    assert response is not None and response.status == 404
    assert "text/html" in response.headers["content-type"]
    heading = _main(page).get_by_role("heading", level=1, name=title)
    heading.wait_for()
    assert "application/problem+json" not in page.content()
    assert title in page.title()
    _main(page).get_by_role("link", name=home).wait_for()
    name = "ja" if language == "ja" else language
    _shoot_whole(page, shoot, f"help-404-{name}-{'phone' if viewport == PHONE else 'desktop'}")
    _no_axe_violations(page, f"/help ({language})", http_errors)

    _main(page).get_by_role("link", name=procedures).click()
    page.wait_for_url("**/procedures")
    _main(page).locator(".procedure-card").first.wait_for()
    _check_console(page, http_errors, (r"404 GET /help",))


def test_an_address_in_the_wrong_case_lands_on_the_page(make_page):
    page = make_page(PHONE)
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    page.goto("/Account")
    page.wait_for_url("**/account")
    _main(page).get_by_role("heading", level=1, name="アカウント").wait_for()
    _check_console(page, http_errors)


def test_the_not_found_page_works_without_javascript(browser, live_demo, shoot):
    context = browser.new_context(
        viewport=PHONE, locale="ja-JP", base_url=live_demo.url, java_script_enabled=False
    )
    try:
        page = context.new_page()
        response = page.goto("/help")
        assert response is not None and response.status == 404
        main = _main(page)
        text = main.inner_text()
        assert "ページが見つかりません" in text and "Page not found" in text
        assert main.get_by_role("link", name="ホームに戻る").get_attribute("href") == "/"
        link = main.get_by_role("link", name="手続きの一覧を見る")
        assert link.get_attribute("href") == "/procedures"
        shoot(page, "help-404-no-javascript")
    finally:
        context.close()


# --- home: the invitation to sign in --------------------------------------------------------


@pytest.mark.parametrize(
    ("viewport", "locale", "language", "title", "button"),
    [
        (
            PHONE,
            "ja-JP",
            "ja",
            "サインインすると、オンラインで申請できます",
            "サインイン・はじめての方",
        ),
        (
            DESKTOP,
            "ja-JP",
            "ja",
            "サインインすると、オンラインで申請できます",
            "サインイン・はじめての方",
        ),
        (PHONE, "en-US", "en", "Sign in to apply online", "Sign in or create an account"),
        (
            PHONE,
            "ja-JP",
            "easy",
            "サインイン すると、インターネットで もうしこめます",
            "サインイン・はじめての ひと",
        ),
    ],
    ids=["ja-phone", "ja-desktop", "en-phone", "easy-phone"],
)
def test_home_invites_a_signed_out_visitor_to_sign_in(
    make_page, shoot, viewport, locale, language, title, button
):
    page = make_page(viewport, locale)
    _lang(page, language)
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    page.goto("/")
    invitation = _main(page).get_by_role("region", name=title)
    invitation.wait_for()
    _main(page).locator(".procedure-card").first.wait_for()
    size = "phone" if viewport == PHONE else "desktop"
    _shoot_whole(page, shoot, f"help-home-signed-out-{language}-{size}")
    _no_axe_violations(page, f"/ (signed out, {language})", http_errors)
    invitation.get_by_role("link", name=button).click()
    page.wait_for_url("**/account")
    _main(page).locator(".panel").first.wait_for()
    _check_console(page, http_errors)


def test_home_has_no_invitation_once_signed_in(make_page):
    page = make_page(PHONE)
    _without_autofill(page)
    Authenticator(page)
    _sign_up(page, "ホーム")
    page.goto("/")
    _main(page).get_by_text("あなたが受けられる支援").wait_for()
    assert _main(page).locator(".home-signin").count() == 0


# --- sign-in: a lost passkey, and the autofill field ----------------------------------------------


@pytest.mark.parametrize(
    ("viewport", "locale", "language"),
    [
        (PHONE, "ja-JP", "ja"),
        (DESKTOP, "ja-JP", "ja"),
        (PHONE, "en-US", "en"),
        (PHONE, "ja-JP", "easy"),
    ],
    ids=["ja-phone", "ja-desktop", "en-phone", "easy-phone"],
)
def test_sign_in_screen_helps_with_a_lost_passkey(make_page, shoot, viewport, locale, language):
    page = make_page(viewport, locale)
    _lang(page, language)
    Authenticator(page)  # the autofill (conditional UI) stays on: its field is shown
    http_errors = _watch_http_errors(page)
    page.goto("/account")
    words = {
        "ja": (
            "パスキーをなくしたとき",
            "保存されているパスキーから選ぶ",
            "何も入力しなくてかまいません",
        ),
        "en": (
            "If you lost your passkey",
            "Choose a saved passkey",
            "You don’t need to type anything",
        ),
        "easy": (
            "パスキーを なくしたとき",
            "たんまつの パスキーから えらぶ",
            "なにも かかなくて いいです",
        ),
    }[language]
    lost = _main(page).get_by_role("region", name=words[0])
    lost.wait_for()

    # The field whose autofill offers saved passkeys: visible, labelled, and explained.
    field = _main(page).get_by_role("textbox", name=words[1])
    field.wait_for()
    assert field.get_attribute("autocomplete") == "username webauthn"
    described = page.evaluate(
        "(id) => document.getElementById(id).textContent",
        field.get_attribute("aria-describedby"),
    )
    assert words[2] in described
    # No input on the screen without a visible label.
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('main input')]
          .filter((n) => n.offsetParent !== null)
          .filter((n) => !n.labels?.length || !n.labels[0].innerText.trim())
          .map((n) => n.id || n.name)"""
    )
    assert unlabelled == []

    if language == "ja":
        text = lost.inner_text()
        # The recovery as README "Signing in" describes it: a letter with a recovery code,
        # a new passkey, the code on 本人確認; or the counter with an identity document.
        for said in (
            "「アカウント回復のお知らせ」の郵送を申し込みます",
            "「はじめての方：パスキーを作成」で、新しいパスキーを作ります",
            "「本人確認」の画面で、お知らせに書かれた回復コードを入力します",
            "本人確認書類を持って、市役所の窓口へ",
            "「窓口用のコードを表示」",
        ):
            assert said in text, said
        steps = lost.locator("ol li").all_inner_texts()
        assert len(steps) == 3
        # The labels the help names are the ones on the screens it sends to.
        _main(page).get_by_role("button", name="はじめての方：パスキーを作成").wait_for()
        # The sign-in card points down to this help.
        _main(page).get_by_role("link", name="パスキーをなくしたとき").click()
        page.wait_for_timeout(300)
        assert page.evaluate("document.activeElement.id") == "account-lost-title"
        assert (
            page.evaluate(
                "() => document.getElementById('account-lost').getBoundingClientRect().top"
            )
            < page.viewport_size["height"] / 2
        )
    size = "phone" if viewport == PHONE else "desktop"
    _shoot_whole(page, shoot, f"help-sign-in-{language}-{size}")
    _no_axe_violations(page, f"/account (signed out, {language})", http_errors)
    _check_console(page, http_errors)


# --- notifications: why turning them on failed ----------------------------------------------------

# The browser's push service refuses (what Chromium without one, or a private window, says).
SUBSCRIBE_FAILS = """
PushManager.prototype.getSubscription = async () => null;
PushManager.prototype.subscribe = async () => {
  throw new DOMException('Registration failed - push service error', '__NAME__');
};
"""


def _push_switch(page):
    section = _main(page).get_by_role("region", name="通知")
    switch = section.get_by_role("switch", name="お知らせを通知で受け取る")
    switch.wait_for()
    return section, switch


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_push_service_failure_says_why_and_what_to_try(make_page, shoot, live_demo, viewport):
    page = make_page(viewport)
    page.context.grant_permissions(["notifications"], origin=live_demo.url)
    page.add_init_script(SUBSCRIBE_FAILS.replace("__NAME__", "AbortError"))
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    Authenticator(page)
    _sign_up(page)
    page.goto("/settings")
    section, switch = _push_switch(page)
    # click, not check(): the switch turns back off when switching on fails, which can
    # happen before check() looks, and check() then reports a click that did nothing.
    switch.click()
    status = section.locator(".switch__status")
    _say(page, "ブラウザの通知サービスに、この端末を登録できませんでした")
    text = status.inner_text()
    assert text.startswith("通知をオンにできませんでした。")
    assert "シークレット（プライベート）モード" in text and "もう一度お試しください" in text
    assert not switch.is_checked()
    size = "phone" if viewport == PHONE else "desktop"
    _shoot_whole(page, shoot, f"help-push-service-failed-{size}")
    _no_axe_violations(page, "/settings (push service failed)", http_errors)
    _check_console(page, http_errors)


def test_push_permission_refused_explains_how_to_allow_it(make_page, shoot):
    """The person answers 「ブロック」 to the browser's question (Playwright: no permission
    granted, so Chromium answers "denied"): the section says how to allow it again."""
    page = make_page(PHONE)
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    Authenticator(page)
    _sign_up(page)
    page.goto("/settings")
    section, switch = _push_switch(page)
    assert page.evaluate("Notification.permission") == "default"
    # click, not check(): the switch turns back off when switching on fails, which can
    # happen before check() looks, and check() then reports a click that did nothing.
    switch.click()
    _say(page, "通知がブロックされました。下の手順で許可すると、オンにできます。")
    text = section.inner_text()
    assert "「通知」を「許可」に変えます" in text
    assert "iPhone・iPadでは「設定」アプリ" in text
    _shoot_whole(page, shoot, "help-push-denied")
    _no_axe_violations(page, "/settings (push denied)", http_errors)
    _check_console(page, http_errors)


def test_push_refused_by_the_server_says_so_in_english(make_page, live_demo):
    page = make_page(PHONE, "en-US")
    page.context.grant_permissions(["notifications"], origin=live_demo.url)
    # A subscription the browser hands out, which the server then refuses.
    page.add_init_script(
        """
        PushManager.prototype.getSubscription = async () => null;
        PushManager.prototype.subscribe = async () => ({
          endpoint: 'https://push.example.invalid/x', options: {},
          toJSON: () => ({ endpoint: 'https://push.example.invalid/x',
                            keys: { p256dh: 'x', auth: 'y' } }),
          unsubscribe: async () => true,
        });
        """
    )
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    Authenticator(page)
    page.goto("/account")
    page.get_by_role("button", name="First time: create a passkey").click()
    page.get_by_role("button", name="Create a passkey on this device").click()
    _say(page, "Passkey created. You’re signed in")
    page.route(
        "**/api/push/subscription",
        lambda route: (
            route.fulfill(
                status=503,
                content_type="application/problem+json",
                body=json.dumps(
                    {
                        "type": "urn:todoke:problem:unavailable",
                        "title": "Service unavailable",
                        "status": 503,
                        "detail": "The database does not answer right now.",
                        "title_ja": "ただいま利用できません",
                        "detail_ja": "ただいまデータベースに接続できません。",
                    }
                ),
            )
            if route.request.method == "PUT"
            else route.continue_()
        ),
    )
    page.goto("/settings")
    section = _main(page).get_by_role("region", name="Notifications")
    switch = section.get_by_role("switch")
    switch.wait_for()
    # click, not check(): the switch turns back off when switching on fails, which can
    # happen before check() looks, and check() then reports a click that did nothing.
    switch.click()
    _say(page, "The city’s server did not accept this device")
    text = section.locator(".switch__status").inner_text()
    assert "Notifications couldn’t be switched on." in text
    assert "The database does not answer right now." in text
    assert not switch.is_checked()
    _check_console(page, http_errors, (r"503 PUT /api/push/subscription",))


# --- installing the app ------------------------------------------------------------------------

OFFER_INSTALL = """
(() => {
  const event = new Event('beforeinstallprompt');
  event.prompt = async () => { sessionStorage.setItem('test.install.prompted', '1'); };
  event.userChoice = Promise.resolve({ outcome: 'accepted', platform: 'web' });
  window.dispatchEvent(event);
})();
"""


@pytest.mark.parametrize(
    ("viewport", "locale", "language", "title", "button", "done"),
    [
        (
            PHONE,
            "ja-JP",
            "ja",
            "ホーム画面に追加する",
            "ホーム画面に追加",
            "ホーム画面に追加しました",
        ),
        (DESKTOP, "en-US", "en", "Add to your Home Screen", "Add to Home Screen", "Added."),
        (
            PHONE,
            "ja-JP",
            "easy",
            "ホームがめんに ついか する",
            "ホームがめんに ついか",
            "ついか しました",
        ),
    ],
    ids=["ja-phone", "en-desktop", "easy-phone"],
)
def test_settings_offer_the_browsers_install_prompt(
    make_page, shoot, viewport, locale, language, title, button, done
):
    page = make_page(viewport, locale)
    _lang(page, language)
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    page.goto("/settings")
    hint = _main(page).get_by_role("region", name=title)
    hint.wait_for()
    # No prompt from the browser yet: the menu's way, step by step.
    assert hint.locator("[data-install-steps='menu'] li").count() == 2
    size = "phone" if viewport == PHONE else "desktop"
    _shoot_whole(page, shoot, f"help-install-menu-{language}-{size}")
    # The browser says it can install the app: one button opens its prompt.
    page.evaluate(OFFER_INSTALL)
    install = hint.get_by_role("button", name=button, exact=True)
    install.wait_for()
    _shoot_whole(page, shoot, f"help-install-prompt-{language}-{size}")
    _no_axe_violations(page, f"/settings (install, {language})", http_errors)
    install.click()
    hint.get_by_role("status").get_by_text(done).wait_for()
    assert page.evaluate("sessionStorage.getItem('test.install.prompted')") == "1"
    _check_console(page, http_errors)


def test_install_hint_on_iphone_can_be_closed_for_good(browser, live_demo, shoot):
    context = browser.new_context(
        viewport=PHONE, locale="ja-JP", base_url=live_demo.url, user_agent=IPHONE_SAFARI
    )
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.console_errors = errors  # type: ignore[attr-defined]
        _without_autofill(page)
        http_errors = _watch_http_errors(page)
        page.goto("/settings")
        hint = _main(page).get_by_role("region", name="ホーム画面に追加する")
        steps = hint.locator("[data-install-steps='ios'] li")
        steps.first.wait_for()
        texts = steps.all_inner_texts()
        assert "共有ボタン" in texts[0] and "「ホーム画面に追加」" in texts[1]
        _shoot_whole(page, shoot, "help-install-iphone")
        _no_axe_violations(page, "/settings (install, iPhone)", http_errors)
        hint.get_by_role("button", name="閉じる（今後は表示しない）").click()
        assert hint.count() == 0
        assert page.evaluate("document.activeElement.tagName") == "H1"
        page.reload()
        _main(page).get_by_role("region", name="通知").wait_for()
        assert _main(page).get_by_role("region", name="ホーム画面に追加する").count() == 0
        _check_console(page, http_errors)
    finally:
        context.close()


def test_no_install_hint_in_the_installed_app(make_page):
    page = make_page(PHONE)
    page.add_init_script("Object.defineProperty(navigator, 'standalone', { value: true });")
    _without_autofill(page)
    page.goto("/settings")
    _main(page).get_by_role("region", name="通知").wait_for()
    assert _main(page).locator(".install-hint").count() == 0
