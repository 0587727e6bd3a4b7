"""Staff see only what their job needs (issue 13, part 1).

A matrix over the staff routes that return a resident's data × role × department × field
asserts exactly what each sees; then the basis of an opening (case, consultation,
follow-up, or a reason supervisors review), the resident's access log, the audit of the
corrections queue, and the grants as data an administrator changes.
"""

from __future__ import annotations

import json

import pytest
from test_applications import add_household, filed_application, verified_resident
from test_identity import staff_client

from todoke import clock
from todoke.audit.service import verify_chain
from todoke.audit.tables import AuditEvent
from todoke.staff.tables import NeedToKnow, ReasonOpening

ADMIN, SUPERVISOR, CASEWORKER, SUPPORT = "administrator", "supervisor", "caseworker", "support"
DEPARTMENTS = (
    "citizens", "child-support", "nursery", "waste", "health", "welfare", "elderly", "tax",
)  # fmt: skip
PERSON = "1000000000"

# What each section of the record is, as JSON fields of the view.
FIELDS = {
    "identity": {"person.name", "person.kana", "person.birth_date", "person.sex",
                 "person.relation", "person.resident_since", "person.status"},
    "contact": {"person.postal_code", "person.address"},
    "household": {"household"},
    "income": {"facts.income_yen"},
    "tax_exempt": {"facts.tax_exempt"},
    "single_parent": {"facts.single_parent"},
    "livelihood_aid": {"facts.livelihood_aid"},
    "disability": {"facts.disability_certificate"},
    "care_level": {"facts.care_level"},
    "pregnancy": {"facts.pregnancy_due_date"},
    "applications": {"applications"},
    "consultations": {"consultations"},
    "notices": {"notices"},
}  # fmt: skip
SECTIONS = set(FIELDS)

# What the defaults promise, written out by hand (the test must not read the code's table).
BASIC = {"identity", "contact"}
OWN = {"applications", "consultations"}
WORK = {
    "citizens": BASIC | OWN | {"household", "notices"},
    "child-support": BASIC | OWN | {"household", "notices", "income", "tax_exempt",
                                    "single_parent", "livelihood_aid", "pregnancy"},
    "nursery": BASIC | OWN | {"household", "notices", "income", "tax_exempt", "single_parent",
                              "livelihood_aid", "disability"},
    "welfare": SECTIONS,
    "elderly": BASIC | OWN | {"household", "notices", "income", "tax_exempt", "livelihood_aid",
                              "disability", "care_level"},
    "tax": BASIC | OWN | {"household", "income", "tax_exempt", "single_parent", "disability"},
    "waste": BASIC | OWN,
    "health": BASIC | OWN,
}  # fmt: skip
WELFARE_AND_TAX = {"income", "tax_exempt", "single_parent", "livelihood_aid", "disability",
                   "care_level", "pregnancy"}  # fmt: skip


def expected(role: str, department: str | None) -> set[str]:
    if role in (ADMIN, SUPPORT) or department is None:
        return BASIC
    return WORK[department]


def fields_of(view: dict) -> set[str]:
    """Every resident field present in a view (the registry id the caller typed aside)."""
    found = {f"person.{k}" for k in view["person"] if k != "registry_id"}
    found |= {f"facts.{k}" for k in view.get("facts", {})}
    found |= {k for k in ("household", "applications", "consultations", "notices") if k in view}
    return found


def fields_for(sections: set[str]) -> set[str]:
    return set().union(*(FIELDS[s] for s in sections)) if sections else set()


@pytest.fixture
async def resident(client_for, app, city):
    """佐藤 花子: verified, consenting to sharing, with a 児童扶養手当 claim (子育て支援課)
    and a correction request (市民課)."""
    await add_household(city)
    client, headers = await verified_resident(client_for, app, city, PERSON)
    application = await filed_application(client, headers)
    granted = await client.post(
        "/api/me/consents", json={"purpose": "sharing", "granted": True}, headers=headers
    )
    assert granted.status_code == 200
    correction = await client.post(
        "/api/corrections",
        json={"slug": "child-rearing-allowance", "field": "claimant_address", "note": "番地違い"},
        headers=headers,
    )
    assert correction.status_code == 201, correction.text
    return {"client": client, "headers": headers, "application": application}


async def consultation_of(staff, headers, department: str, registry_id: str = PERSON) -> int:
    recorded = await staff.post(
        f"/api/staff/residents/{registry_id}/consultations",
        json={
            "department": department,
            "topics": ["other"],
            "summary": "来庁時の相談",
            "held_on": clock.today().isoformat(),
            "follow_ups": [{"task": "折り返し電話", "due_on": clock.today().isoformat()}],
        },
        headers=headers,
    )
    assert recorded.status_code == 201, recorded.text
    return int(recorded.json()["id"])


async def test_every_role_and_department_sees_exactly_its_fields(client_for, app, city, resident):
    application = resident["application"]
    failures = []
    callers: list[tuple[str, str | None]] = [(ADMIN, None)] + [
        (role, department)
        for department in DEPARTMENTS
        for role in (SUPERVISOR, CASEWORKER, SUPPORT)
    ]
    for role, department in callers:
        departments = [department] if department else []
        staff, headers = await staff_client(client_for, app, city, role, departments)
        # Each opens on its own department's work: the claim (子育て支援課, administrators
        # see every department) or a consultation of its department.
        if department in (None, "child-support"):
            basis = f"case={application['id']}"
        else:
            basis = f"consultation={await consultation_of(staff, headers, department)}"
        response = await staff.get(f"/api/staff/residents/{PERSON}?{basis}")
        who = f"{role}@{department or '-'}"
        if response.status_code != 200:
            failures.append(f"{who}: {response.status_code} {response.text[:200]}")
            continue
        view = response.json()
        want = expected(role, department)
        if fields_of(view) != fields_for(want):
            failures.append(
                f"{who}: extra {sorted(fields_of(view) - fields_for(want))}, "
                f"missing {sorted(fields_for(want) - fields_of(view))}"
            )
        if set(view["sections"]) != want:
            failures.append(f"{who}: sections {view['sections']}")
        withheld = {w["section"] for w in view["withheld"]}
        if withheld != SECTIONS - want or any(
            w["reason"] != "need_to_know" for w in view["withheld"]
        ):
            failures.append(f"{who}: withheld {view['withheld']}")
        if view["person"]["registry_id"] != PERSON:
            failures.append(f"{who}: registry id {view['person']}")
        if role == ADMIN or department == "child-support":
            assert view["basis"]["kind"] == "case", view["basis"]
            assert view["basis"]["receipt_number"] == application["receipt_number"]
    assert not failures, "\n".join(failures)


async def test_the_other_staff_routes_with_resident_data_by_role_and_department(
    client_for, app, city, resident
):
    """The case (its answers) and the corrections queue (addresses, notes): who gets them."""
    application = resident["application"]["id"]
    failures = []
    for role in (ADMIN, SUPERVISOR, CASEWORKER, SUPPORT):
        for department in (None,) if role == ADMIN else DEPARTMENTS:
            staff, _ = await staff_client(
                client_for, app, city, role, [department] if department else []
            )
            who = f"{role}@{department or '-'}"
            case = await staff.get(f"/api/staff/applications/{application}?purpose=case_handling")
            want_case = (
                200
                if role == ADMIN or (role != SUPPORT and department == "child-support")
                else 403
                if role == SUPPORT
                else 404
            )
            if case.status_code != want_case:
                failures.append(f"{who} case: {case.status_code}")
            elif case.status_code == 200 and "answers" not in case.json():
                failures.append(f"{who} case: no answers")
            listed = (await staff.get("/api/staff/corrections")).json()["items"]
            sees = role == ADMIN or department == "citizens"
            if bool(listed) != sees:
                failures.append(f"{who} corrections: {len(listed)}")
            elif sees and listed[0]["current_value"] != "東京都三鷹市下連雀三丁目1-1":
                failures.append(f"{who} corrections: {listed[0]}")
    assert not failures, "\n".join(failures)


async def test_a_caseworker_reads_no_welfare_or_tax_fact_outside_their_work(
    client_for, app, city, resident
):
    application = resident["application"]["id"]
    welfare, headers = await staff_client(client_for, app, city, CASEWORKER, ["welfare"])
    waste, waste_headers = await staff_client(client_for, app, city, CASEWORKER, ["waste"])
    # Another department's case, consultation or follow-up is no basis for welfare.
    child_support, cs_headers = await staff_client(
        client_for, app, city, CASEWORKER, ["child-support"]
    )
    theirs = await consultation_of(child_support, cs_headers, "child-support")
    their_task = (await child_support.get("/api/staff/follow-ups")).json()["items"][0]["id"]
    audited = await AuditEvent.count()
    for basis in (f"case={application}", f"consultation={theirs}", f"follow_up={their_task}",
                  "case=999999", "consultation=999999"):  # fmt: skip
        refused = await welfare.get(f"/api/staff/residents/{PERSON}?{basis}")
        assert refused.status_code == 422, (basis, refused.text)
        assert "facts" not in refused.text and "佐藤" not in refused.text
    assert await AuditEvent.count() == audited  # nothing was shown, nothing recorded

    # On a reason alone, welfare sees who the resident is, not their welfare or tax facts,
    # though the resident consented to sharing and welfare may see them on its own work.
    reason = "?reason_category=resident_inquiry&reason=本人から電話で手続きの問い合わせ"
    view = (await welfare.get(f"/api/staff/residents/{PERSON}{reason}")).json()
    assert "facts" not in view and "person.name" in fields_of(view)
    assert {w["section"] for w in view["withheld"] if w["reason"] == "basis"} == WELFARE_AND_TAX
    ours = await consultation_of(welfare, headers, "welfare")
    on_work = (await welfare.get(f"/api/staff/residents/{PERSON}?consultation={ours}")).json()
    assert set(on_work["facts"]) == {
        "income_yen", "tax_exempt", "single_parent", "livelihood_aid",
        "disability_certificate", "care_level", "pregnancy_due_date",
    }  # fmt: skip
    welfare_task = next(
        t["id"]
        for t in (await welfare.get("/api/staff/follow-ups")).json()["items"]
        if t["consultation_id"] == ours
    )
    by_task = await welfare.get(f"/api/staff/residents/{PERSON}?follow_up={welfare_task}")
    assert by_task.status_code == 200 and by_task.json()["basis"]["kind"] == "follow_up"

    # Waste on its own consultation: no welfare or tax fact at all.
    own = await consultation_of(waste, waste_headers, "waste")
    seen = (await waste.get(f"/api/staff/residents/{PERSON}?consultation={own}")).json()
    assert "facts" not in seen and "household" not in seen
    assert not fields_of(seen) & fields_for(WELFARE_AND_TAX)


@pytest.mark.parametrize(
    "query",
    [
        "",  # a bare id
        "?purpose=consultation",  # the old four words, tied to nothing
        "?purpose=case_handling",
        "?reason=本人から電話で手続きの問い合わせ",  # no category
        "?reason_category=resident_inquiry&reason=確認",  # too short
        "?reason_category=resident_inquiry&reason=" + "長" * 501,
        "?reason_category=gossip&reason=本人から電話で手続きの問い合わせ",
        "?reason_category=other&reason=本人から電話で%00手続きの問い合わせ",
        "?case=1&consultation=1",  # two bases
        "?case=0",
        "?case=99999999999999999999",
        "?follow_up=abc",
    ],
)
async def test_an_opening_without_one_valid_basis_is_refused(
    client_for, app, city, resident, query
):
    supervisor, _ = await staff_client(client_for, app, city, SUPERVISOR, ["welfare"])
    audited = await AuditEvent.count()
    response = await supervisor.get(f"/api/staff/residents/{PERSON}{query}")
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "佐藤" not in response.text
    assert await AuditEvent.count() == audited
    assert await ReasonOpening.count() == 0


async def test_a_registry_person_without_an_account_needs_a_basis_too(client_for, app, city):
    await add_household(city)  # nobody of it has an account
    admin, _ = await staff_client(client_for, app, city, ADMIN)
    bare = await admin.get("/api/staff/residents/1000000001")
    assert bare.status_code == 422
    # Administrators have no need to open residents on a reason alone.
    reason = "?reason_category=other&reason=アカウントの有無を確認するため"
    refused = await admin.get(f"/api/staff/residents/1000000001{reason}")
    assert refused.status_code == 403, refused.text
    counter, _ = await staff_client(client_for, app, city, SUPPORT, ["citizens"])
    seen = await counter.get(f"/api/staff/residents/1000000001{reason}")
    assert seen.status_code == 200
    assert fields_of(seen.json()) == fields_for(BASIC)
    assert seen.json()["has_account"] is False


async def test_reason_only_openings_are_listed_for_supervisors_to_review(
    client_for, app, city, resident
):
    caseworker, _ = await staff_client(client_for, app, city, CASEWORKER, ["welfare"])
    supervisor, headers = await staff_client(client_for, app, city, SUPERVISOR, ["welfare"])
    elsewhere, elsewhere_headers = await staff_client(client_for, app, city, SUPERVISOR, ["waste"])
    reason = "民生委員から生活状況について照会があったため"
    opened = await caseworker.get(
        f"/api/staff/residents/{PERSON}",
        params={"reason_category": "agency_inquiry", "reason": reason},
    )
    assert opened.status_code == 200, opened.text
    assert opened.json()["basis"] == {"kind": "reason", "category": "agency_inquiry"}

    # A case opening is no reason opening: nothing to review for it.
    case = resident["application"]
    cs, _ = await staff_client(client_for, app, city, CASEWORKER, ["child-support"])
    assert (await cs.get(f"/api/staff/residents/{PERSON}?case={case['id']}")).status_code == 200

    assert (await caseworker.get("/api/staff/reason-openings")).status_code == 403
    assert (await elsewhere.get("/api/staff/reason-openings")).json()["items"] == []
    audited = await AuditEvent.count()
    listed = (await supervisor.get("/api/staff/reason-openings")).json()["items"]
    assert [(o["registry_id"], o["category"], o["reason"], o["staff_name"]) for o in listed] == [
        (PERSON, "agency_inquiry", reason, "職員 caseworker")
    ]
    assert listed[0]["reviewed_at"] is None
    event = await AuditEvent.select().order_by(AuditEvent.id, ascending=False).first()
    assert await AuditEvent.count() == audited + 1
    assert event["action"] == "reason_openings.listed" and event["subject_person"] is not None

    opening = listed[0]["id"]
    another = await elsewhere.post(
        f"/api/staff/reason-openings/{opening}/reviewed", headers=elsewhere_headers
    )
    assert another.status_code == 404  # another department's supervisor
    done = await supervisor.post(f"/api/staff/reason-openings/{opening}/reviewed", headers=headers)
    assert done.status_code == 204, done.text
    assert (await supervisor.get("/api/staff/reason-openings")).json()["items"] == []
    reviewed = (await supervisor.get("/api/staff/reason-openings?reviewed=true")).json()["items"]
    assert reviewed[0]["reviewed_by_name"] == "職員 supervisor"
    row = await ReasonOpening.select().where(ReasonOpening.id == opening).first()
    assert row["reviewed_at"] is not None
    actions = [e["action"] for e in await AuditEvent.select(AuditEvent.action)]
    assert "reason_opening.reviewed" in actions
    assert (await verify_chain(city.id)).first_broken is None


async def test_a_supervisor_does_not_review_their_own_reason_opening(
    client_for, app, city, resident
):
    supervisor, headers = await staff_client(client_for, app, city, SUPERVISOR, ["welfare"])
    opened = await supervisor.get(
        f"/api/staff/residents/{PERSON}",
        params={"reason_category": "new_consultation", "reason": "窓口で新しい相談を受けたため"},
    )
    assert opened.status_code == 200
    mine = (await supervisor.get("/api/staff/reason-openings")).json()["items"][0]["id"]
    refused = await supervisor.post(f"/api/staff/reason-openings/{mine}/reviewed", headers=headers)
    assert refused.status_code == 403
    assert (await ReasonOpening.select().first())["reviewed_at"] is None


async def test_the_access_log_shows_the_basis_but_not_the_staff_members_words(
    client_for, app, city, resident
):
    case = resident["application"]
    cs, _ = await staff_client(client_for, app, city, CASEWORKER, ["child-support"])
    counter, _ = await staff_client(client_for, app, city, SUPPORT, ["citizens"])
    assert (await cs.get(f"/api/staff/residents/{PERSON}?case={case['id']}")).status_code == 200
    words = "隣人が心配していると電話があったため"
    counted = await counter.get(
        f"/api/staff/residents/{PERSON}", params={"reason_category": "other", "reason": words}
    )
    assert counted.status_code == 200
    log = (await resident["client"].get("/api/me/access-log")).json()
    viewed = [e for e in log if e["action"] == "resident.viewed"]
    assert [e["basis"] for e in viewed] == [
        {"kind": "reason", "category": "other"},
        {"kind": "case", "receipt_number": case["receipt_number"], "department": "child-support"},
    ]
    assert [e["purpose"] for e in viewed] == ["reason", "case"]
    assert words not in json.dumps(log, ensure_ascii=False)
    # The trail keeps the words for the supervisors and auditors.
    stored = await AuditEvent.select().where(AuditEvent.action == "resident.viewed")
    details = [e["detail"] if isinstance(e["detail"], dict) else json.loads(e["detail"])
               for e in stored]  # fmt: skip
    assert any(d.get("reason") == words for d in details)


async def test_the_access_log_names_staff_by_role_and_department_and_says_why(
    client_for, app, city, resident
):
    """Issue 15: the resident's screen needs who (role, department: never the staff
    member's name), which department, and why as words the app has, for every entry."""
    case = resident["application"]
    cs, _ = await staff_client(client_for, app, city, CASEWORKER, ["child-support"])
    counter, _ = await staff_client(client_for, app, city, SUPPORT, ["citizens"])
    assert (await cs.get(f"/api/staff/residents/{PERSON}?case={case['id']}")).status_code == 200
    opened = await cs.get(f"/api/staff/applications/{case['id']}?purpose=case_handling")
    assert opened.status_code == 200
    counted = await counter.get(
        f"/api/staff/residents/{PERSON}",
        params={"reason_category": "resident_inquiry", "reason": "本人から電話で問い合わせ"},
    )
    assert counted.status_code == 200
    response = await resident["client"].get("/api/me/access-log")
    assert response.status_code == 200
    log = response.json()
    by_reason, by_case = [e for e in log if e["action"] == "resident.viewed"]
    child_support = {"code": "child-support", "ja": "子育て支援課", "easy": "こそだて しえんか",
                     "en": "Child Support Division"}  # fmt: skip
    assert by_case["actor"] == {"kind": "staff", "role": "caseworker",
                                "departments": [child_support]}  # fmt: skip
    assert by_case["why"] == "case_handling" and by_case["department"] == child_support
    assert by_reason["actor"]["role"] == "support"
    assert [d["ja"] for d in by_reason["actor"]["departments"]] == ["市民課"]
    assert by_reason["why"] == "reason" and by_reason["department"] is None
    assert by_reason["basis"] == {"kind": "reason", "category": "resident_inquiry"}
    application = next(e for e in log if e["action"] == "application.opened")
    assert application["why"] == "case_handling" and application["actor"]["role"] == "caseworker"
    # The resident's own doings are theirs; verification and sign-in have words too.
    verified = next(e for e in log if e["action"] == "identity.verified")
    assert verified["actor"] == {"kind": "you", "role": None, "departments": []}
    assert verified["why"] == "identity_verification"
    issued = next(e for e in log if e["action"] == "identity.activation_code_issued")
    assert issued["actor"]["kind"] == "system" and issued["why"] == "identity_verification"
    assert all(e["why"] != "other" for e in log), [e["purpose"] for e in log]
    # No staff member's name (nor account) reaches the resident.
    text = response.text
    assert "職員 caseworker" not in text and "職員 support" not in text
    assert "actor_account" not in text


async def test_a_resident_never_sees_what_was_done_with_someone_else(
    client_for, app, city, resident
):
    """IDOR: staff opened 佐藤 花子's record; another verified resident's log holds none of
    it, and nobody signed out reads any log."""
    cs, _ = await staff_client(client_for, app, city, CASEWORKER, ["child-support"])
    case = resident["application"]
    assert (await cs.get(f"/api/staff/residents/{PERSON}?case={case['id']}")).status_code == 200
    await add_household(city, registry_prefix="2")
    other, _ = await verified_resident(client_for, app, city, "2000000000")
    theirs = (await other.get("/api/me/access-log")).json()
    assert theirs and {e["action"] for e in theirs} <= {
        "identity.activation_code_issued", "identity.verified", "identity.signed_in",
    }  # fmt: skip
    mine = {e["id"] for e in (await resident["client"].get("/api/me/access-log")).json()}
    assert mine.isdisjoint(e["id"] for e in theirs)
    async with client_for(app) as stranger:
        refused = await stranger.get("/api/me/access-log")
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")


async def test_staff_openings_are_not_crowded_out_by_the_residents_own_sign_ins(
    client_for, app, city, resident
):
    """The log lists the newest 200 events; asked for staff's only, an opening stays on
    the resident's screen however often they signed in since."""
    from todoke.audit.service import Subject, record_many
    from todoke.identity.tables import Account

    cs, _ = await staff_client(client_for, app, city, CASEWORKER, ["child-support"])
    case = resident["application"]
    assert (await cs.get(f"/api/staff/residents/{PERSON}?case={case['id']}")).status_code == 200
    account = (await Account.select(Account.id).where(Account.display_name == "はなこ"))[0]["id"]
    await record_many(
        municipality_id=city.id, actor_kind="resident", actor_account=account,
        action="identity.signed_in", purpose="sign-in",
        subjects=[Subject(person=None, account=account)] * 205,
    )  # fmt: skip
    client = resident["client"]
    everything = (await client.get("/api/me/access-log")).json()
    assert len(everything) == 200
    assert {e["action"] for e in everything} == {"identity.signed_in"}
    by_staff = await client.get("/api/me/access-log", params={"actor": "staff"})
    assert by_staff.status_code == 200
    assert [e["action"] for e in by_staff.json()][:1] == ["resident.viewed"]
    assert {e["actor"]["kind"] for e in by_staff.json()} == {"staff"}
    for bad in ("resident", "STAFF", "staff' OR '1'='1", ""):
        refused = await client.get("/api/me/access-log", params={"actor": bad})
        assert refused.status_code == 400, (bad, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")


def test_every_purpose_the_trail_writes_has_a_why():
    """The codes the resident's app has words for; a stored purpose outside them reads as
    "other" (words still, never the raw text)."""
    from todoke.identity.access_log import WHY_CODES, why

    assert why("identity verification by letter") == "identity_verification"
    assert why("account recovery by counter") == "account_recovery"
    assert why("activation letter (recovery)") == "account_recovery"
    assert why("something new") == "other"
    assert why("sign-in") in WHY_CODES


async def test_reading_the_corrections_queue_is_audited(client_for, app, city, resident):
    citizens, _ = await staff_client(client_for, app, city, CASEWORKER, ["citizens"])
    audited = await AuditEvent.count()
    listed = await citizens.get("/api/staff/corrections")
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1
    assert await AuditEvent.count() == audited + 1
    event = await AuditEvent.select().order_by(AuditEvent.id, ascending=False).first()
    assert event["action"] == "corrections.listed" and event["actor_kind"] == "staff"
    assert event["subject_person"] is not None and event["purpose"]
    log = (await resident["client"].get("/api/me/access-log")).json()
    assert log[0]["action"] == "corrections.listed"
    # Staff of a department with no corrections read nothing about anyone: no event.
    waste, _ = await staff_client(client_for, app, city, CASEWORKER, ["waste"])
    audited = await AuditEvent.count()
    assert (await waste.get("/api/staff/corrections")).json()["items"] == []
    assert await AuditEvent.count() == audited


async def test_an_administrator_changes_the_grants_and_the_view_follows(
    client_for, app, city, resident
):
    case = resident["application"]
    admin, admin_headers = await staff_client(client_for, app, city, ADMIN)
    cs, cs_headers = await staff_client(client_for, app, city, CASEWORKER, ["child-support"])
    opened = f"/api/staff/residents/{PERSON}?case={case['id']}"
    assert "income_yen" in (await cs.get(opened)).json()["facts"]

    grants = (await admin.get("/api/staff/need-to-know")).json()
    assert "open_by_reason" in grants["items"] and "income" in grants["items"]
    rules = grants["rules"]
    cs_rule = next(
        r for r in rules if (r["role"], r["department"]) == (CASEWORKER, "child-support")
    )
    assert "income" in cs_rule["items"] and "care_level" not in cs_rule["items"]
    support_rule = next(r for r in rules if (r["role"], r["department"]) == (SUPPORT, "*"))
    assert sorted(support_rule["items"]) == ["contact", "identity", "open_by_reason"]

    cs_rule["items"].remove("income")
    # Hostile and broken changes are refused whole: nothing changes.
    stored = await NeedToKnow.count()
    for broken in (
        [*rules, {"role": "janitor", "department": "*", "items": ["income"]}],
        [*rules, {"role": SUPPORT, "department": "nowhere", "items": ["income"]}],
        [*rules, {"role": SUPPORT, "department": "tax", "items": ["everything"]}],
        [*rules, {"role": CASEWORKER, "department": "child-support", "items": []}],  # twice
        [],
    ):
        refused = await admin.put(
            "/api/staff/need-to-know", json={"rules": broken}, headers=admin_headers
        )
        assert refused.status_code == 422, refused.text
    assert await NeedToKnow.count() == stored
    assert (
        await cs.put("/api/staff/need-to-know", json={"rules": rules}, headers=cs_headers)
    ).status_code == 403

    changed = await admin.put(
        "/api/staff/need-to-know", json={"rules": rules}, headers=admin_headers
    )
    assert changed.status_code == 200, changed.text
    assert await NeedToKnow.count() == stored - 1
    event = await AuditEvent.select().order_by(AuditEvent.id, ascending=False).first()
    assert event["action"] == "need_to_know.changed"
    detail = event["detail"] if isinstance(event["detail"], dict) else json.loads(event["detail"])
    assert detail == {"added": [], "removed": ["caseworker/child-support/income"]}

    view = (await cs.get(opened)).json()
    assert "income_yen" not in view["facts"] and "single_parent" in view["facts"]
    assert {"section": "income", "reason": "need_to_know"} in view["withheld"]


async def test_follow_up_opening_after_the_task_is_done_still_names_it(
    client_for, app, city, resident
):
    """A done follow-up is still work of the department: it remains a basis."""
    welfare, headers = await staff_client(client_for, app, city, CASEWORKER, ["welfare"])
    ours = await consultation_of(welfare, headers, "welfare")
    task = (await welfare.get("/api/staff/follow-ups")).json()["items"][0]
    assert task["consultation_id"] == ours
    done = await welfare.post(f"/api/staff/follow-ups/{task['id']}/done", headers=headers)
    assert done.status_code == 204
    view = await welfare.get(f"/api/staff/residents/{PERSON}?follow_up={task['id']}")
    assert view.status_code == 200
    basis = view.json()["basis"]
    assert basis["kind"] == "follow_up" and basis["department"] == "welfare"
    assert basis["held_on"] == clock.today().isoformat()
