"""Issue 16, moving between municipalities once, in the browser on the live demo: a verified
resident of とどけ市 (who lives with a child) tells the city of a move to ひがし町 and, on the
consent screen, agrees to send the move-in data; in a second browser context (a passkey of
the town's own origin) they sign up at the town, enter the transfer code, and find the 転入
booking and the 児童手当 application pre-filled from the city's data, with the consent shown.
The audit events are in each municipality's own trail.

Screenshots: var/screenshots/moving-*.png, each new screen at 390×844 and 1280×800."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from test_resident_identity import (
    Authenticator,
    _activation_code,
    _check_console,
    _main,
    _say,
    _shoot_whole,
    _sign_up,
    _watch_http_errors,
    _without_autofill,
)
from test_staff_identity import add_authenticator, assert_no_axe_violations
from viewports import DESKTOP, PHONE

from conftest import CITY
from todoke import clock

pytestmark = pytest.mark.browser

TOWN_CODE = "139971"
# A head of household of the city living with a child under 18, without an account; not a
# single parent: the few the demo has are the support tests' (test_support_and_push), which
# share this demo.
MOVER_SQL = (
    "SELECT h.registry_id AS registry_id, h.family_name AS family_name, "
    "h.given_name AS given_name FROM person h "
    f"WHERE h.municipality = {CITY} AND h.relation = 'head' AND h.status = 'resident' "
    "AND h.single_parent IS NOT TRUE "
    "AND h.id NOT IN (SELECT person FROM account WHERE person IS NOT NULL) "
    "AND EXISTS (SELECT 1 FROM person c WHERE c.household = h.household AND c.id <> h.id "
    "AND c.status = 'resident' AND c.birth_date > '{born_after}') "
    "ORDER BY h.id DESC LIMIT 1"
)
NEW_POSTAL = "182-0022"
NEW_ADDRESS = "東京都調布市国領町一丁目2-3 ひがしハイツ201"


def _both(page, shoot, name: str) -> None:
    _shoot_whole(page, shoot, f"{name}-phone")
    page.set_viewport_size(DESKTOP)
    _shoot_whole(page, shoot, f"{name}-desktop")
    page.set_viewport_size(PHONE)


def _staff_at(make_page, live_demo, base: str, municipality: str):
    """A caseworker of the citizens division of municipality, signed in at base/staff."""
    args = ["create-staff", f"市民課 {municipality}", "--role", "caseworker"]
    args += ["--department", "citizens", "--municipality", municipality]
    link = live_demo.todoke(*args).stdout.strip().splitlines()[-1].strip()
    page = make_page(DESKTOP)
    add_authenticator(page)
    page.goto(link.replace(live_demo.url, base))
    page.get_by_role("button", name="パスキーを作成して登録").click()
    page.wait_for_url(f"{base}/staff")
    return page


def _audit(live_demo, code: str) -> list[str]:
    rows = live_demo.query(
        "SELECT e.action AS action FROM audit_event e JOIN municipality m "
        f"ON m.id = e.municipality WHERE m.code = '{code}' AND e.action LIKE 'move.%' "
        "ORDER BY e.id"
    )
    return [r["action"] for r in rows]


def test_a_resident_tells_the_city_once_and_finds_the_town_ready(live_demo, make_page, shoot):
    town = live_demo.url.replace("//localhost:", "//higashi.localhost:")
    today = clock.today()
    born_after = today.replace(year=today.year - 17).isoformat()
    [mover] = live_demo.query(MOVER_SQL.format(born_after=born_after))
    code = _activation_code(live_demo, mover["registry_id"])
    full_name = f"{mover['family_name']} {mover['given_name']}"

    # --- at the city: a verified resident ---------------------------------------------------
    city = make_page(PHONE)
    _without_autofill(city)
    city_errors = _watch_http_errors(city)
    Authenticator(city)
    _sign_up(city)
    city.goto("/account/verify")
    _main(city).get_by_role("textbox", name="確認コード").fill(code)
    _main(city).get_by_role("button", name="確認する", exact=True).click()
    _say(city, "本人確認ができました")

    # The account screen leads to the move.
    city.goto("/account")
    _main(city).get_by_role("link", name=re.compile("ほかの市区町村への引っ越し")).click()
    _say(city, "引っ越しを伝える")
    form = _main(city)
    form.get_by_label("転出先の市区町村").select_option(label="ひがし町")
    move_day = today + timedelta(days=7)
    form.get_by_label("引っ越しの日").fill(move_day.isoformat())
    form.get_by_label("新しい住所の郵便番号").fill(NEW_POSTAL)
    form.get_by_label("新しい住所", exact=True).fill(NEW_ADDRESS)
    # The household from the registry, everyone ticked.
    movers = form.locator("input[name='movers']")
    assert movers.count() >= 2 and all(movers.nth(i).is_checked() for i in range(movers.count()))
    form.get_by_label("登録している犬も一緒に引っ越す").check()
    form.get_by_label(re.compile("^窓口で届け出る")).check()
    form.get_by_label("来庁希望日").fill((today + timedelta(days=3)).isoformat())
    form.get_by_label("来庁希望時間").select_option("10-11")
    form.get_by_label("電話番号").fill("0422-11-2233")
    _both(city, shoot, "moving-form")
    assert_no_axe_violations(city, "/moving")
    form.get_by_role("button", name="引っ越しを伝える").click()

    # The consent screen: every field that would cross, not agreed at first.
    _say(city, "転入のデータをひがし町に送りますか")
    consent = _main(city).get_by_role("region", name="転入のデータをひがし町に送りますか")
    for label in ("氏名", "フリガナ", "生年月日", "性別", "続柄", "前の住所", "新しい住所"):
        expect(consent.get_by_text(label, exact=True)).to_be_visible()
    expect(consent).to_contain_text(full_name)
    expect(consent).to_contain_text(NEW_ADDRESS)
    box = consent.get_by_label("上の項目をひがし町に送ることに同意します")
    assert not box.is_checked()
    _both(city, shoot, "moving-consent")
    assert_no_axe_violations(city, "/moving/:id consent")
    # Nothing crosses before the yes.
    assert _audit(live_demo, TOWN_CODE) == []
    # Sending without the tick is refused on the screen.
    consent.get_by_role("button", name="同意して送る").click()
    _say(city, "送る場合は、同意のチェックを入れてください")
    assert _audit(live_demo, TOWN_CODE) == []
    box.check()
    consent.get_by_role("button", name="同意して送る").click()
    _say(city, "ひがし町で使うコードです")
    transfer = _main(city).locator(".counter-code__digits").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", transfer), transfer
    _both(city, shoot, "moving-code")
    assert_no_axe_violations(city, "/moving/:id code")
    # (axe resolves app.css's @import against the page's address: a 404 of its own.)
    _check_console(city, city_errors, (r"404 GET /tokens\.css",))

    # --- at the town: a new account with a passkey of the town's origin ------------------
    arrived = make_page(PHONE)
    _without_autofill(arrived)
    town_errors = _watch_http_errors(arrived)
    authenticator = Authenticator(arrived)
    arrived.goto(f"{town}/account")
    arrived.get_by_role("button", name="はじめての方：パスキーを作成").click()
    arrived.get_by_role("button", name="この端末でパスキーを作成").click()
    _say(arrived, "パスキーを作成し、サインインしました")
    assert authenticator.credentials()[0]["rpId"] == "higashi.localhost"
    _main(arrived).get_by_role("link", name=re.compile("引越しコードを入力")).click()
    _say(arrived, "前の市区町村で受け取ったコード")
    _both(arrived, shoot, "moving-in-code")
    assert_no_axe_violations(arrived, "/moving/in code")
    _main(arrived).get_by_role("textbox", name="引越しコード").fill(transfer.lower())
    _main(arrived).get_by_role("button", name="コードを使う").click()
    _say(arrived, "とどけ市から引っ越しのデータが届いています")
    received = _main(arrived).get_by_role("region", name="受け取ったデータ")
    expect(received).to_contain_text("とどけ市で")
    expect(received).to_contain_text(full_name)
    todo = _main(arrived).get_by_role("region", name="引っ越しでする手続き")
    expect(todo).to_contain_text("転入届")
    expect(todo).to_contain_text("児童手当")
    expect(todo).to_contain_text("犬の登録")
    _both(arrived, shoot, "moving-in-received")
    assert_no_axe_violations(arrived, "/moving/in received")

    # The 転入 booking, pre-filled from the city's data.
    todo.get_by_role("link", name=re.compile("転入届")).click()
    _say(arrived, "登録情報：とどけ市の転出データ")
    expect(_main(arrived).get_by_label("氏名", exact=True)).to_have_value(full_name)
    _both(arrived, shoot, "moving-in-booking")
    # The move itself on the next step: the new address as the city was told it.
    _main(arrived).get_by_label("電話番号").fill("090-1234-5678")
    _main(arrived).get_by_role("button", name="次へ").click()
    expect(_main(arrived).get_by_label("新しい住所", exact=True)).to_have_value(NEW_ADDRESS)
    _say(arrived, "登録情報：とどけ市の転出データ")
    _both(arrived, shoot, "moving-in-booking-move")
    # The child allowance, pre-filled the same way, its children chosen.
    arrived.goto(f"{town}/moving/in")
    _main(arrived).get_by_role("region", name="引っ越しでする手続き").get_by_role(
        "link", name=re.compile("児童手当")
    ).click()
    _say(arrived, "登録情報：とどけ市の転出データ")
    expect(_main(arrived).get_by_label("氏名", exact=True)).to_have_value(full_name)
    # No "この情報が違う": the town's registry holds none of it yet (the counter puts it right).
    expect(_main(arrived).get_by_role("button", name=re.compile("この情報が違う"))).to_have_count(0)
    _both(arrived, shoot, "moving-in-child-allowance")
    _check_console(arrived, town_errors, (r"404 GET /tokens\.css",))

    # --- the audit trails: each municipality its own --------------------------------------
    city_actions = _audit(live_demo, "139998")
    assert {"move.out_told", "move.consent_given", "move.data_sent"} <= set(city_actions)
    assert "move.data_received" not in city_actions
    town_actions = _audit(live_demo, TOWN_CODE)
    assert {"move.data_received", "move.code_used", "move.account_bound"} <= set(town_actions)
    assert "move.data_sent" not in town_actions
    [row] = live_demo.query(
        "SELECT m.code AS code FROM move_in i JOIN municipality m ON m.id = i.municipality"
    )
    assert row["code"] == TOWN_CODE

    # Back at the city: the move shows the data was used by the town.
    city.reload()
    _say(city, "ひがし町で引越しコードが使われました")
    _both(city, shoot, "moving-sent")
    # The consent and the sending stand in the resident's access log at the city.
    city.goto("/account/access-log")
    _main(city).get_by_label("すべて").check()
    _say(city, "転出先へ送ることに同意しました")
    _say(city, "転出先へデータを送りました")
    _say(city, "引っ越しの手続きのため")
    _both(city, shoot, "moving-access-log")

    # --- staff at both ends: each sees its own side of the move ----------------------------
    city_staff = _staff_at(make_page, live_demo, live_demo.url, "139998")
    city_staff.get_by_role("navigation", name="職員メニュー").get_by_role(
        "link", name="転出・転入"
    ).click()
    out = city_staff.get_by_role("region", name="転出（この市区町村から）", exact=True)
    expect(out).to_contain_text(full_name)
    expect(out).to_contain_text("ひがし町")
    expect(out).to_contain_text("同意のうえ転出先へ送信")
    expect(city_staff.locator("main")).to_contain_text("届いた転入のデータはありません。")
    city_staff.set_viewport_size(PHONE)
    shoot(city_staff, "moving-staff-city-phone")
    city_staff.set_viewport_size(DESKTOP)
    shoot(city_staff, "moving-staff-city-desktop")

    town_staff = _staff_at(make_page, live_demo, town, TOWN_CODE)
    town_staff.goto(f"{town}/staff/moves")
    incoming = town_staff.get_by_role("region", name="転入（この市区町村へ）", exact=True)
    expect(incoming).to_contain_text(full_name)
    expect(incoming).to_contain_text("とどけ市")
    expect(incoming).to_contain_text("引越しコード使用")
    expect(town_staff.locator("main")).to_contain_text("伝えられた転出はありません。")
    shoot(town_staff, "moving-staff-town-desktop")
    town_staff.set_viewport_size(PHONE)
    shoot(town_staff, "moving-staff-town-phone")
