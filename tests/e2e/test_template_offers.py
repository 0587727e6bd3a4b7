"""The shared standard catalogue in a browser (issue 16): the platform operator publishes a new
version of a procedure template (the command line); an administrator of the city finds it
under 「テンプレートの更新」 with what would change in words — in Japanese, やさしい日本語 and
English — accepts it, and the city runs the new version while the town keeps the old one.

Against a demo of its own (it publishes and accepts a template version, which the other
browser tests must not meet). Photographed at 390×844 and 1280×800 (var/screenshots/
staff-templates-*.png) and checked with axe."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from test_staff_identity import add_authenticator, assert_no_axe_violations
from viewports import DESKTOP, PHONE

from conftest import CITY, running_demo

SLUG = "consultation-booking"


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory):
    with running_demo(tmp_path_factory, "templates") as demo:
        yield demo


@pytest.fixture(scope="module")
def live_server(live_demo) -> str:
    return live_demo.url


def staff_in(make_page, live_demo, name: str, role: str, viewport=DESKTOP):
    link = live_demo.todoke("create-staff", name, "--role", role).stdout.strip().splitlines()[-1]
    page = make_page(viewport)
    add_authenticator(page)
    page.goto(link.strip())
    page.get_by_role("button", name="パスキーを作成して登録").click()
    page.wait_for_url(f"{live_demo.url}/staff")
    return page


def publish_new_version(live_demo, tmp_path) -> dict:
    """Version 2 of the consultation booking template: a question added, the summary
    reworded — as the platform operator publishes it."""
    [row] = live_demo.query(
        "SELECT v.definition AS definition, t.current_version AS version "
        "FROM procedure_template t JOIN procedure_template_version v ON v.template = t.id "
        f"AND v.version = t.current_version WHERE t.slug = '{SLUG}'"
    )
    definition = row["definition"]
    definition = json.loads(definition) if isinstance(definition, str) else definition
    definition["summary"] = {
        "ja": "福祉・子育て・介護の相談を、窓口またはオンラインで予約できます。",
        "easy": "そうだんの よやくが できます。まどぐちでも ネットでも できます。",
        "en": "Book a consultation on welfare, children or care, at the desk or online.",
    }
    definition["form"]["sections"][-1]["fields"].append(
        {
            "name": "interpreter",
            "type": "choice",
            "label": {"ja": "通訳の希望", "easy": "つうやくが ほしいですか", "en": "Interpreter"},
            "options": [
                {"value": "none", "label": {"ja": "不要", "easy": "いりません", "en": "No"}},
                {"value": "en", "label": {"ja": "英語", "easy": "えいご", "en": "English"}},
            ],
        }
    )
    body = {
        "kind": "procedure",
        "based_on": row["version"],
        "definition": definition,
        "note": {
            "ja": "オンライン相談と通訳の希望を追加しました",
            "easy": "ネットの そうだんと つうやくを ふやしました",
            "en": "Online consultations and an interpreter question",
        },
    }
    path = tmp_path / "consultation-v2.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    done = live_demo.todoke("publish-template", SLUG, str(path))
    assert "version 2: offered to 2" in done.stdout, done.stdout
    return body


def publish_programme_version(live_demo, tmp_path) -> None:
    """The flu shot subsidy template, version 2: a new self-pay amount."""
    [row] = live_demo.query(
        "SELECT v.definition AS definition, v.rule AS rule FROM program_template t "
        "JOIN program_template_version v ON v.template = t.id "
        "AND v.version = t.current_version WHERE t.slug = 'flu-shot-65'"
    )
    definition, rule = (json.loads(v) if isinstance(v, str) else v for v in row.values())
    definition["summary"] = {
        "ja": "65歳以上の方は、10月1日から1月31日まで、自己負担2,000円で接種できます。",
        "easy": "65さい いじょうの ひとは 2,000えんで よぼうせっしゅが できます。",
        "en": "People aged 65 and over get the flu shot for 2,000 yen (1 October to 31 January).",
    }
    body = {"kind": "programme", "based_on": 1, "definition": definition, "rule": rule}
    path = tmp_path / "flu-v2.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    live_demo.todoke("publish-template", "flu-shot-65", str(path))


def running(live_demo, where: str) -> dict:
    [row] = live_demo.query(
        "SELECT template_version, published_version FROM procedure "
        f"WHERE slug = '{SLUG}' AND municipality = {where}"
    )
    return row


def test_an_administrator_accepts_an_offered_version_with_the_diff_in_words(
    live_demo, make_page, shoot, tmp_path
):
    before = running(live_demo, CITY)
    assert before["template_version"] == 1
    publish_new_version(live_demo, tmp_path)
    publish_programme_version(live_demo, tmp_path)

    page = staff_in(make_page, live_demo, "テンプレ 管理者", "administrator")
    page.get_by_role("navigation", name="職員メニュー").get_by_role(
        "link", name="テンプレートの更新"
    ).click()
    expect(page.locator("main h1")).to_have_text("標準テンプレートの更新")
    card = page.locator(f"[data-offer='{SLUG}']")
    expect(card.get_by_role("heading", level=2)).to_contain_text("第1版 → 提案：第2版")
    expect(card).to_contain_text("オンライン相談と通訳の希望を追加しました")
    added = card.locator("[data-change='added']")
    expect(added).to_contain_text("追加")
    expect(added).to_contain_text("項目「通訳の希望」")
    changed = card.locator("[data-change='changed']").filter(has_text="概要")
    expect(changed).to_contain_text("変更前：")
    expect(changed).to_contain_text("窓口またはオンラインで予約できます")
    assert_no_axe_violations(page, "/staff/templates")
    shoot(page, "staff-templates-desktop")

    # The same changes as residents will read them in English and in やさしい日本語.
    page.get_by_role("radio", name="English").check()
    expect(added).to_contain_text('Question "Interpreter"')
    page.get_by_role("radio", name="やさしい日本語").check()
    expect(added).to_contain_text("こうもく「つうやくが ほしいですか」")
    shoot(page, "staff-templates-easy-desktop")
    page.get_by_role("radio", name="日本語", exact=True).check()

    phone = staff_in(make_page, live_demo, "テンプレ 管理者（電話）", "administrator", PHONE)
    phone.goto("/staff/templates")
    expect(phone.locator(f"[data-offer='{SLUG}']")).to_contain_text("項目「通訳の希望」")
    assert_no_axe_violations(phone, "/staff/templates (phone)")
    shoot(phone, "staff-templates-phone")

    card.get_by_role("button", name="受け入れて公開する").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("申請済みの申請は、申請したときの版のまま処理されます。")
    dialog.locator("[data-confirm]").click()
    expect(page.locator(".flash")).to_contain_text("新しい版を受け入れて公開しました。")
    expect(card).to_have_count(0)
    # The programme's offer stays until someone answers it (a draft, approved by another).
    flu = page.locator("[data-offer='flu-shot-65']")
    expect(flu.locator("[data-change='changed']")).to_contain_text("自己負担2,000円")
    expect(flu.get_by_role("button", name="受け入れて下書きにする")).to_be_visible()
    shoot(page, "staff-templates-accepted-desktop")

    # In the designer, the procedure says what the template lets the city change, and a
    # change to anything else is refused, naming the part.
    page.goto(f"/staff/procedures/{SLUG}")
    callout = page.locator(f"[data-template='{SLUG}']")
    expect(callout).to_contain_text("標準テンプレート（第2版）にもとづく手続きです")
    expect(callout).to_contain_text("案内・問い合わせ先")
    page.locator('[name="title.ja"]').fill("相談予約（市独自）")
    page.get_by_role("button", name="公開する", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="公開する").click()
    summary = page.locator("#designer-errors")
    expect(summary).to_contain_text("名称")
    assert_no_axe_violations(page, "/staff/procedures/:slug (templated)")
    shoot(page, "staff-templates-designer-refused-desktop")

    after = running(live_demo, CITY)
    assert after["template_version"] == 2
    assert after["published_version"] == before["published_version"] + 1
    # The town did not accept: it still runs the template's first version.
    assert running(live_demo, "(SELECT id FROM municipality WHERE origin IS NOT NULL)") == {
        "template_version": 1,
        "published_version": 1,
    }
    events = live_demo.query(
        "SELECT action FROM audit_event WHERE action LIKE 'template.%' "
        f"AND municipality = {CITY} ORDER BY id"
    )
    assert [e["action"] for e in events] == [
        "template.offered",
        "template.offer_seen",
        "template.offer_seen",
        "template.accepted",
    ]
