"""The staff rule builder's two calls: the fact catalogue it offers (built from the facts a
rule may name) and the live count of residents a rule matches today and cannot decide,
checked exactly as saving a programme checks the rule, answered with counts only."""

from __future__ import annotations

import pytest
from test_identity import staff_client
from test_inputs import assert_problem
from test_programs import household

from todoke import clock
from todoke.benefits.facts import FACTS
from todoke.benefits.rules import MAX_DEPTH

COUNT = "/api/staff/programs/rule-count"
JSON = {"content-type": "application/json"}


def age(op: str, value) -> dict:
    return {op: [{"var": "age"}, value]}


@pytest.fixture
async def registry(city):
    """Eleven residents in five households (the town of test_programs, without accounts)."""
    await household(city, "A", [{"age": 35, "single_parent": True, "income": 1_200_000,
                                 "dependants": 2}, {"age": 8}, {"age": 3}])  # fmt: skip
    await household(city, "B", [{"age": 40, "single_parent": True, "income": 5_000_000,
                                 "dependants": 1}, {"age": 10}])  # fmt: skip
    await household(city, "C", [{"age": 38, "single_parent": False, "income": 1_000_000},
                                {"age": 36, "relation": "spouse"}, {"age": 5}])  # fmt: skip
    await household(city, "D", [{"age": 72, "tax_exempt": True, "income": 400_000}])
    await household(city, "E", [{"age": 29, "single_parent": True, "income": 900_000,
                                 "dependants": 1}, {"age": 1}])  # fmt: skip


@pytest.fixture
async def caseworker(client_for, app, city):
    return await staff_client(client_for, app, city, role="caseworker", departments=["health"])


# --- the catalogue ----------------------------------------------------------------------------


async def test_the_catalogue_offers_every_fact_with_its_kind_unit_and_values(caseworker):
    client, _ = caseworker
    response = await client.get("/api/staff/programs/facts")
    assert response.status_code == 200, response.text
    items = {item["name"]: item for item in response.json()["items"]}
    assert list(items) == list(FACTS)
    assert items["age"] == {
        "name": "age",
        "label": {"ja": "年齢", "en": "age"},
        "kind": "number",
        "unit": {"code": "years", "label": {"ja": "歳", "en": "years old"}},
        "values": [],
        "minimum": 0,
        "maximum": 150,
        "nullable": True,
    }
    assert items["years_of_residence"]["unit"]["label"]["ja"] == "年"
    assert items["income_yen"]["unit"] == {"code": "yen", "label": {"ja": "円", "en": "yen"}}
    assert items["household_size"]["unit"]["code"] == "persons"
    assert items["household_size"]["nullable"] is False
    assert items["single_parent"]["kind"] == "boolean" and items["single_parent"]["unit"] is None
    assert items["sex"]["kind"] == "choice"
    assert items["sex"]["values"] == [
        {"value": "female", "label": {"ja": "女性", "en": "female"}},
        {"value": "male", "label": {"ja": "男性", "en": "male"}},
    ]
    care = {v["value"]: v["label"]["ja"] for v in items["care_level"]["values"]}
    assert care["care_3"] == "要介護3" and care["support_1"] == "要支援1"
    assert items["district"]["kind"] == "text" and items["district"]["values"] == []
    # Every number fact says what it counts; no other fact has a unit.
    for item in items.values():
        assert (item["unit"] is not None) == (item["kind"] == "number"), item["name"]
        assert item["label"]["ja"] and item["label"]["en"]


# --- the count ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "matched", "undecided"),
    [
        # A00 35, B00 40, C00 38, C01 36, D00 72; every birth date is on record.
        (age(">=", 30), 5, 0),
        # D00 and E00 declared less; six (the children, C's spouse) have no income on record.
        ({"<": [{"var": "income_yen"}, 1_000_000]}, 2, 6),
        (
            {"and": [{"==": [{"var": "single_parent"}, True]},
                     {"<": [{"var": "income_yen"}, 2_000_000]}]},
            2,  # A00, E00; C00 is not a single parent; B00 earns too much
            7,  # the six without an income, and D00 whose single-parent flag is unknown
        ),
        ({"or": [age("<", 4), age(">", 70)]}, 3, 0),  # A02 (3), E01 (1), D00 (72)
        ({"in": [{"var": "sex"}, ["male"]]}, 0, 0),
    ],
)  # fmt: skip
async def test_the_count_says_how_many_match_and_cannot_be_decided_today(
    caseworker, registry, rule, matched, undecided
):
    client, headers = caseworker
    response = await client.post(COUNT, json={"rule": rule}, headers=headers)
    assert response.status_code == 200, response.text
    # Counts only: no id, no name, nothing about a person.
    assert response.json() == {
        "matched": matched,
        "undecided": undecided,
        "evaluated_on": clock.today().isoformat(),  # the day in Japan
    }


# --- hostile --------------------------------------------------------------------------------


def _deep(levels: int) -> dict:
    rule: dict = age(">=", 1)
    for _ in range(levels):
        rule = {"!": rule}
    return rule


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ({"foo": [1]}, "unknown operator 'foo'"),
        ({"<": [{"var": "agee"}, 60]}, "unknown fact 'agee'"),
        ({">=": [{"var": "single_parent"}, 1]}, "single_parent is a boolean"),
        (age(">=", "sixty"), "age is a whole number"),
        (age(">=", 200), "age must be between 0 and 150"),
        ({"in": [{"var": "care_level"}, ["care_9"]]}, "care_level is one of"),
        ({"and": []}, "'and' takes a non-empty list of rules"),
        ({}, "a rule is an object with exactly one operator"),
        # PostgreSQL refused the NUL as a query parameter: a 500 before this was checked.
        ({"==": [{"var": "district"}, "下連雀\u0000"]}, "district is text without control"),
        ({"in": [{"var": "district"}, ["下連雀", "\t"]]}, "district is text without control"),
        (_deep(MAX_DEPTH), f"the rule nests deeper than {MAX_DEPTH} levels"),
    ],
)
async def test_a_bad_rule_gets_the_same_faults_as_saving_it(caseworker, registry, rule, says):
    client, headers = caseworker
    counted = await client.post(COUNT, json={"rule": rule}, headers=headers)
    body = assert_problem(counted, 422, "invalid")
    assert body["errors"] and all(e["field"] == "rule" for e in body["errors"])
    assert any(says in e["message"]["en"] for e in body["errors"]), body["errors"]
    draft = {
        "slug": "builder-check",
        "department": "health",
        "title": {"ja": "試験", "easy": "しけん", "en": "Test"},
        "summary": {"ja": "試験", "easy": "しけん", "en": "Test"},
        "action": {"ja": "試験", "easy": "しけん", "en": "Test"},
        "rule": rule,
        "delivery": "inform",
    }
    saved = await client.put("/api/staff/programs", json=draft, headers=headers)
    assert saved.status_code == 422
    assert saved.json()["errors"] == body["errors"]
    assert saved.json()["detail_ja"] == body["detail_ja"]


async def test_the_rule_just_inside_the_depth_limit_is_counted(caseworker, registry):
    client, headers = caseworker
    response = await client.post(COUNT, json={"rule": _deep(MAX_DEPTH - 1)}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["matched"] == 0  # nineteen "!" around "age >= 1": nobody is under 1


@pytest.mark.parametrize(
    "body",
    [
        b'{"rule": {">=": [{"var": "age"}, 60],}}',  # a trailing comma
        b'{"rule": {">=": [{"var": "age"}, 60]}',  # not closed
        b'{"rule": [">=", 60]}',  # a list, not a rule object
        b'{"rule": "age >= 60"}',
        b'{"rule": {">=": [{"var": "age"}, 60]}, "extra": 1}',
        b"{}",
        b"",
    ],
)
async def test_a_body_that_cannot_be_read_is_a_400(caseworker, registry, body):
    client, headers = caseworker
    response = await client.post(COUNT, content=body, headers={**headers, **JSON})
    assert_problem(response, 400, "malformed")


async def test_only_staff_who_draft_programmes_may_count_or_read_the_catalogue(
    client_for, app, city, registry
):
    anonymous = client_for(app)
    assert (await anonymous.get("/api/staff/programs/facts")).status_code == 401
    refused = await anonymous.post(COUNT, json={"rule": age(">=", 30)})
    assert refused.status_code in (401, 403)  # no session: refused before anything is read
    support, headers = await staff_client(client_for, app, city, role="support")
    assert (await support.get("/api/staff/programs/facts")).status_code == 403
    denied = await support.post(COUNT, json={"rule": age(">=", 30)}, headers=headers)
    assert denied.status_code == 403
    assert denied.json()["detail_ja"]


async def test_a_programme_cannot_take_a_route_name_as_its_slug(caseworker):
    client, headers = caseworker
    draft = {
        "slug": "facts",
        "department": "health",
        "title": {"ja": "試験", "easy": "しけん", "en": "Test"},
        "summary": {"ja": "試験", "easy": "しけん", "en": "Test"},
        "action": {"ja": "試験", "easy": "しけん", "en": "Test"},
        "rule": age(">=", 60),
        "delivery": "inform",
    }
    saved = await client.put("/api/staff/programs", json=draft, headers=headers)
    assert_problem(saved, 422, "invalid")
    assert (await client.get("/api/staff/programs/facts")).json()["items"]
