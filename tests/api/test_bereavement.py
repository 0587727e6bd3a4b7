"""Issue 17, おくやみ: citizens-division staff record a resident's death once; the registry
marks them deceased through the change log, the surviving parent of a child under 18 becomes
a single parent (with the death record as provenance) so 児童扶養手当's matching picks them up,
and the おくやみ case lists the household's tasks across departments, each department ticking
its own. Refusals write nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from test_identity import staff_client

from todoke import clock
from todoke.audit.tables import AuditEvent
from todoke.benefits.rules import SEEDED_RULES, decide, facts_for_person, match_persons
from todoke.db import write_transaction
from todoke.registry.tables import Household, Person, RegistryChange
from todoke.staff.tables import BereavementCase, BereavementTask

FATHER = "4000000000"  # 山田 太郎, head, 45, receives 児童手当
MOTHER = "4000000001"  # 山田 花子, spouse, surviving parent
CHILDREN = ("4000000002", "4000000003")  # 10 and 4
GRANDMOTHER = "4000000009"  # 78, lives alone in another household
RULE = SEEDED_RULES["child-rearing-allowance"]


def _years_ago(years: int) -> date:
    today = clock.today()
    return today.replace(year=today.year - years, day=min(today.day, 28))


async def _person(city, household, registry_id, relation, family, given, birth, sex, **facts):
    return (
        await Person.insert(
            Person(
                municipality=city.id,
                registry_id=registry_id,
                household=household,
                relation=relation,
                family_name=family,
                given_name=given,
                family_name_kana="ヤマダ",
                given_name_kana="タロウ",
                birth_date=birth,
                sex=sex,
                postal_code="181-0013",
                address="東京都三鷹市下連雀三丁目2-2",
                district="下連雀",
                status="resident",
                provenance='{"base": ["住民基本台帳", "2026-04-01"]}',
                updated_at=datetime.now(UTC),
                **facts,
            )
        )
    )[0]["id"]


async def add_family(city) -> None:
    """Two parents, two children under 18; the mother's income is below the partial limit;
    and a grandmother of 78 alone in her own household."""
    household = (
        await Household.insert(
            Household(municipality=city.id, registry_id="H4", created_at=datetime.now(UTC))
        )
    )[0]["id"]
    await _person(
        city, household, FATHER, "head", "山田", "太郎", _years_ago(45), "male",
        income_yen=4_000_000, receiving="child-allowance", single_parent=False,
    )  # fmt: skip
    await _person(
        city, household, MOTHER, "spouse", "山田", "花子", _years_ago(40), "female",
        income_yen=1_000_000, salary_or_pension=True, tax_dependants=2, single_parent=False,
    )  # fmt: skip
    await _person(city, household, CHILDREN[0], "child", "山田", "一郎", _years_ago(10), "male")
    await _person(city, household, CHILDREN[1], "child", "山田", "二葉", _years_ago(4), "female")
    alone = (
        await Household.insert(
            Household(municipality=city.id, registry_id="H5", created_at=datetime.now(UTC))
        )
    )[0]["id"]
    await _person(
        city, alone, GRANDMOTHER, "head", "山田", "ウメ", _years_ago(78), "female",
        care_level="care_2", public_pension_yen=800_000,
    )  # fmt: skip


async def _id(registry_id: str) -> int:
    return (await Person.select(Person.id).where(Person.registry_id == registry_id).first())["id"]


async def matched(city, registry_id: str) -> tuple[bool | None, bool]:
    """児童扶養手当's rule for the person: the Python evaluator's answer, and whether the
    compiled SQL matching (what the matching pass runs) selects them."""
    person = await _id(registry_id)
    async with write_transaction() as sql:
        facts = await facts_for_person(sql, person, clock.today())
        found = [
            p
            async for batch in match_persons(sql, city.id, RULE, clock.today(), [person])
            for p in batch
        ]
    return decide(RULE, facts), person in found


@pytest.fixture
async def staff(client_for, app, city):
    await add_family(city)
    made = {}
    for name, role, departments in (
        ("citizens", "caseworker", ("citizens",)),
        ("child", "caseworker", ("child-support",)),
        ("support", "support", ("citizens",)),
        ("elderly", "supervisor", ("elderly",)),
    ):
        made[name] = await staff_client(client_for, app, city, role=role, departments=departments)
    return made


def _body(**given):
    return {
        "died_on": (clock.today() - timedelta(days=2)).isoformat(),
        "reported_by": "山田 花子",
        "reporter_relation": "spouse",
        "death_notice_number": "R8-1234",
        **given,
    }


async def test_a_death_opens_the_case_and_the_surviving_parent_is_matched(city, staff):
    assert await matched(city, MOTHER) == (False, False)  # married: not before the death
    client, headers = staff["citizens"]
    recorded = await client.post(
        f"/api/staff/residents/{FATHER}/death", json=_body(), headers=headers
    )
    assert recorded.status_code == 201, recorded.text
    case = recorded.json()
    assert case["deceased"] == {"registry_id": FATHER, "name": "山田 太郎"}
    assert case["surviving_parent"] == {"registry_id": MOTHER, "name": "山田 花子"}
    tasks = {t["item"]: t for t in case["tasks"]}
    assert list(tasks) == [
        "death-notice", "certificate", "seal", "nhi", "pension", "tax-heir", "child-allowance",
        "child-rearing-allowance",
    ]  # fmt: skip
    # The mother is the only member of 15 or over left: she becomes the head without a notice.
    assert "head-change" not in tasks
    assert tasks["death-notice"]["state"] == "done" and "R8-1234" in tasks["death-notice"]["note"]
    assert tasks["certificate"]["kind"] == "online"
    assert tasks["certificate"]["procedure"] == "residence-certificate"
    assert tasks["pension"]["kind"] == "other_organisation"
    assert tasks["pension"]["organisation"] == "pension_office"
    crt = tasks["child-rearing-allowance"]
    assert crt["department"]["code"] == "child-support" and crt["kind"] == "online"
    assert crt["procedure"] == "child-rearing-allowance" and crt["subject"]["registry_id"] == MOTHER
    assert tasks["child-allowance"]["subject"]["registry_id"] == MOTHER
    assert "care" not in tasks and "late-elderly" not in tasks and "dog" not in tasks
    assert case["remaining"] == len(tasks) - 1
    assert {t["item"] for t in case["tasks"] if t["mine"]} == {
        "death-notice", "certificate", "seal", "nhi", "pension",
    }  # fmt: skip

    # The registry: deceased as of the date, with the death as the source; the mother a single
    # parent from the death record; both in the change log the matching worker reads.
    father = await Person.select().where(Person.registry_id == FATHER).first()
    assert father["status"] == "deceased"
    died_on = _body()["died_on"]
    assert json.loads(father["provenance"])["status"] == ["死亡の記録", died_on]
    mother = await Person.select().where(Person.registry_id == MOTHER).first()
    assert mother["single_parent"] is True
    assert json.loads(mother["provenance"])["single_parent"] == ["死亡の記録", died_on]
    logged = await RegistryChange.select().where(RegistryChange.source == "死亡の記録")
    assert {r["person_registry_id"] for r in logged} == {FATHER, MOTHER}
    assert await matched(city, MOTHER) == (True, True)

    actions = {
        (e["action"], e["subject_person"])
        for e in await AuditEvent.select().where(AuditEvent.purpose == "bereavement")
    }
    assert ("death.recorded", await _id(FATHER)) in actions
    assert ("registry.single_parent_recorded", await _id(MOTHER)) in actions


async def test_each_department_ticks_its_own_tasks(city, staff):
    client, headers = staff["citizens"]
    case = (
        await client.post(f"/api/staff/residents/{FATHER}/death", json=_body(), headers=headers)
    ).json()
    tasks = {t["item"]: t["id"] for t in case["tasks"]}
    child, child_headers = staff["child"]
    listed = (await child.get("/api/staff/bereavements")).json()["items"]
    assert [(c["id"], c["remaining"], c["mine"]) for c in listed] == [(case["id"], 7, 2)]

    url = f"/api/staff/bereavements/{case['id']}/tasks/{tasks['child-rearing-allowance']}"
    done = await child.put(
        url, json={"state": "done", "note": "認定請求を受付"}, headers=child_headers
    )
    assert done.status_code == 200, done.text
    ticked = next(t for t in done.json()["tasks"] if t["item"] == "child-rearing-allowance")
    assert ticked["state"] == "done" and ticked["note"] == "認定請求を受付"
    assert ticked["updated_by"] == "職員 caseworker" and ticked["updated_at"]
    assert done.json()["remaining"] == 6

    # Another department's task: refused naming it, unchanged.
    seal = f"/api/staff/bereavements/{case['id']}/tasks/{tasks['seal']}"
    refused = await child.put(seal, json={"state": "done"}, headers=child_headers)
    assert refused.status_code == 403 and "市民課" in refused.text
    row = await BereavementTask.select().where(BereavementTask.id == tasks["seal"]).first()
    assert row["state"] == "todo"
    # Not needed, then back to do; a note left out is kept.
    await client.put(seal, json={"state": "not_needed", "note": "登録なし"}, headers=headers)
    back = await client.put(seal, json={"state": "todo"}, headers=headers)
    seal_read = next(t for t in back.json()["tasks"] if t["item"] == "seal")
    assert seal_read["state"] == "todo" and seal_read["note"] == "登録なし"

    # A task of another case, an unknown case, a hostile body.
    assert (
        await client.put(
            f"/api/staff/bereavements/{case['id'] + 1}/tasks/{tasks['seal']}",
            json={"state": "done"},
            headers=headers,
        )
    ).status_code == 404
    for body in ({"state": "finished"}, {"state": "done", "note": "x" * 501}, {"state": "done",
                 "extra": 1}, {"state": "done", "note": "\u0000"}, []):  # fmt: skip
        bad = await client.put(seal, json=body, headers=headers)
        assert bad.status_code in (400, 422), (body, bad.text)

    opened = await child.get(f"/api/staff/bereavements/{case['id']}")
    assert opened.status_code == 200
    events = await AuditEvent.select().where(AuditEvent.purpose == "bereavement")
    assert {"bereavement.task_updated", "bereavement.read", "bereavement.listed"} <= {
        e["action"] for e in events
    }


async def _registered_dog(city, registry_id: str, filed_by: int) -> None:
    """A 犬の登録 application of the person, approved (as the counter would have filed it)."""
    from todoke.procedures.tables import Application, Procedure

    procedure = (
        await Procedure.select(Procedure.id, Procedure.department)
        .where((Procedure.municipality == city.id) & (Procedure.slug == "dog-registration"))
        .first()
    )
    now = datetime.now(UTC)
    await Application.insert(
        Application(
            municipality=city.id, procedure=procedure["id"], version=1,
            department=procedure["department"], person=await _id(registry_id), filed_by=filed_by,
            channel="assisted", status="approved", receipt_number="DOG-0001",
            idempotency_key="dog-0001", request_digest="x", submitted_at=now, updated_at=now,
            due_by=clock.today(),
        )
    )  # fmt: skip


async def test_an_elderly_death_lists_care_insurance_late_elderly_care_and_the_dog(city, staff):
    client, headers = staff["citizens"]
    await _registered_dog(city, GRANDMOTHER, (await client.get("/api/me")).json()["id"])
    case = await client.post(
        f"/api/staff/residents/{GRANDMOTHER}/death",
        json=_body(death_notice_number="", reporter_relation="child", reported_by="山田 太郎"),
        headers=headers,
    )
    assert case.status_code == 201, case.text
    items = [t["item"] for t in case.json()["tasks"]]
    assert items == [
        "death-notice", "certificate", "seal", "late-elderly", "care", "pension", "dog",
    ]  # fmt: skip
    assert case.json()["surviving_parent"] is None
    assert case.json()["tasks"][0]["state"] == "todo"
    departments = {t["item"]: t["department"]["code"] for t in case.json()["tasks"]}
    assert departments["care"] == departments["late-elderly"] == "elderly"
    assert departments["dog"] == "health"


async def test_refusals_write_nothing(city, staff):
    client, headers = staff["citizens"]
    url = f"/api/staff/residents/{FATHER}/death"
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    for body, status in (
        (_body(died_on=tomorrow), 422),
        (_body(died_on=_years_ago(46).isoformat()), 422),  # before his birth
        (_body(reported_by=""), 422),
        (_body(reported_by="   "), 422),
        (_body(reported_by="x" * 101), 422),
        (_body(reported_by="山田\u0000花子"), 422),
        (_body(death_notice_number="x" * 33), 422),
        (_body(reporter_relation="neighbour"), 422),
        (_body(died_on="2026-02-30"), 422),
        ({**_body(), "status": "alive"}, 422),
        ({"died_on": tomorrow}, 422),
    ):
        refused = await client.post(url, json=body, headers=headers)
        assert refused.status_code in (400, status), (body, refused.text)
        assert refused.status_code != 500
    assert (await client.post(
        "/api/staff/residents/9999999999/death", json=_body(), headers=headers
    )).status_code == 404  # fmt: skip
    # Staff of another department, and support staff: refused.
    child, child_headers = staff["child"]
    assert (await child.post(url, json=_body(), headers=child_headers)).status_code == 403
    support, support_headers = staff["support"]
    assert (await support.post(url, json=_body(), headers=support_headers)).status_code == 403
    assert await BereavementCase.count() == 0 and await BereavementTask.count() == 0
    assert (await Person.select().where(Person.registry_id == FATHER).first())["status"] == (
        "resident"
    )
    assert await RegistryChange.count() == 0

    first = await client.post(url, json=_body(), headers=headers)
    assert first.status_code == 201
    again = await client.post(url, json=_body(), headers=headers)
    assert again.status_code == 409
    assert await BereavementCase.count() == 1
    # A person who moved out is not a resident: refused, nothing written.
    await Person.update({Person.status: "moved_out"}).where(Person.registry_id == MOTHER)
    gone = await client.post(f"/api/staff/residents/{MOTHER}/death", json=_body(), headers=headers)
    assert gone.status_code == 409 and await BereavementCase.count() == 1
