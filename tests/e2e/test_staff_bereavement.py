"""おくやみ in the staff app (issue 17): a caseworker of the citizens division records a
resident's death from the 360° view, lands on the おくやみ case listing every task of the
household by department, and ticks one of theirs; a child-support supervisor finds the case
in the list, sees the 児童扶養手当 claim waiting for the surviving parent, and the programme
preview counts that parent, who was not counted before the death. A demo of its own: the death
must not reach the other browser tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from test_staff_backoffice import staff_in
from test_staff_identity import assert_no_axe_violations, unexpected_console_errors
from viewports import DESKTOP, PHONE

from conftest import CITY, LiveDemo, running_demo
from todoke import clock

pytestmark = pytest.mark.browser

REASON = "死亡届の受付に伴い、世帯の手続きを確認するため"


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    with running_demo(tmp_path_factory, "bereavement") as demo:
        yield demo


@pytest.fixture(scope="module")
def live_server(live_demo: LiveDemo) -> str:
    return live_demo.url


def _two_parent_family(live_demo: LiveDemo) -> dict:
    """A household of exactly a head, a spouse and children under 15 (nobody else whose
    income 児童扶養手当 would weigh); the spouse's tax facts are set below its income limit,
    and not a single parent: the death is what makes them one."""
    today = clock.today()
    fifteen = today.replace(year=today.year - 15).isoformat()
    rows = live_demo.query(
        "SELECT h.id AS household, head.registry_id AS head, head.family_name AS family, "
        "head.given_name AS given, spouse.registry_id AS spouse, spouse.id AS spouse_id "
        "FROM household h "
        "JOIN person head ON head.household = h.id AND head.relation = 'head' "
        "JOIN person spouse ON spouse.household = h.id AND spouse.relation = 'spouse' "
        f"WHERE h.municipality = {CITY} AND head.status = 'resident' "
        "AND spouse.status = 'resident' "
        "AND EXISTS (SELECT 1 FROM person c WHERE c.household = h.id AND c.relation = 'child') "
        "AND NOT EXISTS (SELECT 1 FROM person o WHERE o.household = h.id "
        "AND o.relation NOT IN ('head', 'spouse', 'child')) "
        "AND NOT EXISTS (SELECT 1 FROM person c WHERE c.household = h.id "
        f"AND c.relation = 'child' AND c.birth_date <= '{fifteen}') "
        "ORDER BY h.id LIMIT 1"
    )
    assert rows, "the demo has a two-parent family with young children"
    family = rows[0]
    live_demo.query(
        "UPDATE person SET single_parent = false, income_yen = 1000000, "
        "salary_or_pension = true, tax_dependants = 2, child_support_yen = 0, "
        "deductions_yen = 0, single_parent_deduction_yen = 0, public_pension_yen = 0, "
        f"livelihood_aid = false, receiving = '' WHERE id = {family['spouse_id']}"
    )
    return family


def _preview_count(page, live_demo: LiveDemo) -> int:
    page.goto(f"{live_demo.url}/staff/programs/child-rearing-allowance")
    page.get_by_role("button", name="対象者を試算する").click()
    matched = page.locator("[data-matched] dd")
    expect(matched).to_have_text(re.compile(r"^[\d,]+人$"))
    return int(matched.inner_text().rstrip("人").replace(",", ""))


def test_a_death_recorded_once_lists_the_tasks_and_matches_the_surviving_parent(
    make_page, live_demo, shoot
):
    family = _two_parent_family(live_demo)
    child_support = staff_in(
        make_page, live_demo, "子育て 係長", "supervisor", "child-support", viewport=DESKTOP
    )
    before = _preview_count(child_support, live_demo)

    page = staff_in(make_page, live_demo, "市民課 担当", "caseworker", "citizens", viewport=PHONE)
    page.goto(
        f"{live_demo.url}/staff/residents/{family['head']}"
        f"?reason_category=resident_inquiry&reason={REASON}"
    )
    panel = page.locator("#resident-death")
    expect(panel).to_contain_text("死亡の記録（おくやみ）")
    # Nothing entered: said at the fields, nothing sent.
    panel.get_by_role("button", name="死亡を記録する").click()
    expect(page.locator("#death-errors")).to_contain_text("死亡日を入力してください")
    died_on = (clock.today() - timedelta(days=1)).isoformat()
    panel.get_by_label("死亡日").fill(died_on)
    panel.get_by_label("届出人の氏名").fill("おくやみ 花子")
    panel.get_by_label("届出人と亡くなった方の関係").select_option("spouse")
    panel.get_by_label("死亡届の受理番号（任意）").fill("R8-0042")
    assert_no_axe_violations(page, "/staff/residents/:id (record a death)")
    shoot(page, "staff-bereavement-record-phone")
    panel.get_by_role("button", name="死亡を記録する").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("取り消せません")
    dialog.get_by_role("button", name="記録する").click()

    page.wait_for_url(re.compile(r"/staff/bereavements/\d+$"))
    name = f"{family['family']} {family['given']}"
    expect(page.locator("main h1")).to_have_text(f"{name} さんのおくやみ")
    expect(page.get_by_text("死亡を記録し、おくやみの手続き一覧を作りました。")).to_be_visible()
    expect(page.locator("[data-surviving-parent]")).to_contain_text("ひとり親")
    citizens = page.locator('[data-department="citizens"]')
    expect(citizens.locator('[data-item="death-notice"]')).to_contain_text("完了")
    for words in (
        "住民票の写し（除票）の請求",
        "印鑑登録の廃止",
        "年金の受給停止と未支給年金",
        "年金事務所",
    ):
        expect(citizens).to_contain_text(words)
    crt = page.locator('[data-item="child-rearing-allowance"]')
    expect(crt).to_contain_text("児童扶養手当の認定請求")
    expect(crt).to_contain_text("ほかの部署の手続きです")
    seal = citizens.locator('[data-item="seal"]')
    seal.get_by_label("メモ").fill("登録を確認して廃止")
    seal.get_by_role("button", name="完了にする").click()
    expect(citizens.locator('[data-item="seal"]')).to_have_attribute("data-state", "done")
    expect(citizens.locator('[data-item="seal"]')).to_contain_text("市民課 担当")
    assert_no_axe_violations(page, "/staff/bereavements/:id")
    shoot(page, "staff-bereavement-case-phone")
    assert unexpected_console_errors(page) == []

    # The 360° view says the person died, and offers no second recording.
    page.goto(
        f"{live_demo.url}/staff/residents/{family['head']}"
        f"?reason_category=resident_inquiry&reason={REASON}"
    )
    expect(page.locator("[data-deceased]")).to_contain_text("死亡が記録されています")
    expect(page.locator("#resident-death")).to_have_count(0)

    # The registry: deceased, and the spouse a single parent from the death record.
    head = live_demo.query(f"SELECT status FROM person WHERE registry_id = '{family['head']}'")
    assert head[0]["status"] == "deceased"
    parent = live_demo.query(
        f"SELECT single_parent, provenance FROM person WHERE id = {family['spouse_id']}"
    )
    assert parent[0]["single_parent"] in (1, True) and "死亡の記録" in str(parent[0]["provenance"])

    # Child support: the case in the list, its own task to tick, the parent now counted.
    child_support.goto(f"{live_demo.url}/staff/bereavements")
    row = child_support.get_by_role("link", name=f"{name} さんのおくやみ")
    expect(row).to_be_visible()
    assert_no_axe_violations(child_support, "/staff/bereavements")
    shoot(child_support, "staff-bereavements-desktop")
    row.click()
    task = child_support.locator('[data-item="child-rearing-allowance"]')
    expect(task).to_contain_text("未了")
    expect(task.get_by_role("link", name=re.compile("児童扶養手当の認定請求"))).to_have_attribute(
        "href", "/procedures/child-rearing-allowance"
    )
    expect(task.get_by_role("button", name=re.compile("完了にする"))).to_be_visible()
    shoot(child_support, "staff-bereavement-case-desktop")
    assert _preview_count(child_support, live_demo) == before + 1
    assert unexpected_console_errors(child_support) == []


def test_a_death_the_family_told_the_app_waits_for_the_desk(make_page, live_demo, shoot):
    """The family told the app (their おくやみ life event, filed as its API test files it;
    here its row is written straight into the demo's database): the citizens desk finds the
    death in its おくやみ list, not recorded yet, with a link to the person's record."""
    [told] = live_demo.query(
        "SELECT a.id AS account, a.person AS reporter, m.registry_id AS deceased, "
        "m.family_name || ' ' || m.given_name AS name, e.id AS event "
        "FROM account a JOIN person p ON p.id = a.person "
        "JOIN person m ON m.household = p.household AND m.id <> p.id "
        "AND m.status = 'resident' "
        f"JOIN life_event e ON e.municipality = {CITY} AND e.slug = 'bereavement' "
        f"WHERE a.municipality = {CITY} AND a.kind = 'resident' AND p.status = 'resident' "
        "ORDER BY a.id DESC LIMIT 1"
    )
    died_on = (clock.today() - timedelta(days=1)).isoformat()
    answers = '{"deceased": ["' + told["deceased"] + '"], "event_date": "' + died_on + '"}'
    live_demo.query(
        "INSERT INTO life_event_case (municipality, account, person, life_event, version, "
        "event_date, answers, items, idempotency_key, created_at, updated_at) VALUES "
        f"({CITY}, {told['account']}, {told['reporter']}, {told['event']}, 1, '{died_on}', "
        f"'{answers}', '[]', 'e2e-told-0001', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    page = staff_in(make_page, live_demo, "市民課 おくやみ窓口", "caseworker", "citizens")
    page.goto(f"{live_demo.url}/staff/bereavements")
    section = page.get_by_role(
        "region", name="アプリで知らされたおくやみ（死亡の記録前）", exact=True
    )
    row = section.locator(f"[data-reported='{told['deceased']}']")
    expect(row).to_contain_text(told["name"])
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/staff/residents/{told['deceased']}"))
    page.go_back()
    expect(section).to_be_visible()
    assert_no_axe_violations(page, "/staff/bereavements (told)")
    shoot(page, "staff-bereavements-told-desktop")
