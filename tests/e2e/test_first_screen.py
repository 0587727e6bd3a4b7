"""The first screen as a resident sees it: procedures in Japanese, then plain Japanese and
English, the choice remembered; no accessibility violations; works offline once loaded."""

from __future__ import annotations

import re

import pytest
from viewports import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _titles(page) -> list[str]:
    page.locator(".procedure-card__title").first.wait_for()
    return page.locator(".procedure-card__title").all_inner_texts()


def test_procedures_in_three_languages_at_phone_size(make_page, shoot):
    page = make_page(PHONE)
    page.goto("/")
    titles = _titles(page)
    assert "住民票の写しの請求" in titles
    assert "転居届（市内での引っ越し）" in titles
    assert len(titles) == 10
    assert page.locator("html").get_attribute("lang") == "ja"
    assert "とどけ市" in page.locator(".site-header").inner_text()
    shoot(page, "first-screen-ja-phone")

    page.get_by_role("link", name=re.compile("設定")).first.click()
    page.get_by_label("English").check()
    page.get_by_role("link", name=re.compile("Home")).first.click()
    assert "Request a certificate of residence" in _titles(page)
    assert page.locator("html").get_attribute("lang") == "en"
    shoot(page, "first-screen-en-phone")

    page.reload()
    assert "Request a certificate of residence" in _titles(page), "choice not remembered"

    page.goto("/settings")
    page.get_by_label("やさしい にほんご").check()
    page.goto("/")
    assert "じゅうみんひょうを もらう" in _titles(page)
    shoot(page, "first-screen-easy-phone")
    assert page.console_errors == []


def test_first_screen_at_desktop_size(make_page, shoot):
    page = make_page(DESKTOP)
    page.goto("/")
    assert len(_titles(page)) == 10
    shoot(page, "first-screen-ja-desktop")
    assert page.console_errors == []


def test_english_browser_gets_english_first(make_page):
    page = make_page(PHONE, locale="en-US")
    page.goto("/")
    assert "Request a certificate of residence" in _titles(page)


def test_no_axe_violations(make_page):
    from axe_playwright_python.sync_playwright import Axe

    page = make_page(PHONE)
    for path in ("/", "/procedures", "/settings"):
        page.goto(path)
        page.locator("main h1").first.wait_for()
        page.wait_for_load_state("networkidle")
        results = Axe().run(page)
        assert results.violations_count == 0, f"{path}: {results.generate_report()}"


def test_app_shell_works_offline_after_first_visit(make_page, shoot):
    page = make_page(PHONE)
    page.goto("/")
    _titles(page)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the service worker
    _titles(page)
    page.context.set_offline(True)
    page.goto("/settings")
    page.locator("main h1").first.wait_for()
    assert page.locator("main h1").first.inner_text() == "設定"
    shoot(page, "offline-settings-phone")
    page.context.set_offline(False)
