"""Proactive support through the API: a program approved by a second staff member tells
exactly the residents who qualify (once), a registry change that makes one more household
qualify tells exactly one more, and consent to matching is always respected."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from test_applications import verified_resident
from test_identity import staff_client

from todoke import clock
from todoke.benefits.telling import reevaluate
from todoke.notices.tables import Notice
from todoke.registry.importer import import_registry
from todoke.registry.tables import Household, Person

TODAY = clock.today()


def years_ago(years: int) -> date:
    return (
        TODAY.replace(year=TODAY.year - years)
        if not (TODAY.month == 2 and TODAY.day == 29)
        else date(TODAY.year - years, 2, 28)
    )


async def household(city, key: str, members: list[dict]) -> None:
    """members: dicts with relation, given, age, and facts; the first is the head."""
    row = await Household.insert(
        Household(municipality=city.id, registry_id=f"H{key}", created_at=datetime.now(UTC))
    )
    for index, member in enumerate(members):
        await Person.insert(
            Person(
                municipality=city.id,
                registry_id=f"{key}{index:02d}",
                household=row[0]["id"],
                relation=member.get("relation", "head" if index == 0 else "child"),
                family_name="試験",
                given_name=member.get("given", f"{key}{index}"),
                family_name_kana="シケン",
                given_name_kana="タロウ",
                birth_date=years_ago(member["age"]),
                sex="female",
                postal_code="181-0013",
                address="東京都三鷹市下連雀三丁目1-1",
                district=member.get("district", "下連雀"),
                status="resident",
                income_yen=member.get("income"),
                tax_dependants=member.get("dependants"),
                single_parent=member.get("single_parent"),
                tax_exempt=member.get("tax_exempt"),
                provenance='{"base": ["住民基本台帳", "2026-04-01"]}',
                updated_at=datetime.now(UTC),
            )
        )


@pytest.fixture
async def town(client_for, app, city):
    """Five households, each head with a verified account that consented to matching
    (except one who withdrew it)."""
    await household(city, "A", [{"age": 35, "single_parent": True, "income": 1_200_000,
                                 "dependants": 2}, {"age": 8}, {"age": 3}])  # fmt: skip
    await household(city, "B", [{"age": 40, "single_parent": True, "income": 5_000_000,
                                 "dependants": 1}, {"age": 10}])  # fmt: skip
    await household(city, "C", [{"age": 38, "single_parent": False, "income": 1_000_000},
                                {"age": 36, "relation": "spouse"}, {"age": 5}])  # fmt: skip
    await household(city, "D", [{"age": 72, "tax_exempt": True, "income": 400_000}])
    await household(city, "E", [{"age": 29, "single_parent": True, "income": 900_000,
                                 "dependants": 1}, {"age": 1}])  # fmt: skip
    residents = {}
    for key in "ABCDE":
        client, headers = await verified_resident(client_for, app, city, f"{key}00")
        granted = await client.post(
            "/api/me/consents", json={"purpose": "matching", "granted": True}, headers=headers
        )
        assert granted.status_code == 200
        residents[key] = (client, headers)
    client, headers = residents["E"]
    withdrawn = await client.post(
        "/api/me/consents", json={"purpose": "matching", "granted": False}, headers=headers
    )
    assert withdrawn.json()["matching"] is False
    return residents


async def support_notices(client) -> list[dict]:
    inbox = (await client.get("/api/me/inbox")).json()["items"]
    return [n for n in inbox if n["kind"].startswith("support.")]


async def test_second_staff_member_activates_and_exactly_the_qualifying_are_told(
    client_for, app, city, town
):
    supervisor, headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["child-support"]
    )
    preview = await supervisor.post(
        "/api/staff/programs/child-rearing-allowance/preview", headers=headers
    )
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["matched"] == 2 and body["reachable"] == 1  # A, and E who withdrew consent
    assert body["by_district"] == {"下連雀": 2}
    assert {e["registry_id"] for e in body["examples"]} == {"A00", "E00"}
    assert any("高校生年代まで" in why for e in body["examples"] for why in e["why"])

    approved = await supervisor.post(
        "/api/staff/programs/child-rearing-allowance/approve", headers=headers
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "active" and approved.json()["told"] == 1

    for key, expected in {"A": 1, "B": 0, "C": 0, "D": 0, "E": 0}.items():
        client, _ = town[key]
        assert len(await support_notices(client)) == expected, key
    notice = (await support_notices(town["A"][0]))[0]
    assert (
        "児童扶養手当" in notice["title"]["ja"]
        and notice["link"] == "/support#child-rearing-allowance"
    )

    support = (await town["A"][0].get("/api/support")).json()["items"]
    assert [s["slug"] for s in support] == ["child-rearing-allowance"]
    assert support[0]["apply_url"] == "/procedures/child-rearing-allowance/apply"
    assert support[0]["why"] and all(w["held"] for w in support[0]["why"])
    assert (await town["E"][0].get("/api/support")).json()["items"] == []

    # Never twice for one person and program.
    from todoke.benefits.telling import match_and_notify

    assert await match_and_notify(city.id, "child-rearing-allowance") == 0
    assert len(await support_notices(town["A"][0])) == 1
    path = "/api/staff/programs/child-rearing-allowance"
    figures = (await supervisor.get(path)).json()["figures"]
    # Reading the support page opened nothing (a GET writes nothing); opening the notice does.
    # E matched too, recorded with why nobody told them.
    assert figures["matched"] == 2 and figures["notified"] == 1 and figures["opened"] == 0
    assert figures["not_told"] == {"no_consent": 1}
    resident, resident_headers = town["A"]
    read = await resident.post(f"/api/me/inbox/{notice['id']}/read", headers=resident_headers)
    assert read.status_code == 204
    assert (await supervisor.get(path)).json()["figures"]["opened"] == 1


async def test_a_registry_change_that_qualifies_one_more_household_tells_one_more(
    client_for, app, city, town
):
    supervisor, headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["child-support"]
    )
    await supervisor.post("/api/staff/programs/child-rearing-allowance/approve", headers=headers)
    before = await Notice.count()
    # B's income is corrected below the limit for one child (2,460,000).
    report = await import_registry(
        io.BytesIO(b'{"registry_id": "B00", "income_yen": 2000000, "as_of": "2026-06-01"}\n'),
        municipality_id=city.id,
        source="税務システム",
        filename="tax.jsonl",
        file_format="jsonl",
    )
    assert report.status == "applied" and report.rows_updated == 1
    assert await reevaluate(city.id) == 1
    assert await Notice.count() == before + 1
    assert len(await support_notices(town["B"][0])) == 1
    assert await reevaluate(city.id) == 0  # the change was read once


async def test_the_drafter_cannot_approve_their_own_program(client_for, app, city, town):
    first, first_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["health"]
    )
    second, second_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["health"]
    )
    draft = {
        "slug": "flu-shot-60",
        "department": "health",
        "title": {"ja": "予防接種", "easy": "よぼうせっしゅ", "en": "Flu shot"},
        "summary": {"ja": "助成します。", "easy": "おかねを だします。", "en": "Subsidised."},
        "action": {"ja": "予約してください。", "easy": "よやく して ください。", "en": "Book."},
        "rule": {">=": [{"var": "age"}, 60]},
        "delivery": "inform",
    }
    saved = await first.put("/api/staff/programs", json=draft, headers=first_headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["status"] == "draft"
    bad_rule = await first.put(
        "/api/staff/programs", json={**draft, "rule": {"<": [{"var": "no_such_fact"}, 1]}},
        headers=first_headers,
    )  # fmt: skip
    assert bad_rule.status_code == 422 and bad_rule.json()["errors"][0]["field"] == "rule"
    submitted = await first.post("/api/staff/programs/flu-shot-60/submit", headers=first_headers)
    assert submitted.json()["status"] == "pending"
    own = await first.post("/api/staff/programs/flu-shot-60/approve", headers=first_headers)
    assert own.status_code == 403
    approved = await second.post("/api/staff/programs/flu-shot-60/approve", headers=second_headers)
    assert approved.status_code == 200 and approved.json()["told"] == 1  # D, aged 72
    caseworker, caseworker_headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["health"]
    )
    closed = await caseworker.post(
        "/api/staff/programs/flu-shot-60/close", headers=caseworker_headers
    )
    assert closed.status_code == 403


async def test_granting_matching_consent_later_matches_at_once(client_for, app, city, town):
    supervisor, headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["child-support"]
    )
    await supervisor.post("/api/staff/programs/child-rearing-allowance/approve", headers=headers)
    client, resident_headers = town["E"]
    assert await support_notices(client) == []
    await client.post(
        "/api/me/consents", json={"purpose": "matching", "granted": True}, headers=resident_headers
    )
    # Told by the consent write itself: the inbox has it before any page of support is read.
    assert len(await support_notices(client)) == 1
    support = (await client.get("/api/support")).json()["items"]
    assert [s["slug"] for s in support] == ["child-rearing-allowance"]


async def test_grant_programs_tell_residents_they_will_be_paid(client_for, app, city, town):
    admin, headers = await staff_client(client_for, app, city, role="administrator")
    approved = await admin.post("/api/staff/programs/tax-exempt-benefit/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["told"] == 1 and approved.json()["figures"]["granted"] == 1
    [notice] = await support_notices(town["D"][0])
    assert notice["kind"] == "support.granted" and "支給" in notice["title"]["ja"]


async def test_anonymous_check_uses_the_same_rules_and_stores_nothing(
    client, client_for, app, city, town
):
    admin, headers = await staff_client(client_for, app, city, role="administrator")
    await admin.post("/api/staff/programs/child-rearing-allowance/approve", headers=headers)
    programs = (await client.get("/api/support/programs")).json()["items"]
    questions = {q["fact"] for q in programs[0]["questions"]}
    assert {"single_parent", "children_or_disabled_under_20", "child_rearing_income"} <= questions
    before = await Notice.count()
    answers = {"single_parent": True, "lives_with_spouse": False, "parent_or_carer": True,
               "children_or_disabled_under_20": 2, "supporting_relative_over_limit": False,
               "dependants": 2, "child_rearing_income": 1_500_000}  # fmt: skip
    result = (await client.post("/api/support/check", json={"answers": answers})).json()["items"]
    assert result[0]["eligible"] is True and result[0]["why"]
    partial = (
        await client.post("/api/support/check", json={"answers": {"single_parent": True}})
    ).json()["items"]
    assert partial[0]["eligible"] is None and "child_rearing_income" in partial[0]["missing"]
    ruled_out = (
        await client.post("/api/support/check", json={"answers": {"single_parent": False}})
    ).json()["items"]
    assert ruled_out[0]["eligible"] is False and ruled_out[0]["missing"] == []
    for hostile in ({"answers": {"password": 1}}, {"answers": {"income_yen": "lots"}},
                    {"answers": []}, {"rule": {}}):  # fmt: skip
        response = await client.post("/api/support/check", json=hostile)
        assert response.status_code in (400, 422), hostile
    assert await Notice.count() == before
