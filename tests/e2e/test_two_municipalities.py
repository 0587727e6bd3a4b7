"""One deployment, two municipalities (issue 16): the demo serves とどけ市 at localhost and
ひがし町 at higashi.localhost. A resident of the town signs up and verifies there, with a
passkey made for the town's own relying party; the city, on the same machine and in the
same browser, does not know them; the town's registry fills the town's forms."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from test_resident_identity import (
    Authenticator,
    _check_console,
    _main,
    _say,
    _shoot_whole,
    _watch_http_errors,
    _without_autofill,
)
from test_staff_identity import assert_no_axe_violations
from viewports import DESKTOP, PHONE

TOWN_CODE = "139971"
TOWN_PERSON_SQL = (
    "SELECT p.registry_id AS registry_id, p.family_name AS family_name, "
    "p.given_name AS given_name, p.address AS address FROM person p "
    "JOIN municipality m ON m.id = p.municipality "
    f"WHERE m.code = '{TOWN_CODE}' AND p.relation = 'head' AND p.status = 'resident' "
    "AND p.id NOT IN (SELECT person FROM account WHERE person IS NOT NULL) "
    "ORDER BY p.id LIMIT 1"
)


def test_a_resident_of_the_town_has_an_account_there_and_nowhere_else(live_demo, make_page, shoot):
    town = live_demo.url.replace("//localhost:", "//higashi.localhost:")
    person = live_demo.query(TOWN_PERSON_SQL)[0]
    assert person["address"].startswith("東京都調布市")
    issued = live_demo.todoke(
        "issue-activation-code", person["registry_id"], "--municipality", TOWN_CODE
    )
    code = issued.stdout.strip().splitlines()[-1].strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code), issued.stdout

    page = make_page(PHONE)
    _without_autofill(page)
    http_errors = _watch_http_errors(page)
    authenticator = Authenticator(page)

    # The town's own app: its name in the header and the title.
    page.goto(f"{town}/")
    expect(page.locator("header")).to_contain_text("ひがし町")
    _shoot_whole(page, shoot, "town-home-phone")
    assert_no_axe_violations(page, "town /")

    # A passkey made for the town, and the town's letter code.
    page.goto(f"{town}/account")
    page.get_by_role("button", name="はじめての方：パスキーを作成").click()
    page.get_by_role("button", name="この端末でパスキーを作成").click()
    _say(page, "パスキーを作成し、サインインしました")
    [credential] = authenticator.credentials()
    assert credential["rpId"] == "higashi.localhost"
    page.goto(f"{town}/account/verify")
    _main(page).get_by_role("textbox", name="確認コード").fill(code)
    _main(page).get_by_role("button", name="確認する", exact=True).click()
    _say(page, "本人確認ができました")
    full_name = f"{person['family_name']} {person['given_name']}"
    _main(page).get_by_role("region", name="あなたの情報", exact=True).get_by_text(
        full_name
    ).wait_for()
    _shoot_whole(page, shoot, "town-verified-phone")
    page.set_viewport_size(DESKTOP)
    _shoot_whole(page, shoot, "town-verified-desktop")
    page.set_viewport_size(PHONE)

    # The account, its passkey and its audit trail are the town's.
    [account] = live_demo.query(
        "SELECT m.code AS code FROM account a JOIN municipality m ON m.id = a.municipality "
        "JOIN person p ON p.id = a.person "
        f"WHERE p.registry_id = '{person['registry_id']}' AND p.municipality = m.id"
    )
    assert account["code"] == TOWN_CODE
    verified = live_demo.query(
        "SELECT m.code AS code FROM audit_event e JOIN municipality m ON m.id = e.municipality "
        "WHERE e.action = 'identity.verified' ORDER BY e.id DESC LIMIT 1"
    )
    assert verified == [{"code": TOWN_CODE}]

    # The city, in the same browser: its own name, and nobody signed in.
    page.goto(f"{live_demo.url}/account")
    expect(page.locator("header")).to_contain_text("とどけ市")
    _main(page).get_by_role("button", name="パスキーでサインイン").wait_for()
    assert page.request.get(f"{live_demo.url}/api/me").status == 401
    # Back at the town (the names *.localhost resolve in the browser, not in the test): the
    # session is still there.
    page.goto(f"{town}/account")
    _main(page).get_by_role("region", name="あなたの情報", exact=True).get_by_text(
        full_name
    ).wait_for()
    assert page.evaluate("fetch('/api/me').then((r) => r.status)") == 200
    # A host the deployment does not serve is no municipality's.
    elsewhere = live_demo.url.replace("//localhost:", "//elsewhere.localhost:")
    assert page.goto(f"{elsewhere}/api/municipality").status == 404
    # (axe resolves app.css's @import against the page's address: a 404 of its own.)
    expected = (r"401 GET /api/me", r"404 GET /api/municipality", r"404 GET /tokens\.css")
    _check_console(page, http_errors, expected)
