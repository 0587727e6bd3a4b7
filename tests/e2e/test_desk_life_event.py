"""Issue 17, 書かない窓口 with a LIFE EVENT, in the browser on the live demo: support staff find
the resident in front of the desk, start 引越し (within the city) for them — the household and
the child already answered from the registry, and marked so —, get the plan as a checklist,
open 粗大ごみ from it already filled from the registry and the answers, and send it for the
resident's confirmation; the resident confirms on their own phone (a second browser context)
with their own virtual passkey, and the checklist says the item is filed in this visit and
what remains (転居届 still to open, the other organisations' to-dos).

Screenshots: var/screenshots/desk-life-*.png at 390×844 and 1280×800."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from test_counter_confirmation import _verified_resident
from test_staff_backoffice import staff_in
from test_staff_identity import assert_no_axe_violations, unexpected_console_errors
from viewports import DESKTOP, PHONE

from conftest import CITY, LiveDemo, running_demo, screenshot
from todoke import clock

pytestmark = pytest.mark.browser

# A head of household living with a child under 15, without an account yet.
PERSON_SQL = (
    "SELECT h.registry_id AS registry_id, h.family_name AS family_name, h.given_name AS "
    "given_name, h.family_name_kana AS family_name_kana, h.birth_date AS birth_date "
    f"FROM person h WHERE h.municipality = {CITY} AND h.relation = 'head' "
    "AND h.status = 'resident' "
    "AND h.id NOT IN (SELECT person FROM account WHERE person IS NOT NULL) "
    "AND EXISTS (SELECT 1 FROM person c WHERE c.household = h.household AND c.id <> h.id "
    "AND c.status = 'resident' AND c.birth_date > '{born_after}') "
    "ORDER BY h.id LIMIT 1 OFFSET {offset}"
)
NEW_POSTAL = "181-0002"
NEW_ADDRESS = "東京都三鷹市牟礼二丁目5-8 みなみハイツ101"


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    with running_demo(tmp_path_factory, "desklife") as demo:
        yield demo


@pytest.fixture(scope="module")
def live_server(live_demo: LiveDemo) -> str:
    return live_demo.url


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_staff_start_a_move_for_the_resident_and_file_from_its_plan(live_demo, make_page, viewport):
    size = "phone" if viewport is PHONE else "desktop"
    today = clock.today()
    born_after = today.replace(year=today.year - 14).isoformat()
    [person] = live_demo.query(
        PERSON_SQL.format(born_after=born_after, offset=1 if viewport is PHONE else 0)
    )
    phone, _ = _verified_resident(make_page, live_demo, person["registry_id"])
    staff = staff_in(
        make_page, live_demo, f"市民課 出来事の窓口 {viewport['width']}", "support", "citizens",
        viewport=viewport,
    )  # fmt: skip
    main = staff.locator("main")

    # Found against the identity document, as for a procedure.
    staff.goto("/staff/desk")
    main.get_by_label("氏（フリガナ）").fill(person["family_name_kana"])
    main.get_by_label("生年月日").fill(str(person["birth_date"]))
    main.get_by_role("button", name="さがす").click()
    full_name = f"{person['family_name']} {person['given_name']}"
    main.get_by_role("button", name=f"{full_name}さんの手続きを始める").click()

    # Beside 「手続きを選ぶ」: a life event.
    expect(main.get_by_role("heading", name="くらしの出来事から始める")).to_be_visible()
    main.get_by_label("出来事", exact=True).select_option("moving")
    main.get_by_role("button", name="質問を開く").click()

    # The questions: what the registry holds for this person is answered, and marked so.
    form = main.locator(".desk-life-questions")
    expect(form.locator("h2")).to_have_text("引越し")
    expect(form).to_contain_text("住民記録から答えてあります")
    form.locator("#life-q-move_kind").get_by_label("市内での引っ越し").check()
    expect(form.locator("#life-q-movers")).to_contain_text("登録情報（住民基本台帳）")
    # Staff read it: the resident is 本人 there, not the residents' screen's あなた.
    expect(form.locator("#life-q-movers")).to_contain_text(f"{person['given_name']}（本人）")
    expect(form.locator("#life-q-movers")).not_to_contain_text("あなた")
    movers = form.locator("#life-q-movers input[type=checkbox]")
    assert movers.count() >= 2 and all(movers.nth(i).is_checked() for i in range(movers.count()))
    expect(form.locator("#life-q-child").get_by_label("はい")).to_be_checked()
    expect(form.locator("#life-q-child")).to_contain_text("登録情報（住民基本台帳）")
    move_day = today - timedelta(days=1)
    form.get_by_label("引っ越しの日").fill(move_day.isoformat())
    form.get_by_label("新しい住所の郵便番号").fill(NEW_POSTAL)
    form.get_by_label("新しい住所", exact=True).fill(NEW_ADDRESS)
    form.get_by_label("電話番号").fill("0422-11-2233")
    form.get_by_label("窓口に来る日").fill(today.isoformat())
    form.get_by_label("来庁希望時間").select_option("10-11")
    form.locator("#life-q-nursery").get_by_label("いいえ").check()
    form.locator("#life-q-nhi").get_by_label("いいえ").check()
    form.locator("#life-q-dog").get_by_label("いいえ").check()
    form.locator("#life-q-licence").get_by_label("はい").check()
    form.locator("#life-q-garbage").get_by_label("はい").check()
    # Asked without what is put out: the server's reason, in the summary and at the question.
    form.get_by_role("button", name="必要な手続きを確かめる").click()
    expect(form.locator("#life-q-garbage_item-error")).to_contain_text("必須項目です")
    expect(main.locator("#desk-errors")).to_contain_text("必須項目です")
    form.get_by_label("出すもの（品目）").fill("本棚")
    form.locator("#life-q-garbage_size").get_by_label("1m以上2m未満").check()
    screenshot(staff, f"desk-life-questions-{size}")
    assert_no_axe_violations(staff, "/staff/desk life event questions")
    form.get_by_role("button", name="必要な手続きを確かめる").click()

    # The plan as a checklist: each procedure to open here, the rest as to-dos with deadlines.
    plan = main.locator(".desk-life-plan")
    expect(plan.locator("h2")).to_have_text("引越し：必要な手続き")
    items = plan.locator(".desk-life-item")
    expect(items).to_have_count(6)  # 転居届, 児童手当, 医療証, 粗大ごみ, 運転免許, 郵便
    move = plan.locator("[data-item='move-within']")
    expect(move).to_contain_text("未申請")
    deadline = move_day + timedelta(days=14)
    expect(move).to_contain_text(f"{deadline.month}月{deadline.day}日")
    licence = plan.locator("[data-item='licence']")
    expect(licence).to_contain_text("警察署・運転免許センター")
    expect(licence.get_by_role("button")).to_have_count(0)
    expect(plan.locator("[data-item='child-allowance-change']")).to_contain_text("窓口のみ")
    expect(plan).to_contain_text("6件のうち、今回の来庁で申請したもの0件・残り6件")
    # 粗大ごみ was due the day before the move (yesterday): the desk is told it is overdue.
    expect(plan.locator("[data-item='garbage']")).to_contain_text("期限を過ぎています")
    expect(move).not_to_contain_text("期限を過ぎています")
    screenshot(staff, f"desk-life-plan-{size}")
    assert_no_axe_violations(staff, "/staff/desk life event plan")

    # 粗大ごみ from the plan: the registry's name and the answer given, in the desk's form.
    plan.get_by_role("button", name="「粗大ごみ収集申込」の申請書を開く").click()
    expect(main.locator("h2#desk-form-title")).to_have_text("粗大ごみ収集申込")
    expect(staff.locator("#desk-applicant_name")).to_have_value(
        re.compile(re.escape(person["family_name"]))
    )
    expect(staff.locator("#desk-item_1")).to_have_value("本棚")
    expect(main.get_by_text(re.compile("住民基本台帳")).first).to_be_visible()
    screenshot(staff, f"desk-life-form-{size}")
    main.get_by_role("button", name="住民の確認にまわす").click()
    code_node = main.locator("[data-confirmation-code]")
    expect(code_node).to_be_visible()
    code = code_node.get_attribute("data-confirmation-code")

    # On the resident's own phone: read, and confirmed with their own passkey.
    phone.goto(f"/confirm?code={code}")
    phone.locator("main").get_by_role("button", name="申請の内容を見る").click()
    review = phone.locator("main").get_by_role("region", name="申請の内容")
    expect(review).to_contain_text("本棚")
    phone.locator("main").get_by_role("button", name="パスキーで確認して申請する").click()
    expect(phone.locator("main h1")).to_have_text("申請を受け付けました")

    # Back at the desk: the item is filed in this visit, and what remains is said.
    main.get_by_role("button", name="出来事の手続き一覧に戻る").click()
    garbage = plan.locator("[data-item='garbage']")
    expect(garbage).to_have_attribute("data-state", "confirmed", timeout=15000)
    expect(garbage).to_contain_text("申請済み（確認済み）")
    expect(garbage).to_contain_text("受付番号")
    expect(garbage.get_by_role("button")).to_have_count(0)
    expect(plan).to_contain_text("6件のうち、今回の来庁で申請したもの1件・残り5件")
    expect(
        move.get_by_role("button", name="「転居届（市内での引っ越し）」の申請書を開く")
    ).to_be_visible()
    visit = main.get_by_role("complementary")
    expect(visit.get_by_text("すべて確認済みです")).to_be_visible()
    screenshot(staff, f"desk-life-filed-{size}")
    assert not unexpected_console_errors(staff), staff.console_errors
