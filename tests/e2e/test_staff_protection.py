"""DV・ストーカー等支援措置 in the staff app: a supervisor of the citizens division opens a
resident's record, sets the protection naming another resident (a wrong 住民コード is said
at its field first), and a child-support caseworker opening the same record is told the
address is withheld for it and does not see it. A demo of its own: the protection must not
reach the other browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from test_staff_backoffice import error_summary, staff_in
from test_staff_identity import assert_no_axe_violations, unexpected_console_errors

from conftest import CITY, LiveDemo, running_demo

pytestmark = pytest.mark.browser

REASON = "支援措置の申出を受けて、本人の記録を確認するため"


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    with running_demo(tmp_path_factory, "protection") as demo:
        yield demo


@pytest.fixture(scope="module")
def live_server(live_demo: LiveDemo) -> str:
    return live_demo.url


def _two_adults(live_demo) -> tuple[dict, dict]:
    rows = live_demo.query(
        "SELECT registry_id, address, postal_code FROM person WHERE relation = 'head' "
        f"AND status = 'resident' AND municipality = {CITY} ORDER BY id DESC LIMIT 2"
    )
    return rows[0], rows[1]


def _open_by_reason(page, live_demo, registry_id: str) -> None:
    page.goto(
        f"{live_demo.url}/staff/residents/{registry_id}"
        f"?reason_category=resident_inquiry&reason={REASON}"
    )


def test_citizens_supervisor_sets_it_and_another_department_sees_no_address(
    make_page, live_demo, shoot
):
    her, named = _two_adults(live_demo)
    page = staff_in(make_page, live_demo, "市民課 係長", "supervisor", "citizens")
    _open_by_reason(page, live_demo, her["registry_id"])
    panel = page.locator("#resident-protection")
    expect(panel.locator("[data-protection-state]")).to_contain_text("設定されていません")
    expect(page.locator("#resident-person")).to_contain_text(her["address"])

    panel.get_by_label("加害者等（この市の住民）の住民コード").fill("0000000000")
    panel.get_by_role("button", name="支援措置を設定する").click()
    expect(error_summary(page)).to_contain_text("住民記録が見つかりません")
    assert_no_axe_violations(page, "/staff/residents/:id (protection errors)")

    panel.get_by_label("加害者等（この市の住民）の住民コード").fill(named["registry_id"])
    panel.get_by_label("加害者等（住民記録にない方）の氏名").fill("山田 太郎")
    panel.get_by_role("button", name="支援措置を設定する").click()
    expect(panel.locator("[data-protection-state]")).to_contain_text("支援措置を実施中です")
    expect(panel.get_by_role("button", name="支援措置を解除する")).to_be_visible()
    assert_no_axe_violations(page, "/staff/residents/:id (protection)")
    shoot(page, "staff-resident-protection")
    assert unexpected_console_errors(page) == []
    stored = live_demo.query(
        f"SELECT named_outside FROM protection WHERE lifted_at IS NULL AND municipality = {CITY}"
    )
    assert len(stored) == 1 and "山田 太郎" in str(stored[0]["named_outside"])

    # A caseworker of another department: told why, and no address on the screen.
    other = staff_in(make_page, live_demo, "子育て 担当", "caseworker", "child-support")
    _open_by_reason(other, live_demo, her["registry_id"])
    withheld = other.locator('[data-withheld-reason="protection"]')
    expect(withheld).to_contain_text("支援措置")
    expect(withheld).to_contain_text("住所")
    expect(other.locator("main")).not_to_contain_text(her["address"])
    expect(other.locator("#resident-protection")).to_have_count(0)
    assert_no_axe_violations(other, "/staff/residents/:id (withheld for protection)")

    # Lifted: the panel says so and the address is back for that caseworker.
    panel.get_by_role("button", name="支援措置を解除する").click()
    expect(panel.locator("[data-protection-state]")).to_contain_text("設定されていません")
    _open_by_reason(other, live_demo, her["registry_id"])
    expect(other.locator("#resident-person")).to_contain_text(her["address"])
