"""Outreach letters (勧奨通知) through the API: a programme approved with a legal basis for
letters queues one for each matched resident no app reaches; a supervisor of the
programme's department prints them as one batch — a PDF a reader opens and reads in
Japanese (name, 〒, address, why, the code), a CSV manifest for the print shop — and each
code, typed into the app, binds a new account to that resident and says where to go next.
Only the right staff reach the files, every download is audited, and nothing goes twice."""

from __future__ import annotations

import csv
import io
import re

import msgspec
import pytest
from pypdf import PdfReader
from soft_authenticator import SoftAuthenticator
from test_applications import verified_resident
from test_identity import assert_refused, csrf, register, staff_client
from test_programs import household

from todoke import clock
from todoke.audit.tables import AuditEvent
from todoke.benefits import telling
from todoke.benefits.tables import LetterBatch, Program, ProgramDelivery
from todoke.db import read_transaction
from todoke.identity.tables import Account, ActivationCode
from todoke.registry.tables import Person

SLUG = "single-parent-support"
PROCEDURE = "child-rearing-allowance"
PROGRAM = f"/api/staff/programs/{SLUG}"
LETTERS = f"{PROGRAM}/letters"
BASIS = "個人情報保護法第69条第2項第2号（児童扶養手当の事務）"
CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
# A programme of its own, so these tests hold whatever the law tables do to the seeded ones.
DRAFT = {
    "slug": SLUG,
    "department": "child-support",
    "title": {"ja": "ひとり親家庭の支援", "easy": "ひとりおやの しえん", "en": "Single parents"},
    "summary": {
        "ja": "ひとり親家庭の生活を支える手当があります。",
        "easy": "ひとりおやの かていを たすける おかねが あります。",
        "en": "An allowance supports single-parent families.",
    },
    "action": {
        "ja": "記入済みの請求書を確かめて送ってください。",
        "easy": "かいてある しょるいを みて おくって ください。",
        "en": "Check the pre-filled claim and send it.",
    },
    "rule": {"and": [{"==": [{"var": "single_parent"}, True]},
                     {">=": [{"var": "children_under_18"}, 1]}]},
    "delivery": "invite",
    "procedure_slug": PROCEDURE,
}  # fmt: skip


async def _single_parents(city, *keys: str) -> None:
    """A single-parent household per key: the head qualifies, the child does not."""
    for key in keys:
        await household(city, key, [{"age": 33, "single_parent": True, "income": 900_000},
                                    {"age": 6}])  # fmt: skip


async def _approve(client_for, app, city, basis: str = BASIS):
    """A caseworker drafts and submits the programme; a supervisor approves it with the
    legal basis for letters (or none)."""
    drafter, drafter_headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    saved = await drafter.put("/api/staff/programs", json=DRAFT, headers=drafter_headers)
    assert saved.status_code == 200, saved.text
    submitted = await drafter.post(f"{PROGRAM}/submit", headers=drafter_headers)
    assert submitted.status_code == 200, submitted.text
    supervisor, headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["child-support"]
    )
    approved = await supervisor.post(
        f"{PROGRAM}/approve", json={"letter_basis": basis}, headers=headers
    )
    assert approved.status_code == 200, approved.text
    return supervisor, headers


async def _print(client, headers):
    printed = await client.post(LETTERS, headers=headers)
    assert printed.status_code == 201, printed.text
    return printed.json()


async def _pdf(client, batch) -> PdfReader:
    response = await client.get(batch["pdf_url"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    return PdfReader(io.BytesIO(response.content))


@pytest.fixture
async def printed(client_for, app, city):
    """Two heads with no account (A, B) and one verified, consenting head (C): approving
    tells C in the app and queues letters for A and B, which a supervisor prints."""
    await _single_parents(city, "A", "B", "C")
    resident, resident_headers = await verified_resident(client_for, app, city, "C00")
    granted = await resident.post(
        "/api/me/consents", json={"purpose": "matching", "granted": True}, headers=resident_headers
    )
    assert granted.status_code == 200
    supervisor, headers = await _approve(client_for, app, city)
    waiting = await supervisor.get(LETTERS)
    assert waiting.status_code == 200, waiting.text
    assert waiting.json()["waiting"] == 2 and waiting.json()["batches"] == []
    batch = await _print(supervisor, headers)
    return supervisor, headers, batch


async def test_a_batch_prints_every_queued_letter_as_a_pdf_and_a_manifest(printed):
    supervisor, _headers, batch = printed
    assert batch["letters"] == 2 and batch["cancelled"] == 0
    assert re.fullmatch(r"L\d{8}-[0-9A-Z]{8}", batch["reference"])

    reader = await _pdf(supervisor, batch)
    assert len(reader.pages) == 2
    texts = [page.extract_text() for page in reader.pages]
    persons = {
        p["registry_id"]: p
        for p in await Person.select().where(Person.registry_id.is_in(["A00", "B00"]))
    }
    # Why, worked out as the letter is printed (telling keeps explanations only for those
    # told in the app): the same sentences the rule gives for these persons today.
    program = await Program.select().where(Program.slug == SLUG).first()
    async with read_transaction() as sql:
        explanations = await telling.explain_persons(
            sql, program["rule"] if isinstance(program["rule"], dict)
            else msgspec.json.decode(program["rule"]), [p["id"] for p in persons.values()],
            clock.today(),
        )  # fmt: skip
    codes = set()
    for person in persons.values():
        [text] = [t for t in texts if f"{person['family_name']} {person['given_name']}" in t]
        assert f"〒{person['postal_code']}" in text
        assert person["address"] in text.replace("\n", "")
        assert f"{person['family_name']} {person['given_name']}　様" in text
        assert "ひとり親家庭の支援のご案内" in text
        # Why, in the match's own Japanese sentences.
        why = explanations[person["id"]]
        assert why and all(c["sentence"]["ja"] in text for c in why[:6])
        assert BASIS in text.replace("\n", "")
        [code] = CODE.findall(text)
        codes.add(code)
    assert len(codes) == 2

    manifest = await supervisor.get(batch["csv_url"])
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(manifest.content.decode("utf-8-sig"))))
    assert [r["page"] for r in rows] == ["1", "2"]
    assert {r["name"] for r in rows} == {f"{p['family_name']} {p['given_name']}"
                                         for p in persons.values()}  # fmt: skip
    assert {r["batch"] for r in rows} == {batch["reference"]}
    assert all(r["postal_code"] == "181-0013" and r["address"] for r in rows)
    assert not CODE.search(manifest.content.decode("utf-8-sig"))  # no codes for the print shop

    # The letters are printed, in this batch; the overview says so.
    letters = await ProgramDelivery.select().where(ProgramDelivery.channel == "letter")
    assert len(letters) == 2
    assert all(d["state"] == "printed" and d["batch"] == batch["id"] and d["sent_at"]
               for d in letters)  # fmt: skip
    overview = (await supervisor.get(LETTERS)).json()
    assert overview["waiting"] == 0 and [b["id"] for b in overview["batches"]] == [batch["id"]]
    [row] = await LetterBatch.select()
    assert row["pdf_sha256"] == batch["pdf_sha256"] and row["letters"] == 2
    outreach = await ActivationCode.select().where(ActivationCode.purpose == "outreach")
    assert len(outreach) == 2
    assert {c["next_path"] for c in outreach} == {f"/procedures/{PROCEDURE}/apply"}

    # Every download is audited, with the batch and the file.
    events = await AuditEvent.select().where(AuditEvent.action == "letters.downloaded")
    assert len(events) == 2
    details = [msgspec.json.decode(e["detail"]) if isinstance(e["detail"], str) else e["detail"]
               for e in events]  # fmt: skip
    assert {d["file"] for d in details} == {"pdf", "csv"}
    assert {d["batch"] for d in details} == {batch["reference"]}
    assert await AuditEvent.count().where(AuditEvent.action == "letters.printed") == 1


async def test_a_letter_code_binds_a_new_account_once_and_opens_the_application(
    printed, client_for, app
):
    supervisor, _headers, batch = printed
    reader = await _pdf(supervisor, batch)
    text = reader.pages[0].extract_text()
    [code] = CODE.findall(text)
    assert f"/activate?code={code}" not in text  # the QR carries it; the text names the page
    name = next(line for line in text.splitlines() if line.endswith("様"))

    assert (await supervisor.get(PROGRAM)).json()["figures"]["opened"] == 0
    newcomer = client_for(app)
    registered = await register(newcomer, SoftAuthenticator(), name="あたらしい")
    assert registered.status_code == 201
    verified = await newcomer.post(
        "/api/me/verification", json={"code": code.lower()}, headers=csrf(registered)
    )
    assert verified.status_code == 200, verified.text
    assert verified.json() == {
        "verified": True,
        "recovered": False,
        "next": f"/procedures/{PROCEDURE}/apply",
    }
    me = (await newcomer.get("/api/me")).json()
    assert me["verified"] is True and me["verified_by"] == "letter"
    # The letter was "opened": the programme's funnel counts it.
    assert (await supervisor.get(PROGRAM)).json()["figures"]["opened"] == 1
    assert f"{me['name']['family_name']} {me['name']['given_name']}　様" == name

    # Single use: a second newcomer with the same letter gets nothing.
    other = client_for(app)
    again = await register(other, SoftAuthenticator(), name="べつのひと")
    refused = await other.post("/api/me/verification", json={"code": code},
                               headers=csrf(again))  # fmt: skip
    assert_refused(refused)
    assert (await other.get("/api/me")).json()["verified"] is False


async def test_a_person_with_an_account_gets_no_code_and_a_code_never_recovers_one(
    client_for, app, city
):
    from todoke.db import write_transaction
    from todoke.identity import public as identity
    from todoke.identity.service import issue_activation_code

    await _single_parents(city, "D", "F")
    await verified_resident(client_for, app, city, "D00")
    d_id = (await Person.select(Person.id).where(Person.registry_id == "D00").first())["id"]
    f_id = (await Person.select(Person.id).where(Person.registry_id == "F00").first())["id"]
    from datetime import timedelta

    from todoke import clock

    async with write_transaction() as sql:
        issued = await identity.issue_outreach_codes(
            sql, city.id, {d_id: "/support", f_id: "/support"}, clock.now() + timedelta(days=9)
        )
    assert list(issued) == [f_id]  # D has an account: no code

    # F signs up at the counter after the letter left: the letter's code must not hand
    # F's account to whoever holds the letter.
    holder = client_for(app)
    held = await register(holder, SoftAuthenticator(), name="ふみ")
    counter_code = await issue_activation_code(
        municipality_id=city.id, registry_id="F00", purpose="verify", issued_by=None
    )
    bound = await holder.post(
        "/api/me/verification", json={"code": counter_code.code}, headers=csrf(held)
    )
    assert bound.status_code == 200
    stranger = client_for(app)
    registered = await register(stranger, SoftAuthenticator(), name="だれか")
    refused = await stranger.post(
        "/api/me/verification", json={"code": issued[f_id]}, headers=csrf(registered)
    )
    assert_refused(refused, 409)
    assert (await stranger.get("/api/me")).json()["verified"] is False
    assert (await holder.get("/api/me")).json()["verified"] is True  # still signed in, still F's
    f_accounts = await Account.select().where(Account.person == f_id)
    assert [a["disabled_at"] for a in f_accounts] == [None]


async def test_a_resident_who_signed_up_meanwhile_is_not_printed(client_for, app, city):
    await _single_parents(city, "G", "H")
    supervisor, headers = await _approve(client_for, app, city)
    assert (await supervisor.get(LETTERS)).json()["waiting"] == 2
    # H joins before the batch is printed: told in the app once they consent, never by post.
    await verified_resident(client_for, app, city, "H00")
    batch = await _print(supervisor, headers)
    assert batch["letters"] == 1 and batch["cancelled"] == 1
    reader = await _pdf(supervisor, batch)
    assert len(reader.pages) == 1
    assert "試験 G0" in reader.pages[0].extract_text()
    states = {d["state"] for d in await ProgramDelivery.select().where(
        ProgramDelivery.channel == "letter")}  # fmt: skip
    assert states == {"printed", "cancelled"}


async def test_nothing_waiting_is_a_clear_conflict_and_nothing_prints_twice(printed):
    supervisor, headers, _batch = printed
    again = await supervisor.post(LETTERS, headers=headers)
    assert_refused(again, 409)
    assert "印刷を待っているお知らせはありません" in again.json()["detail_ja"]
    assert await LetterBatch.count() == 1
    assert await ActivationCode.count().where(ActivationCode.purpose == "outreach") == 2


async def test_without_a_legal_basis_no_letter_is_queued_or_printed(client_for, app, city):
    await _single_parents(city, "J")
    supervisor, headers = await _approve(client_for, app, city, basis="")
    assert (await supervisor.get(LETTERS)).json()["waiting"] == 0
    refused = await supervisor.post(LETTERS, headers=headers)
    assert_refused(refused, 409)
    assert await LetterBatch.count() == 0


@pytest.mark.parametrize("role", ["caseworker", "support"])
async def test_other_roles_cannot_print_or_download(printed, client_for, app, city, role):
    _supervisor, _headers, batch = printed
    staff, headers = await staff_client(client_for, app, city, role=role,
                                        departments=["child-support"])  # fmt: skip
    for response in (
        await staff.get(LETTERS),
        await staff.post(LETTERS, headers=headers),
        await staff.get(batch["pdf_url"]),
        await staff.get(batch["csv_url"]),
    ):
        assert_refused(response, 403)
    assert await AuditEvent.count().where(AuditEvent.action == "letters.downloaded") == 0


async def test_another_departments_supervisor_residents_and_strangers_are_refused(
    printed, client_for, app, city
):
    _supervisor, _headers, batch = printed
    other, _ = await staff_client(client_for, app, city, role="supervisor",
                                  departments=["health"])  # fmt: skip
    assert_refused(await other.get(batch["pdf_url"]), 403)
    assert_refused(await other.get(LETTERS), 403)
    # Another resident than the fixture's C00 (a second verification letter for C00 would be
    # refused: C00 has an account).
    resident, _ = await verified_resident(client_for, app, city, "A00")
    assert_refused(await resident.get(batch["pdf_url"]), 403)
    anonymous = client_for(app)
    assert_refused(await anonymous.get(batch["pdf_url"]), 401)
    assert await AuditEvent.count().where(AuditEvent.action == "letters.downloaded") == 0


async def test_hostile_paths_are_4xx(printed):
    supervisor, headers, batch = printed
    base = f"{LETTERS}/{batch['id']}"
    assert_refused(await supervisor.get(f"{LETTERS}/999999/pdf"), 404)
    assert (await supervisor.get(f"{base}/exe")).status_code == 400
    assert (await supervisor.get(f"{LETTERS}/99999999999/pdf")).status_code == 400
    assert (await supervisor.get(f"{base}/..%2F..%2Fetc%2Fpasswd")).status_code in (400, 404)
    assert_refused(await supervisor.get(f"/api/staff/programs/child-allowance/letters/"
                                        f"{batch['id']}/pdf"), 404)  # fmt: skip
    assert_refused(await supervisor.get("/api/staff/programs/no-such-thing/letters"), 404)
    assert (await supervisor.get("/api/staff/programs/NOT_A_SLUG/letters")).status_code == 400
    # A body is not asked for; a hostile one changes nothing.
    junk = await supervisor.post(LETTERS, content=b"\xff\xfe{", headers=headers)
    assert junk.status_code in (409, 400)


async def test_without_a_japanese_font_printing_says_so_and_writes_nothing(
    client_for, app, city, db
):
    from todoke.app import create_app

    await _single_parents(city, "K")
    _supervisor, _ = await _approve(client_for, app, city)
    fontless = create_app(msgspec.structs.replace(db, letter_font="/nonexistent/font.ttf"))
    staff, headers = await staff_client(client_for, fontless, city, role="administrator")
    refused = await staff.post(LETTERS, headers=headers)
    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await LetterBatch.count() == 0
    assert await ProgramDelivery.count().where(ProgramDelivery.state == "queued") == 1
