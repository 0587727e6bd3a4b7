"""The time-saved figures from rows (staff/admin/time_saved.py): the months shown across a
year's end, spans over the cap left out as resumed later, a filing slower than paper saving
nothing rather than less, and the medians per channel."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from todoke import clock
from todoke.procedures.public import DecisionFigureRow
from todoke.staff.admin.time_saved import CAP_MINUTES, months_shown, time_saved

TITLES = {"dog": {"ja": "犬の登録", "en": "Dog registration"}}


def row(minutes: float | None, channel: str = "self", at: datetime | None = None):
    filed = at or datetime(2027, 1, 10, 3, tzinfo=clock.JST)
    return DecisionFigureRow(
        slug="dog",
        status="approved",
        channel=channel,
        submitted_at=filed,
        decided_at=filed + timedelta(days=1),
        due_by=filed.date(),
        filing_seconds=None if minutes is None else round(minutes * 60),
    )


def test_the_months_shown_cross_the_years_end_oldest_first():
    assert months_shown(date(2027, 2, 3)) == [
        "2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02"
    ]  # fmt: skip


def test_hours_saved_never_negative_and_spans_over_the_cap_left_out():
    rows = [
        row(10),
        row(50),  # slower than paper: saves nothing, costs nothing
        row(20, "assisted"),
        row(CAP_MINUTES + 1),  # left and resumed later
        row(None),  # no start known
    ]
    figures = time_saved(rows, {"dog": 30}, TITLES, date(2027, 1, 31))
    month = figures.months[-1]
    assert month.month == "2027-01" and month.filings == 3
    assert month.hours_saved == round((20 + 0 + 10) / 60, 1)
    dog = figures.procedures[0]
    assert dog.online_minutes == 30.0 and dog.online_timed == 2  # median of 10 and 50
    assert dog.counter_minutes == 20.0 and dog.counter_timed == 1
    assert dog.resumed_later == 1 and dog.paper_minutes == 30


def test_a_filing_in_japan_time_counts_in_its_japanese_month():
    # 2027-01-31 23:30 in Tokyo is still January there (14:30 UTC).
    late = datetime(2027, 1, 31, 23, 30, tzinfo=clock.JST)
    figures = time_saved([row(10, at=late)], {"dog": 30}, TITLES, date(2027, 2, 1))
    by_month = {m.month: m.filings for m in figures.months}
    assert by_month["2027-01"] == 1 and by_month["2027-02"] == 0


def test_without_a_baseline_nothing_is_saved_but_the_minutes_show():
    figures = time_saved([row(10)], {}, TITLES, date(2027, 1, 31))
    assert sum(m.hours_saved for m in figures.months) == 0
    assert figures.procedures[0].online_minutes == 10.0
    assert figures.procedures[0].paper_minutes is None
