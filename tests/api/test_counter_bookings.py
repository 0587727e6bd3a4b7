"""A counter visit booked online, at the desk (issue 17): support staff see the resident's
open bookings in the visit, open one (correcting answers with the resident if need be) and
show a code; the resident confirms it with their own passkey, which accepts it at the
counter — approved, so a move changes the registry address of the movers and reaches the
departments. Stale, replayed, crossed or someone else's assertions are refused."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from soft_authenticator import SoftAuthenticator
from test_applications import (
    MOVE,
    _audit_actions,
    _move_answers,
    add_household,
    counter_pending,
    filed_application,
    hanako,  # noqa: F401 (a fixture)
    review_at_counter,
    verified_resident,
)
from test_identity import ORIGIN, register, staff_client

from todoke import clock
from todoke.audit.tables import AuditEvent
from todoke.procedures.tables import Application
from todoke.registry.tables import Person, RegistryChange

VISIT = "/api/staff/counter/residents/1000000000"
OLD_ADDRESS = "東京都三鷹市下連雀三丁目1-1"
NEW_ADDRESS = "東京都三鷹市上連雀一丁目2-3"
CORRECTED_ADDRESS = "東京都三鷹市上連雀一丁目2-30"


def opening(application_id: int) -> str:
    return f"/api/staff/counter/bookings/{application_id}/confirmation"


async def book_move(resident, headers, key: str = "booking-0001") -> dict:
    """The resident books the 転居届 counter visit online, everything pre-filled: the whole
    household moves to NEW_ADDRESS; the visit in three days, 9 to 10."""
    form = (await resident.get(f"/api/procedures/{MOVE}/form")).json()
    answers = {name: held["value"] for name, held in form["prefill"].items()}
    answers.update(_move_answers(form))
    filed = await resident.post(
        "/api/applications",
        json={"slug": MOVE, "version": form["version"], "answers": answers},
        headers={**headers, "idempotency-key": key},
    )
    assert filed.status_code == 201, filed.text
    return filed.json()


async def stored_answers(application_id: int) -> dict:
    [row] = await Application.select(Application.answers).where(Application.id == application_id)
    value = row["answers"]
    return json.loads(value) if isinstance(value, str) else value


def whole_form(booking: dict, **changes) -> dict:
    """The booking's answers as filed (the form again), with ``changes``."""
    answers = {a["name"]: a["value"] for a in booking["answers"]}
    return {**answers, **changes}


@pytest.fixture
async def desk(client_for, app, city):
    """Support staff at the counter (COUNTER_FILE), of no department."""
    return await staff_client(client_for, app, city, role="support")


async def _account_id(client) -> int:
    return (await client.get("/api/me")).json()["id"]


# --- the visit lists the bookings -------------------------------------------------------------


async def test_the_visit_lists_the_residents_open_bookings(hanako, desk):  # noqa: F811
    resident, headers = hanako
    staff, _ = desk
    assert (await staff.get(VISIT)).json()["bookings"] == []
    booking = await book_move(resident, headers)
    claim = await filed_application(resident, headers)  # online, not a booking
    withdrawn = await book_move(resident, headers, key="booking-0002")
    gone = await resident.post(f"/api/applications/{withdrawn['id']}/withdraw", headers=headers)
    assert gone.status_code == 200

    visit = await staff.get(VISIT)
    assert visit.status_code == 200, visit.text
    booked = (clock.today() + timedelta(days=3)).isoformat()
    [listed] = visit.json()["bookings"]
    assert listed == {
        "application_id": booking["id"],
        "receipt_number": booking["receipt_number"],
        "slug": MOVE,
        "version": booking["version"],
        "title": booking["procedure"]["title"],
        "status": "submitted",
        "status_label": {"ja": "受付済み", "easy": "うけつけ しました", "en": "Received"},
        "visit_date": booked,
        "visit_time": "09-10",
        "visit_time_label": {"ja": "9時〜10時", "easy": "9じ から 10じ", "en": "9:00–10:00"},
        "booked_at": listed["booked_at"],
        "expires_at": None,
    }
    assert listed["title"]["ja"] == "転居届（市内での引っ越し）"
    assert claim["id"] not in [b["application_id"] for b in visit.json()["bookings"]]
    assert NEW_ADDRESS not in visit.text  # the answers are the resident's to show
    reads = await AuditEvent.select().where(AuditEvent.action == "resident.counter_visit_read")
    assert [json.loads(r["detail"])["bookings"] for r in reads] == [[], [booking["id"]]]


# --- opening one ------------------------------------------------------------------------------


async def test_staff_open_a_booking_and_get_a_code_for_the_resident(hanako, desk, city):  # noqa: F811
    resident, headers = hanako
    staff, staff_headers = desk
    booking = await book_move(resident, headers)
    before = clock.now()
    opened = await staff.post(opening(booking["id"]), headers=staff_headers)
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert set(body) == {
        "application_id", "receipt_number", "confirmation_code", "confirm_url", "expires_at",
        "confirm_qr",
    }  # fmt: skip
    # The QR code the resident's phone camera reads: a square of modules.
    assert len(body["confirm_qr"]) > 20
    assert {len(row) for row in body["confirm_qr"]} == {len(body["confirm_qr"])}
    assert body["application_id"] == booking["id"]
    assert body["receipt_number"] == booking["receipt_number"]
    assert body["confirm_url"] == f"/confirm?code={body['confirmation_code']}"
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=29) < expires - before <= timedelta(minutes=31)

    [event] = await AuditEvent.select().where(AuditEvent.action == "application.booking_opened")
    assert event["purpose"] == "counter_support" and event["actor_kind"] == "staff"
    assert event["actor_account"] == await _account_id(staff)
    [person] = await Person.select(Person.id).where(Person.registry_id == "1000000000")
    assert event["subject_person"] == person["id"]
    assert json.loads(event["detail"])["changed"] == []
    # The resident's access log says counter staff read it; the visit shows the code waits.
    log = (await resident.get("/api/me/access-log")).json()
    assert any(e["action"] == "application.booking_opened" for e in log), log
    [listed] = (await staff.get(VISIT)).json()["bookings"]
    assert listed["expires_at"] == body["expires_at"]
    detail = (await resident.get(f"/api/applications/{booking['id']}")).json()
    assert detail["status"] == "submitted"  # nothing decided until the resident confirms
    assert detail["timeline"][-1]["kind"] == "assisted"
    assert detail["timeline"][-1]["text"] == "窓口で予約を開きました"
    assert await stored_answers(booking["id"]) == {
        a["name"]: a["value"] for a in booking["answers"]
    }


async def test_staff_correct_answers_with_the_resident_and_the_timeline_says_which(
    hanako,  # noqa: F811
    desk,
):
    resident, headers = hanako
    staff, staff_headers = desk
    booking = await book_move(resident, headers)
    first = (await staff.post(opening(booking["id"]), json={}, headers=staff_headers)).json()
    corrected = await staff.post(
        opening(booking["id"]),
        json={"answers": whole_form(booking, new_address=CORRECTED_ADDRESS, visit_time="10-11")},
        headers=staff_headers,
    )
    assert corrected.status_code == 200, corrected.text
    stored = await stored_answers(booking["id"])
    assert stored["new_address"] == CORRECTED_ADDRESS and stored["visit_time"] == "10-11"
    assert stored["current_address"] == OLD_ADDRESS  # the registry's, as filed
    detail = (await resident.get(f"/api/applications/{booking['id']}")).json()
    said = detail["timeline"][-1]["text"]
    assert said == "窓口で予約を開き、次の項目を直しました：新しい住所、来庁希望時間"
    events = await AuditEvent.select().where(AuditEvent.action == "application.booking_opened")
    assert [json.loads(e["detail"])["changed"] for e in events] == [
        [], ["new_address", "visit_time"],
    ]  # fmt: skip
    # The first code is spent by the second opening: only the newest one is shown.
    stale = await review_at_counter(resident, headers, first["confirmation_code"])
    assert stale.status_code == 422
    review = await review_at_counter(resident, headers, corrected.json()["confirmation_code"])
    assert review.status_code == 200, review.text
    shown = {a["name"]: a["display"] for a in review.json()["application"]["answers"]}
    assert shown["new_address"] == CORRECTED_ADDRESS


async def test_hostile_bodies_are_refused_and_nothing_changes(hanako, desk):  # noqa: F811
    resident, headers = hanako
    staff, staff_headers = desk
    booking = await book_move(resident, headers)
    url = opening(booking["id"])
    for body in ([], "x", {"answers": "x"}, {"answers": []}, {"answers": {}, "more": 1}):
        refused = await staff.post(url, json=body, headers=staff_headers)
        assert refused.status_code == 400, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    raw = await staff.post(
        url, content=b"{not json", headers={**staff_headers, "content-type": "application/json"}
    )
    assert raw.status_code == 400
    for answers, field in (
        (whole_form(booking, no_such_field="x"), "no_such_field"),
        (whole_form(booking, household_members=["9999999999"]), "household_members"),
        (whole_form(booking, new_address=""), "new_address"),
        (whole_form(booking, current_address="東京都三鷹市野崎1-1"), "current_address"),
        (whole_form(booking, visit_time="25-26"), "visit_time"),
        (whole_form(booking, move_date="2026-02-30"), "move_date"),
        (whole_form(booking, new_postal_code="<script>"), "new_postal_code"),
        ({}, "new_address"),
        # Wrong types anywhere: a problem naming the field, never a 500.
        (whole_form(booking, household_members=[1, 2]), "household_members"),
        (whole_form(booking, visit_date={"day": 1}), "visit_date"),
        (whole_form(booking, new_address=["東京都"]), "new_address"),
        (whole_form(booking, related_procedures="x"), "related_procedures"),
        (whole_form(booking, household_change=None, new_head_name="x"), "household_change"),
    ):
        refused = await staff.post(url, json={"answers": answers}, headers=staff_headers)
        assert refused.status_code == 422, (field, refused.text)
        assert field in {e["field"] for e in refused.json()["errors"]}, refused.json()
    assert await stored_answers(booking["id"]) == {
        a["name"]: a["value"] for a in booking["answers"]
    }
    [row] = await Application.select(Application.confirmation_hash).where(
        Application.id == booking["id"]
    )
    assert row["confirmation_hash"] is None
    assert not await AuditEvent.select().where(AuditEvent.action == "application.booking_opened")


async def test_what_is_not_an_open_booking_of_a_resident_is_refused(
    hanako,  # noqa: F811
    desk,
    client_for,
    app,
    city,
):
    resident, headers = hanako
    staff, staff_headers = desk
    claim = await filed_application(resident, headers)  # online procedure, not a booking
    waiting = await counter_pending(desk, resident, "counter-0001")  # a counter filing
    for application_id in (claim["id"], waiting["application_id"], 999_999):
        missing = await staff.post(opening(application_id), headers=staff_headers)
        assert missing.status_code == 404, (application_id, missing.text)
        assert missing.json()["detail_ja"]

    withdrawn = await book_move(resident, headers, key="booking-0001")
    await resident.post(f"/api/applications/{withdrawn['id']}/withdraw", headers=headers)
    decided = await book_move(resident, headers, key="booking-0002")
    citizens, citizens_headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["citizens"]
    )
    approved = await citizens.post(
        f"/api/staff/applications/{decided['id']}/status",
        json={"status": "approved"},
        headers=citizens_headers,
    )
    assert approved.status_code == 200, approved.text
    for application_id in (withdrawn["id"], decided["id"]):
        conflict = await staff.post(opening(application_id), headers=staff_headers)
        assert conflict.status_code == 409, conflict.text

    # A booking of someone who has since left the registry is no resident's.
    left = await book_move(resident, headers, key="booking-0003")
    await Person.update({Person.status: "moved_out"}).where(Person.registry_id == "1000000000")
    gone = await staff.post(opening(left["id"]), headers=staff_headers)
    assert gone.status_code == 404, gone.text
    assert not await AuditEvent.select().where(AuditEvent.action == "application.booking_opened")


async def test_residents_and_strangers_may_not_open_a_booking(hanako, client_for, app):  # noqa: F811
    resident, headers = hanako
    booking = await book_move(resident, headers)
    own = await resident.post(opening(booking["id"]), headers=headers)
    assert own.status_code == 403, own.text
    anonymous = await client_for(app).post(opening(booking["id"]))
    assert anonymous.status_code == 401, anonymous.text
    [row] = await Application.select(Application.confirmation_hash).where(
        Application.id == booking["id"]
    )
    assert row["confirmation_hash"] is None


# --- the resident confirms: accepted at the counter --------------------------------------------


async def test_the_resident_confirms_and_the_move_reaches_the_registry_and_departments(
    hanako,  # noqa: F811
    desk,
    city,
):
    resident, headers = hanako
    staff, staff_headers = desk
    booking = await book_move(resident, headers)
    code = (await staff.post(opening(booking["id"]), headers=staff_headers)).json()[
        "confirmation_code"
    ]
    opened = (await staff.get(VISIT)).json()
    assert opened["waiting"] == 1  # the opened booking waits for the resident
    review = await review_at_counter(resident, headers, code)
    assert review.status_code == 200, review.text
    assert review.json()["application"]["id"] == booking["id"]
    assert review.json()["options"]["userVerification"] == "required"
    credential = resident.authenticator.get(review.json()["options"], ORIGIN)
    confirmed = await resident.post(
        "/api/applications/confirm", json={"code": code, "credential": credential},
        headers=headers,
    )  # fmt: skip
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["id"] == booking["id"] and body["status"] == "approved"
    timeline = [(e["kind"], e["status"], e["actor"], e["text"]) for e in body["timeline"]]
    assert timeline[1:] == [
        ("assisted", None, "staff", "窓口で予約を開きました"),
        ("confirmed", None, "resident", "窓口で本人がパスキーで確認"),
        ("status", "approved", "staff", ""),
        ("effect", None, "system", "住所を更新しました"),
    ]

    # The registry: every mover at the new address, the change logged with the receipt.
    movers = await Person.select().where(Person.registry_id.like("1%"))
    assert {(p["address"], p["postal_code"]) for p in movers} == {(NEW_ADDRESS, "181-0012")}
    changes = await RegistryChange.select().where(
        RegistryChange.source == f"転居届 {booking['receipt_number']}"
    )
    assert {c["person_registry_id"] for c in changes} == {"1000000000", "1000000001", "1000000002"}

    # The departments: the tracker, and another department's form pre-fills the new address.
    reached = {t["department"]["code"] for t in body["tracker"]}
    assert {"citizens", "child-support"} <= reached
    claim_form = (await resident.get("/api/procedures/child-rearing-allowance/form")).json()
    address = claim_form["prefill"]["claimant_address"]
    assert address["value"] == NEW_ADDRESS and address["source"].startswith("転居届")

    # The trail: staff opened it, the resident confirmed with their passkey, the approval is
    # the desk's (counter support), not a caseworker's.
    actions = await _audit_actions(city.id)
    opened_at = actions.index("application.booking_opened")
    assert actions.index("application.confirmed_with_passkey") > opened_at
    [approval] = await AuditEvent.select().where(AuditEvent.action == "application.approved")
    assert approval["actor_kind"] == "staff" and approval["purpose"] == "counter_support"
    assert approval["actor_account"] == await _account_id(staff)
    inbox = (await resident.get("/api/me/inbox")).json()
    assert any(n["kind"] == "application.approved" for n in inbox["items"]), inbox

    # Done: no longer an open booking but confirmed in the day's visit, the code spent,
    # opening it again a conflict.
    visit = (await staff.get(VISIT)).json()
    assert visit["bookings"] == [] and visit["waiting"] == 0
    assert [(f["application_id"], f["state"]) for f in visit["filings"]] == [
        (booking["id"], "confirmed")
    ]
    again = await resident.post(
        "/api/applications/confirm", json={"code": code, "credential": credential},
        headers=headers,
    )  # fmt: skip
    assert again.status_code == 422
    reopened = await staff.post(opening(booking["id"]), headers=staff_headers)
    assert reopened.status_code == 409


async def _opened(resident, headers, desk) -> tuple[dict, str]:
    """A booked move, opened at the desk: the booking and the code shown."""
    staff, staff_headers = desk
    booking = await book_move(resident, headers)
    opened = await staff.post(opening(booking["id"]), headers=staff_headers)
    assert opened.status_code == 200, opened.text
    return booking, opened.json()["confirmation_code"]


async def _still_open(booking: dict) -> None:
    """Nothing accepted: the booking as filed, the registry as it was."""
    [row] = await Application.select(Application.status).where(Application.id == booking["id"])
    assert row["status"] == "submitted"
    people = await Person.select(Person.address).where(Person.registry_id.like("1%"))
    assert {p["address"] for p in people} == {OLD_ADDRESS}


async def _confirm(resident, headers, code: str, credential: dict):
    return await resident.post(
        "/api/applications/confirm", json={"code": code, "credential": credential},
        headers=headers,
    )  # fmt: skip


# Each test keeps within the ten reads and confirmations per ten minutes the routes allow.


async def test_someone_elses_code_or_passkey_and_a_stale_assertion_are_refused(
    hanako,  # noqa: F811
    desk,
    client_for,
    app,
    city,
    monkeypatch,
):
    resident, headers = hanako
    booking, code = await _opened(resident, headers, desk)

    # Her booking's code: another verified resident reads nothing of it.
    await add_household(city, registry_prefix="2")
    other, other_headers = await verified_resident(client_for, app, city, "2000000000")
    assert (await review_at_counter(other, other_headers, code)).status_code == 422

    # Another person's passkey.
    stranger = SoftAuthenticator()
    await register(client_for(app), stranger, name="たにん")
    review = (await review_at_counter(resident, headers, code)).json()
    theirs = stranger.get({**review["options"], "allowCredentials": []}, ORIGIN)
    assert (await _confirm(resident, headers, code, theirs)).status_code == 422
    await _still_open(booking)

    # A stale one: its options were made more than two minutes before.
    review = (await review_at_counter(resident, headers, code)).json()
    later = clock.now() + timedelta(minutes=3)
    monkeypatch.setattr(clock, "now", lambda: later)
    stale = resident.authenticator.get(review["options"], ORIGIN)
    assert (await _confirm(resident, headers, code, stale)).status_code == 422
    monkeypatch.undo()
    await _still_open(booking)
    refusals = (await _audit_actions(city.id)).count("application.confirmation_refused")
    assert refusals == 2


async def test_a_replayed_or_crossed_assertion_is_refused_and_a_fresh_one_accepts(
    hanako,  # noqa: F811
    desk,
    city,
):
    resident, headers = hanako
    staff, staff_headers = desk
    booking, code = await _opened(resident, headers, desk)

    # Made for the booking but sent with the code of another filing waiting for her (a
    # counter filing): refused; sent again with the booking's own code, a replay.
    filing = await counter_pending(desk, resident, "counter-0001")
    review = (await review_at_counter(resident, headers, code)).json()
    for_booking = resident.authenticator.get(review["options"], ORIGIN)
    crossed = await _confirm(resident, headers, filing["confirmation_code"], for_booking)
    assert crossed.status_code == 422
    assert (await _confirm(resident, headers, code, for_booking)).status_code == 422
    await _still_open(booking)

    # Made while reading the booking, then staff open it again (a new code, the answers
    # maybe corrected): it confirms neither the new code (not what was read) nor the old.
    review = (await review_at_counter(resident, headers, code)).json()
    read_before = resident.authenticator.get(review["options"], ORIGIN)
    reopened = await staff.post(opening(booking["id"]), headers=staff_headers)
    new_code = reopened.json()["confirmation_code"]
    assert (await _confirm(resident, headers, new_code, read_before)).status_code == 422
    assert (await _confirm(resident, headers, code, read_before)).status_code == 422
    await _still_open(booking)

    # A fresh one of her own for the code shown now: accepted; replayed, refused.
    review = (await review_at_counter(resident, headers, new_code)).json()
    fresh = resident.authenticator.get(review["options"], ORIGIN)
    accepted = await _confirm(resident, headers, new_code, fresh)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "approved"
    assert (await _confirm(resident, headers, new_code, fresh)).status_code == 422
    refusals = (await _audit_actions(city.id)).count("application.confirmation_refused")
    assert refusals == 3  # the crossed one, its replay, the one read before


async def test_a_protected_residents_address_answers_stay_as_she_filed_them(
    hanako,  # noqa: F811
    desk,
    client_for,
    app,
    city,
):
    """支援措置: staff at the desk without the need were never shown her address; what they
    send for the address and contact answers is ignored (kept as she filed them), so no
    answer tells them whether a guess was right. Her other answers they may correct."""
    resident, headers = hanako
    staff, staff_headers = desk
    booking = await book_move(resident, headers)
    supervisor, supervisor_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=("citizens",)
    )
    protected = await supervisor.put(
        "/api/staff/residents/1000000000/protection",
        json={"named_persons": [], "named_outside": ["山田 太郎"]},
        headers=supervisor_headers,
    )
    assert protected.status_code == 200, protected.text
    guessed = whole_form(
        booking, new_address="非表示", new_postal_code="100-0001", phone="090-0000-0000",
        visit_time="13-14",
    )  # fmt: skip
    opened = await staff.post(
        opening(booking["id"]), json={"answers": guessed}, headers=staff_headers
    )
    assert opened.status_code == 200, opened.text
    assert NEW_ADDRESS not in opened.text
    stored = await stored_answers(booking["id"])
    filed = {a["name"]: a["value"] for a in booking["answers"]}
    assert stored == {**filed, "visit_time": "13-14"}
    [event] = await AuditEvent.select().where(AuditEvent.action == "application.booking_opened")
    assert json.loads(event["detail"])["changed"] == ["visit_time"]
