"""Whom a programme tells, and when: not a resident whose application for the programme's
procedure is pending or approved (a withdrawn one holds nothing back); once per programme,
so a new version tells only the newly matched; a resident who consents to matching later is
told by that write, without opening any page; and reading the support page writes nothing."""

from __future__ import annotations

import io

import pytest
from piccolo.conf.apps import Finder
from test_applications import filed_application
from test_identity import staff_client
from test_programs import household, support_notices, town  # noqa: F401 (the fixture)

from todoke.benefits import telling as benefits
from todoke.benefits.tables import ProgramMatch
from todoke.benefits.telling import match_and_notify, reevaluate
from todoke.db import read_transaction
from todoke.notices.tables import Notice
from todoke.registry.importer import import_registry

SLUG = "child-rearing-allowance"
PROGRAM = f"/api/staff/programs/{SLUG}"


async def _supervisors(client_for, app, city):
    """Two supervisors of the department: one drafts and submits, the other approves."""
    first = await staff_client(client_for, app, city, role="supervisor",
                               departments=["child-support"])  # fmt: skip
    second = await staff_client(client_for, app, city, role="supervisor",
                                departments=["child-support"])  # fmt: skip
    return first, second


async def _decide(client_for, app, city, application_id: int, steps: list[str]) -> None:
    staff, headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    for step in steps:
        decided = await staff.post(
            f"/api/staff/applications/{application_id}/status",
            json={"status": step},
            headers=headers,
        )
        assert decided.status_code == 200, decided.text


@pytest.mark.parametrize(
    ("held", "reason"),
    [("pending", "held_pending"), ("approved", "held_approved"), ("withdrawn", None)],
)
async def test_a_resident_who_applied_is_not_told(client_for, app, city, town, held, reason):  # noqa: F811
    resident, headers = town["A"]
    filed = await filed_application(resident, headers)
    if held == "approved":
        await _decide(client_for, app, city, filed["id"], ["in_review", "interview", "approved"])
    elif held == "withdrawn":
        withdrawn = await resident.post(
            f"/api/applications/{filed['id']}/withdraw", headers=headers
        )
        assert withdrawn.status_code == 200, withdrawn.text
    supervisor, staff_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["child-support"]
    )
    approved = await supervisor.post(f"{PROGRAM}/approve", headers=staff_headers)
    assert approved.status_code == 200, approved.text
    figures = approved.json()["figures"]
    if reason is None:
        assert approved.json()["told"] == 1 and len(await support_notices(resident)) == 1
        assert figures["notified"] == 1 and figures["not_told"] == {"no_consent": 1}  # E
        return
    assert approved.json()["told"] == 0
    assert await support_notices(resident) == []
    assert (await resident.get("/api/support")).json()["items"] == []
    # Recorded, not told, and the reason counted (E withdrew consent to matching).
    assert figures["matched"] == 2 and figures["notified"] == 0
    assert figures["not_told"] == {reason: 1, "no_consent": 1}
    [match] = await ProgramMatch.select().where(ProgramMatch.not_told == reason)
    assert match["notice"] is None and match["notified_at"] is None
    # Asked again, still nobody is told, and nothing is written twice.
    assert await match_and_notify(city.id, SLUG) == 0
    assert await ProgramMatch.count() == 2


async def test_a_withdrawn_application_lets_the_next_evaluation_tell(
    client_for,
    app,
    city,
    town,  # noqa: F811
):
    resident, headers = town["A"]
    filed = await filed_application(resident, headers)
    supervisor, staff_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["child-support"]
    )
    approved = await supervisor.post(f"{PROGRAM}/approve", headers=staff_headers)
    assert approved.json()["told"] == 0
    withdrawn = await resident.post(f"/api/applications/{filed['id']}/withdraw", headers=headers)
    assert withdrawn.status_code == 200
    person = (
        await ProgramMatch.select(ProgramMatch.person)
        .where(ProgramMatch.not_told == "held_pending")
        .first()
    )["person"]
    assert await match_and_notify(city.id, SLUG, [person]) == 1
    assert len(await support_notices(resident)) == 1
    figures = (await supervisor.get(PROGRAM)).json()["figures"]
    assert figures["matched"] == 2 and figures["notified"] == 1
    assert figures["not_told"] == {"no_consent": 1}
    assert await match_and_notify(city.id, SLUG, [person]) == 0


async def test_a_new_version_tells_only_the_newly_matched(client_for, app, city, town):  # noqa: F811
    (drafter, drafter_headers), (approver, approver_headers) = await _supervisors(
        client_for, app, city
    )
    first = await approver.post(f"{PROGRAM}/approve", headers=approver_headers)
    assert first.json()["version"] == 1 and first.json()["told"] == 1  # A
    # B's income is corrected below the limit; the worker has not run yet.
    report = await import_registry(
        io.BytesIO(b'{"registry_id": "B00", "income_yen": 2000000, "as_of": "2026-06-01"}\n'),
        municipality_id=city.id,
        source="税務システム",
        filename="tax.jsonl",
        file_format="jsonl",
    )
    assert report.status == "applied"
    current = (await drafter.get(PROGRAM)).json()
    draft = {
        key: current[key]
        for key in ("slug", "department", "title", "summary", "action", "rule", "delivery",
                    "procedure_slug")
    }  # fmt: skip
    saved = await drafter.put("/api/staff/programs", json=draft, headers=drafter_headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2
    await drafter.post(f"{PROGRAM}/submit", headers=drafter_headers)
    second = await approver.post(f"{PROGRAM}/approve", headers=approver_headers)
    assert second.status_code == 200, second.text
    assert second.json()["version"] == 2 and second.json()["told"] == 1  # B only
    assert len(await support_notices(town["A"][0])) == 1
    assert len(await support_notices(town["B"][0])) == 1
    # The new version records A, B and E; A's telling is carried over, not repeated.
    assert second.json()["figures"]["matched"] == 3
    assert second.json()["figures"]["notified"] == 2
    support = (await town["A"][0].get("/api/support")).json()["items"]
    assert [s["slug"] for s in support] == [SLUG]
    assert await reevaluate(city.id) == 0
    assert await match_and_notify(city.id, SLUG) == 0


async def test_late_consent_tells_at_once_without_opening_a_page(
    client_for,
    app,
    city,
    town,  # noqa: F811
):
    admin, headers = await staff_client(client_for, app, city, role="administrator")
    approved = await admin.post(f"{PROGRAM}/approve", headers=headers)
    assert approved.json()["told"] == 1  # A; E withdrew consent to matching
    client, resident_headers = town["E"]
    assert await support_notices(client) == []
    granted = await client.post(
        "/api/me/consents", json={"purpose": "matching", "granted": True}, headers=resident_headers
    )
    assert granted.status_code == 200 and granted.json()["matching"] is True
    [notice] = await support_notices(client)
    assert notice["link"] == f"/support#{SLUG}"
    # Withdrawn and granted again: still told once per programme.
    for granted_now in (False, True):
        again = await client.post(
            "/api/me/consents",
            json={"purpose": "matching", "granted": granted_now},
            headers=resident_headers,
        )
        assert again.status_code == 200
    assert len(await support_notices(client)) == 1
    # Another purpose granted tells nothing.
    unrelated = await town["B"][0].post(
        "/api/me/consents", json={"purpose": "prefill", "granted": True}, headers=town["B"][1]
    )
    assert unrelated.status_code == 200 and await support_notices(town["B"][0]) == []


async def test_consent_given_before_verifying_tells_at_verification(
    client_for,
    app,
    city,
    town,  # noqa: F811
):
    from soft_authenticator import SoftAuthenticator
    from test_identity import csrf, register

    from todoke.identity.service import issue_activation_code

    admin, headers = await staff_client(client_for, app, city, role="administrator")
    await admin.post(f"{PROGRAM}/approve", headers=headers)
    await household(city, "F", [{"age": 31, "single_parent": True, "income": 800_000},
                                {"age": 4}])  # fmt: skip
    client = client_for(app)
    registered = await register(client, SoftAuthenticator(), name="ふみ")
    resident_headers = csrf(registered)
    granted = await client.post(
        "/api/me/consents", json={"purpose": "matching", "granted": True}, headers=resident_headers
    )
    assert granted.status_code == 200 and await support_notices(client) == []  # not bound yet
    code = await issue_activation_code(
        municipality_id=city.id, registry_id="F00", purpose="verify", issued_by=None
    )
    verified = await client.post(
        "/api/me/verification", json={"code": code.code}, headers=resident_headers
    )
    assert verified.status_code == 200, verified.text
    [notice] = await support_notices(client)
    assert notice["link"] == f"/support#{SLUG}"


async def test_a_failure_to_tell_does_not_undo_the_consent(
    client_for,
    app,
    city,
    town,  # noqa: F811
    monkeypatch,
):
    admin, headers = await staff_client(client_for, app, city, role="administrator")
    await admin.post(f"{PROGRAM}/approve", headers=headers)

    async def broken(principal) -> int:
        raise RuntimeError("matching is down")

    monkeypatch.setattr(benefits, "match_on_consent", broken)
    client, resident_headers = town["E"]
    granted = await client.post(
        "/api/me/consents", json={"purpose": "matching", "granted": True}, headers=resident_headers
    )
    assert granted.status_code == 200 and granted.json()["matching"] is True
    assert (await client.get("/api/me/consents")).json()["matching"] is True
    assert await support_notices(client) == []


async def _snapshot() -> dict[str, object]:
    """Every table's row count, and every row of the matches and notices."""
    counts: dict[str, object] = {}
    async with read_transaction() as sql:
        for table in Finder().get_table_classes():
            name = table._meta.tablename
            counts[name] = await sql.value(f"SELECT COUNT(*) FROM {name}")
    counts["program_match rows"] = await ProgramMatch.select().order_by(ProgramMatch.id)
    counts["notice rows"] = await Notice.select().order_by(Notice.id)
    return counts


async def test_reading_the_support_page_writes_nothing(client_for, app, city, town):  # noqa: F811
    admin, headers = await staff_client(client_for, app, city, role="administrator")
    await admin.post(f"{PROGRAM}/approve", headers=headers)
    # B now qualifies but the worker has not run: the old page matched and told on reading.
    await import_registry(
        io.BytesIO(b'{"registry_id": "B00", "income_yen": 2000000, "as_of": "2026-06-01"}\n'),
        municipality_id=city.id,
        source="税務システム",
        filename="tax.jsonl",
        file_format="jsonl",
    )
    before = await _snapshot()
    for key in "ABE":
        page = await town[key][0].get("/api/support")
        assert page.status_code == 200
    assert [s["slug"] for s in (await town["A"][0].get("/api/support")).json()["items"]] == [SLUG]
    assert (await town["B"][0].get("/api/support")).json()["items"] == []
    after = await _snapshot()
    assert after == before
    # The worker tells B; then B's page shows it.
    assert await reevaluate(city.id) == 1
    assert [s["slug"] for s in (await town["B"][0].get("/api/support")).json()["items"]] == [SLUG]
