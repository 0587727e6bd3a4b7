"""Home's timeline (issue 15): what the resident must do, what is due, what goes on and what
is unread, in one list, from what the resident can already see — and nobody else's."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from soft_authenticator import SoftAuthenticator
from test_applications import SLUG, add_household, filed_application, verified_resident
from test_identity import register, staff_client

from todoke import clock
from todoke.procedures.home import status_report_window
from todoke.procedures.tables import Application
from todoke.registry.tables import Person


async def timeline(client) -> dict:
    response = await client.get("/api/me/timeline")
    assert response.status_code == 200, response.text
    return response.json()


def whats(body: dict) -> list[str]:
    return [item["what"] for item in body["items"]]


async def test_signed_out_there_is_no_timeline(client, city):
    response = await client.get("/api/me/timeline")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_draft_is_due_an_application_goes_on_a_request_comes_first(client_for, app, city):
    await add_household(city)
    resident, headers = await verified_resident(client_for, app, city, "1000000000")
    with clock.frozen(datetime(2026, 12, 1, 10, 0, tzinfo=clock.JST)):
        assert (await timeline(resident))["items"] == []
        draft = (await resident.post("/api/drafts", json={"slug": "move-within-city"},
                                     headers=headers)).json()  # fmt: skip
        body = await timeline(resident)
    [item] = body["items"]
    assert item["kind"] == "deadline" and item["what"] == "draft_expires"
    assert item["due"] == draft["expires_at"][:10]
    assert item["link"] == f"/procedures/move-within-city/apply?draft={draft['id']}"
    assert item["title"]["en"]

    filed = await filed_application(resident, headers)
    body = await timeline(resident)
    assert "in_progress" in whats(body)
    assert body["unread_notices"] >= 1 and "notice" in whats(body)  # the receipt notice

    staff, staff_headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    asked = await staff.post(
        f"/api/staff/applications/{filed['id']}/status",
        json={"status": "info_requested", "message": "別居の状況を教えてください。"},
        headers=staff_headers,
    )
    assert asked.status_code == 200, asked.text
    body = await timeline(resident)
    first = body["items"][0]
    assert first["kind"] == "action" and first["what"] == "info_requested"
    assert first["link"] == f"/applications/{filed['id']}"
    assert first["status_label"]["ja"]
    # Kinds in order: what to do, what is due, what goes on, what to read.
    order = {"action": 0, "deadline": 1, "application": 2, "notice": 3}
    kinds = [order[item["kind"]] for item in body["items"]]
    assert kinds == sorted(kinds)

    # Read notices leave the list.
    inbox = (await resident.get("/api/me/inbox")).json()["items"]
    for notice in inbox:
        await resident.post(f"/api/me/inbox/{notice['id']}/read", headers=headers)
    body = await timeline(resident)
    assert "notice" not in whats(body) and body["unread_notices"] == 0

    # Another resident sees none of it.
    stranger = client_for(app)
    assert (await register(stranger, SoftAuthenticator(), name="べつの人")).status_code == 201
    assert await timeline(stranger) == {"items": [], "unread_notices": 0}


async def test_the_status_report_is_due_each_august_for_those_receiving_the_allowance(
    client_for, app, city
):
    await add_household(city)
    resident, _ = await verified_resident(client_for, app, city, "1000000000")
    assert "status_report" not in whats(await timeline(resident))
    await Person.update({Person.receiving: "child-allowance,child-rearing-allowance"}).where(
        Person.registry_id == "1000000000"
    )
    with clock.frozen(datetime(2026, 7, 10, 9, 0, tzinfo=clock.JST)):
        [item] = [i for i in (await timeline(resident))["items"] if i["what"] == "status_report"]
    assert (item["opens"], item["due"]) == ("2026-08-01", "2026-08-31")
    assert item["kind"] == "deadline" and item["title"]["ja"] == "児童扶養手当の現況届"
    with clock.frozen(datetime(2026, 9, 1, 9, 0, tzinfo=clock.JST)):
        [item] = [i for i in (await timeline(resident))["items"] if i["what"] == "status_report"]
    assert (item["opens"], item["due"]) == ("2027-08-01", "2027-08-31")


def test_the_status_report_window_turns_over_after_august():
    assert status_report_window(date(2026, 8, 31)) == (date(2026, 8, 1), date(2026, 8, 31))
    assert status_report_window(date(2026, 9, 1)) == (date(2027, 8, 1), date(2027, 8, 31))
    assert status_report_window(date(2026, 1, 1)) == (date(2026, 8, 1), date(2026, 8, 31))


async def test_an_unverified_account_sees_its_own_drafts_and_no_registry_deadline(
    client_for, app, city
):
    await add_household(city)
    await Person.update({Person.receiving: "child-rearing-allowance"}).where(
        Person.registry_id == "1000000000"
    )
    resident = client_for(app)
    registered = await register(resident, SoftAuthenticator(), name="はじめて")
    assert registered.status_code == 201
    headers = {"x-csrf-token": registered.json()["csrf_token"]}
    draft = await resident.post("/api/drafts", json={"slug": SLUG}, headers=headers)
    assert draft.status_code == 201, draft.text
    assert whats(await timeline(resident)) == ["draft_expires"]


async def test_a_booked_day_stands_on_the_timeline_until_it_has_passed(client_for, app, city):
    await add_household(city)
    resident, headers = await verified_resident(client_for, app, city, "1000000000")
    filed = await filed_application(resident, headers)
    wished = (clock.today() + timedelta(days=10)).isoformat()  # complete_answers' interview

    [item] = [i for i in (await timeline(resident))["items"] if i["what"] == "appointment"]
    assert item["kind"] == "deadline" and item["due"] == wished
    assert item["link"] == f"/applications/{filed['id']}"
    assert item["title"]["ja"] == "児童扶養手当 認定請求"
    assert item["detail"] == {
        "ja": "面談の希望日",
        "easy": "めんだんに きたい ひ",
        "en": "Preferred interview date",
    }

    # The day itself still shows (in Japan's calendar); once it has passed, it is gone.
    async def interview_on(day: date) -> list[str]:
        stored = (await Application.select(Application.answers).where(
            Application.id == filed["id"]).first())["answers"]  # fmt: skip
        answers = stored if isinstance(stored, dict) else json.loads(stored)
        answers["interview_wish"] = day.isoformat()
        await Application.update({Application.answers: answers}).where(
            Application.id == filed["id"]
        )
        return whats(await timeline(resident))

    assert "appointment" in await interview_on(clock.today())
    assert "appointment" not in await interview_on(clock.today() - timedelta(days=1))
    assert "appointment" in await interview_on(clock.today() + timedelta(days=1))

    # Withdrawn, the interview is no longer booked.
    withdrawn = await resident.post(f"/api/applications/{filed['id']}/withdraw", headers=headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert "appointment" not in whats(await timeline(resident))


async def test_only_a_date_field_can_be_an_appointment():
    from todoke.procedures.forms import parse_schema

    field = {"name": "visit", "type": "text", "label": {"ja": "来庁", "easy": "く", "en": "Visit"}}
    schema = {"sections": [{"id": "s", "title": field["label"], "fields": [field]}]}
    assert parse_schema(schema).fields()[0].appointment is False
    field["appointment"] = True
    try:
        parse_schema(schema)
    except ValueError as refused:
        assert "only a date" in str(refused)
    else:
        raise AssertionError("a text field was taken as an appointment")
    field["type"] = "date"
    assert parse_schema(schema).fields()[0].appointment is True
