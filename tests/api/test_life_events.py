"""Issue 17: life events as data, filed in one go. A verified resident answers an event's
questions (what the registry knows already answered), gets the items each marked online /
counter booking / counter only / another organisation with deadlines from the event date,
files the online ones as separate applications and books the counter ones as one visit —
all or nothing — and follows the progress. Hostile answers are 422s that write nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from test_applications import add_household, verified_resident
from test_identity import staff_client

from todoke import clock, published
from todoke.db import read_transaction, write_transaction

NEW_POSTAL = "181-0013"
NEW_ADDRESS = "東京都三鷹市下連雀二丁目5-8 みなみハイツ101"


def _day(days: int) -> str:
    return (clock.today() + timedelta(days=days)).isoformat()


def _moving(**given) -> dict:
    answers = {
        "move_kind": "within",
        "event_date": _day(2),
        "movers": ["1000000000", "1000000001", "1000000002"],
        "new_postal_code": NEW_POSTAL,
        "new_address": NEW_ADDRESS,
        "phone": "090-1234-5678",
        "visit_date": _day(5),
        "visit_time": "10-11",
        "child": "yes",
        "nursery": "no",
        "nhi": "yes",
        "dog": "yes",
        "licence": "yes",
        "garbage": "yes",
        "garbage_item": "本棚",
        "garbage_size": "under_200",
    }
    answers.update(given)
    return {k: v for k, v in answers.items() if v is not None}


@pytest.fixture
async def hanako(client_for, app, city):
    await add_household(city)
    return await verified_resident(client_for, app, city, "1000000000")


async def _rows(sql_text: str, args: list) -> list[tuple]:
    async with read_transaction() as sql:
        return await sql.fetch(sql_text, args)


async def _applications(city) -> list[tuple]:
    return await _rows(
        "SELECT p.slug, a.department, a.receipt_number, a.answers FROM application a "
        "JOIN procedure p ON p.id = a.procedure WHERE a.municipality = ? ORDER BY a.id",
        [city.id],
    )


async def _version(client, slug: str) -> int:
    return (await client.get(f"/api/life-events/{slug}")).json()["version"]


async def test_the_events_are_listed_for_anyone(client, city):
    listed = await client.get("/api/life-events")
    assert listed.status_code == 200, listed.text
    slugs = [e["slug"] for e in listed.json()["items"]]
    assert slugs == ["moving", "birth", "marriage", "bereavement", "turning-65"]
    assert listed.json()["items"][0]["title"]["ja"] == "引越し"


async def test_the_registry_answers_what_it_knows(hanako):
    client, _ = hanako
    read = await client.get("/api/life-events/moving")
    assert read.status_code == 200, read.text
    known = {k["question"]: k for k in read.json()["known"]}
    assert sorted(known["movers"]["value"]) == ["1000000000", "1000000001", "1000000002"]
    assert known["child"]["value"] == "yes"  # children of 8 and 3
    assert known["child"]["source"] == "住民基本台帳"
    assert "dog" not in known  # no dog registered here
    names = [m["name"] for m in read.json()["members"]]
    assert "佐藤 花子" in names


async def test_without_the_prefill_consent_nothing_is_pre_answered(client_for, app, city):
    await add_household(city)
    client, headers = await verified_resident(client_for, app, city, "1000000000", prefill=False)
    read = await client.get("/api/life-events/moving")
    assert read.status_code == 200, read.text
    assert read.json()["known"] == []
    # Nor are the online items' forms filled from the registry: only from the event's answers.
    body = {"version": read.json()["version"], "answers": _moving()}
    plan = await client.post("/api/life-events/moving/plan", json=body, headers=headers)
    garbage = next(i for i in plan.json()["items"] if i["id"] == "garbage")
    assert garbage["answers"]["item_1"] == "本棚"
    assert "applicant_name" not in garbage["answers"] and "address" not in garbage["answers"]
    assert "佐藤" not in plan.text and "下連雀三丁目" not in plan.text
    # Filed, it is named by the registry all the same, as any verified applicant's filing is.
    typed = {
        **garbage["answers"],
        "postal_code": "181-0013",
        "address": "東京都三鷹市下連雀三丁目1-1",
    }
    filed = await client.post(
        "/api/life-events/moving/file",
        json={
            **body,
            "selected": ["garbage"],
            "forms": {"garbage": typed},
            "idempotency_key": "no-prefill-1",
        },
        headers=headers,
    )
    assert filed.status_code == 201, filed.text


async def test_moving_within_the_city_plans_every_item_with_its_deadline(hanako):
    client, headers = hanako
    body = {"version": await _version(client, "moving"), "answers": _moving()}
    plan = await client.post("/api/life-events/moving/plan", json=body, headers=headers)
    assert plan.status_code == 200, plan.text
    items = {i["id"]: i for i in plan.json()["items"]}
    assert set(items) == {
        "move-within",
        "nhi",
        "child-allowance-change",
        "medical-certificate",
        "dog-change",
        "garbage",
        "licence",
        "post",
    }
    move_date = clock.today() + timedelta(days=2)
    assert items["move-within"]["mode"] == "counter_booking"
    assert items["move-within"]["deadline"] == (move_date + timedelta(days=14)).isoformat()
    assert (
        items["child-allowance-change"]["deadline"] == (move_date + timedelta(days=15)).isoformat()
    )
    assert items["dog-change"]["deadline"] == (move_date + timedelta(days=30)).isoformat()
    assert items["garbage"]["mode"] == "online" and items["garbage"]["filed_here"] is True
    assert items["garbage"]["link"] == "/procedures/oversized-garbage"
    assert items["licence"]["mode"] == "other_organisation"
    assert items["licence"]["organisation"]["ja"] == "警察署・運転免許センター"
    assert items["nhi"]["mode"] == "counter_only" and items["nhi"]["filed_here"] is True
    assert plan.json()["visit"] == {"date": _day(5), "time": "10-11"}


@pytest.mark.parametrize(
    ("slug", "answers", "expected"),
    [
        (
            "moving",
            {"move_kind": "into", "event_date": _day(-3), "phone": "0422111111", "child": "yes",
             "nursery": "yes", "nhi": "no", "dog": "yes", "licence": "no"},
            {"move-in", "child-allowance-claim", "nursery-admission", "dog-registration", "post"},
        ),
        (
            "moving",
            {"move_kind": "out", "event_date": _day(10), "movers": ["1000000000"],
             "phone": "0422111111", "child": "no", "nhi": "yes", "dog": "no", "licence": "no",
             "garbage": "no"},
            {"move-out", "nhi", "post"},
        ),
        (
            "birth",
            {"event_date": _day(-1), "phone": "0422111111", "nhi": "no", "nursery": "no",
             "consult": "yes", "consult_date": _day(7), "consult_time": "morning"},
            {"birth-notice", "child-allowance", "medical-certificate", "birth-grant",
             "consultation"},
        ),
        (
            "marriage",
            {"event_date": _day(20), "phone": "0422111111", "move": "yes", "name_change": "yes",
             "nhi": "yes", "licence": "yes", "child": "no"},
            {"marriage-notice", "move", "nhi", "pension", "licence"},
        ),
        (
            "bereavement",
            {"event_date": _day(-2), "deceased": ["1000000000"], "phone": "0422111111",
             "head": "yes", "nhi": "yes", "care": "no", "pension": "yes",
             "surviving_parent": "yes", "consult": "yes", "consult_date": _day(4),
             "consult_time": "afternoon"},
            {"death-notice", "head-change", "nhi", "pension", "certificate",
             "child-rearing-allowance", "desk"},
        ),
        (
            "turning-65",
            {"event_date": _day(30), "phone": "0422111111", "pension_claimed": "no",
             "consult": "no"},
            {"care-card", "pension", "flu"},
        ),
    ],
)  # fmt: skip
async def test_each_event_plans_its_items(hanako, slug, answers, expected):
    client, headers = hanako
    body = {"version": await _version(client, slug), "answers": answers}
    plan = await client.post(f"/api/life-events/{slug}/plan", json=body, headers=headers)
    assert plan.status_code == 200, plan.text
    assert {i["id"] for i in plan.json()["items"]} == expected


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        (_moving(move_kind="sideways"), "move_kind"),
        (_moving(event_date="2026-02-30"), "event_date"),
        (_moving(event_date=_day(900)), "event_date"),
        (_moving(movers=["9999999999"]), "movers"),
        (_moving(movers=["1000000000", "1000000000"]), "movers"),
        (_moving(movers="1000000000"), "movers"),
        (_moving(new_postal_code="000-0000"), "new_postal_code"),
        (_moving(phone="<script>"), "phone"),
        (_moving(garbage_item="x" * 201), "garbage_item"),
        (_moving(child={"$ne": 1}), "child"),
        (_moving(move_kind=["within"]), "move_kind"),
        (_moving(garbage_size={"a": 1}), "garbage_size"),
        (_moving(visit_time=None), "visit_time"),
        ({**_moving(), "admin": "yes"}, "admin"),
    ],
)
async def test_hostile_answers_are_422_naming_the_question(hanako, answers, field):
    client, headers = hanako
    body = {"version": await _version(client, "moving"), "answers": answers}
    plan = await client.post("/api/life-events/moving/plan", json=body, headers=headers)
    assert plan.status_code == 422, plan.text
    assert field in [e["field"] for e in plan.json()["errors"]]
    filed = await client.post(
        "/api/life-events/moving/file",
        json={**body, "selected": ["garbage"], "idempotency_key": "hostile-0001"},
        headers=headers,
    )
    assert filed.status_code == 422, filed.text
    assert await _rows("SELECT id FROM application", []) == []
    assert await _rows("SELECT id FROM life_event_case", []) == []


async def test_an_unknown_event_or_a_stale_version_is_refused(hanako):
    client, headers = hanako
    body = {"version": 1, "answers": _moving()}
    missing = await client.post("/api/life-events/nothing/plan", json=body, headers=headers)
    assert missing.status_code == 404
    stale = await client.post(
        "/api/life-events/moving/plan", json={**body, "version": 7}, headers=headers
    )
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["field"] == "version"


async def test_filing_in_one_go_files_each_online_item_and_books_one_visit(hanako, city):
    client, headers = hanako
    body = {
        "version": await _version(client, "moving"),
        "answers": _moving(),
        "selected": ["garbage"],
        "idempotency_key": "life-moving-0001",
    }
    filed = await client.post("/api/life-events/moving/file", json=body, headers=headers)
    assert filed.status_code == 201, filed.text
    case = filed.json()
    states = {i["id"]: i["state"] for i in case["items"]}
    assert states == {
        "move-within": "booked",
        "nhi": "booked",
        "child-allowance-change": "booked",
        "medical-certificate": "booked",
        "dog-change": "booked",
        "garbage": "filed",
        "licence": "todo",
        "post": "todo",
    }
    rows = await _applications(city)
    assert [r[0] for r in rows] == ["oversized-garbage", "move-within-city"]
    assert rows[0][1] != rows[1][1]  # ごみ対策課 and 市民課: each its own department
    assert rows[0][2] != rows[1][2]  # and its own receipt
    booking = json.loads(rows[1][3])
    assert booking["new_address"] == NEW_ADDRESS and booking["visit_date"] == _day(5)
    assert sorted(booking["related_procedures"]) == [
        "child_allowance",
        "dog",
        "health_insurance",
        "medical_certificate",
    ]
    garbage = json.loads(rows[0][3])
    assert garbage["item_1"] == "本棚" and garbage["applicant_name"] == "佐藤 花子"
    by_id = {i["id"]: i for i in case["items"]}
    assert by_id["garbage"]["receipt_number"] == rows[0][2]
    assert by_id["nhi"]["application"] == by_id["move-within"]["application"]

    # The same key again: the same event, nothing filed twice.
    again = await client.post("/api/life-events/moving/file", json=body, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == case["id"]
    assert len(await _applications(city)) == 2

    mine = await client.get("/api/me/life-events")
    assert [c["id"] for c in mine.json()["items"]] == [case["id"]]
    timeline = (await client.get("/api/me/timeline")).json()["items"]
    line = next(i for i in timeline if i["what"] == "life_event")
    assert line["link"] == f"/life-events/cases/{case['id']}"
    audit = await _rows(
        "SELECT action FROM audit_event WHERE municipality = ? AND action LIKE 'life_event.%'",
        [city.id],
    )
    assert audit == [("life_event.filed",)]


BIRTH_ANSWERS = {
    "event_date": _day(-2),
    "phone": "0422-11-2233",
    "nhi": "no",
    "nursery": "yes",
    "consult": "no",
}
BANK = {
    "bank_code": "0001",
    "branch_code": "123",
    "type": "普通",
    "number": "1234567",
    "holder": "サトウ ハナコ",
}


async def _completed_form(client, slug: str, given: dict, **more) -> dict:
    """The procedure's form as the review shows it (the registry's values and the event's),
    completed by the resident."""
    form = (await client.get(f"/api/procedures/{slug}/form")).json()
    answers = {name: held["value"] for name, held in form["prefill"].items()}
    return {**answers, **given, **more, "declaration": True}


async def test_the_review_completes_each_online_form_and_files_them_together(hanako, city):
    """After a birth: 児童手当 and the nursery place are both online, neither filled by the
    event alone. The plan gives each the event's values (the phone asked once); the resident
    completes each form in the one review; both are filed, each its own application."""
    client, headers = hanako
    version = await _version(client, "birth")
    plan = await client.post(
        "/api/life-events/birth/plan",
        json={"version": version, "answers": BIRTH_ANSWERS},
        headers=headers,
    )
    assert plan.status_code == 200, plan.text
    items = {i["id"]: i for i in plan.json()["items"]}
    for item_id in ("child-allowance", "nursery"):
        assert items[item_id]["filed_here"] is True
        assert items[item_id]["answers"] == {"phone": "0422112233"}
    allowance = await _completed_form(
        client,
        "child-allowance",
        items["child-allowance"]["answers"],
        pension="employee",
        children_living_apart="no",
        supports_older_children="no",
        bank_account=BANK,
    )
    nursery = await _completed_form(
        client,
        "nursery-admission",
        items["nursery"]["answers"],
        child="1000000002",
        start_date=_day(60),
        care_hours="standard",
        facility_1="しもれんじゃく保育園",
        need_reason="parental_leave",
        partner_need_reason="no_partner",
    )
    body = {
        "version": version,
        "answers": BIRTH_ANSWERS,
        "selected": ["child-allowance", "nursery"],
        "forms": {"child-allowance": allowance, "nursery": nursery},
        "idempotency_key": "life-birth-forms-1",
    }
    filed = await client.post("/api/life-events/birth/file", json=body, headers=headers)
    assert filed.status_code == 201, filed.text
    states = {i["id"]: i["state"] for i in filed.json()["items"]}
    assert states["child-allowance"] == "filed" and states["nursery"] == "filed"
    rows = {r[0]: r for r in await _applications(city)}
    assert set(rows) == {"child-allowance", "nursery-admission"}
    assert rows["child-allowance"][2] != rows["nursery-admission"][2]  # a receipt each
    filed_allowance = json.loads(rows["child-allowance"][3])
    assert filed_allowance["phone"] == "0422112233"
    assert filed_allowance["bank_account"]["number"] == "1234567"
    assert json.loads(rows["nursery-admission"][3])["facility_1"] == "しもれんじゃく保育園"


async def test_an_incomplete_form_in_the_review_files_nothing(hanako, city):
    """The nursery form is complete, 児童手当's lacks the bank account: a 422 naming that field
    of that item, and neither is filed (all or nothing)."""
    client, headers = hanako
    version = await _version(client, "birth")
    allowance = await _completed_form(
        client,
        "child-allowance",
        {"phone": "0422-11-2233"},
        pension="employee",
        children_living_apart="no",
        supports_older_children="no",
    )
    body = {
        "version": version,
        "answers": {**BIRTH_ANSWERS, "nursery": "no"},
        "selected": ["child-allowance"],
        "forms": {"child-allowance": allowance},
        "idempotency_key": "life-birth-forms-2",
    }
    filed = await client.post("/api/life-events/birth/file", json=body, headers=headers)
    assert filed.status_code == 422, filed.text
    assert "items.child-allowance.bank_account" in [e["field"] for e in filed.json()["errors"]]
    assert await _applications(city) == []
    assert await _rows("SELECT id FROM life_event_case", []) == []


@pytest.mark.parametrize(
    ("forms", "status", "field"),
    [
        ({"nursery": {"phone": "0422-11-2233"}}, 422, "forms"),  # an item not selected
        ({"no-such-item": {}}, 422, "forms"),
        ({"child-allowance": "phone"}, 400, None),  # a form that is not an object
        ({"child-allowance": {"phone": {"$gt": ""}}}, 422, "items.child-allowance.phone"),
        ({f"k{i}": {} for i in range(41)}, 400, None),  # more forms than an event has
    ],
)
async def test_hostile_forms_are_refused_and_write_nothing(hanako, city, forms, status, field):
    client, headers = hanako
    body = {
        "version": await _version(client, "birth"),
        "answers": {**BIRTH_ANSWERS, "nursery": "no"},
        "selected": ["child-allowance"],
        "forms": forms,
        "idempotency_key": "life-birth-forms-3",
    }
    filed = await client.post("/api/life-events/birth/file", json=body, headers=headers)
    assert filed.status_code == status, filed.text
    assert filed.headers["content-type"] == "application/problem+json"
    if field:
        assert field in [e["field"] for e in filed.json()["errors"]]
    assert await _applications(city) == []
    assert await _rows("SELECT id FROM life_event_case", []) == []


async def _close_procedure(city, slug: str, last_day: str) -> None:
    """The published version's last day to file, as a municipality's own procedure sets it
    (the platform template does not let the designer change it on a standard one)."""
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT pv.id, pv.definition FROM procedure_version pv JOIN procedure p "
            "ON p.id = pv.procedure AND pv.version = p.published_version "
            "WHERE p.municipality = ? AND p.slug = ?",
            [city.id, slug],
        )
        for row_id, definition in rows:
            held = json.loads(definition) if isinstance(definition, str) else definition
            await sql.execute(
                "UPDATE procedure_version SET definition = ? WHERE id = ?",
                [json.dumps({**held, "closes_on": last_day}, ensure_ascii=False), row_id],
            )
    published.forget_all()


async def test_a_failing_second_application_leaves_no_first_one(hanako, city):
    """The garbage pick-up is filed first and is valid; then the 転居届 booking fails (the
    citizens division has closed it: its last day to file was yesterday). Nothing is filed,
    nothing is started, no notice."""
    client, headers = hanako
    await _close_procedure(city, "move-within-city", _day(-1))
    body = {
        "version": await _version(client, "moving"),
        "answers": _moving(),
        "selected": ["garbage"],
        "idempotency_key": "life-moving-0002",
    }
    filed = await client.post("/api/life-events/moving/file", json=body, headers=headers)
    assert filed.status_code == 409, filed.text
    assert filed.json()["errors"][0]["field"] == "items.move-within"
    assert "転居届" in filed.json()["detail_ja"]
    assert await _applications(city) == []
    assert await _rows("SELECT id FROM life_event_case", []) == []
    assert await _rows("SELECT id FROM notice WHERE municipality = ?", [city.id]) == []
    assert (
        await _rows(
            "SELECT id FROM audit_event WHERE municipality = ? AND action LIKE 'life_event.%'",
            [city.id],
        )
        == []
    )


async def test_only_the_events_online_items_may_be_selected(hanako, city):
    client, headers = hanako
    body = {
        "version": await _version(client, "moving"),
        "answers": _moving(),
        "idempotency_key": "life-moving-0003",
    }
    for selected in (["licence"], ["move-within"], ["garbage", "garbage"], ["x" * 60]):
        filed = await client.post(
            "/api/life-events/moving/file", json={**body, "selected": selected}, headers=headers
        )
        assert filed.status_code == 422, (selected, filed.text)
        assert filed.json()["errors"][0]["field"] == "selected"
    assert await _applications(city) == []


async def test_a_to_do_item_is_ticked_by_the_resident_and_no_one_else(
    hanako, client_for, app, city
):
    client, headers = hanako
    body = {
        "version": await _version(client, "moving"),
        "answers": _moving(garbage="no"),
        "selected": [],
        "idempotency_key": "life-moving-0004",
    }
    case = (await client.post("/api/life-events/moving/file", json=body, headers=headers)).json()
    ticked = await client.put(
        f"/api/me/life-events/{case['id']}/items/licence", json={"done": True}, headers=headers
    )
    assert ticked.status_code == 200, ticked.text
    assert {i["id"]: i["state"] for i in ticked.json()["items"]}["licence"] == "done"
    booked = await client.put(
        f"/api/me/life-events/{case['id']}/items/move-within", json={"done": True}, headers=headers
    )
    assert booked.status_code == 422
    await add_household(city, registry_prefix="2")
    other, other_headers = await verified_resident(client_for, app, city, "2000000000")
    assert (await other.get(f"/api/me/life-events/{case['id']}")).status_code == 404
    stolen = await other.put(
        f"/api/me/life-events/{case['id']}/items/licence",
        json={"done": False},
        headers=other_headers,
    )
    assert stolen.status_code == 404


async def test_an_unverified_resident_cannot_file(client_for, app, city):
    from soft_authenticator import SoftAuthenticator
    from test_identity import csrf, register

    client = client_for(app)
    registered = await register(client, SoftAuthenticator(), name="みき")
    headers = csrf(registered)
    version = await _version(client, "birth")
    answers = {"event_date": _day(-1), "phone": "0422111111", "nhi": "no", "nursery": "no",
               "consult": "yes", "consult_date": _day(7), "consult_time": "morning"}  # fmt: skip
    plan = await client.post(
        "/api/life-events/birth/plan",
        json={"version": version, "answers": answers},
        headers=headers,
    )
    assert plan.status_code == 200  # anyone signed in may see what an event needs
    filed = await client.post(
        "/api/life-events/birth/file",
        json={
            "version": version,
            "answers": answers,
            "selected": ["consultation"],
            "idempotency_key": "life-birth-0001",
        },
        headers=headers,
    )
    assert filed.status_code == 403
    assert await _applications(city) == []
    # Without the consultation, the event is kept as a checklist: nothing filed.
    listed = await client.post(
        "/api/life-events/birth/file",
        json={
            "version": version,
            "answers": {**answers, "consult": "no"},
            "selected": [],
            "idempotency_key": "life-birth-0002",
        },
        headers=headers,
    )
    assert listed.status_code == 201, listed.text
    assert {i["state"] for i in listed.json()["items"]} == {"todo"}
    assert await _applications(city) == []


async def test_staff_publish_a_new_version_and_started_events_keep_theirs(
    hanako, client_for, app, city
):
    client, headers = hanako
    first = await client.post(
        "/api/life-events/moving/file",
        json={
            "version": 1,
            "answers": _moving(),
            "selected": ["garbage"],
            "idempotency_key": "life-moving-0005",
        },
        headers=headers,
    )
    assert first.status_code == 201, first.text
    designer, staff_headers = await staff_client(client_for, app, city, role="supervisor")
    listed = await designer.get("/api/staff/life-events")
    assert listed.status_code == 200, listed.text
    moving = next(e for e in listed.json()["items"] if e["slug"] == "moving")
    definition = moving["definition"]
    definition["items"] = [i for i in definition["items"] if i["id"] != "post"]
    published = await designer.post(
        "/api/staff/life-events", json={"definition": definition}, headers=staff_headers
    )
    assert published.status_code == 201, published.text
    assert published.json()["version"] == 2
    assert await _version(client, "moving") == 2
    # The started event still lists the item its version had.
    case = (await client.get(f"/api/me/life-events/{first.json()['id']}")).json()
    assert "post" in {i["id"] for i in case["items"]}
    # A broken definition is a 422 and publishes nothing.
    broken = {**definition, "items": [{**definition["items"][0], "procedure": "no-such"}]}
    refused = await designer.post(
        "/api/staff/life-events", json={"definition": broken}, headers=staff_headers
    )
    assert refused.status_code == 422, refused.text
    assert await _version(client, "moving") == 2
    for bad in (
        {**definition, "slug": "引越し"},
        {**definition, "items": [{**definition["items"][0], "deadline_days": 10**9}]},
        {**definition, "questions": []},
        {"slug": "x"},
    ):
        refused = await designer.post(
            "/api/staff/life-events", json={"definition": bad}, headers=staff_headers
        )
        assert refused.status_code == 422, refused.text
    assert await _version(client, "moving") == 2
    # Residents and support staff may not publish.
    support, support_headers = await staff_client(client_for, app, city, role="support")
    denied = await support.post(
        "/api/staff/life-events", json={"definition": definition}, headers=support_headers
    )
    assert denied.status_code == 403
    audit = await _rows(
        "SELECT action FROM audit_event WHERE municipality = ? AND action = ?",
        [city.id, "life_event.published"],
    )
    assert len(audit) == 1


async def test_the_bereavement_desk_visit_gathers_the_counter_tasks(hanako, city):
    """おくやみ: one visit to the bereavement desk, the consultation booking naming every
    counter task across divisions; the pension office's task stays a to-do."""
    client, headers = hanako
    answers = {"event_date": _day(-2), "deceased": ["1000000001"], "phone": "0422111111",
               "head": "yes", "nhi": "yes", "care": "no", "pension": "yes",
               "surviving_parent": "no", "consult": "yes", "consult_date": _day(4),
               "consult_time": "afternoon"}  # fmt: skip
    filed = await client.post(
        "/api/life-events/bereavement/file",
        json={
            "version": await _version(client, "bereavement"),
            "answers": answers,
            "selected": [],
            "idempotency_key": "life-bereave-01",
        },
        headers=headers,
    )
    assert filed.status_code == 201, filed.text
    states = {i["id"]: i["state"] for i in filed.json()["items"]}
    assert states == {
        "death-notice": "todo",
        "head-change": "booked",
        "nhi": "booked",
        "pension": "todo",
        "certificate": "todo",
        "desk": "booked",
    }
    # An online procedure the event cannot fill: a to-do with the link to its form.
    certificate = next(i for i in filed.json()["items"] if i["id"] == "certificate")
    assert certificate["link"] == "/procedures/residence-certificate"
    assert certificate["mode"] == "online"
    [(slug, _department, _receipt, stored)] = await _applications(city)
    assert slug == "consultation-booking"
    booking = json.loads(stored)
    assert booking["preferred_date"] == _day(4) and booking["way"] == "counter"
    assert "世帯主変更届" in booking["detail"] and "国民健康保険" in booking["detail"]
    assert "年金" not in booking["detail"]


async def test_an_item_is_done_when_its_department_approves_it(hanako, client_for, app, city):
    client, headers = hanako
    filed = await client.post(
        "/api/life-events/moving/file",
        json={
            "version": await _version(client, "moving"),
            "answers": _moving(licence="no", nhi="no", child="no", dog="no"),
            "selected": ["garbage"],
            "idempotency_key": "life-moving-0006",
        },
        headers=headers,
    )
    assert filed.status_code == 201, filed.text
    case = filed.json()
    garbage = next(i for i in case["items"] if i["id"] == "garbage")
    waste, waste_headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["waste"]
    )
    for step in ("scheduled", "approved"):
        decided = await waste.post(
            f"/api/staff/applications/{garbage['application']}/status",
            json={"status": step},
            headers=waste_headers,
        )
        assert decided.status_code == 200, decided.text
    after = (await client.get(f"/api/me/life-events/{case['id']}")).json()
    states = {i["id"]: i["state"] for i in after["items"]}
    assert states == {"move-within": "booked", "garbage": "done", "post": "todo"}
    assert (after["done"], after["total"]) == (1, 3)
    # The booking and the mail forwarding remain: the event stays on home's timeline.
    timeline = (await client.get("/api/me/timeline")).json()["items"]
    assert any(i["what"] == "life_event" and i["detail"]["en"] == "1 of 3 done" for i in timeline)


async def test_two_taps_at_once_file_one_event(hanako, city):
    """「まとめて申請する」 sent twice at the same moment with the same key: one event, one
    application per item, and both answers name it."""
    import asyncio

    client, headers = hanako
    body = {
        "version": await _version(client, "moving"),
        "answers": _moving(),
        "selected": ["garbage"],
        "idempotency_key": "life-moving-twin",
    }
    first, second = await asyncio.gather(
        client.post("/api/life-events/moving/file", json=body, headers=headers),
        client.post("/api/life-events/moving/file", json=body, headers=headers),
    )
    assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
    assert first.json()["id"] == second.json()["id"]
    assert len(await _applications(city)) == 2
    assert len(await _rows("SELECT id FROM life_event_case", [])) == 1


async def test_a_death_told_in_the_app_waits_in_the_staff_list_until_recorded(
    hanako, client_for, app, city
):
    """おくやみ told once: the family's life event puts the death in the citizens desk's
    おくやみ list (not recorded in the registry: the 死亡届 does that); recorded, it leaves
    the list and becomes a case."""
    client, headers = hanako
    answers = {"event_date": _day(-1), "deceased": ["1000000001"], "phone": "0422111111",
               "head": "no", "nhi": "no", "care": "no", "pension": "no",
               "surviving_parent": "no", "consult": "no"}  # fmt: skip
    filed = await client.post(
        "/api/life-events/bereavement/file",
        json={"version": await _version(client, "bereavement"), "answers": answers,
              "selected": [], "idempotency_key": "life-bereave-02"},
        headers=headers,
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    staff, staff_headers = await staff_client(
        client_for, app, city, role="caseworker", departments=("citizens",)
    )
    listed = (await staff.get("/api/staff/bereavements")).json()
    assert listed["items"] == []
    [report] = listed["reported"]
    assert report["deceased"] == {"registry_id": "1000000001", "name": "佐藤 陽太"}
    assert report["died_on"] == _day(-1) and report["reported_by"] == "佐藤 花子"
    async with read_transaction() as sql:
        [(status,)] = await sql.fetch(
            "SELECT status FROM person WHERE registry_id = '1000000001' AND municipality = ?",
            [city.id],
        )
    assert status == "resident"  # told, not recorded: the registry waits for the 死亡届
    async with read_transaction() as sql:
        [(listed_events,)] = await sql.fetch(
            "SELECT COUNT(*) FROM audit_event WHERE municipality = ? AND action = ?",
            [city.id, "bereavement.reports_listed"],
        )
    assert listed_events == 1

    recorded = await staff.post(
        "/api/staff/residents/1000000001/death",
        json={"died_on": _day(-1), "reported_by": "佐藤 花子", "reporter_relation": "parent",
              "death_notice_number": "R8-0001"},
        headers=staff_headers,
    )  # fmt: skip
    assert recorded.status_code == 201, recorded.text
    after = (await staff.get("/api/staff/bereavements")).json()
    assert after["reported"] == [] and len(after["items"]) == 1
