"""Time saved (issue 17): a real online filing and a real counter filing record how long they
took, from their start (the resident's draft; staff starting it at the counter) to their
confirmation; administrators enter the paper baseline (hostile input refused whole, with a
problem, and nothing written); staff metrics and the CSV compare them and add up the hours
saved in the month."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from test_applications import (
    SLUG,
    _fill_required,
    add_household,
    complete_answers,
    confirm_at_counter,
    png_bytes,
    upload,
    verified_resident,
)
from test_identity import staff_client

from todoke import clock
from todoke.procedures.tables import Application, Draft

COUNTER = "oversized-garbage"


@pytest.fixture
async def people(client_for, app, city):
    await add_household(city)
    resident = await verified_resident(client_for, app, city, "1000000000")
    admin = await staff_client(client_for, app, city, role="administrator")
    support = await staff_client(client_for, app, city, role="support")
    supervisor = await staff_client(
        client_for, app, city, role="supervisor", departments=("child-support",)
    )
    return {"resident": resident, "admin": admin, "support": support, "supervisor": supervisor}


async def file_online_after(resident, headers, minutes: float, key: str) -> dict:
    """File 児童扶養手当 from a draft the resident started ``minutes`` ago."""
    opened = await resident.post("/api/drafts", json={"slug": SLUG}, headers=headers)
    assert opened.status_code in (200, 201), opened.text
    draft_id = opened.json()["id"]
    await Draft.update({Draft.created_at: clock.now() - timedelta(minutes=minutes)}).where(
        Draft.id == draft_id
    )
    form = (await resident.get(f"/api/procedures/{SLUG}/form")).json()
    attachment = (await upload(resident, headers, png_bytes())).json()["id"]
    filed = await resident.post(
        "/api/applications",
        json={"slug": SLUG, "version": form["version"], "draft_id": draft_id,
              "answers": complete_answers(form, attachment)},
        headers={**headers, "idempotency-key": key},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    return filed.json()


async def file_at_counter(support, resident, started_minutes_ago: float | None, key: str):
    staff, staff_headers = support
    client, headers = resident
    form = (await client.get(f"/api/procedures/{COUNTER}/form")).json()
    answers = {name: held["value"] for name, held in form["prefill"].items()}
    answers.update(_fill_required(form))
    body = {"person_registry_id": "1000000000", "slug": COUNTER, "version": form["version"],
            "answers": answers}  # fmt: skip
    if started_minutes_ago is not None:
        body["started_seconds_ago"] = round(started_minutes_ago * 60)
    pending = await staff.post(
        "/api/staff/assisted-applications",
        json=body,
        headers={**staff_headers, "idempotency-key": key},
    )
    assert pending.status_code == 201, pending.text
    confirmed = await confirm_at_counter(client, headers, pending.json()["confirmation_code"])
    assert confirmed.status_code == 200, confirmed.text
    return confirmed.json()


async def recorded(application_id: int) -> dict:
    row = (
        await Application.select(
            Application.started_at, Application.filing_seconds, Application.channel
        )
        .where(Application.id == application_id)
        .first()
    )
    assert row is not None
    return row


async def set_baselines(admin, items):
    client, headers = admin
    return await client.put("/api/staff/paper-baselines", json={"items": items}, headers=headers)


# --- durations recorded ------------------------------------------------------------------------


async def test_an_online_filing_records_its_span_from_the_draft(people):
    resident, headers = people["resident"]
    filed = await file_online_after(resident, headers, 25, "online-00000001")
    row = await recorded(filed["id"])
    assert row["channel"] == "self" and row["started_at"] is not None
    assert 25 * 60 <= row["filing_seconds"] <= 25 * 60 + 30


async def test_a_filing_without_a_draft_records_no_span(people):
    resident, headers = people["resident"]
    form = (await resident.get(f"/api/procedures/{SLUG}/form")).json()
    attachment = (await upload(resident, headers, png_bytes())).json()["id"]
    filed = await resident.post(
        "/api/applications",
        json={"slug": SLUG, "version": form["version"],
              "answers": complete_answers(form, attachment)},
        headers={**headers, "idempotency-key": "nodraft-0000001"},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    row = await recorded(filed.json()["id"])
    assert row["started_at"] is None and row["filing_seconds"] is None


async def test_a_counter_filing_records_staff_start_to_the_residents_confirmation(people):
    confirmed = await file_at_counter(people["support"], people["resident"], 18, "counter-0001")
    row = await recorded(confirmed["id"])
    assert row["channel"] == "assisted"
    assert 18 * 60 <= row["filing_seconds"] <= 18 * 60 + 30


async def test_a_counter_filing_without_a_start_counts_from_the_staff_filing(people):
    confirmed = await file_at_counter(people["support"], people["resident"], None, "counter-0002")
    row = await recorded(confirmed["id"])
    assert 0 <= row["filing_seconds"] <= 30


@pytest.mark.parametrize("started", [-1, 4 * 3600 + 1, 10**30, 1.5, "yesterday", None])
async def test_an_implausible_counter_start_is_refused(people, started):
    staff, staff_headers = people["support"]
    client, _ = people["resident"]
    form = (await client.get(f"/api/procedures/{COUNTER}/form")).json()
    refused = await staff.post(
        "/api/staff/assisted-applications",
        json={"person_registry_id": "1000000000", "slug": COUNTER, "version": form["version"],
              "answers": {}, "started_seconds_ago": started},
        headers={**staff_headers, "idempotency-key": "counter-bad-1"},
    )  # fmt: skip
    assert refused.status_code in (400, 422), refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await Application.count() == 0


# --- the statistics ----------------------------------------------------------------------------


async def test_metrics_and_csv_show_the_recorded_minutes_and_hours_saved(people):
    resident, headers = people["resident"]
    await file_online_after(resident, headers, 25, "online-00000001")
    await file_online_after(resident, headers, 3 * 24 * 60, "online-00000002")  # resumed later
    await file_at_counter(people["support"], people["resident"], 18, "counter-0001")
    saved = await set_baselines(
        people["admin"], [{"slug": SLUG, "minutes": 90}, {"slug": COUNTER, "minutes": 20}]
    )
    assert saved.status_code == 200, saved.text
    assert {i["slug"]: i["minutes"] for i in saved.json()["items"]} == {SLUG: 90, COUNTER: 20}

    admin, _ = people["admin"]
    figures = (await admin.get("/api/staff/metrics")).json()["time_saved"]
    assert figures["cap_minutes"] == 120
    by_slug = {p["slug"]: p for p in figures["procedures"]}
    claim, counter = by_slug[SLUG], by_slug[COUNTER]
    assert claim["online_timed"] == 1 and claim["resumed_later"] == 1
    assert 25.0 <= claim["online_minutes"] <= 25.5 and claim["counter_minutes"] is None
    assert claim["paper_minutes"] == 90
    assert counter["counter_timed"] == 1 and 18.0 <= counter["counter_minutes"] <= 18.5
    assert counter["online_minutes"] is None and counter["paper_minutes"] == 20
    # 90 − 25 = 65 minutes online, 20 − 18 = 2 at the counter: 67 minutes this month.
    this_month = figures["months"][-1]
    assert this_month["month"] == clock.today().strftime("%Y-%m")
    assert this_month["filings"] == 2 and this_month["hours_saved"] == pytest.approx(1.1, abs=0.05)
    assert len(figures["months"]) == 6 and all(
        m["hours_saved"] == 0 for m in figures["months"][:-1]
    )
    assert claim["hours_saved"] == pytest.approx(1.1, abs=0.05)

    text = (await admin.get("/api/staff/metrics.csv")).text
    tables = [list(csv.reader(io.StringIO(part))) for part in text.split("\r\n\r\n")]
    assert len(tables) == 3
    header, *rows = tables[1]
    assert header[:3] == ["procedure", "title", "online_minutes_median"]
    row = dict(zip(header, next(r for r in rows if r[0] == SLUG), strict=True))
    assert float(row["online_minutes_median"]) == claim["online_minutes"]
    assert row["paper_minutes"] == "90" and row["resumed_later"] == "1"
    month_header, *months = tables[2]
    assert month_header == ["month", "hours_saved", "filings_counted", "cap_minutes"]
    assert months[-1][:3] == [this_month["month"], str(this_month["hours_saved"]), "2"]


async def test_a_filing_slower_than_paper_saves_nothing_rather_than_less(people):
    resident, headers = people["resident"]
    await file_online_after(resident, headers, 40, "online-00000001")
    await set_baselines(people["admin"], [{"slug": SLUG, "minutes": 30}])
    admin, _ = people["admin"]
    figures = (await admin.get("/api/staff/metrics")).json()["time_saved"]
    assert figures["months"][-1] == {
        "month": clock.today().strftime("%Y-%m"),
        "hours_saved": 0.0,
        "filings": 1,
    }


async def test_without_a_baseline_the_minutes_show_and_nothing_is_saved(people):
    resident, headers = people["resident"]
    await file_online_after(resident, headers, 10, "online-00000001")
    admin, _ = people["admin"]
    figures = (await admin.get("/api/staff/metrics")).json()["time_saved"]
    claim = next(p for p in figures["procedures"] if p["slug"] == SLUG)
    assert claim["paper_minutes"] is None and claim["online_timed"] == 1
    assert sum(m["hours_saved"] for m in figures["months"]) == 0


# --- the paper baseline ------------------------------------------------------------------------


async def test_baselines_are_set_changed_removed_and_audited(people):
    client, _ = people["admin"]
    assert (
        await set_baselines(people["admin"], [{"slug": SLUG, "minutes": 45}])
    ).status_code == 200
    changed = await set_baselines(
        people["admin"], [{"slug": SLUG, "minutes": 50}, {"slug": COUNTER, "minutes": 15}]
    )
    assert {i["slug"]: i["minutes"] for i in changed.json()["items"]} == {SLUG: 50, COUNTER: 15}
    removed = await set_baselines(people["admin"], [{"slug": SLUG, "minutes": None}])
    assert [i["slug"] for i in removed.json()["items"]] == [COUNTER]
    listed = await client.get("/api/staff/paper-baselines")
    assert [i["minutes"] for i in listed.json()["items"]] == [15]
    audit = (await client.get("/api/staff/audit.csv")).text
    events = [line for line in audit.splitlines() if "metrics.paper_baseline_set" in line]
    assert len(events) == 3 and "50" in events[1] and "null" in events[2]


HOSTILE = [
    '{"items": [{"slug": "child-rearing-allowance", "minutes": -5}]}',
    '{"items": [{"slug": "child-rearing-allowance", "minutes": 0}]}',
    '{"items": [{"slug": "child-rearing-allowance", "minutes": 1441}]}',
    '{"items": [{"slug": "child-rearing-allowance", "minutes": 99999999999999999999999}]}',
    '{"items": [{"slug": "child-rearing-allowance", "minutes": 12.5}]}',
    # (Litestar decodes "30" as 30 everywhere in the API: a number in words is refused.)
    '{"items": [{"slug": "child-rearing-allowance", "minutes": "thirty"}]}',
    '{"items": [{"slug": "child-rearing-allowance", "minutes": true}]}',
    '{"items": [{"slug": "child-rearing-allowance", "minutes": 30},]}',
    '{"items": [{"slug": "child-rearing-allowance", "minutes": 30,}]}',
    '{"items": [{"slug": "child-rearing-allowance", "minutes": 30}], "extra": 1}',
    # The first item is fine; the second is not: nothing at all is written.
    '{"items": [{"slug": "oversized-garbage", "minutes": 20}, {"slug": "no-such", "minutes": 5}]}',
    '{"items": [{"slug": "oversized-garbage", "minutes": 20}, '
    '{"slug": "oversized-garbage", "minutes": 25}]}',
    '{"items": [{"slug": "", "minutes": 20}]}',
    "[]",
    "",
]


@pytest.mark.parametrize("body", HOSTILE)
async def test_hostile_baselines_are_refused_with_a_problem_and_nothing_written(people, body):
    client, headers = people["admin"]
    refused = await client.put(
        "/api/staff/paper-baselines",
        content=body.encode(),
        headers={**headers, "content-type": "application/json"},
    )
    assert 400 <= refused.status_code < 500, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["status"] == refused.status_code and problem.get("detail_ja")
    assert (await client.get("/api/staff/paper-baselines")).json()["items"] == []


async def test_only_administrators_set_baselines_and_supervisors_read_them(people):
    for role in ("supervisor", "support"):
        client, headers = people[role]
        refused = await client.put(
            "/api/staff/paper-baselines",
            json={"items": [{"slug": SLUG, "minutes": 30}]},
            headers=headers,
        )
        assert refused.status_code == 403, refused.text
    supervisor, _ = people["supervisor"]
    assert (await supervisor.get("/api/staff/paper-baselines")).status_code == 200
    support, _ = people["support"]
    assert (await support.get("/api/staff/metrics")).status_code == 403
    resident, _ = people["resident"]
    assert (await resident.get("/api/staff/paper-baselines")).status_code in (401, 403)


# --- the demo ----------------------------------------------------------------------------------


async def test_the_demo_seeds_timed_filings_that_the_figures_are_computed_from(
    client_for, app, city
):
    from todoke.demo.filings import PROCEDURES, seed_demo_filings
    from todoke.demo.seed import seed_demo
    from todoke.staff.admin.time_saved import months_shown

    await seed_demo(persons=150)
    assert await seed_demo_filings(city.id) == 0  # once: the second run adds nothing
    admin, _ = await staff_client(client_for, app, city, role="administrator")
    figures = (await admin.get("/api/staff/metrics")).json()["time_saved"]

    rows = await Application.raw(
        "SELECT p.slug AS slug, a.filing_seconds AS seconds, a.submitted_at AS at "
        "FROM application a JOIN procedure p ON p.id = a.procedure WHERE a.municipality = {}",
        city.id,
    )
    assert len(rows) > 50 and all(r["seconds"] is not None for r in rows)
    window = months_shown(clock.today())
    expected = dict.fromkeys(window, 0.0)
    for row in rows:
        at = row["at"] if not isinstance(row["at"], str) else datetime_of(row["at"])
        month = at.astimezone(clock.JST).strftime("%Y-%m")
        if month in expected and row["seconds"] <= 120 * 60:
            paper = PROCEDURES[row["slug"]][2]
            expected[month] += max(0.0, paper - row["seconds"] / 60) / 60
    shown = {m["month"]: m["hours_saved"] for m in figures["months"]}
    assert shown == {m: round(h, 1) for m, h in expected.items()}
    assert sum(shown.values()) > 5
    by_slug = {p["slug"]: p for p in figures["procedures"]}
    for slug, (_, _, paper) in PROCEDURES.items():
        assert by_slug[slug]["paper_minutes"] == paper
        assert by_slug[slug]["online_minutes"] < by_slug[slug]["counter_minutes"] < paper
    assert sum(p["resumed_later"] for p in figures["procedures"]) > 0


def datetime_of(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)
