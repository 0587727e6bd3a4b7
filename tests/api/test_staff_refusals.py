"""Refusals staff can act on, and names instead of numbers.

A staff member refused for their role is told which roles may (``required_roles``); refused
for another department's thing, which department (``required_department``); a resident's
refusal names neither. A programme shows who drafted, submitted and approved it by name, and
its drafter cannot approve it. A case is never opened without a purpose: nothing is written.
"""

from __future__ import annotations

import csv
import io

import pytest
from test_applications import add_household, filed_application, verified_resident
from test_identity import staff_client

from todoke.audit.tables import AuditEvent

PROGRAM = "/api/staff/programs/child-rearing-allowance"


def _draft() -> dict:
    return {
        "slug": "flu-shot-60",
        "department": "health",
        "title": {"ja": "予防接種", "easy": "よぼうせっしゅ", "en": "Flu shot"},
        "summary": {"ja": "助成します。", "easy": "おかねを だします。", "en": "Subsidised."},
        "action": {"ja": "予約してください。", "easy": "よやく して ください。", "en": "Book."},
        "rule": {">=": [{"var": "age"}, 60]},
        "delivery": "inform",
    }


async def _status(client) -> str:
    return (await client.get(PROGRAM)).json()["status"]


async def test_a_caseworker_refused_approval_is_told_which_roles_may(client_for, app, city):
    caseworker, headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    assert await _status(caseworker) == "pending"
    refused = await caseworker.post(f"{PROGRAM}/approve", headers=headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert body["type"] == "urn:todoke:problem:forbidden"
    assert body["required_roles"] == ["supervisor", "administrator"]
    assert "required_department" not in body
    assert body["detail_ja"] == "この操作には「係長・監督者」または「管理者」の役割が必要です。"
    assert "supervisor or administrator" in body["detail"]
    assert await _status(caseworker) == "pending"  # nothing was approved


async def test_a_supervisor_of_another_department_is_told_which_department(client_for, app, city):
    supervisor, headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["health"]
    )
    refused = await supervisor.post(f"{PROGRAM}/approve", headers=headers)
    assert refused.status_code == 403
    body = refused.json()
    assert body["required_department"]["code"] == "child-support"
    name = body["required_department"]["name"]
    assert name and f"「{name}」の職員だけ" in body["detail_ja"]
    assert "required_roles" not in body
    assert await _status(supervisor) == "pending"
    # Submitting and closing are the programme department's too (they were not checked).
    health_draft = await supervisor.put("/api/staff/programs", json=_draft(), headers=headers)
    assert health_draft.status_code == 200, health_draft.text
    other, other_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["child-support"]
    )
    submit = await other.post("/api/staff/programs/flu-shot-60/submit", headers=other_headers)
    assert submit.status_code == 403
    assert submit.json()["required_department"]["code"] == "health"
    assert (await other.get("/api/staff/programs/flu-shot-60")).json()["status"] == "draft"
    approved = await other.post(f"{PROGRAM}/approve", headers=other_headers)
    assert approved.status_code == 200, approved.text
    closed = await supervisor.post(f"{PROGRAM}/close", headers=headers)
    assert closed.status_code == 403
    assert closed.json()["required_department"]["code"] == "child-support"
    assert await _status(supervisor) == "active"
    # Reading the names of matches to check by hand is the programme department's too.
    to_check = await supervisor.get(f"{PROGRAM}/to-check")
    assert to_check.status_code == 403
    assert to_check.json()["required_department"]["code"] == "child-support"


async def test_a_caseworker_refused_assigning_a_colleague_is_told_which_roles_may(
    client_for, app, city
):
    await add_household(city)
    resident, resident_headers = await verified_resident(client_for, app, city, "1000000000")
    application = await filed_application(resident, resident_headers)
    caseworker, headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    colleague, _ = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    colleague_id = (await colleague.get("/api/me")).json()["id"]
    refused = await caseworker.put(
        f"/api/staff/applications/{application['id']}/assignee",
        json={"assignee": colleague_id},
        headers=headers,
    )
    assert refused.status_code == 403
    assert refused.json()["required_roles"] == ["supervisor", "administrator"]
    queue = (await caseworker.get("/api/staff/applications")).json()["items"]
    assert [item["assignee_id"] for item in queue if item["id"] == application["id"]] == [None]


async def test_a_resident_refused_a_staff_route_learns_no_roles(client_for, app, city):
    await add_household(city)
    resident, headers = await verified_resident(client_for, app, city, "1000000000")
    for refused in (
        await resident.get("/api/staff/programs"),
        await resident.post(f"{PROGRAM}/approve", headers=headers),
    ):
        assert refused.status_code == 403
        body = refused.json()
        assert body["detail_ja"] == "この操作の権限がありません。"
        assert "required_roles" not in body and "required_department" not in body
        assert "supervisor" not in refused.text and "係長" not in refused.text


async def test_a_programme_names_its_people_and_its_drafter_cannot_approve_it(
    client_for, app, city
):
    drafter, drafter_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["health"]
    )
    second, second_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["health"]
    )
    saved = await drafter.put("/api/staff/programs", json=_draft(), headers=drafter_headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["created_by_name"] == "職員 supervisor"
    assert saved.json()["submitted_by_name"] is None
    path = "/api/staff/programs/flu-shot-60"
    await drafter.post(f"{path}/submit", headers=drafter_headers)
    own = await drafter.post(f"{path}/approve", headers=drafter_headers)
    assert own.status_code == 403
    assert "作成・申請した本人は承認できません" in own.json()["detail_ja"]
    assert (await drafter.get(path)).json()["status"] == "pending"

    approved = await second.post(f"{path}/approve", headers=second_headers)
    assert approved.status_code == 200, approved.text
    read = (await second.get(path)).json()
    drafter_id = (await drafter.get("/api/me")).json()["id"]
    second_id = (await second.get("/api/me")).json()["id"]
    assert (read["created_by"], read["submitted_by"], read["approved_by"]) == (
        drafter_id,
        drafter_id,
        second_id,
    )
    # Both are "職員 supervisor" (staff_client's name): names, not 職員#id.
    assert read["created_by_name"] == read["approved_by_name"] == "職員 supervisor"
    listed = (await second.get("/api/staff/programs")).json()["items"]
    assert next(p for p in listed if p["slug"] == "flu-shot-60")["submitted_by_name"]


@pytest.mark.parametrize("query", ["", "?purpose=", "?purpose=curiosity"])
async def test_a_case_is_not_opened_without_a_purpose(client_for, app, city, query):
    await add_household(city)
    resident, resident_headers = await verified_resident(client_for, app, city, "1000000000")
    application = await filed_application(resident, resident_headers)
    caseworker, _ = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    before = await AuditEvent.count().where(AuditEvent.action == "application.opened")
    refused = await caseworker.get(f"/api/staff/applications/{application['id']}{query}")
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["type"] == "urn:todoke:problem:malformed"
    assert [e["field"] for e in body["errors"]] == ["purpose"]
    assert "receipt_number" not in body
    assert await AuditEvent.count().where(AuditEvent.action == "application.opened") == before
    opened = await caseworker.get(
        f"/api/staff/applications/{application['id']}?purpose=case_handling"
    )
    assert opened.status_code == 200


async def test_the_audit_export_names_staff_actors_and_not_residents(client_for, app, city):
    await add_household(city)
    resident, resident_headers = await verified_resident(client_for, app, city, "1000000000")
    application = await filed_application(resident, resident_headers)
    caseworker, _ = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    opened = await caseworker.get(
        f"/api/staff/applications/{application['id']}?purpose=case_handling"
    )
    assert opened.status_code == 200
    admin, _ = await staff_client(client_for, app, city, role="administrator")
    exported = await admin.get("/api/staff/audit.csv")
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert list(rows[0])[:5] == ["id", "occurred_at", "actor_kind", "actor_account", "actor_name"]
    staff_rows = [r for r in rows if r["action"] == "application.opened"]
    assert staff_rows and all(r["actor_name"] == "職員 caseworker" for r in staff_rows)
    resident_rows = [r for r in rows if r["actor_kind"] == "resident"]
    assert resident_rows and all(r["actor_name"] == "" for r in resident_rows)
    assert "はなこ" not in exported.text  # the resident's account name stays out
