"""Time saved (issue 17) in the browser: in the demo, an administrator opens 処理実績 and
the chart's bars, its table and the minutes per procedure show the figures the API computes
from the demo's recorded durations; changing a paper baseline on the screen redraws the
chart with the new figures. Checked with axe and photographed at phone and desktop size
(var/screenshots/staff-time-saved-*.png).

A demo of this module's own: the test adds an administrator and changes a baseline, which
the other browser tests must not meet."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from test_staff_backoffice import staff_in
from test_staff_identity import assert_no_axe_violations, unexpected_console_errors
from viewports import DESKTOP, PHONE

from conftest import LiveDemo, running_demo

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    with running_demo(tmp_path_factory, "timesaved") as demo:
        yield demo


@pytest.fixture(scope="module")
def live_server(live_demo: LiveDemo) -> str:
    return live_demo.url


def hours_text(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".") + "時間"


def check_chart_against_api(page) -> dict:
    figures = page.request.get("/api/staff/metrics").json()["time_saved"]
    months = figures["months"]
    assert len(months) == 6
    assert sum(m["hours_saved"] for m in months) > 5, months  # computed from demo durations
    chart = page.locator('svg[data-chart="time-saved"]')
    expect(chart).to_be_visible()
    assert chart.get_attribute("role") == "img"
    for month in months:
        bar = chart.locator(f'g[data-month="{month["month"]}"]')
        assert (
            float(bar.locator("text[data-hours]").get_attribute("data-hours"))
            == (month["hours_saved"])
        )
        height = float(bar.locator("rect").get_attribute("height"))
        assert (height > 0) == (month["hours_saved"] > 0)
        row = page.locator(f'.time-saved-months tr[data-month="{month["month"]}"]')
        expect(row.locator("td[data-hours]")).to_have_text(hours_text(month["hours_saved"]))
    # The tallest bar is the month with the most hours saved.
    heights = {
        m["month"]: float(
            chart.locator(f'g[data-month="{m["month"]}"] rect').get_attribute("height")
        )
        for m in months
    }
    assert max(heights, key=heights.get) == max(months, key=lambda m: m["hours_saved"])["month"]
    for procedure in figures["procedures"]:
        if procedure["paper_minutes"] is None:
            continue
        row = page.locator(f'.time-saved-table tr[data-procedure="{procedure["slug"]}"]')
        expect(row).to_contain_text(f"{procedure['paper_minutes']}分")
        expect(row).to_contain_text(hours_text(procedure["hours_saved"]))
        if procedure["online_minutes"] is not None:
            expect(row).to_contain_text(f"{procedure['online_minutes']:g}分")
    return figures


def test_the_time_saved_chart_shows_the_figures_computed_from_recorded_durations(
    make_page, live_demo, shoot
):
    page = staff_in(make_page, live_demo, "管理 時子", "administrator")
    page.goto("/staff/metrics")
    expect(page.get_by_role("heading", name="時間の節約")).to_be_visible()
    before = check_chart_against_api(page)
    assert_no_axe_violations(page, "/staff/metrics (time saved)")
    page.locator("#time-saved-title").scroll_into_view_if_needed()
    shoot(page, "staff-time-saved-desktop")

    # The administrator changes the paper baseline of 住民票の写し: the figures follow.
    field = page.locator('input[name="paper.residence-certificate"]')
    field.fill("２０００")  # more minutes than a day holds: refused on the screen
    page.get_by_role("button", name="基準時間を保存").click()
    expect(page.locator("#paper-baseline-errors")).to_be_visible()
    expect(page.locator("#paper-baseline-errors")).to_contain_text("1から1440までの整数")
    field.fill("60")
    page.get_by_role("button", name="基準時間を保存").click()
    expect(
        page.locator('.time-saved-table tr[data-procedure="residence-certificate"]')
    ).to_contain_text("60分")
    after = check_chart_against_api(page)
    assert sum(m["hours_saved"] for m in after["months"]) > sum(
        m["hours_saved"] for m in before["months"]
    )
    audited = live_demo.query(
        "SELECT COUNT(*) AS n FROM audit_event WHERE action = 'metrics.paper_baseline_set'"
    )
    assert audited[0]["n"] == 1

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_role("heading", name="時間の節約")).to_be_visible()
    check_chart_against_api(page)
    assert_no_axe_violations(page, "/staff/metrics (time saved, phone)")
    page.locator("#time-saved-title").scroll_into_view_if_needed()
    shoot(page, "staff-time-saved-phone")
    page.set_viewport_size(DESKTOP)
    assert unexpected_console_errors(page) == []
