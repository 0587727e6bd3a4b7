"""Every match recorded and told by some channel: the app for residents who consented, a
letter (once the approver records its legal basis) for those no digital channel reaches, the
next channel for whoever did not open the first, and the calendar's own changes picked up
by the daily pass. Each delivery is one row per person, programme and channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_applications import verified_resident
from test_identity import staff_client
from test_programs import household, support_notices, town  # noqa: F401 (the fixture)

from todoke import clock
from todoke.benefits import telling
from todoke.benefits.tables import ProgramDelivery, ProgramMatch
from todoke.registry.tables import Person

SLUG = "low-income-check"
PROGRAM = f"/api/staff/programs/{SLUG}"
TEXT = {"ja": "テスト給付", "easy": "てすと", "en": "Test benefit"}
# Low income, an adult: A qualifies (and consented), E too (withdrew consent); B earns too much.
RULE = {"and": [{"<": [{"var": "income_yen"}, 1_500_000]}, {">=": [{"var": "age"}, 18]}]}


async def _draft(client_for, app, city, **overrides):
    """A programme drafted and submitted by one supervisor; the other approves."""
    drafter, drafter_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["child-support"]
    )
    approver = await staff_client(
        client_for, app, city, role="supervisor", departments=["child-support"]
    )
    draft = {
        "slug": SLUG,
        "department": "child-support",
        "title": TEXT,
        "summary": TEXT,
        "action": TEXT,
        "rule": RULE,
        "delivery": "inform",
        **overrides,
    }
    saved = await drafter.put("/api/staff/programs", json=draft, headers=drafter_headers)
    assert saved.status_code == 200, saved.text
    submitted = await drafter.post(f"{PROGRAM}/submit", headers=drafter_headers)
    assert submitted.status_code == 200, submitted.text
    return approver


async def _others(city) -> None:
    # G never signed up; H filed no income return (所得の申告: cannot tell).
    await household(city, "G", [{"age": 52, "income": 600_000}])
    await household(city, "H", [{"age": 47, "income": None}])


async def _deliveries() -> dict[tuple[str, str], str]:
    everyone = await Person.select(Person.id, Person.registry_id)
    persons = {p["id"]: p["registry_id"] for p in everyone}
    return {
        (persons[d["person"]], d["channel"]): d["state"]
        for d in await ProgramDelivery.select().where(ProgramDelivery.slug == SLUG)
    }


async def test_every_match_is_recorded_with_why_nobody_was_told(client_for, app, city, town):  # noqa: F811
    await _others(city)
    approver, headers = await _draft(client_for, app, city)
    preview = await approver.post(f"{PROGRAM}/preview", headers=headers)
    assert preview.status_code == 200, preview.text
    forecast = preview.json()["forecast"]
    # C's head (1,000,000) and D (400,000) are low-income adults with accounts too.
    assert forecast["app"] == 3 and forecast["letter"] == 2  # if the approver records a basis
    assert forecast["cannot_tell"] == 2  # H, and C's spouse: no income on record

    approved = await approver.post(f"{PROGRAM}/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["told"] == 3
    figures = approved.json()["figures"]
    assert figures["matched"] == 5 and figures["notified"] == 3
    assert figures["by_channel"] == {"app": 3, "email": 0, "letter": 0}
    assert figures["not_told"] == {"no_account": 1, "no_consent": 1}
    assert figures["cannot_tell"] == 2
    assert await _deliveries() == {("A00", "app"): "sent", ("C00", "app"): "sent",
                                   ("D00", "app"): "sent"}  # fmt: skip

    # Staff of the department see whom to ask, with the missing fact named.
    listed = await approver.get(f"{PROGRAM}/to-check", headers=headers)
    assert listed.status_code == 200, listed.text
    assert [p["registry_id"] for p in listed.json()["items"]] == ["C01", "H00"]
    assert listed.json()["total"] == 2
    assert all(any("所得" in why for why in p["why"]) for p in listed.json()["items"])
    wrong = await approver.get(f"{PROGRAM}/to-check?kind=everyone", headers=headers)
    assert wrong.status_code in (400, 422)


async def test_a_letter_goes_where_no_digital_channel_reaches(client_for, app, city, town):  # noqa: F811
    await _others(city)
    approver, headers = await _draft(client_for, app, city)
    basis = "個人情報保護法第69条第2項第2号（事務の遂行に必要な範囲での内部利用）"
    approved = await approver.post(
        f"{PROGRAM}/approve", json={"letter_basis": basis}, headers=headers
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["letter_basis"] == basis
    assert approved.json()["told"] == 5  # three in the app, E and G by letter
    figures = approved.json()["figures"]
    assert figures["by_channel"] == {"app": 3, "email": 0, "letter": 2}
    assert figures["letters_queued"] == 2 and figures["not_told"] == {}
    deliveries = await _deliveries()
    assert deliveries[("E00", "letter")] == "queued" and deliveries[("G00", "letter")] == "queued"
    assert ("A00", "letter") not in deliveries
    # Nothing is sent twice on a channel, however often the programme is matched again.
    assert await telling.match_and_notify(city.id, SLUG) == 0
    assert await telling.calendar_pass(city.id, force=True) == 0
    assert await _deliveries() == deliveries


async def test_a_letter_reader_who_joins_later_hears_in_the_app_once(client_for, app, city, town):  # noqa: F811
    approver, headers = await _draft(client_for, app, city)
    await approver.post(f"{PROGRAM}/approve", json={"letter_basis": "§69(2)(ii)"}, headers=headers)
    assert (await _deliveries())[("E00", "letter")] == "queued"
    client, resident_headers = town["E"]
    granted = await client.post(
        "/api/me/consents", json={"purpose": "matching", "granted": True}, headers=resident_headers
    )
    assert granted.status_code == 200
    assert len(await support_notices(client)) == 1
    assert (await _deliveries())[("E00", "app")] == "sent"
    [match] = await ProgramMatch.select().where(ProgramMatch.person.registry_id == "E00")
    assert match["not_told"] is None and match["notified_at"] is not None
    again = await client.post(
        "/api/me/consents", json={"purpose": "matching", "granted": True}, headers=resident_headers
    )
    assert again.status_code == 200 and len(await support_notices(client)) == 1


async def test_the_next_channel_goes_to_whoever_did_not_open(client_for, app, city, town):  # noqa: F811
    approver, headers = await _draft(client_for, app, city, fallback_days=3)
    await approver.post(f"{PROGRAM}/approve", json={"letter_basis": "§69(2)(ii)"}, headers=headers)
    assert {k for k in await _deliveries() if k[1] == "letter"} == {("E00", "letter")}
    # A opens the notice; C and D do not.
    client, resident_headers = town["A"]
    [notice] = await support_notices(client)
    opened = await client.post(f"/api/me/inbox/{notice['id']}/read", headers=resident_headers)
    assert opened.status_code in (200, 204), opened.text
    assert await telling.fallback_pass(city.id) == 0  # not yet three days
    later = clock.now() + timedelta(days=3, minutes=1)
    with clock.frozen(later):
        assert await telling.fallback_pass(city.id) == 2
        assert await telling.fallback_pass(city.id) == 0
    deliveries = await _deliveries()
    # Email is not set up for anyone here: the next channel is the letter.
    assert deliveries[("C00", "letter")] == "queued" and deliveries[("D00", "letter")] == "queued"
    assert ("A00", "letter") not in deliveries


async def test_an_adults_programme_tells_every_adult_of_a_matched_household(
    client_for,
    app,
    city,
    town,  # noqa: F811
):
    # J's head (no account) qualifies; the spouse consented; the adult son did not yet; the
    # daughter is 12. The rule reads the head's facts: the household is told through them.
    await household(city, "J", [{"age": 60, "income": 500_000},
                                {"age": 58, "relation": "spouse", "income": 2_000_000},
                                {"age": 20, "income": 0}, {"age": 12}])  # fmt: skip
    spouse, spouse_headers = await verified_resident(client_for, app, city, "J01")
    consent = {"purpose": "matching", "granted": True}
    await spouse.post("/api/me/consents", json=consent, headers=spouse_headers)
    son, son_headers = await verified_resident(client_for, app, city, "J02")
    head_only = {"and": [{"==": [{"var": "is_household_head"}, True]}, RULE]}
    approver, headers = await _draft(client_for, app, city, rule=head_only, tells="adults")
    forecast = (await approver.post(f"{PROGRAM}/preview", headers=headers)).json()["forecast"]
    assert forecast["app"] == 4 and forecast["letter"] == 2 and forecast["no_consent"] == 1
    approved = await approver.post(
        f"{PROGRAM}/approve", json={"letter_basis": "§69(2)(ii)"}, headers=headers
    )
    assert approved.status_code == 200, approved.text
    # One letter per household, to the matched head: E (who withdrew consent) and J's head.
    # C's spouse and J's son are members with no way in: recorded, not written to.
    assert await _deliveries() == {
        ("A00", "app"): "sent", ("C00", "app"): "sent", ("D00", "app"): "sent",
        ("J01", "app"): "sent", ("E00", "letter"): "queued", ("J00", "letter"): "queued",
    }  # fmt: skip
    figures = approved.json()["figures"]
    assert figures["matched"] == 8 and figures["not_told"] == {"no_account": 1, "no_consent": 1}
    [notice] = await support_notices(spouse)
    assert "所得" in notice["body"]["ja"]  # why the household qualifies: the head's income
    assert await support_notices(son) == []

    # The son's consent tells him at once, through his household's head.
    await son.post("/api/me/consents", json=consent, headers=son_headers)
    assert len(await support_notices(son)) == 1
    assert (await _deliveries())[("J02", "app")] == "sent"
    # Members qualify as long as their household does: the daily pass stops nobody.
    await telling.calendar_pass(city.id, force=True)
    stopped = await ProgramMatch.select().where(ProgramMatch.stopped_on.is_not_null())
    assert stopped == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"channels": ["email"]}, "channels"),
        ({"channels": ["app", "app"]}, "channels"),
        ({"channels": ["fax"]}, "channels"),
        ({"channels": []}, "channels"),
        ({"fallback_days": 0}, "fallback_days"),
        ({"fallback_days": 2**63}, "fallback_days"),
        ({"tells": "everyone"}, "tells"),
    ],
)
async def test_a_programme_with_impossible_channels_is_refused(
    client_for, app, city, overrides, field
):
    drafter, headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["child-support"]
    )
    draft = {"slug": SLUG, "department": "child-support", "title": TEXT, "summary": TEXT,
             "action": TEXT, "rule": RULE, "delivery": "inform", **overrides}  # fmt: skip
    saved = await drafter.put("/api/staff/programs", json=draft, headers=headers)
    assert saved.status_code in (400, 422), saved.text
    assert saved.headers["content-type"].startswith("application/problem+json")
    assert field in saved.text


async def test_an_approval_with_a_basis_too_long_or_unknown_fields_is_refused(
    client_for, app, city
):
    approver, headers = await _draft(client_for, app, city)
    for body in ({"letter_basis": "x" * 501}, {"letter_basis": "ok", "mail_everyone": True}):
        refused = await approver.post(f"{PROGRAM}/approve", json=body, headers=headers)
        assert refused.status_code in (400, 422), refused.text
    assert (await approver.get(PROGRAM, headers=headers)).json()["status"] == "pending"


async def test_the_daily_pass_tells_who_turns_65_and_marks_who_stopped(client_for, app, city):
    from test_applications import verified_resident

    today = clock.today()
    tomorrow = today + timedelta(days=1)
    # K turns 65 tomorrow; L is 70. Both consented.
    for key, born in (("K", tomorrow.replace(year=tomorrow.year - 65)),
                      ("L", today.replace(year=today.year - 70))):  # fmt: skip
        await household(city, key, [{"age": 1}])
        await Person.update({Person.birth_date: born}).where(Person.registry_id == f"{key}00")
    residents = {}
    for key in "KL":
        client, headers = await verified_resident(client_for, app, city, f"{key}00")
        await client.post(
            "/api/me/consents", json={"purpose": "matching", "granted": True}, headers=headers
        )
        residents[key] = client
    aged = {"and": [{">=": [{"var": "age"}, 65]}, {"<": [{"var": "age"}, 71]}]}
    approver, headers = await _draft(client_for, app, city, rule=aged)
    approved = await approver.post(f"{PROGRAM}/approve", headers=headers)
    assert approved.json()["told"] == 1 and len(await support_notices(residents["L"])) == 1
    assert await support_notices(residents["K"]) == []
    # The next morning's pass (Japan time) tells K.
    morning = datetime.combine(tomorrow, datetime.min.time(), tzinfo=clock.JST) + timedelta(hours=6)
    with clock.frozen(morning.astimezone(UTC)):
        assert await telling.calendar_pass(city.id) == 1
        assert await telling.calendar_pass(city.id) == 0  # once a day
    assert len(await support_notices(residents["K"])) == 1
    # A year on, L is 71: stopped qualifying, shown to staff; K still qualifies.
    next_year = morning + timedelta(days=366)
    with clock.frozen(next_year.astimezone(UTC)):
        await telling.calendar_pass(city.id)
    figures = (await approver.get(PROGRAM, headers=headers)).json()["figures"]
    assert figures["stopped"] == 1
    stopped = (await approver.get(f"{PROGRAM}/to-check?kind=stopped", headers=headers)).json()
    assert [p["registry_id"] for p in stopped["items"]] == ["L00"]


async def _confirmed_email(city, registry_id: str) -> int:
    """The resident's account gets a confirmed address (as after the confirmation link)."""
    from todoke.db import write_transaction
    from todoke.identity.tables import Account

    [account] = await Account.select(Account.id).where(Account.person.registry_id == registry_id)
    now = clock.now()
    async with write_transaction() as sql:
        await sql.execute(
            "INSERT INTO email_address (municipality, account, address, language, notify, "
            "confirmed_at, bounce_reason, created_at, updated_at) "
            "VALUES (?, ?, ?, 'ja', TRUE, ?, '', ?, ?)",
            [city.id, account["id"], f"{registry_id.lower()}@example.jp", now, now, now],
        )
    return account["id"]


async def _emails() -> dict[int, str]:
    from todoke.notices.tables import EmailDelivery

    return {
        row["notice"]: row["status"]
        for row in await EmailDelivery.select().where(EmailDelivery.purpose == "notice")
    }


async def test_email_goes_with_the_app_notice_when_the_resident_chose_it(
    client_for,
    app,
    city,
    town,  # noqa: F811
):
    await _confirmed_email(city, "A00")
    approver, headers = await _draft(client_for, app, city)
    approved = await approver.post(f"{PROGRAM}/approve", headers=headers)
    assert approved.json()["figures"]["by_channel"] == {"app": 3, "email": 1, "letter": 0}
    [notice] = await support_notices(town["A"][0])
    assert await _emails() == {notice["id"]: "queued"}
    deliveries = await _deliveries()
    assert deliveries[("A00", "email")] == "sent" and ("C00", "email") not in deliveries


async def test_with_a_fallback_the_email_comes_only_if_the_notice_stays_unopened(
    client_for,
    app,
    city,
    town,  # noqa: F811
):
    await _confirmed_email(city, "A00")
    await _confirmed_email(city, "C00")
    approver, headers = await _draft(client_for, app, city, fallback_days=2)
    await approver.post(f"{PROGRAM}/approve", headers=headers)
    assert await _emails() == {}  # the app first
    # C opens the notice; A does not.
    client, resident_headers = town["C"]
    [notice_c] = await support_notices(client)
    await client.post(f"/api/me/inbox/{notice_c['id']}/read", headers=resident_headers)
    with clock.frozen(clock.now() + timedelta(days=2, minutes=1)):
        assert await telling.fallback_pass(city.id) == 1
    [notice_a] = await support_notices(town["A"][0])
    assert await _emails() == {notice_a["id"]: "queued"}
    # Only one notice in A's inbox: the email announces the same one.
    assert len(await support_notices(town["A"][0])) == 1


async def test_sqlite_bulk_ids_are_read_back_when_a_row_was_skipped(city):
    """The rows' ids are taken as the range after the highest id only when every row went
    in; a row skipped by a conflict makes the writer read the ids back instead."""
    from todoke.db import write_transaction

    await household(city, "Q", [{"age": 40}, {"age": 41, "relation": "spouse"}])
    people = [p["id"] for p in await Person.select(Person.id).order_by(Person.id)]
    insert = (
        "INSERT INTO program_delivery (municipality, slug, person, match, channel, state, "
        "notice, created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (municipality, slug, person, channel) DO NOTHING"
    )
    now = clock.now()

    def row(person: int) -> list:
        return [city.id, SLUG, person, 0, "letter", "queued", None, now, None]

    async with write_transaction() as sql:
        if sql.postgres:
            pytest.skip("PostgreSQL returns what it wrote (RETURNING)")
        first = await telling._insert_numbered(sql, "program_delivery", insert, [row(people[0])])
        assert first is not None and len(first) == 1
        both = [row(people[0]), row(people[1])]
        assert await telling._insert_numbered(sql, "program_delivery", insert, both) is None
    assert await ProgramDelivery.count() == 2
