"""The application area's screens in the three states every data screen has: signed out
(the sign-in prompt naming what the screen is for), loading failed (the error with a retry
that works) and loaded, plus "not found" where a screen has its own words for it. The API
is the mocked contract of test_procedure_screens_mocked.py; a failure is one route
answering 500 until the test lets it through.

Screenshots go to var/screenshots/apps-<screen>-<state>.png (TODOKE_SCREENSHOT_DIR moves them).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_procedure_screens_mocked import (
    SLUG,
    L,
    MockApi,
    _axe,
    _check_console,
    _main,
    _shoot,
    _watch,
    account,
    draft_read,
    problem,
)
from viewports import PHONE

pytestmark = pytest.mark.browser

JA = json.loads(
    (Path(__file__).parents[2] / "pwa" / "assets" / "i18n" / "ja.json").read_text(encoding="utf-8")
)

# screen → (address, what its sign-in prompt says, its error's title, what shows it loaded)
SCREENS = {
    "applications": (
        "/applications",
        "applications.signInNeeded",
        "applications.loadError",
        r"/api/applications",
        "261122-7K3M9QXD",
    ),
    "application": (
        "/applications/9001",
        "application.signInNeeded",
        "application.loadError",
        r"/api/applications/9001",
        "申請を取り下げる",
    ),
    "amend": (
        "/applications/9003/amend",
        "application.signInNeeded",
        "amend.loadError",
        r"/api/applications/9003",
        JA["amend.submit"],
    ),
    "apply": (
        f"/procedures/{SLUG}/apply?draft=77",
        "apply.signInNeeded",
        "apply.loadError",
        r"/api/drafts/77",
        "1 / 4",
    ),
    "review": (
        f"/procedures/{SLUG}/review?draft=77",
        "apply.signInNeeded",
        "review.loadError",
        r"/api/drafts/77",
        JA["review.submit"],
    ),
}


def _fail(page, path: str, status: int = 500):
    """Answer GET path with status (before the mock: the newest route wins)."""
    pattern = re.compile(rf"^https?://[^/]+{path}(\?.*)?$")

    def handle(route, request):
        if request.method != "GET":
            route.fallback()
            return
        route.fulfill(
            status=status,
            content_type="application/problem+json",
            body=json.dumps(problem(status, "失敗", "Failed")),
        )

    page.route(pattern, handle)
    return pattern


@pytest.mark.parametrize("screen", list(SCREENS))
def test_signed_in_screens_signed_out_failed_and_loaded(make_page, shoot, screen):
    address, sign_in_key, error_key, data_path, loaded_text = SCREENS[screen]
    page = make_page(PHONE)
    seen = _watch(page)
    api = MockApi(page, me=None, drafts=[draft_read()])

    # Signed out: the prompt says what signing in is for, and leads to /account.
    page.goto(address)
    prompt = _main(page).locator(".notice").filter(has_text=JA["signIn.needed"])
    expect(prompt).to_contain_text(JA[sign_in_key])
    expect(prompt.get_by_role("link")).to_have_attribute("href", "/account")
    _axe(page, f"{screen} signed out")
    _shoot(page, shoot, f"apps-{screen}-signed-out")

    # Signed in, the data fails: the error says so; its retry loads the screen.
    api.me = account()
    failing = _fail(page, data_path)
    page.goto(address)
    error = _main(page).get_by_role("alert")
    expect(error).to_contain_text(JA[error_key])
    expect(error).to_contain_text("500")
    expect(page.locator("main .page__content")).not_to_have_attribute("aria-busy", "true")
    _axe(page, f"{screen} failed")
    _shoot(page, shoot, f"apps-{screen}-failed")
    page.unroute(failing)
    error.get_by_role("button", name=JA["error.retry"]).click()
    expect(_main(page).get_by_text(loaded_text, exact=False).first).to_be_visible()
    expect(_main(page).get_by_role("alert")).to_have_count(0)

    # Loaded straight away.
    page.goto(address)
    expect(_main(page).get_by_text(loaded_text, exact=False).first).to_be_visible()
    expect(page.locator("main .page__content").first).not_to_have_attribute("aria-busy", "true")
    _axe(page, f"{screen} loaded")
    _shoot(page, shoot, f"apps-{screen}-loaded")

    _check_console(page, seen, api, expected_http=(rf"500 GET {re.escape(data_path)}",))


@pytest.mark.parametrize(
    ("screen", "address", "path", "words"),
    [
        ("application", "/applications/9999", "/api/applications/9999", "application.notFound"),
        ("apply", f"/procedures/{SLUG}/apply?draft=78", "/api/drafts/78", "apply.missing.title"),
        ("review", f"/procedures/{SLUG}/review?draft=78", "/api/drafts/78", "apply.missing.title"),
        ("procedure", "/procedures/no-such", "/api/procedures/no-such/form", None),
    ],
)
def test_not_found_has_its_own_words(make_page, shoot, screen, address, path, words):
    page = make_page(PHONE)
    seen = _watch(page)
    api = MockApi(page, drafts=[draft_read()])
    _fail(page, path, 404)
    page.goto(address)
    if words:
        expect(_main(page)).to_contain_text(JA[words])
    else:
        expect(page.locator("main h1")).to_have_text(JA["procedurePage.notFound.title"])
        expect(_main(page)).to_contain_text(JA["procedurePage.notFound.body"])
    expect(_main(page).get_by_role("button", name=JA["error.retry"])).to_have_count(0)
    _axe(page, f"{screen} not found")
    _shoot(page, shoot, f"apps-{screen}-not-found")
    _check_console(page, seen, api, expected_http=(rf"404 GET {re.escape(path)}",))


@pytest.mark.parametrize(
    ("screen", "address", "path", "error_key"),
    [
        ("procedure", f"/procedures/{SLUG}", f"/api/procedures/{SLUG}/form", None),
        ("procedures", "/procedures", "/api/procedures", "procedures.error.title"),
        ("check", "/check", "/api/support/programs", "check.loadError"),
    ],
)
def test_public_screens_failed_and_loaded(make_page, shoot, screen, address, path, error_key):
    page = make_page(PHONE)
    seen = _watch(page)
    api = MockApi(page, me=None)
    if screen == "check":  # the demo's programs come and go with other tests: one of its own
        page.route(re.compile(r"^https?://[^/]+/api/support/programs$"), _one_program)
    failing = _fail(page, path)
    page.goto(address)
    error = _main(page).get_by_role("alert")
    expect(error).to_contain_text(JA[error_key or "procedurePage.loadError"])
    _axe(page, f"{screen} failed")
    _shoot(page, shoot, f"apps-{screen}-failed")
    page.unroute(failing)
    error.get_by_role("button", name=JA["error.retry"]).click()
    expect(_main(page).get_by_role("alert")).to_have_count(0)
    if screen == "procedure":
        expect(page.locator("main h1")).to_have_text("児童扶養手当 認定請求")
    elif screen == "procedures":
        expect(_main(page).locator(".procedure-card").first).to_be_visible()
    else:
        expect(_main(page).locator("form.check-form")).to_be_visible()
    _axe(page, f"{screen} loaded")
    _shoot(page, shoot, f"apps-{screen}-loaded")
    _check_console(page, seen, api, expected_http=(rf"500 GET {re.escape(path)}",))


def _one_program(route, request):
    question = {"fact": "age", "type": "number", "label": L("年齢", "とし", "Age")}
    program = {"slug": "elder-care", "title": L("高齢者支援", "おとしより", "Elder care")}
    route.fulfill(json={"items": [{**program, "questions": [question]}]})
