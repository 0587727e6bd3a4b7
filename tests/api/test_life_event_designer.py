"""Issue 17, the life event designer: a definition is checked field by field (each problem
named by its path, so the screen puts it beside the input), a preview plans sample answers
without writing anything, publishing refuses what the preview refuses, and an event's
versions are listed with who published each. Only the designer's roles may."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from test_applications import add_household, verified_resident
from test_identity import staff_client

from todoke import clock
from todoke.db import read_transaction
from todoke.procedures.life_event_catalogue import STANDARD_EVENTS
from todoke.procedures.life_event_design import design_problems


def _day(days: int) -> str:
    return (clock.today() + timedelta(days=days)).isoformat()


@pytest.fixture
async def designer(client_for, app, city):
    return await staff_client(client_for, app, city, role="supervisor")


async def _moving(designer) -> dict:
    client, _ = designer
    listed = await client.get("/api/staff/life-events")
    assert listed.status_code == 200, listed.text
    return next(e for e in listed.json()["items"] if e["slug"] == "moving")["definition"]


def _with_pet_question(definition: dict) -> dict:
    """A yes/no question shown when moving within the city, and a counter item needing it."""
    changed = copy.deepcopy(definition)
    changed["questions"].append(
        {
            "id": "cat",
            "kind": "yes_no",
            "label": {"ja": "猫を飼っていますか", "easy": "ねこ", "en": "A cat?"},
            "required": True,
            "show_if": {"field": "move_kind", "values": ["within"]},
        }
    )
    changed["items"].append(
        {
            "id": "cat-note",
            "title": {"ja": "猫の相談", "easy": "ねこ", "en": "Cat advice"},
            "mode": "counter_only",
            "deadline_days": 7,
            "when": [{"field": "cat", "values": ["yes"]}],
        }
    )
    return changed


async def _versions(city) -> int:
    async with read_transaction() as sql:
        return int(
            await sql.value(
                "SELECT COUNT(*) FROM life_event_version WHERE municipality = ?", [city.id]
            )
        )


async def test_every_standard_event_passes_the_designers_checks(city):
    for definition in STANDARD_EVENTS:
        assert await design_problems(city.id, definition) == [], definition.slug


async def test_the_preview_plans_sample_answers_and_writes_nothing(designer, city):
    client, headers = designer
    definition = _with_pet_question(await _moving(designer))
    before = await _versions(city)
    within = await client.post(
        "/api/staff/life-events/preview",
        json={
            "definition": definition,
            "answers": {"move_kind": "within", "event_date": _day(3), "cat": "yes"},
        },
        headers=headers,
    )
    assert within.status_code == 200, within.text
    body = within.json()
    assert "cat" in body["shown"] and "garbage_item" not in body["shown"]
    items = {i["id"]: i for i in body["items"]}
    assert items["cat-note"]["mode"] == "counter_only"
    assert items["cat-note"]["deadline"] == _day(10)
    assert items["move-within"]["procedure_title"]["ja"]
    # Moving out: the question is hidden, so its answer is dropped and the item not planned.
    out = await client.post(
        "/api/staff/life-events/preview",
        json={"definition": definition, "answers": {"move_kind": "out", "cat": "yes"}},
        headers=headers,
    )
    assert out.status_code == 200, out.text
    assert "cat" not in out.json()["shown"]
    assert "cat-note" not in {i["id"] for i in out.json()["items"]}
    assert out.json()["event_date"] is None
    # A bad sample answer is named by its question.
    bad = await client.post(
        "/api/staff/life-events/preview",
        json={"definition": definition, "answers": {"move_kind": "sideways"}},
        headers=headers,
    )
    assert bad.status_code == 422, bad.text
    assert [e["field"] for e in bad.json()["errors"]] == ["answers.move_kind"]
    assert await _versions(city) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["questions"].append(copy.deepcopy(d["questions"][0])), "questions.{last}.id"),
        (
            lambda d: d["questions"][2].update(show_if={"field": "nursery", "values": ["yes"]}),
            "questions.2.show_if.field",
        ),
        (
            lambda d: d["questions"][2].update(show_if={"field": "move_kind", "values": ["x"]}),
            "questions.2.show_if.values",
        ),
        (lambda d: d["questions"][0].update(options=[]), "questions.0.options"),
        (lambda d: d["questions"][0]["label"].update(ja=" "), "questions.0.label.ja"),
        (lambda d: d["questions"][0].update(kind="sometimes"), "questions.0.kind"),
        (lambda d: d["items"][0].update(procedure="no-such"), "items.0.procedure"),
        (lambda d: d["items"][0].update(deadline_days=10**6), "items.0.deadline_days"),
        (
            lambda d: d["items"][0]["when"].append({"field": "ghost", "values": ["yes"]}),
            "items.0.when.1.field",
        ),
        (lambda d: d["items"][0]["fill"].update(phone="answer:ghost"), "items.0.fill.phone"),
        (lambda d: d["items"][0]["fill"].update(nowhere="value:1"), "items.0.fill.nowhere"),
        (lambda d: d["items"][1].update(id=d["items"][0]["id"]), "items.1.id"),
        (lambda d: d.update(slug="引越し"), "slug"),
        (lambda d: d["questions"].pop(1), "questions"),
    ],
)
async def test_a_bad_definition_is_named_by_its_field_and_publishes_nothing(
    designer, city, change, field
):
    client, headers = designer
    definition = await _moving(designer)
    change(definition)
    field = field.replace("{last}", str(len(definition["questions"]) - 1))
    before = await _versions(city)
    for path in ("/api/staff/life-events/preview", "/api/staff/life-events"):
        refused = await client.post(path, json={"definition": definition}, headers=headers)
        assert refused.status_code == 422, refused.text
        assert field in [e["field"] for e in refused.json()["errors"]], refused.text
    assert await _versions(city) == before


async def test_publishing_lists_the_new_version_with_its_author(designer, client_for, app, city):
    client, headers = designer
    listed = await client.get("/api/staff/life-events/moving/versions")
    assert listed.status_code == 200, listed.text
    assert [(v["version"], v["current"], v["published_by"]) for v in listed.json()["items"]] == [
        (1, True, None)
    ]
    definition = _with_pet_question(await _moving(designer))
    published = await client.post(
        "/api/staff/life-events", json={"definition": definition}, headers=headers
    )
    assert published.status_code == 201, published.text
    assert published.json()["version"] == 2
    listed = await client.get("/api/staff/life-events/moving/versions")
    items = listed.json()["items"]
    assert [(v["version"], v["current"]) for v in items] == [(2, True), (1, False)]
    assert items[0]["published_by"] and items[0]["published_at"]
    assert (await client.get("/api/staff/life-events/nothing/versions")).status_code == 404
    # The resident gets the new question.
    await add_household(city)
    resident, _ = await verified_resident(client_for, app, city, "1000000000")
    read = await resident.get("/api/life-events/moving")
    assert read.json()["version"] == 2
    assert "cat" in [q["id"] for q in read.json()["questions"]]


async def test_residents_and_other_roles_may_not_design(client_for, app, city, designer):
    definition = await _moving(designer)
    await add_household(city)
    resident = await verified_resident(client_for, app, city, "1000000000")
    callers = [
        resident,
        await staff_client(client_for, app, city, role="caseworker"),
        await staff_client(client_for, app, city, role="support"),
    ]
    before = await _versions(city)
    for client, headers in callers:
        for path in ("/api/staff/life-events/preview", "/api/staff/life-events"):
            denied = await client.post(path, json={"definition": definition}, headers=headers)
            assert denied.status_code == 403, denied.text
        assert (await client.get("/api/staff/life-events/moving/versions")).status_code == 403
    assert await _versions(city) == before
