"""書かない窓口 (issue 17): support staff start a LIFE EVENT for the resident in front of the
desk. The questions come answered from what the registry holds for that person (not for the
staff member), the answers plan the items as they do for the resident, and each item with a
procedure carries the form answers the event fills, for the desk to open that procedure's
counter form with. Every read is audited with the counter's purpose; a protected person's
address reaches no one at the desk without the need; hostile answers are 422s."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from test_applications import (
    _fill_required,
    add_household,
    confirm_at_counter,
    verified_resident,
)
from test_identity import staff_client
from test_life_events import _day
from test_life_events import _moving as _residents_moving

from todoke import clock
from todoke.audit.tables import AuditEvent
from todoke.principal import PERMISSIONS, Permission, Role
from todoke.procedures.tables import Application

HER = "1000000000"
BASE = f"/api/staff/counter/residents/{HER}/life-events"
REGISTRY_ADDRESS = "東京都三鷹市下連雀三丁目1-1"
NEW_POSTAL = "181-0002"
NEW_ADDRESS = "東京都三鷹市牟礼二丁目5-8 みなみハイツ101"
HOUSEHOLD = ["1000000000", "1000000001", "1000000002"]


def _moving(**given) -> dict:
    """引越し within the city, as the desk hears it from the resident on the day of the visit."""
    at_the_desk = {
        "event_date": _day(-2),
        "new_postal_code": NEW_POSTAL,
        "new_address": NEW_ADDRESS,
        "visit_date": _day(0),
        "dog": "no",
    }
    return _residents_moving(**{**at_the_desk, **given})


@pytest.fixture
async def support(client_for, app, city):
    await add_household(city)
    return await staff_client(client_for, app, city, role="support")


async def _plan(staff, answers: dict, *, version: int | None = None, registry_id: str = HER):
    client, headers = staff
    if version is None:
        version = (await client.get(f"{BASE}/moving")).json()["event"]["version"]
    return await client.post(
        f"/api/staff/counter/residents/{registry_id}/life-events/moving/plan",
        json={"version": version, "answers": answers},
        headers=headers,
    )


async def _audited(action: str) -> list[dict]:
    return await AuditEvent.select().where(AuditEvent.action == action)


async def test_the_desk_lists_the_events_it_may_start(support):
    staff, _ = support
    listed = await staff.get(BASE)
    assert listed.status_code == 200, listed.text
    assert [e["slug"] for e in listed.json()["items"]] == [
        "moving",
        "birth",
        "marriage",
        "bereavement",
        "turning-65",
    ]
    assert listed.json()["items"][0]["title"]["ja"] == "引越し"


async def test_the_registry_answers_for_the_person_at_the_desk(support, city):
    """The resident has no account (so no pre-fill consent to give): the registry still
    answers for her at the counter, where she reads every answer with staff."""
    staff, _ = support
    read = await staff.get(f"{BASE}/moving")
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["resident"]["name"] == "佐藤 花子"
    assert body["resident"]["has_account"] is False
    event = body["event"]
    assert event["slug"] == "moving" and event["title"]["ja"] == "引越し"
    assert "move_kind" in [q["id"] for q in event["questions"]]
    known = {k["question"]: k for k in event["known"]}
    assert sorted(known["movers"]["value"]) == HOUSEHOLD
    assert known["child"]["value"] == "yes"  # children of 8 and 3
    assert known["child"]["source"] == "住民基本台帳"
    assert "dog" not in known  # no registration of a dog of hers
    members = {m["id"]: m for m in event["members"]}
    assert set(members) == set(HOUSEHOLD)
    assert members[HER]["is_self"] is True and members[HER]["name"] == "佐藤 花子"
    assert REGISTRY_ADDRESS not in read.text  # the questions need no address

    # Another person of the household: the answers are that person's.
    child = await staff.get("/api/staff/counter/residents/1000000002/life-events/moving")
    assert child.status_code == 200, child.text
    assert child.json()["resident"]["name"] == "佐藤 結衣"
    me = [m["id"] for m in child.json()["event"]["members"] if m["is_self"]]
    assert me == ["1000000002"]

    [opened, _] = await _audited("life_event.opened_at_counter")
    assert opened["purpose"] == "counter_support"
    assert opened["actor_kind"] == "staff"
    detail = json.loads(opened["detail"])
    assert detail["event"] == "moving" and "child" in detail["known"]


async def test_a_dog_the_person_s_own_account_registered_is_known(client_for, app, city):
    """Without her pre-fill consent (which gates the app, not the counter), the dog she
    registered with her own account is known at the desk."""
    await add_household(city)
    resident, headers = await verified_resident(client_for, app, city, HER, prefill=False)
    assert (await resident.get("/api/life-events/moving")).json()["known"] == []
    staff, staff_headers = await staff_client(client_for, app, city, role="support")
    form = (await staff.get(f"/api/staff/counter/residents/{HER}/forms/dog-registration")).json()
    answers = {name: held["value"] for name, held in form["form"]["prefill"].items()}
    answers.update(_fill_required(form["form"]))
    filed = await staff.post(
        "/api/staff/assisted-applications",
        json={"person_registry_id": HER, "slug": "dog-registration",
              "version": form["form"]["version"], "answers": answers},
        headers={**staff_headers, "idempotency-key": "dog-0001"},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    confirmed = await confirm_at_counter(resident, headers, filed.json()["confirmation_code"])
    assert confirmed.status_code == 200, confirmed.text
    before = (await staff.get(f"{BASE}/moving")).json()["event"]["known"]
    assert "dog" not in {k["question"] for k in before}  # filed, not yet approved
    await Application.update({Application.status: "approved"}).where(
        Application.id == filed.json()["application_id"]
    )
    known = {k["question"]: k for k in (await staff.get(f"{BASE}/moving")).json()["event"]["known"]}
    assert known["dog"]["value"] == "yes" and known["dog"]["source"] == "犬の登録"
    # Her own app still answers nothing without her consent.
    assert (await resident.get("/api/life-events/moving")).json()["known"] == []


async def test_the_plan_carries_each_procedure_s_answers_from_the_event_and_the_registry(
    support,
):
    plan = await _plan(support, _moving())
    assert plan.status_code == 200, plan.text
    body = plan.json()
    assert body["slug"] == "moving" and body["event_date"] == _day(-2)
    items = {i["id"]: i for i in body["items"]}
    assert set(items) == {
        "move-within",
        "nhi",
        "child-allowance-change",
        "medical-certificate",
        "garbage",
        "licence",
        "post",
    }
    move_date = clock.today() - timedelta(days=2)

    garbage = items["garbage"]
    assert garbage["mode"] == "online" and garbage["procedure"] == "oversized-garbage"
    assert garbage["procedure_title"]["ja"]
    assert garbage["deadline"] == (move_date - timedelta(days=1)).isoformat()
    assert garbage["answers"]["applicant_name"] == "佐藤 花子"  # the registry's
    assert garbage["answers"]["address"] == REGISTRY_ADDRESS
    assert garbage["answers"]["item_1"] == "本棚"  # the event's answer
    assert garbage["answers"]["phone"] == "09012345678"  # normalised

    move = items["move-within"]
    assert move["mode"] == "counter_booking" and move["procedure"] == "move-within-city"
    assert move["deadline"] == (move_date + timedelta(days=14)).isoformat()
    assert move["answers"]["new_address"] == NEW_ADDRESS
    assert move["answers"]["current_address"] == REGISTRY_ADDRESS
    assert move["answers"]["notifier_kana"] == "サトウ ハナコ"
    assert sorted(move["answers"]["household_members"]) == HOUSEHOLD
    assert sorted(move["answers"]["related_procedures"]) == [
        "child_allowance",
        "health_insurance",
        "medical_certificate",
    ]

    # The to-dos: no procedure, so no answers; another organisation named, deadlines kept.
    assert items["nhi"]["mode"] == "counter_only" and items["nhi"]["procedure"] == ""
    assert items["nhi"]["answers"] == {}
    assert items["nhi"]["deadline"] == (move_date + timedelta(days=14)).isoformat()
    assert items["licence"]["mode"] == "other_organisation"
    assert items["licence"]["organisation"]["ja"] == "警察署・運転免許センター"
    assert items["licence"]["answers"] == {}

    [planned] = await _audited("life_event.planned_at_counter")
    assert planned["purpose"] == "counter_support"
    assert json.loads(planned["detail"])["event"] == "moving"
    assert not await AuditEvent.select().where(AuditEvent.action == "life_event.filed")
    assert not await Application.select(Application.id)  # a plan files nothing


async def test_residents_and_staff_without_counter_filing_may_not(
    client_for, app, city, monkeypatch
):
    """The resident's own session is refused (a resident reads their events in the app),
    as is no session, and a role without COUNTER_FILE (as a municipality may set roles)."""
    await add_household(city)
    resident, resident_headers = await verified_resident(client_for, app, city, HER)
    monkeypatch.setitem(
        PERMISSIONS, Role.CASEWORKER, PERMISSIONS[Role.CASEWORKER] - {Permission.COUNTER_FILE}
    )
    caseworker = await staff_client(client_for, app, city, role="caseworker")
    anonymous = (client_for(app), {})
    for who, (client, headers) in {
        "resident": (resident, resident_headers),
        "caseworker": caseworker,
        "anonymous": anonymous,
    }.items():
        for path in (BASE, f"{BASE}/moving"):
            refused = await client.get(path)
            assert refused.status_code in (401, 403), (who, path, refused.text)
            assert "下連雀" not in refused.text
        planned = await client.post(
            f"{BASE}/moving/plan", json={"version": 1, "answers": _moving()}, headers=headers
        )
        assert planned.status_code in (401, 403), (who, planned.text)
        if who != "anonymous":
            assert planned.status_code == 403, (who, planned.text)
    assert not await AuditEvent.select().where(AuditEvent.purpose == "counter_support")


async def test_an_unknown_person_or_event_is_not_found(support, city):
    staff, headers = support
    for path in (
        "/api/staff/counter/residents/9999999999/life-events",
        "/api/staff/counter/residents/9999999999/life-events/moving",
        f"{BASE}/no-such-event",
    ):
        missing = await staff.get(path)
        assert missing.status_code == 404, (path, missing.text)
        assert missing.json()["detail_ja"]
    for registry_id, slug in (("9999999999", "moving"), (HER, "no-such-event")):
        missing = await staff.post(
            f"/api/staff/counter/residents/{registry_id}/life-events/{slug}/plan",
            json={"version": 1, "answers": _moving()},
            headers=headers,
        )
        assert missing.status_code == 404, missing.text
    bad = await staff.get(f"{BASE}/Not_A_Slug")
    assert bad.status_code == 400
    stale = await _plan(support, _moving(), version=99)
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "version"
    assert not await _audited("life_event.planned_at_counter")


async def test_another_municipality_s_person_is_out_of_reach(support, city):
    """ひがし町 has a 佐藤 花子 of its own under another code: the city's desk finds nothing."""
    from todoke.demo.seed import DEMO_PREFECTURE, TOWN_CODE, TOWN_NAME
    from todoke.registry.service import ensure_municipality

    town = await ensure_municipality(TOWN_CODE, TOWN_NAME, DEMO_PREFECTURE)
    await add_household(town, registry_prefix="7")
    staff, _ = support
    for path in (
        "/api/staff/counter/residents/7000000000/life-events",
        "/api/staff/counter/residents/7000000000/life-events/moving",
    ):
        missing = await staff.get(path)
        assert missing.status_code == 404, (path, missing.text)
    planned = await _plan(support, _moving(movers=["7000000000"]), registry_id="7000000000")
    assert planned.status_code == 404, planned.text
    # And the town's members are no choice for the city's resident.
    mixed = await _plan(support, _moving(movers=[HER, "7000000001"]))
    assert mixed.status_code == 422
    assert "movers" in [e["field"] for e in mixed.json()["errors"]]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({**_moving(), "admin": "yes"}, "admin"),  # no such question
        (_moving(move_kind=["within"]), "move_kind"),  # a list for a choice
        (_moving(child={"$ne": 1}), "child"),  # an object for yes/no
        (_moving(event_date=_day(900)), "event_date"),  # out of range
        (_moving(event_date="2026-02-30"), "event_date"),
        (_moving(visit_date=12), "visit_date"),
        (_moving(movers=["9999999999"]), "movers"),  # not of her household
        (_moving(new_postal_code="000-0000"), "new_postal_code"),
        (_moving(phone="<script>alert(1)</script>"), "phone"),
        (_moving(garbage_item="x" * 201), "garbage_item"),
        (_moving(visit_time=None), "visit_time"),  # a required answer missing
    ],
)
async def test_hostile_answers_are_422_naming_the_question(support, answers, field):
    """As the resident's endpoint does, the problem names the question (its id)."""
    planned = await _plan(support, answers)
    assert planned.status_code == 422, planned.text
    assert planned.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in planned.json()["errors"]]
    assert not await _audited("life_event.planned_at_counter")


async def test_too_many_answers_are_refused_before_any_is_read(support):
    """41 keys where an event has at most 40 questions: the body's shape is refused (400, as
    for the resident's endpoint, the app's answer to a body of the wrong shape)."""
    staff, headers = support
    body = {"version": 1, "answers": {f"q{n}": "yes" for n in range(41)}}
    refused = await staff.post(f"{BASE}/moving/plan", json=body, headers=headers)
    assert refused.status_code == 400, refused.text
    assert refused.json()["type"] == "urn:todoke:problem:malformed"
    assert not await _audited("life_event.planned_at_counter")


@pytest.mark.parametrize(
    "body",
    [
        {"version": 1, "answers": ["move_kind"]},
        {"version": "1", "answers": {}},
        {"version": 0, "answers": {}},
        {"version": 1, "answers": {}, "selected": []},  # an unknown member
        {"answers": {}},
    ],
)
async def test_a_malformed_body_is_a_problem_not_a_500(support, body):
    staff, headers = support
    refused = await staff.post(f"{BASE}/moving/plan", json=body, headers=headers)
    assert refused.status_code in (400, 422), refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert not await _audited("life_event.planned_at_counter")


async def test_a_protected_person_s_address_is_withheld_at_a_desk_without_the_need(
    support, client_for, app, city
):
    """支援措置: the desk without the need receives neither her registry address nor her
    postal code in the event or the plan (the counter form shows 「非表示」 and the filing
    carries the registry's); citizens staff with the need do. Both audited as such."""
    supervisor, supervisor_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=("citizens",)
    )
    protected = await supervisor.put(
        f"/api/staff/residents/{HER}/protection",
        json={"named_persons": [], "named_outside": ["山田 太郎"]},
        headers=supervisor_headers,
    )
    assert protected.status_code == 200, protected.text

    read = await support[0].get(f"{BASE}/moving")
    assert read.status_code == 200, read.text
    assert read.json()["resident"]["district"] == "非表示"
    plan = await _plan(support, _moving())
    assert plan.status_code == 200, plan.text
    for response in (read, plan):
        assert "下連雀" not in response.text and "181-0013" not in response.text
    items = {i["id"]: i for i in plan.json()["items"]}
    assert "address" not in items["garbage"]["answers"]
    assert "postal_code" not in items["garbage"]["answers"]
    assert items["garbage"]["answers"]["item_1"] == "本棚"  # what the desk was told stays
    assert items["move-within"]["answers"]["new_address"] == NEW_ADDRESS
    assert "current_address" not in items["move-within"]["answers"]

    seen = await _plan((supervisor, supervisor_headers), _moving())
    assert seen.status_code == 200, seen.text
    assert {i["id"]: i for i in seen.json()["items"]}["garbage"]["answers"][
        "address"
    ] == REGISTRY_ADDRESS
    actions = {e["action"] for e in await AuditEvent.select(AuditEvent.action)}
    assert {"protection.contact_withheld", "protection.contact_viewed"} <= actions


@pytest.mark.parametrize("item", ["move-within", "garbage"])
async def test_a_plan_item_s_answers_file_at_the_counter_as_they_are(support, item):
    """What the desk does with an item: the procedure's counter form, the item's answers over
    the registry's, filed for the resident's confirmation — nothing more to ask."""
    staff, headers = support
    planned = {i["id"]: i for i in (await _plan(support, _moving())).json()["items"]}[item]
    form = (
        await staff.get(f"/api/staff/counter/residents/{HER}/forms/{planned['procedure']}")
    ).json()["form"]
    answers = {name: held["value"] for name, held in form["prefill"].items()}
    answers.update(planned["answers"])
    filed = await staff.post(
        "/api/staff/assisted-applications",
        json={"person_registry_id": HER, "slug": planned["procedure"],
              "version": form["version"], "answers": answers},
        headers={**headers, "idempotency-key": f"life-desk-{item}"},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    [stored] = await Application.select(Application.answers, Application.status).where(
        Application.id == filed.json()["application_id"]
    )
    assert stored["status"] == "awaiting_confirmation"
    text = str(stored["answers"])
    assert REGISTRY_ADDRESS in text  # the registry's
    assert (NEW_ADDRESS if item == "move-within" else "本棚") in text  # the event's
    visit = (await staff.get(f"/api/staff/counter/residents/{HER}")).json()
    assert [f["slug"] for f in visit["filings"]] == [planned["procedure"]]
