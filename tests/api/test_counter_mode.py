"""書かない窓口 (issue 17): support staff find the resident in front of the desk by the
reading and birth date on their identity document, get a procedure's form already filled from
the registry, file it, and see what of the visit still waits for the resident; each read is in
the resident's access log."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from test_applications import (
    _fill_required,
    add_household,
    confirm_at_counter,
    hanako,  # noqa: F401 (a fixture)
    verified_resident,
)
from test_identity import ORIGIN, staff_client

from todoke import clock
from todoke.audit.tables import AuditEvent
from todoke.notices.letters import qr_rows
from todoke.procedures.tables import Application

HANAKO = {"family_name_kana": "さとう", "given_name_kana": "ハナコ", "birth_date": "1990-04-01"}


@pytest.fixture
async def support(client_for, app, city):
    await add_household(city)
    return await staff_client(client_for, app, city, role="support")


async def test_staff_find_the_resident_by_the_reading_and_birth_date(
    support, client_for, app, city
):
    staff, _ = support
    found = await staff.get("/api/staff/counter/residents", params=HANAKO)
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["more"] is False
    assert body["items"] == [
        {
            "registry_id": "1000000000",
            "name": "佐藤 花子",
            "kana": "サトウ ハナコ",
            "birth_date": "1990-04-01",
            "district": "下連雀",
            "has_account": False,
        }
    ]
    # The family name alone finds every サトウ born that day; half-width kana too.
    alone = await staff.get(
        "/api/staff/counter/residents",
        params={"family_name_kana": "ｻﾄｳ", "birth_date": "1990-04-01"},
    )
    assert [p["registry_id"] for p in alone.json()["items"]] == ["1000000000"]
    # Another birth day, another reading: nobody (the address is never in the list).
    for params in (
        {**HANAKO, "birth_date": "1990-04-02"},
        {**HANAKO, "family_name_kana": "スズキ"},
    ):
        nobody = await staff.get("/api/staff/counter/residents", params=params)
        assert nobody.status_code == 200 and nobody.json()["items"] == []
    assert "三鷹市下連雀三丁目" not in found.text
    events = await AuditEvent.select().where(AuditEvent.action == "resident.found_at_counter")
    assert len(events) == 2  # one per resident found, none for the empty searches
    assert {e["purpose"] for e in events} == {"counter_support"}
    # Once she has an account the desk knows she can confirm with her own passkey.
    await verified_resident(client_for, app, city, "1000000000")
    again = await staff.get("/api/staff/counter/residents", params=HANAKO)
    assert [p["has_account"] for p in again.json()["items"]] == [True]


@pytest.mark.parametrize(
    "params",
    [
        {**HANAKO, "family_name_kana": "佐藤"},  # not kana
        {**HANAKO, "family_name_kana": ""},
        {**HANAKO, "given_name_kana": "hanako"},
        {**HANAKO, "birth_date": "1990-02-30"},
        {**HANAKO, "birth_date": "1800-01-01"},
        {**HANAKO, "family_name_kana": "ア" * 65},
        {"family_name_kana": "サトウ"},  # no birth date
    ],
)
async def test_a_search_the_registry_cannot_answer_is_a_problem(support, params):
    staff, _ = support
    refused = await staff.get("/api/staff/counter/residents", params=params)
    assert refused.status_code in (400, 422), refused.text
    assert refused.headers["content-type"] == "application/problem+json"


async def test_the_form_comes_filled_from_the_registry_with_its_sources(support):
    staff, _ = support
    shown = await staff.get("/api/staff/counter/residents/1000000000/forms/child-allowance")
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["resident"]["name"] == "佐藤 花子"
    form = body["form"]
    assert form["procedure"]["slug"] == "child-allowance" and form["can_file"] is True
    filled = {name: held["value"] for name, held in form["prefill"].items()}
    assert "東京都三鷹市下連雀三丁目1-1" in filled.values()
    assert all(held["source"] for held in form["prefill"].values())
    assert {m["id"] for m in form["household"]} == {"1000000000", "1000000001", "1000000002"}
    assert form["corrections"] is False
    [event] = await AuditEvent.select().where(AuditEvent.action == "resident.prefilled_at_counter")
    assert event["purpose"] == "counter_support"
    assert json.loads(event["detail"])["procedure"] == "child-allowance"


async def test_a_missing_resident_or_procedure_is_not_found(support):
    staff, _ = support
    for path in (
        "/api/staff/counter/residents/9999999999/forms/child-allowance",
        "/api/staff/counter/residents/9999999999",
        "/api/staff/counter/residents/1000000000/forms/no-such-procedure",
    ):
        missing = await staff.get(path)
        assert missing.status_code == 404, (path, missing.text)
        assert missing.json()["detail_ja"]
    bad = await staff.get("/api/staff/counter/residents/1000000000/forms/Not_A_Slug")
    assert bad.status_code == 400


async def test_the_visit_lists_what_waits_and_what_the_resident_confirmed(
    hanako,  # noqa: F811 (the fixture)
    client_for,
    app,
    city,
):
    resident, headers = hanako
    staff, staff_headers = await staff_client(client_for, app, city, role="support")
    empty = await staff.get("/api/staff/counter/residents/1000000000")
    assert empty.status_code == 200, empty.text
    assert empty.json()["filings"] == [] and empty.json()["waiting"] == 0
    assert empty.json()["resident"]["has_account"] is True

    codes = []
    for slug, key in (("oversized-garbage", "visit-0001"), ("dog-registration", "visit-0002")):
        form = (await staff.get(f"/api/staff/counter/residents/1000000000/forms/{slug}")).json()
        answers = {name: held["value"] for name, held in form["form"]["prefill"].items()}
        answers.update(_fill_required(form["form"]))
        filed = await staff.post(
            "/api/staff/assisted-applications",
            json={"person_registry_id": "1000000000", "slug": slug,
                  "version": form["form"]["version"], "answers": answers,
                  "started_seconds_ago": 300},
            headers={**staff_headers, "idempotency-key": key},
        )  # fmt: skip
        assert filed.status_code == 201, filed.text
        pending = filed.json()
        codes.append(pending["confirmation_code"])
        # The QR code the desk shows opens the confirmation on this municipality's origin.
        assert pending["confirm_qr"] == qr_rows(
            f"{ORIGIN}/confirm?code={pending['confirmation_code']}"
        )

    visit = (await staff.get("/api/staff/counter/residents/1000000000")).json()
    assert visit["waiting"] == 2
    assert [(f["slug"], f["state"], f["mine"]) for f in visit["filings"]] == [
        ("dog-registration", "waiting", True),
        ("oversized-garbage", "waiting", True),
    ]
    assert all(f["expires_at"] for f in visit["filings"])

    confirmed = await confirm_at_counter(resident, headers, codes[0])
    assert confirmed.status_code == 200, confirmed.text
    visit = (await staff.get("/api/staff/counter/residents/1000000000")).json()
    assert visit["waiting"] == 1
    states = {f["slug"]: (f["state"], f["status"]) for f in visit["filings"]}
    assert states == {
        "oversized-garbage": ("confirmed", "submitted"),
        "dog-registration": ("waiting", "awaiting_confirmation"),
    }

    # Another desk's colleague sees the same visit, and that the filings are not theirs.
    colleague, _ = await staff_client(client_for, app, city, role="support")
    theirs = (await colleague.get("/api/staff/counter/residents/1000000000")).json()
    assert [f["mine"] for f in theirs["filings"]] == [False, False]

    # Past its half hour, the waiting one has expired: to be filed again.
    waiting_id = next(f["application_id"] for f in visit["filings"] if f["state"] == "waiting")
    await Application.update(
        {Application.confirmation_expires_at: clock.now() - timedelta(seconds=1)}
    ).where(Application.id == waiting_id)
    visit = (await staff.get("/api/staff/counter/residents/1000000000")).json()
    assert {f["slug"]: f["state"] for f in visit["filings"]}["dog-registration"] == "expired"
    assert visit["waiting"] == 0


async def test_residents_and_strangers_may_not(client_for, app, city, hanako):  # noqa: F811
    """Counter work is staff's (support, caseworkers and up: COUNTER_FILE); a resident's
    session, even the resident's own, and no session are refused."""
    resident, _ = hanako
    for who in (resident, client_for(app)):
        for path in (
            "/api/staff/counter/residents/1000000000",
            "/api/staff/counter/residents/1000000000/forms/child-allowance",
        ):
            refused = await who.get(path)
            assert refused.status_code in (401, 403), (path, refused.text)
            assert "下連雀" not in refused.text
        search = await who.get("/api/staff/counter/residents", params=HANAKO)
        assert search.status_code in (401, 403)
    assert not await AuditEvent.select().where(AuditEvent.purpose == "counter_support")


async def test_a_protected_residents_address_is_withheld_at_a_counter_without_the_need(
    support, client_for, app, city
):
    """支援措置: support staff at the counter read 「非表示」 for her district and address and
    file with the registry's, unseen; citizens staff (the need) read them. Both audited."""
    supervisor, supervisor_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=("citizens",)
    )
    protected = await supervisor.put(
        "/api/staff/residents/1000000000/protection",
        json={"named_persons": [], "named_outside": ["山田 太郎"]},
        headers=supervisor_headers,
    )
    assert protected.status_code == 200, protected.text
    staff, staff_headers = support

    found = (await staff.get("/api/staff/counter/residents", params=HANAKO)).json()
    assert found["items"][0]["district"] == "非表示"
    shown = await staff.get("/api/staff/counter/residents/1000000000/forms/oversized-garbage")
    assert shown.status_code == 200, shown.text
    assert "三鷹市下連雀" not in shown.text and "181-0013" not in shown.text
    assert "下連雀" not in shown.text
    form = shown.json()["form"]
    answers = {name: held["value"] for name, held in form["prefill"].items()}
    assert "非表示" in answers.values()
    answers.update(_fill_required(form))
    filed = await staff.post(
        "/api/staff/assisted-applications",
        json={"person_registry_id": "1000000000", "slug": "oversized-garbage",
              "version": form["version"], "answers": answers},
        headers={**staff_headers, "idempotency-key": "protected-0001"},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    [stored] = await Application.select(Application.answers).where(
        Application.id == filed.json()["application_id"]
    )
    assert "東京都三鷹市下連雀三丁目1-1" in str(stored["answers"])
    assert "非表示" not in str(stored["answers"])

    seen = await supervisor.get("/api/staff/counter/residents/1000000000/forms/oversized-garbage")
    assert "東京都三鷹市下連雀三丁目1-1" in seen.text
    actions = [e["action"] for e in await AuditEvent.select(AuditEvent.action)]
    assert "protection.contact_withheld" in actions and "protection.contact_viewed" in actions
