"""Issue 17: a filing made at the counter is confirmed by the resident with their own
passkey, in a second browser: support staff fill in 粗大ごみ for a verified resident, the
resident opens the code on their phone, reads the filing as staff entered it, and confirms
with their virtual passkey; the filing is theirs. Without a passkey for it (another
device's authenticator) nothing is confirmed.

Screenshots: var/screenshots/counter-confirm-*.png at 390×844 and 1280×800.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from test_resident_identity import Authenticator, _activation_code, _without_autofill
from test_staff_backoffice import staff_in
from viewports import DESKTOP, PHONE

from conftest import CITY, LiveDemo, running_demo, screenshot
from todoke import clock

pytestmark = pytest.mark.browser

SLUG = "oversized-garbage"
PERSON_SQL = (
    "SELECT registry_id, family_name, given_name FROM person p WHERE relation = 'head' "
    "AND status = 'resident' AND NOT EXISTS (SELECT 1 FROM account a WHERE a.person = p.id) "
    f"AND p.municipality = {CITY} ORDER BY id LIMIT 1"
)


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    with running_demo(tmp_path_factory, "counter") as demo:
        yield demo


@pytest.fixture(scope="module")
def live_server(live_demo: LiveDemo) -> str:
    return live_demo.url


def _verified_resident(make_page, live_demo, registry_id: str, viewport=PHONE):
    """A phone with a passkey made here, verified with the person's activation code."""
    page = make_page(viewport)
    _without_autofill(page)
    authenticator = Authenticator(page)
    main = page.locator("main")
    page.goto("/account")
    main.get_by_role("button", name="はじめての方：パスキーを作成").click()
    main.get_by_role("textbox", name="呼び名").fill("窓口のひと")
    main.get_by_role("button", name="この端末でパスキーを作成").click()
    expect(main.get_by_text("パスキーを作成し、サインインしました").first).to_be_visible()
    page.goto("/account/verify")
    main.get_by_role("textbox", name="確認コード").fill(_activation_code(live_demo, registry_id))
    main.get_by_role("button", name="確認する", exact=True).click()
    expect(main.get_by_text("本人確認ができました").first).to_be_visible()
    return page, authenticator


def _form_with_consent(page) -> dict:
    """The procedure's form as the resident's app reads it, the registry's values in it
    (the resident consents to pre-filling, as at the counter they would)."""
    return page.evaluate(
        """async ([slug]) => {
          const me = await (await fetch('/api/me')).json();
          await fetch('/api/me/consents', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
            body: JSON.stringify({ purpose: 'prefill', granted: true }),
          });
          return (await fetch(`/api/procedures/${slug}/form`)).json();
        }""",
        [SLUG],
    )


FILE_AT_COUNTER = """async ([body, key]) => {
  const me = await (await fetch('/api/me')).json();
  const answer = await fetch('/api/staff/assisted-applications', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token,
               'Idempotency-Key': key },
    body: JSON.stringify(body),
  });
  return { status: answer.status, body: await answer.json() };
}"""


def _filed_at_counter(staff, registry_id: str, form: dict, key: str) -> str:
    """Support staff file it for the resident: the confirmation code they show."""
    body = {
        "person_registry_id": registry_id,
        "slug": SLUG,
        "version": form["version"],
        "answers": _answers(form),
    }
    filed = staff.evaluate(FILE_AT_COUNTER, [body, key])
    assert filed["status"] == 201, filed
    return filed["body"]["confirmation_code"]


def _answers(form: dict) -> dict:
    """What support staff enter with the resident: every required field, plainly."""
    answers = {name: held["value"] for name, held in form["prefill"].items()}
    for section in form["form"]["sections"]:
        for spec in section["fields"]:
            if spec["name"] in answers or not spec.get("required") or spec.get("show_if"):
                continue
            first = (spec.get("options") or [{"value": ""}])[0]["value"]
            answers[spec["name"]] = {
                "choice": first,
                "choices": [first],
                "date": (clock.today() + timedelta(days=14)).isoformat(),
                "consent": True,
                "phone": "090-1111-2222",
                "number": 1,
                "yen": 1,
                "kana": "タナカ",
            }.get(spec["type"], "たんす 1点")
    return answers


def test_the_resident_confirms_a_counter_filing_with_their_own_passkey(live_demo, make_page):
    person = live_demo.query(PERSON_SQL)[0]
    phone, _ = _verified_resident(make_page, live_demo, person["registry_id"])
    main = phone.locator("main")

    # At the counter: support staff fill in the procedure for the resident.
    form = _form_with_consent(phone)
    staff = staff_in(make_page, live_demo, "市民課 窓口", "support", "citizens")
    code = _filed_at_counter(staff, person["registry_id"], form, "counter-e2e-0001")

    # On the resident's phone: the code opens the filing as staff entered it.
    phone.goto(f"/confirm?code={code}")
    expect(phone.locator("main h1")).to_have_text("窓口での申請の確認")
    main.get_by_role("button", name="申請の内容を見る").click()
    review = main.get_by_role("region", name="申請の内容")
    expect(review).to_be_visible()
    expect(review).to_contain_text("たんす 1点")
    screenshot(phone, "counter-confirm-review-phone")

    # The passkey on this phone confirms it: the filing is the resident's now.
    main.get_by_role("button", name="パスキーで確認して申請する").click()
    expect(phone).to_have_url(re.compile(r"/applications/\d+\?new=1"))
    expect(phone.locator("main h1")).to_have_text("申請を受け付けました")
    screenshot(phone, "counter-confirm-received-phone")
    listed = phone.evaluate("fetch('/api/applications').then((r) => r.json())")
    assert [item["channel"] for item in listed["items"]] == ["assisted"]


def test_another_device_without_the_resident_s_passkey_confirms_nothing(live_demo, make_page):
    """The same account signed in on a desk whose authenticator holds no passkey of theirs
    (a browser left signed in, someone else at it): the filing stays unconfirmed."""
    person = live_demo.query(PERSON_SQL)[0]
    desk, authenticator = _verified_resident(make_page, live_demo, person["registry_id"], DESKTOP)
    main = desk.locator("main")
    form = _form_with_consent(desk)
    staff = staff_in(make_page, live_demo, "市民課 窓口二", "support", "citizens")
    code = _filed_at_counter(staff, person["registry_id"], form, "counter-e2e-0002")
    authenticator.replace_device()  # the passkey is not on this desk
    desk.goto(f"/confirm?code={code}")
    main.get_by_role("button", name="申請の内容を見る").click()
    expect(main.get_by_role("region", name="申請の内容")).to_be_visible()
    screenshot(desk, "counter-confirm-review-desktop")
    main.get_by_role("button", name="パスキーで確認して申請する").click()
    expect(main.get_by_role("alert").first).to_be_visible(timeout=15000)
    screenshot(desk, "counter-confirm-refused-desktop")
    expect(desk).to_have_url(re.compile(r"/confirm"))
    listed = desk.evaluate("fetch('/api/applications').then((r) => r.json())")
    assert listed["items"] == []


DESK_PERSON_SQL = (
    "SELECT registry_id, family_name, given_name, family_name_kana, given_name_kana, "
    "birth_date FROM person p WHERE relation = 'head' AND status = 'resident' "
    "AND NOT EXISTS (SELECT 1 FROM account a WHERE a.person = p.id) "
    f"AND p.municipality = {CITY} ORDER BY id DESC LIMIT 1"
)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_at_the_desk_staff_find_the_resident_file_filled_in_and_see_it_confirmed(
    live_demo, make_page, viewport
):
    """書かない窓口 on screen: support staff find the resident by the reading and birth date
    on their identity document, open 住民票の写しの請求 already filled from the registry, ask
    what is missing and send it for confirmation; the resident confirms it with their own
    passkey on their phone and the desk's list of the visit says so."""
    person = live_demo.query(DESK_PERSON_SQL + (" OFFSET 1" if viewport is PHONE else ""))[0]
    phone, _ = _verified_resident(make_page, live_demo, person["registry_id"])
    staff = staff_in(
        make_page, live_demo, f"市民課 書かない窓口 {viewport['width']}", "support", "citizens",
        viewport=viewport,
    )  # fmt: skip
    main = staff.locator("main")
    staff.goto("/staff/desk")
    expect(staff.locator("main h1")).to_have_text("書かない窓口")
    main.get_by_label("氏（フリガナ）").fill(person["family_name_kana"])
    main.get_by_label("生年月日").fill(str(person["birth_date"]))
    main.get_by_role("button", name="さがす").click()
    full_name = f"{person['family_name']} {person['given_name']}"
    main.get_by_role("button", name=f"{full_name}さんの手続きを始める").click()
    expect(main.get_by_text("アプリあり（本人のパスキーで確認）")).to_be_visible()
    main.get_by_label("手続き", exact=True).select_option("residence-certificate")
    main.get_by_role("button", name="記入済みの申請書を開く").click()

    # Filled from the registry, with its source; staff ask for the rest.
    expect(staff.locator("#desk-applicant_name")).to_have_value(re.compile(person["family_name"]))
    expect(staff.locator("#desk-delivery_address")).not_to_have_value("")
    expect(main.get_by_text(re.compile("住民基本台帳")).first).to_be_visible()
    staff.locator("#desk-scope-field").get_by_label("本人のみ", exact=True).check()
    staff.locator("#desk-copies").fill("1")
    staff.locator("#desk-purpose").select_option("work")
    staff.locator("#desk-phone").fill("090-1234-5678")
    staff.locator("#desk-declaration-field input[type=checkbox]").check()
    screenshot(staff, f"desk-form-{'phone' if viewport is PHONE else 'desktop'}")
    main.get_by_role("button", name="住民の確認にまわす").click()
    code_node = main.locator("[data-confirmation-code]")
    expect(code_node).to_be_visible()
    code = code_node.get_attribute("data-confirmation-code")
    expect(main.get_by_role("img", name="確認ページを開くQRコード")).to_be_visible()
    visit = main.get_by_role("complementary")
    expect(visit.get_by_text("住民の確認待ちが1件あります")).to_be_visible()
    screenshot(staff, f"desk-pending-{'phone' if viewport is PHONE else 'desktop'}")

    # On the resident's phone: read and confirmed with their own passkey.
    phone.goto(f"/confirm?code={code}")
    phone.locator("main").get_by_role("button", name="申請の内容を見る").click()
    expect(phone.locator("main").get_by_role("region", name="申請の内容")).to_be_visible()
    phone.locator("main").get_by_role("button", name="パスキーで確認して申請する").click()
    expect(phone.locator("main h1")).to_have_text("申請を受け付けました")

    # The desk's list follows without a reload.
    expect(visit.get_by_text("すべて確認済みです")).to_be_visible(timeout=15000)
    expect(visit.locator('[data-state="confirmed"]')).to_have_count(1)
    screenshot(staff, f"desk-confirmed-{'phone' if viewport is PHONE else 'desktop'}")
