"""Issue 17, the life event designer in the browser on the live demo: a designer opens 引越し,
adds a yes/no question shown only for a move within the city and a counter-only item that
needs it; the preview draws the questions as residents get them and, for sample answers,
lists the item (and not for other answers); a duplicate question id is refused beside the
id; publishing lists version n+1 with who published it, and a resident gets the question.

Screenshots: var/screenshots/life-designer-*.png at 390×844 and 1280×800."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from test_resident_identity import Authenticator, _sign_up
from test_staff_backoffice import nav, staff_in
from test_staff_identity import assert_no_axe_violations, unexpected_console_errors
from viewports import DESKTOP, PHONE

from conftest import CITY, screenshot
from todoke import clock

pytestmark = pytest.mark.browser


def _published_version(live_demo) -> int:
    return live_demo.query(
        f"SELECT published_version AS v FROM life_event WHERE municipality = {CITY} "
        "AND slug = 'moving'"
    )[0]["v"]


def _localized(box, ja: str, easy: str, en: str) -> None:
    box.get_by_role("textbox", name="日本語", exact=True).fill(ja)
    box.get_by_role("textbox", name="やさしい日本語", exact=True).fill(easy)
    box.get_by_role("textbox", name="English", exact=True).fill(en)


def _both(page, name: str) -> None:
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-desktop")


def test_a_designer_adds_a_question_and_an_item_previews_and_publishes(live_demo, make_page):
    before = _published_version(live_demo)
    page = staff_in(make_page, live_demo, "設計 花子", "supervisor", "citizens")
    nav(page).get_by_role("link", name="くらしの出来事").click()
    page.get_by_role("link", name="「引越し」を編集する").click()
    expect(page.locator("main h1")).to_have_text("くらしの出来事の設計")
    expect(page.locator(".designer__version")).to_have_text(f"公開中：第{before}版")
    history = page.get_by_role("region", name=re.compile("^公開の履歴"))
    expect(history.locator(f'[data-history-version="{before}"]')).to_contain_text("公開中")

    # An item's editor: its procedure chosen from the published ones, its form fields filled
    # from the answers and the registry, the procedure's fields offered by name.
    within = page.locator('[data-item="0"]')
    within.locator("summary").click()
    expect(within.locator('select[name="items.0.procedure"]')).to_have_value("move-within-city")
    phone_row = within.locator('[data-field="items.0.fill.phone"]')
    expect(phone_row.locator("select")).to_have_value("phone")  # the form's own field list
    expect(within.locator('select[name="items.0.fill.3.value"]')).to_have_value("phone")
    within.scroll_into_view_if_needed()
    _both(page, "life-designer-item")
    within.locator("summary").click()

    # A yes/no question, shown only when the move is within the city.
    page.get_by_role("button", name="質問を追加").click()
    question = page.locator("[data-question]").last
    index = question.get_attribute("data-question")
    question_id = question.get_by_role("textbox", name=re.compile("^質問のID"))
    question_id.fill("phone")  # a duplicate, first
    _localized(
        question.get_by_role("group", name=re.compile("^質問文")),
        "猫を飼っていますか",
        "ねこを かって いますか",
        "Do you keep a cat?",
    )
    question.get_by_role("checkbox", name="必須にする").uncheck()
    question.locator(f'select[name="questions.{index}.show_if.field"]').select_option("move_kind")
    question.get_by_role("checkbox", name="市内での引っ越し").check()

    # The API refuses the duplicate id, and the screen says so beside the id.
    page.get_by_role("button", name="プレビュー", exact=True).click()
    beside = page.locator(f'[data-field="questions.{index}.id"] .field__error')
    expect(beside).to_contain_text("重複しています")
    expect(page.locator(".error-summary")).to_contain_text("重複しています")
    expect(question_id).to_have_attribute("aria-invalid", "true")
    _both(page, "life-designer-error")
    question_id.fill("cat")

    # A counter-only item for it.
    page.get_by_role("button", name="項目を追加").click()
    item = page.locator("[data-item]").last
    at = item.get_attribute("data-item")
    item.get_by_role("textbox", name=re.compile("^項目のID")).fill("cat-advice")
    _localized(
        item.get_by_role("group", name=re.compile("^項目名")),
        "猫の登録相談",
        "ねこの そうだん",
        "Cat advice",
    )
    item.locator(f'select[name="items.{at}.mode"]').select_option("counter_only")
    item.get_by_role("textbox", name=re.compile("^期限")).fill("7")
    item.get_by_role("button", name="条件を追加").click()
    item = page.locator(f'[data-item="{at}"]')
    item.locator(f'select[name="items.{at}.when.0.field"]').select_option("cat")
    item.locator(f'[data-field="items.{at}.when.0.values"]').get_by_role(
        "checkbox", name="はい"
    ).check()

    # The preview: the resident's questions, and the items sample answers lead to.
    page.get_by_role("button", name="プレビュー", exact=True).click()
    preview = page.get_by_role("region", name="プレビュー")
    expect(preview.get_by_role("button", name="この答えで確かめる")).to_be_visible()
    expect(page.locator(".error-summary")).to_be_hidden()
    cat = preview.locator('[data-preview-question="cat"]')
    expect(cat).to_be_hidden()  # no move chosen yet
    preview.get_by_role("radio", name="市内での引っ越し").check()
    expect(cat).to_be_visible()
    expect(cat).to_contain_text("猫を飼っていますか")
    expect(cat).to_contain_text("「どの引っ越しですか」が「市内での引っ越し」のとき表示")
    move_day = clock.today() + timedelta(days=3)
    preview.locator("#life-q-event_date").fill(move_day.isoformat())
    cat.get_by_role("radio", name="はい").check()
    preview.get_by_role("button", name="この答えで確かめる").click()
    plan = preview.locator(".life-designer__plan")
    expect(plan.locator('[data-item="cat-advice"]')).to_contain_text("窓口のみ")
    _both(page, "life-designer-preview")
    cat.get_by_role("radio", name="いいえ").check()
    preview.get_by_role("button", name="この答えで確かめる").click()
    expect(plan.locator('[data-item="move-within"]')).to_be_visible()
    expect(plan.locator('[data-item="cat-advice"]')).to_have_count(0)
    preview.get_by_role("radio", name="ほかの市区町村へ").check()
    expect(cat).to_be_hidden()
    assert_no_axe_violations(page, "/staff/life-events/moving")

    # Publishing: version n+1, listed with who published it.
    page.get_by_role("button", name="公開する", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="公開する").click()
    published = page.locator("[data-published]")
    expect(published).to_contain_text(f"「引越し」の第{before + 1}版を公開しました")
    expect(page.locator(".designer__version")).to_have_text(f"公開中：第{before + 1}版")
    newest = history.locator(f'[data-history-version="{before + 1}"]')
    expect(newest).to_contain_text("公開：設計 花子")
    expect(newest).to_contain_text("公開中")
    expect(history.locator(f'[data-history-version="{before}"]')).not_to_contain_text("公開中")
    assert _published_version(live_demo) == before + 1
    _both(page, "life-designer-published")
    assert unexpected_console_errors(page) == []

    # A resident now gets the question.
    resident = make_page(PHONE)
    Authenticator(resident)
    _sign_up(resident)
    read = resident.request.get("/api/life-events/moving")
    assert read.ok, read.text()
    assert read.json()["version"] == before + 1
    asked = {q["id"]: q for q in read.json()["questions"]}
    assert asked["cat"]["show_if"] == {"field": "move_kind", "values": ["within"]}


def test_a_designer_starts_a_new_event(live_demo, make_page):
    page = staff_in(make_page, live_demo, "設計 次郎", "supervisor", "citizens", viewport=PHONE)
    page.goto("/staff/life-events")
    page.get_by_role("link", name="新しい出来事をつくる").click()
    expect(page.locator("main h1")).to_have_text("新しいくらしの出来事")
    screenshot(page, "life-designer-new-phone")
    page.get_by_role("textbox", name=re.compile("^識別名")).fill("pet")
    # Publishing an event with no title and no items: each problem beside its input.
    page.get_by_role("button", name="公開する", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="公開する").click()
    expect(page.locator('[data-field="title.ja"] .field__error')).to_be_visible()
    expect(page.locator(".error-summary")).to_contain_text("項目は1〜")
    assert (
        live_demo.query(f"SELECT id FROM life_event WHERE municipality = {CITY} AND slug = 'pet'")
        == []
    )
    assert unexpected_console_errors(page) == []
