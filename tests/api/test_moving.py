"""Issue 16: moving between municipalities once. A verified resident of the city (とどけ市)
tells the city of a move to the town (ひがし町); with consent the town receives the move-in
data, and a new account at the town, bound by the transfer code, finds its 転入 booking and
児童手当 pre-filled. The hostile side: bad dates, the own municipality as destination, wrong,
expired, replayed and foreign codes, an unverified resident, no consent, and staff of one
municipality reading the other's moves."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from soft_authenticator import SoftAuthenticator
from test_applications import add_household, verified_resident
from test_identity import assert_refused, csrf, register, staff_client
from test_tenant_isolation import TOWN_ORIGIN, at_town, town_sign_up

from todoke import clock
from todoke.audit.service import verify_chain
from todoke.db import read_transaction, write_transaction

THIRD_ORIGIN = "http://nishi.localhost:8000"
NEW_POSTAL = "181-0013"  # a real code: the new address is checked against the postal table
NEW_ADDRESS = "東京都三鷹市下連雀一丁目2-3 ひがしハイツ201"


def _day(days: int) -> str:
    return (clock.today() + timedelta(days=days)).isoformat()


async def _town_id() -> int:
    async with read_transaction() as sql:
        return int(await sql.value("SELECT id FROM municipality WHERE origin = ?", [TOWN_ORIGIN]))


async def _move_in_rows(municipality_id: int) -> list[tuple]:
    async with read_transaction() as sql:
        return await sql.fetch(
            "SELECT id, account, data, withdrawn_at FROM move_in WHERE municipality = ?",
            [municipality_id],
        )


async def _actions(municipality_id: int) -> list[str]:
    async with read_transaction() as sql:
        rows = await sql.fetch(
            "SELECT action FROM audit_event WHERE municipality = ? ORDER BY id", [municipality_id]
        )
    return [r[0] for r in rows]


def _move(**given) -> dict:
    body = {
        "destination": None,
        "move_date": _day(7),
        "new_postal_code": NEW_POSTAL,
        "new_address": NEW_ADDRESS,
        "movers": ["1000000000", "1000000001", "1000000002"],
        "method": "counter",
        "dog": True,
        "visit_date": _day(3),
        "visit_time": "10-11",
        "phone": "0422-11-2233",
    }
    return {**body, **given}


@pytest.fixture
async def hanako(client_for, app, city):
    await add_household(city)
    return await verified_resident(client_for, app, city, "1000000000")


async def _told(hanako, **given) -> dict:
    client, headers = hanako
    town = await _town_id()
    told = await client.post(
        "/api/moves/out", json=_move(destination=town, **given), headers=headers
    )
    assert told.status_code == 201, told.text
    return told.json()


async def _consented(hanako, **given) -> tuple[dict, str]:
    client, headers = hanako
    move = await _told(hanako, **given)
    given_ = await client.post(
        f"/api/moves/out/{move['id']}/consent", json={"granted": True}, headers=headers
    )
    assert given_.status_code == 200, given_.text
    code = given_.json()["transfer_code"]
    assert code
    return given_.json(), code


async def _town_resident(app):
    return await town_sign_up(app)


# --- the happy path -------------------------------------------------------------------------


async def test_a_move_told_once_reaches_the_town_with_consent(hanako, app, city):
    client, _headers = hanako
    town = await _town_id()
    places = (await client.get("/api/moves/destinations")).json()["items"]
    assert [p["id"] for p in places] == [town]  # never the city itself

    move = await _told(hanako)
    assert move["application"] is not None  # the pre-filled 転出届 counter booking
    assert move["consented_at"] is None and move["transfer_code"] is None
    assert [m["family_name"] for m in move["crossing"]["members"]] == ["佐藤"] * 3
    assert [m["child"] for m in move["crossing"]["members"]] == [False, True, True]
    assert "children" in move["fields"] and "birth_dates" in move["fields"]
    assert await _move_in_rows(town) == []  # told, not sent
    booking = (await client.get(f"/api/applications/{move['application']}")).json()
    assert booking["procedure"]["slug"] == "move-out"

    sent, code = await _consented(hanako)
    assert sent["code_expires_at"] is not None
    rows = await _move_in_rows(town)
    assert len(rows) == 1  # only the move consented to was sent (the first was only told)
    assert json.loads(rows[-1][2])["new_address"] == NEW_ADDRESS

    resident, town_headers = await _town_resident(app)
    # Before the code: no registry person, no move: the 転入 form asks to verify.
    form = (await resident.get("/api/procedures/move-in/form")).json()
    assert "verify" in form["blockers"]
    bound = await resident.post("/api/moves/in", json={"code": code}, headers=town_headers)
    assert bound.status_code == 200, bound.text
    incoming = bound.json()
    assert incoming["origin"]["name"]["ja"] == "とどけ市"
    assert incoming["consented_at"] and incoming["received_at"]
    slugs = [p["slug"] for p in incoming["procedures"]]
    assert slugs == ["move-in", "child-allowance", "nursery-admission", "dog-registration"]

    form = (await resident.get("/api/procedures/move-in/form")).json()
    assert form["can_file"], form["blockers"]
    assert form["prefill"]["notifier_name"]["value"] == "佐藤 花子"
    assert form["prefill"]["notifier_name"]["source"] == "とどけ市の転出データ"
    assert form["prefill"]["new_address"]["value"] == NEW_ADDRESS
    assert form["prefill"]["previous_address"]["value"].endswith("東京都三鷹市下連雀三丁目1-1")
    assert form["prefill"]["move_date"]["value"] == _day(7)
    assert len(form["prefill"]["household_members"]["value"]) == 3
    allowance = (await resident.get("/api/procedures/child-allowance/form")).json()
    assert allowance["prefill"]["claimant_name"]["source"] == "とどけ市の転出データ"
    assert allowance["prefill"]["claimant_address"]["value"] == NEW_ADDRESS
    assert len(allowance["prefill"]["children"]["value"]) == 2
    # Nothing to ask a registry that holds none of it yet: the counter puts it right.
    assert form["corrections"] is False and allowance["corrections"] is False
    # Other procedures are not opened by move data: a 住民票 needs the 転入届 done first.
    certificate = (await resident.get("/api/procedures/residence-certificate/form")).json()
    assert "verify" in certificate["blockers"]

    filed = await resident.post(
        "/api/applications",
        json={
            "slug": "move-in",
            "version": form["version"],
            "answers": {
                "phone": "090-1234-5678",
                "household_members": form["prefill"]["household_members"]["value"],
                "visit_date": _day(8),
                "visit_time": "09-10",
                "declaration": True,
            },
        },
        headers={**town_headers, "idempotency-key": "move-in-00000001"},
    )
    assert filed.status_code == 201, filed.text
    answered = {a["name"]: a for a in filed.json()["answers"]}
    assert answered["notifier_name"]["source"] == "とどけ市の転出データ"
    assert answered["household_members"]["display"].count("佐藤") == 3  # names, not ids
    again = (await resident.get("/api/moves/in")).json()["move"]
    assert again["procedures"][0]["application"] == filed.json()["id"]

    city_actions = await _actions(city.id)
    for action in ("move.out_told", "move.consent_given", "move.data_sent"):
        assert action in city_actions
    town_actions = await _actions(town)
    for action in (
        "move.data_received",
        "move.code_used",
        "move.account_bound",
        "move.prefilled_filed",
    ):
        assert action in town_actions
    assert "move.data_sent" not in town_actions and "move.data_received" not in city_actions
    assert (await verify_chain(city.id)).first_broken is None
    assert (await verify_chain(town)).first_broken is None

    # The resident's access log at the city tells of the consent and the sending.
    entries = (await client.get("/api/me/access-log")).json()
    moving = [e for e in entries if e["action"].startswith("move.")]
    assert {e["action"] for e in moving} >= {"move.consent_given", "move.data_sent"}
    assert all(e["why"] == "moving" for e in moving)


async def test_a_move_noted_as_filed_through_mynaportal_files_nothing(hanako):
    client, _headers = hanako
    move = await _told(hanako, method="myna_portal", visit_date=None, visit_time="", phone="")
    assert move["application"] is None and move["method"] == "myna_portal"
    assert move["myna_portal_url"].startswith("https://myna.go.jp")
    listed = (await client.get("/api/moves/out")).json()["items"]
    assert [m["id"] for m in listed] == [move["id"]]


async def test_a_destination_off_the_platform_gets_only_the_counter_form(hanako):
    client, headers = hanako
    told = await client.post(
        "/api/moves/out", json=_move(destination_name="大阪府大阪市"), headers=headers
    )
    assert told.status_code == 201, told.text
    assert told.json()["can_send"] is False and told.json()["application"] is not None
    consent = await client.post(
        f"/api/moves/out/{told.json()['id']}/consent", json={"granted": True}, headers=headers
    )
    assert_refused(consent, 409)


# --- consent --------------------------------------------------------------------------------


async def test_without_consent_nothing_reaches_the_town(hanako, app):
    client, headers = hanako
    town = await _town_id()
    move = await _told(hanako)
    declined = await client.post(
        f"/api/moves/out/{move['id']}/consent", json={"granted": False}, headers=headers
    )
    assert declined.status_code == 200
    assert declined.json()["consented_at"] is None and declined.json()["transfer_code"] is None
    assert await _move_in_rows(town) == []
    assert "move.data_received" not in await _actions(town)
    # The town's staff see no incoming move.
    staff, _ = await town_sign_up(app, invite=await _town_invite("administrator"))
    assert (await staff.get("/api/staff/moves")).json()["items"] == []


async def test_consent_is_given_once(hanako):
    client, headers = hanako
    sent, _ = await _consented(hanako)
    again = await client.post(
        f"/api/moves/out/{sent['id']}/consent", json={"granted": True}, headers=headers
    )
    assert_refused(again, 409)


async def test_consent_withdrawn_before_use_empties_the_towns_row(hanako, app):
    client, headers = hanako
    town = await _town_id()
    sent, code = await _consented(hanako)
    withdrawn = await client.post(f"/api/moves/out/{sent['id']}/withdraw", headers=headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawn_at"] is not None
    [(_, account, data, gone)] = await _move_in_rows(town)
    assert account is None and json.loads(data) == {} and gone is not None
    resident, town_headers = await _town_resident(app)
    refused = await resident.post("/api/moves/in", json={"code": code}, headers=town_headers)
    assert_refused(refused)
    assert "move.data_withdrawn" in await _actions(town)
    assert (await verify_chain(town)).first_broken is None


async def test_consent_cannot_be_withdrawn_at_the_city_once_the_town_used_it(hanako, app):
    client, headers = hanako
    sent, code = await _consented(hanako)
    resident, town_headers = await _town_resident(app)
    bound = await resident.post("/api/moves/in", json={"code": code}, headers=town_headers)
    assert bound.status_code == 200
    late = await client.post(f"/api/moves/out/{sent['id']}/withdraw", headers=headers)
    assert_refused(late, 409)
    assert (await client.get(f"/api/moves/out/{sent['id']}")).json()["used_at_destination"]


# --- hostile input at the city --------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"method": "myna_portal", "move_date": _day(31)}, "move_date"),
        ({"method": "myna_portal", "move_date": _day(-11)}, "move_date"),
        ({"move_date": _day(-15)}, "move_date"),
        ({"visit_date": _day(30)}, "visit_date"),  # 23 days after the move
        ({"visit_date": _day(-1)}, "visit_date"),  # in the past
        ({"visit_date": None}, "visit_date"),
        ({"new_postal_code": "12-345"}, "new_postal_code"),
        ({"new_postal_code": "000-0000"}, "new_postal_code"),
        ({"movers": ["1000000001"]}, "movers"),  # without the resident
        ({"movers": ["1000000000", "9999999999"]}, "movers"),  # not of the household
        ({"movers": ["1000000000", "𝓣𝓱𝓮 𝓺𝓾𝓲𝓬𝓴 " * 8]}, "movers"),  # what the fuzzer sent
    ],
)
async def test_bad_moves_are_refused_and_nothing_is_written(hanako, given, field):
    client, headers = hanako
    town = await _town_id()
    body = _move(destination=town, **given)
    refused = await client.post("/api/moves/out", json=body, headers=headers)
    assert_refused(refused)
    assert field in {e["field"] for e in refused.json()["errors"]}, refused.json()
    assert (await client.get("/api/moves/out")).json()["items"] == []
    assert (await client.get("/api/applications")).json()["items"] == []


async def test_the_own_municipality_is_no_destination(hanako, city):
    client, headers = hanako
    refused = await client.post("/api/moves/out", json=_move(destination=city.id), headers=headers)
    assert_refused(refused)
    assert refused.json()["errors"][0]["field"] == "destination"
    unknown = await client.post("/api/moves/out", json=_move(destination=99999), headers=headers)
    assert_refused(unknown)
    nowhere = await client.post("/api/moves/out", json=_move(), headers=headers)
    assert_refused(nowhere)


async def test_an_unverified_resident_cannot_tell_of_a_move(client_for, app, city):
    client = client_for(app)
    registered = await register(client, SoftAuthenticator(), name="まだ")
    headers = csrf(registered)
    town = await _town_id()
    refused = await client.post("/api/moves/out", json=_move(destination=town), headers=headers)
    assert_refused(refused, 403)
    assert_refused(await client.get("/api/moves/out"), 403)


async def test_staff_cannot_tell_of_a_move(client_for, app, city):
    staff, headers = await staff_client(client_for, app, city, role="administrator")
    assert_refused(await staff.post("/api/moves/out", json=_move(), headers=headers), 403)


# --- hostile codes at the town --------------------------------------------------------------


async def test_a_wrong_code_is_refused(hanako, app):
    await _consented(hanako)
    resident, headers = await _town_resident(app)
    refused = await resident.post("/api/moves/in", json={"code": "AAAA-BBBB-CCCC"}, headers=headers)
    assert_refused(refused)
    assert (await resident.get("/api/moves/in")).json() == {"move": None}


async def test_a_code_works_once(hanako, app):
    _, code = await _consented(hanako)
    first, first_headers = await _town_resident(app)
    assert (
        await first.post("/api/moves/in", json={"code": code}, headers=first_headers)
    ).is_success
    second, headers = await _town_resident(app)
    replayed = await second.post("/api/moves/in", json={"code": code}, headers=headers)
    assert_refused(replayed)
    again = await first.post("/api/moves/in", json={"code": code}, headers=first_headers)
    assert_refused(again, 409)


async def test_an_expired_code_is_refused(hanako, app):
    _, code = await _consented(hanako)
    town = await _town_id()
    async with write_transaction() as sql:
        await sql.execute(
            "UPDATE move_in SET code_expires_at = ? WHERE municipality = ?",
            [datetime.now(UTC) - timedelta(minutes=1), town],
        )
    resident, headers = await _town_resident(app)
    assert_refused(await resident.post("/api/moves/in", json={"code": code}, headers=headers))


async def test_the_code_works_only_at_the_destination(hanako, app, city, client_for):
    from todoke.registry.service import ensure_municipality, set_municipality_origin

    client, city_headers = hanako
    _, code = await _consented(hanako)
    # At the city that issued it: the data is not the city's to take back in.
    at_city = await client.post("/api/moves/in", json={"code": code}, headers=city_headers)
    assert_refused(at_city, 409)  # a verified resident of the city is no newcomer
    newcomer = client_for(app)
    registered = await register(newcomer, SoftAuthenticator(), name="べつ")
    refused = await newcomer.post("/api/moves/in", json={"code": code}, headers=csrf(registered))
    assert_refused(refused)
    # At a third municipality on the platform.
    await ensure_municipality(
        "139963", {"ja": "にし村", "easy": "にしむら", "en": "Nishi Village"}, city_prefecture()
    )
    await set_municipality_origin("139963", THIRD_ORIGIN)
    third = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=THIRD_ORIGIN)
    options = await third.post("/api/auth/registration/options", json={"display_name": "村の人"})
    credential = SoftAuthenticator().create(options.json(), THIRD_ORIGIN)
    made = await third.post("/api/auth/registration", json={"credential": credential})
    assert made.status_code == 201, made.text
    headers = {"x-csrf-token": made.json()["csrf_token"], "origin": THIRD_ORIGIN}
    assert_refused(await third.post("/api/moves/in", json={"code": code}, headers=headers))
    # The town still takes it.
    resident, town_headers = await _town_resident(app)
    assert (
        await resident.post("/api/moves/in", json={"code": code}, headers=town_headers)
    ).is_success


def city_prefecture() -> dict[str, str]:
    return {"ja": "東京都", "easy": "とうきょうと", "en": "Tokyo"}


async def test_guessing_codes_is_held_back(hanako, app):
    resident, headers = await _town_resident(app)
    statuses = [
        (
            await resident.post(
                "/api/moves/in", json={"code": f"AAAA-BBBB-{n:04d}"}, headers=headers
            )
        ).status_code
        for n in range(12)
    ]
    assert statuses[0] == 422 and statuses[-1] == 429


# --- the move-in booking ---------------------------------------------------------------------


@pytest.mark.parametrize("visit", [6, 22, -1])  # before the move, past 14 days, in the past
async def test_a_move_in_booking_outside_the_14_days_is_refused(hanako, app, visit):
    _, code = await _consented(hanako)
    resident, headers = await _town_resident(app)
    await resident.post("/api/moves/in", json={"code": code}, headers=headers)
    form = (await resident.get("/api/procedures/move-in/form")).json()
    refused = await resident.post(
        "/api/applications",
        json={
            "slug": "move-in",
            "version": form["version"],
            "answers": {
                "phone": "090-1234-5678",
                "household_members": form["prefill"]["household_members"]["value"],
                "visit_date": _day(visit),
                "visit_time": "09-10",
                "declaration": True,
            },
        },
        headers={**headers, "idempotency-key": "move-in-00000002"},
    )
    assert_refused(refused)
    assert refused.json()["errors"][0]["field"] == "visit_date"
    after = (await resident.get("/api/moves/in")).json()["move"]
    assert after["procedures"][0]["application"] is None


async def test_move_data_cannot_be_changed_in_the_booking(hanako, app):
    _, code = await _consented(hanako)
    resident, headers = await _town_resident(app)
    await resident.post("/api/moves/in", json={"code": code}, headers=headers)
    form = (await resident.get("/api/procedures/move-in/form")).json()
    refused = await resident.post(
        "/api/applications",
        json={
            "slug": "move-in",
            "version": form["version"],
            "answers": {
                "notifier_name": "別人 太郎",
                "phone": "090-1234-5678",
                "household_members": form["prefill"]["household_members"]["value"],
                "visit_date": _day(8),
                "visit_time": "09-10",
                "declaration": True,
            },
        },
        headers={**headers, "idempotency-key": "move-in-00000003"},
    )
    assert_refused(refused)


# --- staff at both ends ---------------------------------------------------------------------


async def _town_invite(role: str, departments: tuple[str, ...] = ()) -> str:
    from todoke.identity.service import create_staff_invite

    invite = await create_staff_invite(
        municipality_id=await _town_id(),
        display_name=f"町の職員 {role}",
        role=role,
        department_codes=list(departments),
        created_by=None,
    )
    return invite.token


async def test_each_municipalitys_staff_see_their_own_side_only(hanako, app, client_for, city):
    _, code = await _consented(hanako)
    resident, headers = await _town_resident(app)
    await resident.post("/api/moves/in", json={"code": code}, headers=headers)

    city_staff, _ = await staff_client(
        client_for, app, city, role="caseworker", departments=("citizens",)
    )
    outgoing = (await city_staff.get("/api/staff/moves")).json()["items"]
    assert [m["direction"] for m in outgoing] == ["out"]
    assert outgoing[0]["name"] == "佐藤 花子" and outgoing[0]["other"]["name"]["ja"] == "ひがし町"

    town_staff, _ = await town_sign_up(app, invite=await _town_invite("caseworker", ("citizens",)))
    incoming = (await town_staff.get("/api/staff/moves")).json()["items"]
    assert [m["direction"] for m in incoming] == ["in"]
    assert incoming[0]["name"] == "佐藤 花子" and incoming[0]["bound_at"] is not None

    # The city's 転出 booking is not the town's to open, and the other way round.
    booking = outgoing[0]["application"]
    opened = await town_staff.get(
        f"/api/staff/applications/{booking}", params={"purpose": "case_handling"}
    )
    assert opened.status_code == 404
    # Another department's staff do not see the list.
    nursery, _ = await staff_client(
        client_for, app, city, role="caseworker", departments=("nursery",)
    )
    assert_refused(await nursery.get("/api/staff/moves"), 403)
    # Residents never reach it.
    assert_refused(await resident.get("/api/staff/moves"), 403)


async def test_the_town_cannot_reach_the_citys_moves(hanako, app):
    sent, _ = await _consented(hanako)
    resident, _headers = await _town_resident(app)
    assert_refused(await resident.get(f"/api/moves/out/{sent['id']}"), 403)
    stranger = at_town(app)
    assert (await stranger.get(f"/api/moves/out/{sent['id']}")).status_code == 401


@pytest.mark.parametrize(
    "given",
    [
        {"move_date": "2026-13-01"},
        {"move_date": "someday"},
        {"method": "post"},
        {"movers": "1000000000"},
        {"extra": "field"},
        {"destination": 0},
    ],
)
async def test_malformed_moves_are_a_problem_not_a_crash(hanako, given):
    client, headers = hanako
    refused = await client.post("/api/moves/out", json=_move(**given), headers=headers)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/moves/out")).json()["items"] == []


async def test_a_value_from_the_move_says_where_it_came_from(hanako, app):
    _, code = await _consented(hanako)
    resident, headers = await _town_resident(app)
    await resident.post("/api/moves/in", json={"code": code}, headers=headers)
    form = (await resident.get("/api/procedures/child-allowance/form")).json()
    locked = [f for s in form["form"]["sections"] for f in s["fields"] if f.get("locked")]
    assert locked and all("転出データ" in f["lock_reason"]["ja"] for f in locked)
    # Correcting the registry is for registry persons: here the counter puts it right.
    wrong = await resident.post(
        "/api/corrections",
        json={"slug": "child-allowance", "field": "claimant_name", "note": "違います"},
        headers=headers,
    )
    assert_refused(wrong, 403)
