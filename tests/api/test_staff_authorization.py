"""Who may call which staff route: every route under /api/staff × every role, the resident
and the anonymous caller, against one table. A new staff route without a row here fails.

"Allowed" means the call got past authorisation (any status but 401/403); "denied" means
401 (not signed in) or 403. Department scoping (404 for another department's case) and
audit events are tested below the matrix.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.routes import HTTPRoute
from soft_authenticator import SoftAuthenticator
from test_applications import _fill_required, add_household, filed_application, verified_resident
from test_identity import register, staff_client

from todoke import clock
from todoke.audit.tables import AuditEvent

ADMIN, SUPERVISOR, CASEWORKER, SUPPORT = "administrator", "supervisor", "caseworker", "support"
ALL_STAFF = {ADMIN, SUPERVISOR, CASEWORKER, SUPPORT}
CASE = {ADMIN, SUPERVISOR, CASEWORKER}
COUNTER = {ADMIN, SUPERVISOR, SUPPORT}
DESIGN = {ADMIN, SUPERVISOR}
ONLY_ADMIN = {ADMIN}
CALLERS = (ADMIN, SUPERVISOR, CASEWORKER, SUPPORT, "resident", "anonymous")

# (method, path) → the roles allowed. Every staff route must be listed.
MATRIX: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/staff/invites"): ONLY_ADMIN,
    ("POST", "/api/staff/activation-codes"): COUNTER,
    ("POST", "/api/staff/counter-verifications"): COUNTER,
    ("GET", "/api/staff/departments"): ALL_STAFF,
    ("GET", "/api/staff/applications"): CASE,
    ("GET", "/api/staff/applications/{application_id:int}"): CASE,
    ("POST", "/api/staff/applications/{application_id:int}/status"): CASE,
    ("POST", "/api/staff/applications/{application_id:int}/messages"): CASE,
    ("PUT", "/api/staff/applications/{application_id:int}/assignee"): CASE,
    ("POST", "/api/staff/applications/{application_id:int}/notes"): CASE,
    ("POST", "/api/staff/assisted-applications"): ALL_STAFF,
    ("POST", "/api/staff/assisted-applications/{application_id:int}/attestation"): ALL_STAFF,
    ("GET", "/api/staff/corrections"): ALL_STAFF,
    ("GET", "/api/staff/counter/residents"): ALL_STAFF,
    ("GET", "/api/staff/counter/residents/{registry_id:str}"): ALL_STAFF,
    ("GET", "/api/staff/counter/residents/{registry_id:str}/forms/{slug:str}"): ALL_STAFF,
    ("GET", "/api/staff/counter/residents/{registry_id:str}/life-events"): ALL_STAFF,
    ("GET", "/api/staff/counter/residents/{registry_id:str}/life-events/{slug:str}"): ALL_STAFF,
    (
        "POST",
        "/api/staff/counter/residents/{registry_id:str}/life-events/{slug:str}/plan",
    ): ALL_STAFF,
    ("POST", "/api/staff/counter/bookings/{application_id:int}/confirmation"): ALL_STAFF,
    ("POST", "/api/staff/corrections/{correction_id:int}"): CASE,
    ("GET", "/api/staff/residents/{registry_id:str}"): ALL_STAFF,
    ("POST", "/api/staff/residents/{registry_id:str}/consultations"): ALL_STAFF,
    ("GET", "/api/staff/follow-ups"): ALL_STAFF,
    ("GET", "/api/staff/moves"): CASE,  # and the citizens division (test_moving.py)
    ("GET", "/api/staff/reason-openings"): DESIGN,
    ("POST", "/api/staff/reason-openings/{opening_id:int}/reviewed"): DESIGN,
    # 支援措置: supervisors (of the citizens department, which the matrix's are) and admins.
    ("GET", "/api/staff/residents/{registry_id:str}/protection"): DESIGN,
    ("PUT", "/api/staff/residents/{registry_id:str}/protection"): DESIGN,
    ("DELETE", "/api/staff/residents/{registry_id:str}/protection"): DESIGN,
    # おくやみ: staff who work cases; recording a death needs the citizens division (theirs).
    ("POST", "/api/staff/residents/{registry_id:str}/death"): CASE,
    ("GET", "/api/staff/bereavements"): CASE,
    ("GET", "/api/staff/bereavements/{case_id:int}"): CASE,
    ("PUT", "/api/staff/bereavements/{case_id:int}/tasks/{task_id:int}"): CASE,
    ("GET", "/api/staff/need-to-know"): ONLY_ADMIN,
    ("PUT", "/api/staff/need-to-know"): ONLY_ADMIN,
    ("POST", "/api/staff/follow-ups/{follow_up_id:int}/done"): ALL_STAFF,
    ("GET", "/api/staff/procedures"): DESIGN,
    ("GET", "/api/staff/procedures/{slug:str}"): DESIGN,
    ("POST", "/api/staff/procedures/preview"): DESIGN,
    ("POST", "/api/staff/procedures"): DESIGN,
    ("GET", "/api/staff/life-events"): DESIGN,
    ("POST", "/api/staff/life-events"): DESIGN,
    ("POST", "/api/staff/life-events/preview"): DESIGN,
    ("GET", "/api/staff/life-events/{slug:str}/versions"): DESIGN,
    ("GET", "/api/staff/templates/offers"): DESIGN,
    ("POST", "/api/staff/templates/{slug:str}/accept"): DESIGN,
    ("POST", "/api/staff/templates/{slug:str}/decline"): DESIGN,
    ("POST", "/api/staff/registry/imports"): ONLY_ADMIN,
    ("GET", "/api/staff/metrics"): DESIGN,
    ("GET", "/api/staff/metrics.csv"): DESIGN,
    ("GET", "/api/staff/paper-baselines"): DESIGN,
    ("PUT", "/api/staff/paper-baselines"): ONLY_ADMIN,
    ("GET", "/api/staff/audit.csv"): ONLY_ADMIN,
    ("GET", "/api/staff/audit/verify"): ONLY_ADMIN,
    ("GET", "/api/staff/accounts"): ONLY_ADMIN,
    ("PUT", "/api/staff/accounts/{account_id:int}"): ONLY_ADMIN,
    ("POST", "/api/staff/accounts/{account_id:int}/deactivate"): ONLY_ADMIN,
    ("GET", "/api/staff/branding"): ONLY_ADMIN,
    ("PUT", "/api/staff/branding"): ONLY_ADMIN,
    ("PUT", "/api/staff/branding/emblem"): ONLY_ADMIN,
    ("DELETE", "/api/staff/branding/emblem"): ONLY_ADMIN,
    ("GET", "/api/staff/programs"): ALL_STAFF,
    ("PUT", "/api/staff/programs"): CASE,
    ("GET", "/api/staff/programs/{slug:str}"): ALL_STAFF,
    ("GET", "/api/staff/programs/facts"): CASE,
    ("POST", "/api/staff/programs/rule-count"): CASE,
    ("POST", "/api/staff/programs/{slug:str}/preview"): CASE,
    ("POST", "/api/staff/programs/{slug:str}/submit"): CASE,
    ("POST", "/api/staff/programs/{slug:str}/approve"): DESIGN,
    ("POST", "/api/staff/programs/{slug:str}/close"): DESIGN,
    ("GET", "/api/staff/programs/{slug:str}/to-check"): CASE,
    ("GET", "/api/staff/programs/{slug:str}/letters"): DESIGN,
    ("POST", "/api/staff/programs/{slug:str}/letters"): DESIGN,
    ("GET", "/api/staff/programs/{slug:str}/letters/{batch_id:int}/{kind:str}"): DESIGN,
}


def staff_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/staff"):
            for method in route.methods - {"OPTIONS", "HEAD"}:
                found.add((method, route.path))
    return found


def test_every_staff_route_has_a_row(app):
    assert staff_routes(app) == set(MATRIX)


@pytest.fixture
async def world(client_for, app, city):
    """A filed 児童扶養手当 claim, staff of every role in 子育て支援課, a resident and an
    anonymous caller."""
    await add_household(city)
    resident, resident_headers = await verified_resident(client_for, app, city, "1000000000")
    application = await filed_application(resident, resident_headers)
    correction = await resident.post(
        "/api/corrections",
        json={"slug": "child-rearing-allowance", "field": "claimant_kana", "note": "x"},
        headers=resident_headers,
    )
    callers = {"resident": (resident, resident_headers), "anonymous": (client_for(app), {})}
    for role in (ADMIN, SUPERVISOR, CASEWORKER, SUPPORT):
        departments = () if role == ADMIN else ("child-support", "citizens")
        callers[role] = await staff_client(
            client_for, app, city, role=role, departments=departments
        )
    return {
        "callers": callers,
        "application": application["id"],
        "attachment": application["attachments"][0]["id"],
        "correction": correction.json()["id"],
    }


async def _throwaway_staff(client_for, app, city) -> int:
    client, _ = await staff_client(client_for, app, city, role=CASEWORKER)
    return (await client.get("/api/me")).json()["id"]


async def _request(caller, headers, method, path, world, extra):
    application = world["application"]
    today = clock.today()
    concrete = {
        "/api/staff/invites": (
            "/api/staff/invites",
            {"display_name": "新人", "role": "caseworker", "departments": []},
        ),
        "/api/staff/activation-codes": (
            "/api/staff/activation-codes",
            {"registry_id": "1000000001"},
        ),
        "/api/staff/counter-verifications": (
            "/api/staff/counter-verifications",
            {
                "counter_code": "ZZZZ-ZZZZ",
                "registry_id": "1000000001",
                "document": "マイナンバーカード",
            },
        ),
        "/api/staff/applications/{application_id:int}": (
            f"/api/staff/applications/{application}?purpose=case_handling",
            None,
        ),
        "/api/staff/applications/{application_id:int}/status": (
            f"/api/staff/applications/{application}/status",
            {"status": "in_review"},
        ),
        "/api/staff/applications/{application_id:int}/messages": (
            f"/api/staff/applications/{application}/messages",
            {"text": "確認します"},
        ),
        "/api/staff/applications/{application_id:int}/assignee": (
            f"/api/staff/applications/{application}/assignee",
            {"assignee": None},
        ),
        "/api/staff/applications/{application_id:int}/notes": (
            f"/api/staff/applications/{application}/notes",
            {"text": "メモ"},
        ),
        "/api/staff/assisted-applications": (
            "/api/staff/assisted-applications",
            {
                "person_registry_id": "1000000000",
                "slug": "child-rearing-allowance",
                "version": 1,
                "answers": {},
            },
        ),
        "/api/staff/assisted-applications/{application_id:int}/attestation": (
            f"/api/staff/assisted-applications/{application}/attestation",
            {"method": "staff_attestation", "document": "運転免許証"},
        ),
        "/api/staff/counter/residents": (
            "/api/staff/counter/residents?family_name_kana=サトウ&birth_date=1990-04-01",
            None,
        ),
        "/api/staff/counter/residents/{registry_id:str}": (
            "/api/staff/counter/residents/1000000000",
            None,
        ),
        "/api/staff/counter/residents/{registry_id:str}/forms/{slug:str}": (
            "/api/staff/counter/residents/1000000000/forms/child-rearing-allowance",
            None,
        ),
        "/api/staff/counter/residents/{registry_id:str}/life-events": (
            "/api/staff/counter/residents/1000000000/life-events",
            None,
        ),
        "/api/staff/counter/residents/{registry_id:str}/life-events/{slug:str}": (
            "/api/staff/counter/residents/1000000000/life-events/moving",
            None,
        ),
        # Past authorisation the empty answers are refused (422): nothing is planned.
        "/api/staff/counter/residents/{registry_id:str}/life-events/{slug:str}/plan": (
            "/api/staff/counter/residents/1000000000/life-events/moving/plan",
            {"version": 1, "answers": {}},
        ),
        # The world's claim is no booking: past authorisation the answer is a 404.
        "/api/staff/counter/bookings/{application_id:int}/confirmation": (
            f"/api/staff/counter/bookings/{application}/confirmation",
            None,
        ),
        "/api/staff/corrections/{correction_id:int}": (
            f"/api/staff/corrections/{world['correction']}",
            {"status": "resolved", "message": "ok"},
        ),
        "/api/staff/residents/{registry_id:str}": (
            f"/api/staff/residents/1000000000?case={application}",
            None,
        ),
        "/api/staff/residents/{registry_id:str}/consultations": (
            "/api/staff/residents/1000000000/consultations",
            {
                "department": "child-support",
                "topics": ["money"],
                "summary": "家計の相談",
                "held_on": today.isoformat(),
                "follow_ups": [
                    {"task": "再連絡", "due_on": (today + timedelta(days=7)).isoformat()}
                ],
            },
        ),
        "/api/staff/residents/{registry_id:str}/protection": (
            "/api/staff/residents/1000000000/protection",
            {"named_persons": []},
        ),
        # Past authorisation a date of death in the future is refused (422): nobody dies here.
        "/api/staff/residents/{registry_id:str}/death": (
            "/api/staff/residents/1000000000/death",
            {"died_on": (today + timedelta(days=30)).isoformat(), "reported_by": "佐藤 次郎"},
        ),
        "/api/staff/bereavements/{case_id:int}": ("/api/staff/bereavements/999999", None),
        "/api/staff/bereavements/{case_id:int}/tasks/{task_id:int}": (
            "/api/staff/bereavements/999999/tasks/1",
            {"state": "done"},
        ),
        "/api/staff/reason-openings/{opening_id:int}/reviewed": (
            "/api/staff/reason-openings/999999/reviewed",
            None,
        ),
        "/api/staff/need-to-know": (
            "/api/staff/need-to-know",
            {"rules": []},  # refused (422) once past authorisation: the grants stay
        ),
        "/api/staff/follow-ups/{follow_up_id:int}/done": (
            "/api/staff/follow-ups/999999/done",
            None,
        ),
        "/api/staff/procedures/{slug:str}": ("/api/staff/procedures/child-rearing-allowance", None),
        "/api/staff/procedures/preview": ("/api/staff/procedures/preview", {"definition": {}}),
        "/api/staff/procedures": ("/api/staff/procedures", {"definition": {}}),
        # Nothing is on offer: past authorisation the answer is a 409, nothing changes.
        "/api/staff/templates/{slug:str}/accept": (
            "/api/staff/templates/child-rearing-allowance/accept",
            {"version": 2},
        ),
        "/api/staff/templates/{slug:str}/decline": (
            "/api/staff/templates/child-rearing-allowance/decline",
            {"version": 2},
        ),
        "/api/staff/registry/imports": (
            "/api/staff/registry/imports?filename=a.csv",
            b"registry_id\n",
        ),
        "/api/staff/programs": (
            "/api/staff/programs",
            {
                "slug": "x",
                "department": "nope",
                "title": {},
                "summary": {},
                "action": {},
                "rule": {},
                "delivery": "inform",
            },
        ),
        "/api/staff/programs/{slug:str}": ("/api/staff/programs/flu-shot-65", None),
        "/api/staff/programs/rule-count": (
            "/api/staff/programs/rule-count",
            {"rule": {">=": [{"var": "age"}, 65]}},
        ),
        "/api/staff/programs/{slug:str}/preview": ("/api/staff/programs/flu-shot-65/preview", None),
        # A programme of the callers' department (flu-shot-65 is 生活衛生課's: refused).
        "/api/staff/programs/{slug:str}/submit": (
            "/api/staff/programs/child-rearing-allowance/submit",
            None,
        ),
        "/api/staff/programs/{slug:str}/approve": ("/api/staff/programs/no-such/approve", None),
        "/api/staff/programs/{slug:str}/close": ("/api/staff/programs/no-such/close", None),
        "/api/staff/programs/{slug:str}/to-check": ("/api/staff/programs/no-such/to-check", None),
        "/api/staff/programs/{slug:str}/letters": ("/api/staff/programs/no-such/letters", None),
        "/api/staff/programs/{slug:str}/letters/{batch_id:int}/{kind:str}": (
            "/api/staff/programs/no-such/letters/1/pdf",
            None,
        ),
        "/api/staff/accounts/{account_id:int}": (
            f"/api/staff/accounts/{extra}",
            {"role": "caseworker", "departments": []},
        ),
        "/api/staff/accounts/{account_id:int}/deactivate": (
            f"/api/staff/accounts/{extra}/deactivate",
            None,
        ),
    }
    url, body = concrete.get(path, (path, None))
    sent = {**headers, "idempotency-key": "matrix-key-0001"}
    if isinstance(body, bytes):
        return await caller.request(method, url, content=body, headers=sent)
    if body is None and method != "GET":
        return await caller.request(method, url, headers=sent)
    if method == "GET":
        return await caller.get(url, headers=headers)
    return await caller.request(method, url, json=body, headers=sent)


async def test_authorisation_matrix(world, client_for, app, city):
    failures = []
    for (method, path), allowed in sorted(MATRIX.items()):
        for who in CALLERS:
            caller, headers = world["callers"][who]
            extra = await _throwaway_staff(client_for, app, city) if "accounts/" in path else 0
            response = await _request(caller, headers, method, path, world, extra)
            got_in = response.status_code not in (401, 403)
            if response.status_code >= 500:
                failures.append(f"{who} {method} {path}: {response.status_code}")
            elif got_in != (who in allowed):
                failures.append(
                    f"{who} {method} {path}: expected "
                    f"{'allowed' if who in allowed else 'denied'}, got {response.status_code} "
                    f"{response.text[:120]}"
                )
            if who == "anonymous" and not got_in:
                assert response.status_code == 401, (method, path)
    assert not failures, "\n".join(failures)


async def test_a_caseworker_of_another_department_sees_nothing(client_for, app, city, world):
    other, headers = await staff_client(
        client_for, app, city, role=CASEWORKER, departments=["waste"]
    )
    target = world["application"]
    assert (await other.get("/api/staff/applications")).json()["items"] == []
    for response in (
        await other.get(f"/api/staff/applications/{target}?purpose=case_handling"),
        await other.post(
            f"/api/staff/applications/{target}/notes", json={"text": "x"}, headers=headers
        ),
        await other.put(
            f"/api/staff/applications/{target}/assignee", json={"assignee": None}, headers=headers
        ),
        await other.get(f"/api/attachments/{world['attachment']}"),
    ):
        assert response.status_code == 404, response.text


async def test_other_departments_records_need_the_residents_consent(client_for, app, city, world):
    resident, resident_headers = world["callers"]["resident"]
    welfare, headers = await staff_client(
        client_for, app, city, role=CASEWORKER, departments=["welfare"]
    )
    recorded = await welfare.post(
        "/api/staff/residents/1000000000/consultations",
        json={"department": "welfare", "topics": ["money"], "summary": "家計の相談",
              "held_on": clock.today().isoformat()},
        headers=headers,
    )  # fmt: skip
    opened = f"/api/staff/residents/1000000000?consultation={recorded.json()['id']}"
    view = (await welfare.get(opened)).json()
    assert view["person"]["name"] == "佐藤 花子"
    assert view["applications"] == [] and "facts" not in view and "notices" not in view
    assert {"section": "income", "reason": "consent"} in view["withheld"]
    assert {"section": "notices", "reason": "consent"} in view["withheld"]
    granted = await resident.post(
        "/api/me/consents", json={"purpose": "sharing", "granted": True}, headers=resident_headers
    )
    assert granted.status_code == 200
    view = (await welfare.get(opened)).json()
    assert [a["id"] for a in view["applications"]] == [world["application"]]
    assert "income_yen" in view["facts"] and view["notices"]


async def _audit_count() -> int:
    return await AuditEvent.count()


@pytest.mark.parametrize(
    "read",
    ["case", "resident", "attachment", "message", "status"],
)
async def test_every_staff_read_of_personal_data_is_audited_once(world, read):
    caseworker, headers = world["callers"][CASEWORKER]
    target = world["application"]
    before = await _audit_count()
    if read == "case":
        response = await caseworker.get(f"/api/staff/applications/{target}?purpose=case_handling")
    elif read == "resident":
        response = await caseworker.get(f"/api/staff/residents/1000000000?case={target}")
    elif read == "attachment":
        response = await caseworker.get(f"/api/attachments/{world['attachment']}")
    elif read == "message":
        response = await caseworker.post(
            f"/api/staff/applications/{target}/messages",
            json={"text": "確認中です"},
            headers=headers,
        )
    else:
        response = await caseworker.post(
            f"/api/staff/applications/{target}/status",
            json={"status": "in_review"},
            headers=headers,
        )
    assert response.status_code == 200, response.text
    assert await _audit_count() == before + 1
    event = await AuditEvent.select().order_by(AuditEvent.id, ascending=False).first()
    assert event["actor_kind"] == "staff" and event["subject_person"] is not None
    assert event["purpose"]


async def test_the_resident_sees_who_opened_their_case(world):
    caseworker, _ = world["callers"][CASEWORKER]
    resident, _ = world["callers"]["resident"]
    await caseworker.get(f"/api/staff/applications/{world['application']}?purpose=case_handling")
    log = (await resident.get("/api/me/access-log")).json()
    assert any(e["action"] == "application.opened" for e in log), log


async def test_a_deactivated_staff_account_is_signed_out_at_once(client_for, app, city, world):
    admin, admin_headers = world["callers"][ADMIN]
    authenticator = SoftAuthenticator()
    from todoke.identity.service import create_staff_invite

    invite = await create_staff_invite(
        municipality_id=city.id, display_name="退職予定", role=CASEWORKER,
        department_codes=["child-support"], created_by=None,
    )  # fmt: skip
    leaver = client_for(app)
    registered = await register(leaver, authenticator, invite=invite.token)
    assert registered.status_code == 201
    leaver_id = (await leaver.get("/api/me")).json()["id"]
    assert (await leaver.get("/api/staff/applications")).status_code == 200
    done = await admin.post(f"/api/staff/accounts/{leaver_id}/deactivate", headers=admin_headers)
    assert done.status_code == 204
    assert (await leaver.get("/api/staff/applications")).status_code == 401
    accounts = (await admin.get("/api/staff/accounts")).json()["items"]
    assert next(a for a in accounts if a["id"] == leaver_id)["active"] is False


async def test_designer_publishes_a_procedure_residents_can_file_at_once(world):
    admin, headers = world["callers"][ADMIN]
    resident, resident_headers = world["callers"]["resident"]
    source = (await admin.get("/api/staff/procedures/dog-registration")).json()["definition"]
    source.update(
        slug="cat-registration",
        title={"ja": "猫の登録", "easy": "ねこの とうろく", "en": "Cat registration"},
        fee_yen=0,
    )
    preview = await admin.post("/api/staff/procedures/preview", json={"definition": source},
                               headers=headers)  # fmt: skip
    assert preview.status_code == 200 and preview.json()["title"]["ja"] == "猫の登録"
    published = await admin.post("/api/staff/procedures", json={"definition": source},
                                 headers=headers)  # fmt: skip
    assert published.status_code == 201, published.text
    assert published.json() == {"slug": "cat-registration", "version": 1}

    form = (await resident.get("/api/procedures/cat-registration/form")).json()
    assert form["can_file"], form["blockers"]
    answers = {name: held["value"] for name, held in form["prefill"].items()}
    answers.update(_fill_required(form))
    filed = await resident.post(
        "/api/applications",
        json={"slug": "cat-registration", "version": 1, "answers": answers},
        headers={**resident_headers, "idempotency-key": "cat-000001"},
    )
    assert filed.status_code == 201, filed.text

    bad_field = {"name": "Bad Name", "type": "text", "label": source["title"]}
    broken = {**source, "form": {"sections": [{"id": "a", "title": source["title"],
                                               "fields": [bad_field]}]}}  # fmt: skip
    refused = await admin.post("/api/staff/procedures", json={"definition": broken},
                               headers=headers)  # fmt: skip
    assert refused.status_code == 422
    # Numbers and days past what the date arithmetic holds are refused, never a 500.
    for hostile in ({"service_days": 10**12}, {"service_days": -1}, {"fee_yen": 2**63},
                    {"closes_on": "0001-01-01"}, {"closes_on": "9999-12-31"}):  # fmt: skip
        body = {"definition": {**source, **hostile}}
        answer = await admin.post("/api/staff/procedures", json=body, headers=headers)
        assert answer.status_code in (400, 422), (hostile, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    again = (await admin.get("/api/staff/procedures/cat-registration")).json()
    assert [v["version"] for v in again["versions"]] == [1]  # published versions never change


async def test_registry_import_is_checked_before_it_is_applied(world):
    admin, headers = world["callers"][ADMIN]
    csv_body = (
        "住民コード,世帯番号,続柄,氏,名,氏（フリガナ）,名（フリガナ）,生年月日,性別,郵便番号,住所\n"
        "3000000001,H3,世帯主,鈴木,一郎,スズキ,イチロウ,1970-01-01,男,181-0013,"
        "東京都三鷹市下連雀一丁目1-1\n"
    ).encode()
    checked = await admin.post(
        "/api/staff/registry/imports?filename=new.csv&dry_run=true", content=csv_body,
        headers=headers,
    )  # fmt: skip
    assert checked.status_code == 201, checked.text
    assert checked.json()["status"] == "validated", checked.json()["errors"]
    assert checked.json()["rows_created"] == 1
    supervisor, _ = world["callers"][SUPERVISOR]
    inquiry = "?reason_category=resident_inquiry&reason=電話で住民登録の有無の問い合わせ"
    missing = await supervisor.get("/api/staff/residents/3000000001" + inquiry)
    assert missing.status_code == 404
    applied = await admin.post(
        "/api/staff/registry/imports?filename=new.csv&dry_run=false", content=csv_body,
        headers=headers,
    )  # fmt: skip
    assert applied.json()["status"] == "applied"
    found = await supervisor.get("/api/staff/residents/3000000001" + inquiry)
    assert found.status_code == 200


async def test_metrics_count_what_happened(world):
    supervisor, headers = world["callers"][SUPERVISOR]
    await supervisor.post(
        f"/api/staff/applications/{world['application']}/status",
        json={"status": "approved"},
        headers=headers,
    )
    figures = (await supervisor.get("/api/staff/metrics")).json()["procedures"]
    claim = next(p for p in figures if p["slug"] == "child-rearing-allowance")
    assert claim["received"] == 1 and claim["open"] == 0 and claim["breaches"] == 0
    assert claim["median_days"] is not None and claim["online_share"] == 1.0
    csv_text = (await supervisor.get("/api/staff/metrics.csv")).text
    assert "child-rearing-allowance" in csv_text.splitlines()[1]
