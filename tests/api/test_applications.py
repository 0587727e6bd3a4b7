"""Online procedures end to end through the API: the pre-filled form, drafts, filing with an
idempotency key, attachments, the timeline, decisions and their effects, proxies, counter
filings and corrections — and every way one resident could reach another's application."""

from __future__ import annotations

import asyncio
import struct
import zlib
from datetime import UTC, date, datetime, timedelta

import pytest
from soft_authenticator import NoCredentialError, SoftAuthenticator
from test_identity import ORIGIN, csrf, register, staff_client

from todoke import clock
from todoke.procedures.tables import Application, ApplicationEvent, Attachment, Draft
from todoke.registry.tables import Household, Person, RegistryChange

SLUG = "child-rearing-allowance"
MOVE = "move-within-city"


def png_bytes(text: bytes = b"") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header)
    if text:
        body += chunk(b"tEXt", text)
    body += chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


async def add_household(city, registry_prefix: str = "1") -> None:
    """A single mother, her two children (8 and 3) and no one else."""
    household = await Household.insert(
        Household(municipality=city.id, registry_id=f"H{registry_prefix}", created_at=_now())
    )
    today = clock.today()
    eight, three = today.replace(year=today.year - 8), today.replace(year=today.year - 3)
    people = [
        ("head", "佐藤", "花子", "サトウ", "ハナコ", date(1990, 4, 1), "female", "0"),
        ("child", "佐藤", "陽太", "サトウ", "ヨウタ", eight, "male", "1"),
        ("child", "佐藤", "結衣", "サトウ", "ユイ", three, "female", "2"),
    ]
    for relation, family, given, family_kana, given_kana, birth, sex, suffix in people:
        await Person.insert(
            Person(
                municipality=city.id,
                registry_id=f"{registry_prefix}00000000{suffix}",
                household=household[0]["id"],
                relation=relation,
                family_name=family,
                given_name=given,
                family_name_kana=family_kana,
                given_name_kana=given_kana,
                birth_date=birth,
                sex=sex,
                postal_code="181-0013",
                address="東京都三鷹市下連雀三丁目1-1",
                district="下連雀",
                status="resident",
                provenance='{"base": ["住民基本台帳", "2026-04-01"]}',
                updated_at=_now(),
            )
        )


def _now() -> datetime:
    return datetime.now(UTC)


async def verified_resident(client_for, app, city, registry_id: str, *, prefill: bool = True):
    """A signed-in resident bound to ``registry_id`` by an activation letter."""
    from todoke.identity.service import issue_activation_code

    client = client_for(app)
    authenticator = SoftAuthenticator()
    registered = await register(client, authenticator, name="はなこ")
    assert registered.status_code == 201, registered.text
    client.authenticator = authenticator  # the resident's own passkey, for step-up confirmations
    headers = csrf(registered)
    code = await issue_activation_code(
        municipality_id=city.id, registry_id=registry_id, purpose="verify", issued_by=None
    )
    verified = await client.post("/api/me/verification", json={"code": code.code}, headers=headers)
    assert verified.status_code == 200, verified.text
    if prefill:
        granted = await client.post(
            "/api/me/consents", json={"purpose": "prefill", "granted": True}, headers=headers
        )
        assert granted.status_code == 200, granted.text
    return client, headers


@pytest.fixture
async def hanako(client_for, app, city):
    await add_household(city)
    return await verified_resident(client_for, app, city, "1000000000")


async def upload(client, headers, data: bytes, filename: str = "koseki.png"):
    return await client.post(
        "/api/attachments",
        params={"filename": filename},
        content=data,
        headers={**headers, "content-type": "application/octet-stream"},
    )


def complete_answers(form: dict, attachment: str) -> dict:
    """What the resident adds to the pre-filled values of 児童扶養手当."""
    answers = {name: held["value"] for name, held in form["prefill"].items()}
    answers.update(
        phone="090-1234-5678",
        occupation="会社員",
        children_living_apart="no",
        reason="divorce",
        public_pension="none",
        bank_account={
            "bank_code": "0001",
            "branch_code": "123",
            "type": "普通",
            "number": "1234567",
            "holder": "さとう はなこ",
        },
        family_register=[attachment],
        interview_wish=(clock.today() + timedelta(days=10)).isoformat(),
        declaration=True,
    )
    return answers


async def file(client, headers, answers, version, key="key-00000001", **extra):
    return await client.post(
        "/api/applications",
        json={"slug": SLUG, "version": version, "answers": answers, **extra},
        headers={**headers, "idempotency-key": key},
    )


async def filed_application(client, headers, key="key-00000001"):
    form = (await client.get(f"/api/procedures/{SLUG}/form")).json()
    attachment = (await upload(client, headers, png_bytes())).json()["id"]
    answers = complete_answers(form, attachment)
    response = await file(client, headers, answers, form["version"], key=key)
    assert response.status_code == 201, response.text
    return response.json()


# --- the pre-filled form ----------------------------------------------------------------------


async def test_the_form_arrives_prefilled_with_its_source(client, hanako):
    resident, _ = hanako
    form = (await resident.get(f"/api/procedures/{SLUG}/form")).json()
    assert form["can_file"] is True and form["blockers"] == []
    prefill = form["prefill"]
    assert prefill["claimant_name"]["value"] == "佐藤 花子"
    assert prefill["claimant_kana"]["value"] == "サトウ ハナコ"
    assert prefill["claimant_birth_date"]["value"] == "1990-04-01"
    assert prefill["claimant_address"]["value"] == "東京都三鷹市下連雀三丁目1-1"
    assert prefill["claimant_name"]["source"] == "住民基本台帳"
    assert prefill["claimant_name"]["as_of"] == "2026-04-01"
    assert prefill["claimant_name"]["locked"] is True
    assert sorted(prefill["children"]["value"]) == ["1000000001", "1000000002"]
    assert {m["name"] for m in form["household"]} == {"佐藤 花子", "佐藤 陽太", "佐藤 結衣"}


async def test_without_consent_nothing_is_prefilled(client_for, app, city):
    await add_household(city)
    resident, _ = await verified_resident(client_for, app, city, "1000000000", prefill=False)
    form = (await resident.get(f"/api/procedures/{SLUG}/form")).json()
    assert form["prefill"] == {}
    assert "prefill_consent" in form["blockers"] and form["can_file"] is True
    fields = {f["name"]: f for s in form["form"]["sections"] for f in s["fields"]}
    assert not fields["claimant_name"].get("locked")  # nothing to show: the resident types it


async def test_signed_out_visitors_see_the_form_but_cannot_file(client, city):
    form = await client.get(f"/api/procedures/{SLUG}/form")
    assert form.status_code == 200
    assert form.json()["blockers"] == ["sign_in"] and form.json()["prefill"] == {}
    assert (await client.get("/api/procedures/no-such-thing/form")).status_code == 404


# --- filing -----------------------------------------------------------------------------------


async def test_the_due_date_counts_the_offices_working_days(client, hanako):
    """30 working days (児童扶養手当's target) from Friday 20 November 2026 skip 勤労感謝の日
    (23 November) and the year-end break (29 December to 3 January): 8 January 2027, where
    counting weekdays alone would land on New Year's Day."""
    resident, headers = hanako
    with clock.frozen(datetime(2026, 11, 20, 10, 0, tzinfo=clock.JST)):
        body = await filed_application(resident, headers)
    assert body["due_by"] == "2027-01-08"


async def test_filed_answers_come_typed_for_every_language_and_print_one_way(client, hanako):
    """The application carries each answer's type, choices and the named household members, so
    the PWA writes it in the reader's language as the review did; the printed receipt writes
    dates as 1990年4月1日（平成2年）, the phone grouped, kana in full width, "as of" dates alike."""
    resident, headers = hanako
    with clock.frozen(datetime(2026, 11, 20, 10, 0, tzinfo=clock.JST)):
        body = await filed_application(resident, headers)
    answers = {a["name"]: a for a in body["answers"]}
    reason = answers["reason"]
    assert reason["type"] == "choice" and reason["value"] == "divorce"
    labels = {o["value"]: o["label"] for o in reason["options"]}
    assert labels["divorce"]["en"] and labels["divorce"]["easy"]
    assert answers["declaration"]["type"] == "consent" and answers["declaration"]["value"] is True
    assert answers["claimant_birth_date"]["type"] == "date"
    assert answers["claimant_birth_date"]["display"] == "1990年4月1日（平成2年）"
    assert answers["phone"]["display"] == "090-1234-5678"
    children = answers["children"]
    assert children["type"] == "household_members"
    named = {m["id"]: m["name"] for m in body["household"]}
    assert set(named) == set(children["value"])  # those the answers name, no one else
    assert "佐藤 花子" not in named.values()

    receipt = (await resident.get(f"/api/applications/{body['id']}/receipt")).text
    assert "1990年4月1日（平成2年）" in receipt
    assert "2026年11月20日（令和8年）" in receipt  # 受付日時, written as the answers are
    assert "（2026年4月1日時点）" in receipt
    assert "1990-04-01" not in receipt and "2026-04-01" not in receipt
    assert "090-1234-5678" in receipt


async def test_file_with_attachment_receipt_notice_and_status(client, hanako):
    resident, headers = hanako
    body = await filed_application(resident, headers)
    assert body["status"] == "submitted" and body["status_label"]["ja"] == "受付済み"
    assert body["receipt_number"]
    assert body["channel"] == "self"
    assert body["applicant_name"] == "佐藤 花子"  # the registry's name, not the nickname
    assert [a["filename"] for a in body["attachments"]] == ["koseki.png"]
    answers = {a["name"]: a for a in body["answers"]}
    assert answers["claimant_name"]["prefilled"] and not answers["claimant_name"]["changed"]
    assert answers["claimant_name"]["source"] == "住民基本台帳"
    assert "令和" in answers["interview_wish"]["display"]
    assert [e["kind"] for e in body["timeline"]] == ["submitted"]
    assert [s["id"] for s in body["steps"]][:3] == ["submitted", "in_review", "interview"]

    inbox = (await resident.get("/api/me/inbox")).json()
    assert any(body["receipt_number"] in n["body"]["ja"] for n in inbox["items"])
    receipt = await resident.get(f"/api/applications/{body['id']}/receipt")
    assert receipt.status_code == 200 and body["receipt_number"] in receipt.text
    assert "佐藤 花子" in receipt.text
    listed = (await resident.get("/api/applications")).json()["items"]
    assert [a["id"] for a in listed] == [body["id"]]
    stored = await Attachment.select().where(Attachment.token == body["attachments"][0]["id"])
    assert stored[0]["application"] == body["id"]


async def test_a_verified_applicant_is_named_by_the_registry_not_the_nickname(
    client, hanako, client_for, app, city
):
    """Issue 15: the nickname chosen at sign-up (「はなこ」) stays out of the timeline, the
    printed receipt and the staff's case once the account is bound to 佐藤 花子."""
    resident, headers = hanako
    body = await filed_application(resident, headers)
    said = await resident.post(
        f"/api/applications/{body['id']}/messages", json={"text": "よろしくお願いします"},
        headers=headers,
    )  # fmt: skip
    assert said.status_code == 200, said.text
    timeline = said.json()["timeline"]
    assert [(e["kind"], e["actor_name"]) for e in timeline] == [
        ("submitted", "佐藤 花子"),
        ("message", "佐藤 花子"),
    ]
    assert said.json()["filed_by_name"] == "佐藤 花子"
    receipt = (await resident.get(f"/api/applications/{body['id']}/receipt")).text
    assert "申請者：佐藤 花子（本人：佐藤 花子）" in receipt and "はなこ" not in receipt
    staff, _ = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    case = await staff.get(f"/api/staff/applications/{body['id']}?purpose=case_handling")
    assert case.status_code == 200, case.text
    assert case.json()["applicant_name"] == "佐藤 花子"
    assert case.json()["filed_by_name"] == "佐藤 花子"
    assert {e["actor_name"] for e in case.json()["timeline"]} == {"佐藤 花子"}
    assert "はなこ" not in case.text
    # The stored events keep what was written; only the reading names the person.
    stored = await ApplicationEvent.select(ApplicationEvent.actor_name).where(
        ApplicationEvent.application == body["id"]
    )
    assert {e["actor_name"] for e in stored} == {"はなこ"}


async def test_an_unverified_account_keeps_its_nickname_and_staff_their_name(
    client, hanako, client_for, app, city
):
    from todoke.identity.public import names_as_filed
    from todoke.identity.tables import Account

    unverified = client_for(app)
    assert (await register(unverified, SoftAuthenticator(), name="ちよこ")).status_code == 201
    await staff_client(client_for, app, city, role="caseworker", departments=["child-support"])
    accounts = {
        a["display_name"]: a["id"] for a in await Account.select(Account.id, Account.display_name)
    }
    named = await names_as_filed(accounts.values())
    assert named[accounts["ちよこ"]] == "ちよこ"
    assert named[accounts["はなこ"]] == "佐藤 花子"
    assert named[accounts["職員 caseworker"]] == "職員 caseworker"
    assert await names_as_filed([]) == {}
    assert await names_as_filed([999_999]) == {}


async def test_same_idempotency_key_twice_concurrently_files_once(client, hanako):
    resident, headers = hanako
    form = (await resident.get(f"/api/procedures/{SLUG}/form")).json()
    attachment = (await upload(resident, headers, png_bytes())).json()["id"]
    answers = complete_answers(form, attachment)
    first, second = await asyncio.gather(
        file(resident, headers, answers, form["version"], key="same-key-123"),
        file(resident, headers, answers, form["version"], key="same-key-123"),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 201]
    assert first.json()["id"] == second.json()["id"]
    assert await Application.count() == 1
    assert await ApplicationEvent.count() == 1

    different = await file(resident, headers, {**answers, "occupation": "自営業"},
                           form["version"], key="same-key-123")  # fmt: skip
    assert different.status_code == 422
    missing = await resident.post(
        "/api/applications",
        json={"slug": SLUG, "version": form["version"], "answers": answers},
        headers=headers,
    )
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["detail"]


def _problem_fields(response) -> dict[str, dict]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": ""}, "phone"),
        ({"occupation": None}, "occupation"),
        ({"claimant_kana": "Sato Hanako"}, "claimant_kana"),
        ({"claimant_postal_code": "12-34"}, "claimant_postal_code"),
        ({"unknown_field": "x"}, "unknown_field"),
        ({"children": ["9999999999"]}, "children"),
        ({"claimant_name": "別人 太郎"}, "claimant_name"),
        ({"family_register": ["not-an-upload-of-mine-000"]}, "family_register"),
        ({"children_apart_detail": "祖母宅"}, "children_apart_detail"),
    ],
)
async def test_invalid_answers_are_refused_naming_the_field(client, hanako, change, field):
    resident, headers = hanako
    form = (await resident.get(f"/api/procedures/{SLUG}/form")).json()
    attachment = (await upload(resident, headers, png_bytes())).json()["id"]
    answers = {**complete_answers(form, attachment), **change}
    response = await file(resident, headers, answers, form["version"])
    assert response.status_code == 422, response.text
    problem = _problem_fields(response)[field]
    assert problem["label"]["ja"] and problem["label"]["en"]
    assert problem["message"]["ja"] and problem["message"]["en"]
    assert await Application.count() == 0
    assert await Attachment.count().where(Attachment.application.is_not_null()) == 0


async def test_an_answer_for_an_old_version_is_refused(client, hanako):
    resident, headers = hanako
    form = (await resident.get(f"/api/procedures/{SLUG}/form")).json()
    attachment = (await upload(resident, headers, png_bytes())).json()["id"]
    response = await file(resident, headers, complete_answers(form, attachment),
                          form["version"] - 1)  # fmt: skip
    assert response.status_code == 409
    assert "version" in _problem_fields(response)
    assert await Application.count() == 0


async def test_hostile_bodies_get_problems_not_500s(client, hanako):
    resident, headers = hanako
    for body in (b"{", b"[]", b'{"slug": 1}', b'{"slug": "x", "version": "1", "answers": {}}'):
        response = await resident.post(
            "/api/applications",
            content=body,
            headers={
                **headers,
                "idempotency-key": "k-123456789",
                "content-type": "application/json",
            },
        )
        assert 400 <= response.status_code < 500, (body, response.text)
    unknown = await resident.post(
        "/api/applications",
        json={"slug": "no-such", "version": 1, "answers": {}},
        headers={**headers, "idempotency-key": "k-123456789"},
    )
    assert unknown.status_code == 404


async def test_locked_values_left_out_are_taken_from_the_registry(client, hanako):
    resident, headers = hanako
    form = (await resident.get(f"/api/procedures/{SLUG}/form")).json()
    attachment = (await upload(resident, headers, png_bytes())).json()["id"]
    answers = complete_answers(form, attachment)
    for name, held in form["prefill"].items():
        if held["locked"]:
            del answers[name]
    filed = await file(resident, headers, answers, form["version"])
    assert filed.status_code == 201, filed.text
    shown = {a["name"]: a for a in filed.json()["answers"]}
    assert shown["claimant_name"]["value"] == "佐藤 花子" and shown["claimant_name"]["prefilled"]


# --- attachments ------------------------------------------------------------------------------


async def test_attachments_are_typed_by_content_and_cleaned(client, hanako):
    resident, headers = hanako
    stored = await upload(resident, headers, png_bytes(b"GPS\x0035.68,139.56"), "../写真.pdf")
    assert stored.status_code == 201, stored.text
    body = stored.json()
    # The name keeps its stem; the extension is the content's, never the one it was sent with.
    assert body["content_type"] == "image/png" and body["filename"] == "写真.png"
    downloaded = await resident.get(f"/api/attachments/{body['id']}")
    assert downloaded.status_code == 200 and b"GPS" not in downloaded.content
    assert downloaded.headers["content-type"].startswith("image/png")

    html = await upload(resident, headers, b"<html><script>alert(1)</script></html>", "a.png")
    assert html.status_code == 422 and "PDF" in html.json()["detail_ja"]
    gif = await upload(resident, headers, b"GIF89a" + b"\x00" * 20, "a.jpg")
    assert gif.status_code == 422
    empty = await upload(resident, headers, b"")
    assert empty.status_code == 422
    assert await Attachment.count() == 1


async def test_oversized_attachments_are_refused(client_for, app, city, db, hanako):
    resident, headers = hanako
    app.state.settings = app.state.settings.__class__(
        **{**_settings_dict(app.state.settings), "max_attachment_bytes": 1000}
    )
    response = await upload(resident, headers, png_bytes() + b"\x00" * 2000)
    # One rule for every capped body in the service: 413 with a problem naming the limit.
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 413 and problem["title"] == "Request too large"
    assert problem["detail"] == "The upload is too large (at most 1 KB)."
    assert problem["detail_ja"] == "送信データが大きすぎます（1KBまで）。"
    assert await Attachment.count() == 0


def _settings_dict(settings) -> dict:
    import msgspec

    return msgspec.structs.asdict(settings)


# --- drafts -----------------------------------------------------------------------------------


async def test_drafts_resume_on_another_device_and_vanish_when_filed(
    client, hanako, client_for, app
):
    resident, headers = hanako
    opened = await resident.post("/api/drafts", json={"slug": SLUG}, headers=headers)
    assert opened.status_code == 201, opened.text
    draft = opened.json()
    again = await resident.post("/api/drafts", json={"slug": SLUG}, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == draft["id"]
    saved = await resident.put(
        f"/api/drafts/{draft['id']}",
        json={"version": draft["version"], "answers": {"occupation": "会社員"}},
        headers=headers,
    )
    assert saved.status_code == 200 and saved.json()["answers"] == {"occupation": "会社員"}
    assert datetime.fromisoformat(saved.json()["expires_at"]) > _now() + timedelta(days=29)
    assert await Application.count() == 0  # a draft is not a filing

    form = (await resident.get(f"/api/procedures/{SLUG}/form")).json()
    attachment = (await upload(resident, headers, png_bytes())).json()["id"]
    filed = await file(resident, headers, complete_answers(form, attachment), form["version"],
                       draft_id=draft["id"])  # fmt: skip
    assert filed.status_code == 201
    assert await Draft.count() == 0


# --- status, messages, amendments, effects ----------------------------------------------------


async def test_a_request_names_the_document_and_leads_the_status(
    client, hanako, client_for, app, city
):
    """Staff may name the document they need; the resident's application carries the open
    request (words, document, when, who) for the status card, and the notice names it too.
    A document with any other status, too long or with control characters is refused and
    nothing changes."""
    resident, headers = hanako
    body = await filed_application(resident, headers)
    assert body["request"] is None
    staff, staff_headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    url = f"/api/staff/applications/{body['id']}/status"
    for bad in (
        {"status": "in_review", "message": "", "document": "戸籍謄本"},
        {"status": "info_requested", "message": "ください", "document": "書" * 101},
        {"status": "info_requested", "message": "ください", "document": "戸籍\u0000謄本"},
    ):
        refused = await staff.post(url, json=bad, headers=staff_headers)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in refused.json()["errors"]] == ["document"]
    unchanged = (await resident.get(f"/api/applications/{body['id']}")).json()
    assert unchanged["status"] == "submitted" and unchanged["request"] is None

    asked = await staff.post(
        url,
        json={"status": "info_requested", "message": "別居の状況を教えてください。",
              "document": "  戸籍謄本（3か月以内）  "},
        headers=staff_headers,
    )  # fmt: skip
    assert asked.status_code == 200, asked.text
    detail = (await resident.get(f"/api/applications/{body['id']}")).json()
    request = detail["request"]
    assert request["message"] == "別居の状況を教えてください。"
    assert request["document"] == "戸籍謄本（3か月以内）"
    assert request["asked_by"] and request["asked_at"]
    assert detail["timeline"][-1]["document"] == "戸籍謄本（3か月以内）"
    inbox = (await resident.get("/api/me/inbox")).json()["items"]
    assert "必要な書類：戸籍謄本（3か月以内）" in inbox[0]["body"]["ja"]
    assert "Document needed: 戸籍謄本（3か月以内）" in inbox[0]["body"]["en"]

    # Once answered (in review again), no request leads the status.
    moved = await staff.post(url, json={"status": "in_review"}, headers=staff_headers)
    assert moved.status_code == 200, moved.text
    again = (await resident.get(f"/api/applications/{body['id']}")).json()
    assert again["request"] is None


async def test_more_information_then_amend_then_approve(client, hanako, client_for, app, city):
    resident, headers = hanako
    body = await filed_application(resident, headers)
    staff, staff_headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    listed = (await staff.get("/api/staff/applications")).json()["items"]
    assert [a["id"] for a in listed] == [body["id"]]
    asked = await staff.post(
        f"/api/staff/applications/{body['id']}/status",
        json={"status": "info_requested", "message": "別居の状況を教えてください。"},
        headers=staff_headers,
    )
    assert asked.status_code == 200, asked.text
    detail = (await resident.get(f"/api/applications/{body['id']}")).json()
    assert detail["status"] == "info_requested" and detail["can_amend"]
    inbox = (await resident.get("/api/me/inbox")).json()["items"]
    assert inbox[0]["body"]["ja"] == "別居の状況を教えてください。"

    message = await resident.post(
        f"/api/applications/{body['id']}/messages", json={"text": "承知しました"}, headers=headers
    )
    assert message.status_code == 200
    answers = {a["name"]: a["value"] for a in detail["answers"]}
    answers["occupation"] = "パート"
    amended = await resident.put(
        f"/api/applications/{body['id']}/answers",
        json={"version": detail["version"], "answers": answers, "message": "職業を直しました"},
        headers=headers,
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["status"] == "in_review"
    for step in ("interview", "approved"):
        decided = await staff.post(
            f"/api/staff/applications/{body['id']}/status",
            json={"status": step},
            headers=staff_headers,
        )
        assert decided.status_code == 200, decided.text
    kinds = [
        e["kind"]
        for e in (await resident.get(f"/api/applications/{body['id']}")).json()["timeline"]
    ]
    assert kinds == ["submitted", "status", "message", "amended", "status", "status"]
    late = await resident.post(f"/api/applications/{body['id']}/withdraw", headers=headers)
    assert late.status_code == 409


async def test_approved_move_changes_what_the_next_form_prefills(
    client, hanako, client_for, app, city
):
    resident, headers = hanako
    form = (await resident.get(f"/api/procedures/{MOVE}/form")).json()
    assert form["can_file"], form["blockers"]
    answers = {name: held["value"] for name, held in form["prefill"].items()}
    answers.update(_move_answers(form))
    filed = await resident.post(
        "/api/applications",
        json={"slug": MOVE, "version": form["version"], "answers": answers},
        headers={**headers, "idempotency-key": "move-000001"},
    )
    assert filed.status_code == 201, filed.text
    staff, staff_headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["citizens"]
    )
    approved = await staff.post(
        f"/api/staff/applications/{filed.json()['id']}/status",
        json={"status": "approved"},
        headers=staff_headers,
    )
    assert approved.status_code == 200, approved.text
    people = await Person.select().where(Person.registry_id.like("1%"))
    assert {p["address"] for p in people} == {"東京都三鷹市上連雀一丁目2-3"}
    assert {p["postal_code"] for p in people} == {"181-0012"}
    change = await RegistryChange.select().where(RegistryChange.source.like("転居届%")).first()
    assert change["changes"] and "address" in str(change["changes"])

    detail = (await resident.get(f"/api/applications/{filed.json()['id']}")).json()
    reached = {t["department"]["code"] for t in detail["tracker"]}
    assert {"citizens", "child-support"} <= reached

    next_form = (await resident.get(f"/api/procedures/{SLUG}/form")).json()
    address = next_form["prefill"]["claimant_address"]
    assert address["value"] == "東京都三鷹市上連雀一丁目2-3"
    assert address["source"].startswith("転居届") and address["as_of"] == answers["move_date"]


def _move_answers(form: dict) -> dict:
    """Fill every required field of 転居届 that is not pre-filled, by type."""
    answers: dict = {}
    today = clock.today()
    for section in form["form"]["sections"]:
        for spec in section["fields"]:
            name = spec["name"]
            if name in form["prefill"] or not spec.get("required"):
                continue
            if spec.get("show_if"):
                continue
            kind = spec["type"]
            if kind in ("choice",):
                answers[name] = spec["options"][0]["value"]
            elif kind == "choices":
                answers[name] = [spec["options"][0]["value"]]
            elif kind == "date":
                answers[name] = (today + timedelta(days=3)).isoformat()
            elif kind == "consent":
                answers[name] = True
            elif kind == "phone":
                answers[name] = "0422-45-1151"
            elif kind == "household_members":
                answers[name] = [m["id"] for m in form["household"]]
            else:
                answers[name] = "テスト"
    answers.update(
        move_date=(today - timedelta(days=2)).isoformat(),
        new_postal_code="181-0012",
        new_address="東京都三鷹市上連雀一丁目2-3",
    )
    return answers


# --- nobody reaches another resident's application --------------------------------------------


async def test_no_route_reaches_another_residents_application(
    client, hanako, client_for, app, city
):
    resident, headers = hanako
    body = await filed_application(resident, headers)
    await add_household(city, registry_prefix="2")
    other, other_headers = await verified_resident(client_for, app, city, "2000000000")
    attachment = body["attachments"][0]["id"]
    target = body["id"]
    attempts = [
        other.get(f"/api/applications/{target}"),
        other.get(f"/api/applications/{target}/receipt"),
        other.post(
            f"/api/applications/{target}/messages", json={"text": "x"}, headers=other_headers
        ),
        other.put(
            f"/api/applications/{target}/answers",
            json={"version": 1, "answers": {}},
            headers=other_headers,
        ),
        other.post(f"/api/applications/{target}/withdraw", headers=other_headers),
        other.get(f"/api/attachments/{attachment}"),
        other.get("/api/staff/applications"),
        other.get(f"/api/staff/applications/{target}?purpose=case_handling"),
        other.post(
            f"/api/staff/applications/{target}/status",
            json={"status": "approved"},
            headers=other_headers,
        ),
    ]
    for response in await asyncio.gather(*attempts):
        assert response.status_code in (403, 404), (response.request.url, response.text)
    assert (await other.get("/api/applications")).json()["items"] == []
    # another department's caseworker does not see it either
    staff, staff_headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["waste"]
    )
    assert (
        await staff.get(f"/api/staff/applications/{target}?purpose=case_handling")
    ).status_code == 404
    assert (await staff.get("/api/staff/applications")).json()["items"] == []
    denied = await staff.post(
        f"/api/staff/applications/{target}/status",
        json={"status": "approved"},
        headers=staff_headers,
    )
    assert denied.status_code == 404
    assert (await resident.get(f"/api/applications/{target}")).json()["status"] == "submitted"
    # drafts too
    draft = (await resident.post("/api/drafts", json={"slug": "dog-registration"},
                                 headers=headers)).json()  # fmt: skip
    for response in await asyncio.gather(
        other.get(f"/api/drafts/{draft['id']}"),
        other.put(
            f"/api/drafts/{draft['id']}", json={"version": 1, "answers": {}}, headers=other_headers
        ),
        other.delete(f"/api/drafts/{draft['id']}", headers=other_headers),
    ):
        assert response.status_code == 404


async def test_a_missing_draft_asked_for_again_and_again_keeps_nothing(hanako):
    """The 404 comes from one module constant; answering it must not leave each request's
    frames on that constant's traceback (the soak benchmark found 5-6 KB kept per request)."""
    from todoke.procedures import drafts

    resident, _ = hanako
    for _ in range(3):
        assert (await resident.get("/api/drafts/999999")).status_code == 404
    assert drafts._DRAFT_NOT_FOUND.__traceback__ is None


# --- proxies and the counter ------------------------------------------------------------------


async def test_a_delegate_files_for_the_principal(client, hanako, client_for, app, city):
    resident, headers = hanako
    await add_household(city, registry_prefix="2")
    agent, agent_headers = await verified_resident(client_for, app, city, "2000000000")
    offer = await resident.post(
        "/api/me/delegations", json={"scope": ["dog-registration"], "days": 30}, headers=headers
    )
    assert offer.status_code == 201, offer.text
    accepted = await agent.post(
        "/api/me/delegations/accept", json={"code": offer.json()["code"]}, headers=agent_headers
    )
    assert accepted.status_code == 200, accepted.text
    principal_id = accepted.json()["principal_account"]

    # 児童扶養手当 allows no proxy; out-of-scope procedures are refused too
    refused = await agent.get(f"/api/procedures/{SLUG}/form", params={"on_behalf_of": principal_id})
    assert "proxy_not_allowed" in refused.json()["blockers"]
    form = (
        await agent.get(
            "/api/procedures/dog-registration/form", params={"on_behalf_of": principal_id}
        )
    ).json()
    assert form["can_file"], form["blockers"]
    assert "佐藤 花子" in str(form["prefill"])  # the principal's data, not the agent's
    answers = {name: held["value"] for name, held in form["prefill"].items()}
    answers.update(_fill_required(form))
    filed = await agent.post(
        "/api/applications",
        json={"slug": "dog-registration", "version": form["version"], "answers": answers,
              "on_behalf_of": principal_id},
        headers={**agent_headers, "idempotency-key": "proxy-000001"},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    assert filed.json()["channel"] == "proxy"
    mine = (await resident.get("/api/applications")).json()["items"]
    assert [a["id"] for a in mine] == [filed.json()["id"]]
    # The delegate is verified: the principal's notice names them by the registry (the
    # agent, registry 2000000000, is also 佐藤 花子), never by their nickname.
    told = (await resident.get("/api/me/inbox")).json()["items"][0]["body"]
    assert "代理人 佐藤 花子 さん" in told["ja"] and "はなこ" not in str(told)
    assert filed.json()["filed_by_name"] == "佐藤 花子"

    delegation_id = accepted.json()["id"]
    assert (
        await resident.delete(f"/api/me/delegations/{delegation_id}", headers=headers)
    ).status_code == 204
    again = await agent.post(
        "/api/drafts", json={"slug": "dog-registration", "on_behalf_of": principal_id},
        headers=agent_headers,
    )  # fmt: skip
    assert again.status_code == 403


def _fill_required(form: dict) -> dict:
    answers: dict = {}
    today = clock.today()
    for section in form["form"]["sections"]:
        for spec in section["fields"]:
            if spec["name"] in form["prefill"] or not spec.get("required") or spec.get("show_if"):
                continue
            kind = spec["type"]
            answers[spec["name"]] = {
                "choice": (spec.get("options") or [{"value": ""}])[0]["value"],
                "choices": [(spec.get("options") or [{"value": ""}])[0]["value"]],
                "date": (today - timedelta(days=400)).isoformat(),
                "consent": True,
                "phone": "090-1111-2222",
                "number": 1,
                "yen": 1,
                "kana": "ポチ",
            }.get(kind, "テスト")
    return answers


async def review_at_counter(client, headers, code: str):
    """The counter filing read on the resident's screen, with the passkey options."""
    return await client.post(
        "/api/applications/confirm/review", json={"code": code}, headers=headers
    )


async def confirm_at_counter(client, headers, code: str, *, authenticator=None):
    """The resident reads the counter filing and confirms it with their own passkey."""
    review = await review_at_counter(client, headers, code)
    assert review.status_code == 200, review.text
    credential = (authenticator or client.authenticator).get(review.json()["options"], ORIGIN)
    return await client.post(
        "/api/applications/confirm", json={"code": code, "credential": credential}, headers=headers
    )


async def counter_filing(
    client_for, app, city, resident, key: str = "counter-0001", staff=None
) -> str:
    """Support staff fill in 粗大ごみ for 1000000000 at the counter: the code they show."""
    staff = staff or await staff_client(client_for, app, city, role="support")
    return (await counter_pending(staff, resident, key))["confirmation_code"]


async def counter_pending(staff, reader, key: str) -> dict:
    """粗大ごみ filed at the counter by ``staff`` for 1000000000, from the form as ``reader``'s
    app reads it (its prefill): the pending filing (id, code)."""
    staff, staff_headers = staff
    form = (await reader.get("/api/procedures/oversized-garbage/form")).json()
    answers = {name: held["value"] for name, held in form["prefill"].items()}
    answers.update(_fill_required(form))
    pending = await staff.post(
        "/api/staff/assisted-applications",
        json={"person_registry_id": "1000000000", "slug": "oversized-garbage",
              "version": form["version"], "answers": answers},
        headers={**staff_headers, "idempotency-key": key},
    )  # fmt: skip
    assert pending.status_code == 201, pending.text
    return pending.json()


async def test_counter_filing_is_confirmed_by_the_resident(client, hanako, client_for, app, city):
    resident, headers = hanako
    code = await counter_filing(client_for, app, city, resident)
    assert (await resident.get("/api/applications")).json()["items"] == []

    await add_household(city, registry_prefix="2")
    other, other_headers = await verified_resident(client_for, app, city, "2000000000")
    stolen = await review_at_counter(other, other_headers, code)
    assert stolen.status_code == 422

    # What the resident confirms is shown first: the filing as staff filled it in.
    review = await review_at_counter(resident, headers, code)
    assert review.status_code == 200, review.text
    shown = review.json()
    assert shown["application"]["status"] == "awaiting_confirmation"
    assert shown["application"]["procedure"]["slug"] == "oversized-garbage"
    assert shown["options"]["userVerification"] == "required"
    assert [c["id"] for c in shown["options"]["allowCredentials"]] == [
        c.credential_id for c in resident.authenticator.credentials
    ]

    confirmed = await confirm_at_counter(resident, headers, code)
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["channel"] == "assisted" and body["status"] == "submitted"
    assert [e["kind"] for e in body["timeline"]] == ["assisted", "confirmed"]
    events = await _audit_actions(city.id)
    assert "application.confirmed_with_passkey" in events
    withdrawn = await resident.post(f"/api/applications/{body['id']}/withdraw", headers=headers)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


async def _audit_actions(municipality_id: int) -> list[str]:
    from todoke.db import read_transaction

    async with read_transaction() as sql:
        return [
            row[0]
            for row in await sql.fetch(
                "SELECT action FROM audit_event WHERE municipality = ? ORDER BY id",
                [municipality_id],
            )
        ]


async def _still_waiting(resident) -> bool:
    return (await resident.get("/api/applications")).json()["items"] == []


async def test_a_counter_filing_is_not_confirmed_without_the_resident_s_own_fresh_passkey(
    client, hanako, client_for, app, city, monkeypatch
):
    """Step-up (issue 17): a signed-in session and the code are not enough; a stale
    assertion, another person's passkey, a replayed one, one made for another filing, or
    none at all are refused, each audited, and the filing stays unconfirmed."""
    resident, headers = hanako
    code = await counter_filing(client_for, app, city, resident)
    second = await counter_filing(client_for, app, city, resident, key="counter-0002")

    # No assertion at all: the code alone (an unlocked phone in someone else's hand).
    bare = await resident.post("/api/applications/confirm", json={"code": code}, headers=headers)
    assert bare.status_code == 400, bare.text

    # Another person's passkey: a second resident's authenticator answers the options.
    stranger = SoftAuthenticator()
    await register(client_for(app), stranger, name="たにん")
    review = (await review_at_counter(resident, headers, code)).json()
    with pytest.raises(NoCredentialError):  # it holds none of the credentials offered
        stranger.get(review["options"], ORIGIN)
    theirs = stranger.get({**review["options"], "allowCredentials": []}, ORIGIN)
    refused = await resident.post(
        "/api/applications/confirm", json={"code": code, "credential": theirs}, headers=headers
    )
    assert refused.status_code == 422, refused.text
    assert await _still_waiting(resident)

    # An assertion made for the other filing does not confirm this one.
    other_review = (await review_at_counter(resident, headers, second)).json()
    for_second = resident.authenticator.get(other_review["options"], ORIGIN)
    crossed = await resident.post(
        "/api/applications/confirm", json={"code": code, "credential": for_second},
        headers=headers,
    )  # fmt: skip
    assert crossed.status_code == 422, crossed.text
    assert await _still_waiting(resident)

    # A stale one: its options were made more than two minutes ago.
    review = (await review_at_counter(resident, headers, code)).json()
    later = clock.now() + timedelta(minutes=3)
    monkeypatch.setattr(clock, "now", lambda: later)
    stale = resident.authenticator.get(review["options"], ORIGIN)
    expired = await resident.post(
        "/api/applications/confirm", json={"code": code, "credential": stale}, headers=headers
    )
    assert expired.status_code == 422, expired.text
    monkeypatch.undo()
    assert await _still_waiting(resident)

    # A good one confirms; the same assertion again is a replay, refused.
    review = (await review_at_counter(resident, headers, second)).json()
    fresh = resident.authenticator.get(review["options"], ORIGIN)
    confirmed = await resident.post(
        "/api/applications/confirm", json={"code": second, "credential": fresh}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text
    replay = await resident.post(
        "/api/applications/confirm", json={"code": code, "credential": fresh}, headers=headers
    )
    assert replay.status_code == 422, replay.text
    assert len((await resident.get("/api/applications")).json()["items"]) == 1
    refusals = (await _audit_actions(city.id)).count("application.confirmation_refused")
    assert refusals == 4  # another's passkey, the other filing's, the stale one, the replay


# --- corrections ------------------------------------------------------------------------------


async def test_this_is_wrong_reaches_the_owning_department(client, hanako, client_for, app, city):
    resident, headers = hanako
    asked = await resident.post(
        "/api/corrections",
        json={"slug": SLUG, "field": "claimant_kana", "note": "サトウ ハナ です"},
        headers=headers,
    )
    assert asked.status_code == 201, asked.text
    body = asked.json()
    assert body["department"]["code"] == "citizens" and body["status"] == "open"
    assert body["current_value"] == "サトウ ハナコ"
    bad = await resident.post(
        "/api/corrections", json={"slug": SLUG, "field": "phone"}, headers=headers
    )
    assert bad.status_code == 422

    staff, staff_headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["citizens"]
    )
    items = (await staff.get("/api/staff/corrections")).json()["items"]
    assert [c["id"] for c in items] == [body["id"]]
    resolved = await staff.post(
        f"/api/staff/corrections/{body['id']}",
        json={"status": "resolved", "message": "住民票を確認し訂正しました。"},
        headers=staff_headers,
    )
    assert resolved.status_code == 200, resolved.text
    mine = (await resident.get("/api/corrections")).json()["items"]
    assert mine[0]["status"] == "resolved" and mine[0]["reply"].startswith("住民票")


async def test_the_queue_filters_by_who_works_a_case_across_pages(
    client, hanako, client_for, app, city, monkeypatch
):
    """Who works a case is the back office's to know: the queue pages through the filed
    applications until it has enough of the ones the filter wants."""
    resident, headers = hanako
    ids = [(await filed_application(resident, headers, f"key-queue-{n}"))["id"] for n in range(3)]
    staff, staff_headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    me = (await staff.get("/api/me")).json()["id"]
    claimed = await staff.put(
        f"/api/staff/applications/{ids[0]}/assignee", json={"assignee": me}, headers=staff_headers
    )
    assert claimed.status_code == 200, claimed.text
    monkeypatch.setattr("todoke.staff.cases.service.QUEUE_LIMIT", 2)  # pages of two

    async def queue(query: str = "") -> list[int]:
        answer = await staff.get(f"/api/staff/applications{query}")
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert await queue("?assignee=none") == ids[1:]  # the first page held the claimed one
    assert await queue("?assignee=me") == ids[:1]
    assert await queue() == ids[:2]  # never more than the limit


# --- a resident without a passkey: a signature or the staff member's attestation ----------


async def _filed_for_someone_without_an_account(client_for, app, city, key: str):
    """Support staff file 粗大ごみ at the counter for 1000000000, who has no account."""
    # The form as any resident's app reads it (another household's, with its prefill).
    await add_household(city, registry_prefix="2")
    reader, _ = await verified_resident(client_for, app, city, "2000000000")
    staff, staff_headers = await staff_client(client_for, app, city, role="support")
    return staff, staff_headers, await counter_pending((staff, staff_headers), reader, key)


async def test_staff_attest_a_counter_filing_for_a_resident_without_a_passkey(
    client_for, app, city
):
    await add_household(city)
    staff, headers, pending = await _filed_for_someone_without_an_account(
        client_for, app, city, "counter-attest-1"
    )
    path = f"/api/staff/assisted-applications/{pending['application_id']}/attestation"

    # What a confirmation needs, each refused with nothing written.
    for body, status in (
        ({"method": "staff_attestation"}, 422),  # no document named
        ({"method": "staff_attestation", "document": "   "}, 422),
        ({"method": "signature"}, 422),  # no image
        ({"method": "signature", "signature": "no-such-token"}, 422),
        ({"method": "fingerprint", "document": "x"}, 400),
        ({"method": "staff_attestation", "document": "x" * 61}, 400),
        ({"method": "staff_attestation", "document": "運転免許証", "extra": 1}, 400),
    ):
        refused = await staff.post(path, json=body, headers=headers)
        assert refused.status_code == status, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    trailing = await staff.post(
        path, content=b'{"method": "staff_attestation", "document": "x",}',
        headers={**headers, "content-type": "application/json"},
    )  # fmt: skip
    assert trailing.status_code == 400

    # Another staff member (not the one at the counter) cannot confirm it.
    colleague, colleague_headers = await staff_client(client_for, app, city, role="support")
    other = await colleague.post(
        path, json={"method": "staff_attestation", "document": "運転免許証"},
        headers=colleague_headers,
    )  # fmt: skip
    assert other.status_code == 404

    attested = await staff.post(
        path, json={"method": "staff_attestation", "document": "運転免許証"}, headers=headers
    )
    assert attested.status_code == 200, attested.text
    assert attested.json()["status"] == "submitted"
    assert attested.json()["method"] == "staff_attestation"
    again = await staff.post(
        path, json={"method": "staff_attestation", "document": "運転免許証"}, headers=headers
    )
    assert again.status_code == 404
    row = (
        await Application.select(
            Application.status, Application.account, Application.confirmation_hash
        )
        .where(Application.id == pending["application_id"])
        .first()
    )
    assert row == {"status": "submitted", "account": None, "confirmation_hash": None}
    events = await ApplicationEvent.select(ApplicationEvent.kind, ApplicationEvent.text).where(
        ApplicationEvent.application == pending["application_id"]
    )
    assert events[-1] == {"kind": "confirmed", "text": "職員が本人確認書類（運転免許証）を確認"}
    assert "application.confirmed_by_attestation" in await _audit_actions(city.id)


async def test_a_signature_on_the_pad_confirms_it_and_is_kept_with_the_filing(
    client_for, app, city
):
    await add_household(city)
    staff, headers, pending = await _filed_for_someone_without_an_account(
        client_for, app, city, "counter-attest-2"
    )
    signed = await upload(staff, headers, png_bytes(b"signature"), "署名.png")
    assert signed.status_code == 201, signed.text
    attested = await staff.post(
        f"/api/staff/assisted-applications/{pending['application_id']}/attestation",
        json={"method": "signature", "signature": signed.json()["id"]},
        headers=headers,
    )
    assert attested.status_code == 200, attested.text
    kept = (
        await Attachment.select(Attachment.application)
        .where(Attachment.token == signed.json()["id"])
        .first()
    )
    assert kept == {"application": pending["application_id"]}


async def test_a_resident_with_an_account_confirms_with_their_passkey_not_an_attestation(
    client_for, app, city, hanako
):
    resident, _ = hanako
    staff, headers = await staff_client(client_for, app, city, role="support")
    code = await counter_filing(client_for, app, city, resident, staff=(staff, headers))
    waiting = (
        await Application.select(Application.id)
        .where(Application.status == "awaiting_confirmation")
        .first()
    )
    assert code and waiting is not None
    refused = await staff.post(
        f"/api/staff/assisted-applications/{waiting['id']}/attestation",
        json={"method": "staff_attestation", "document": "運転免許証"},
        headers=headers,
    )
    assert refused.status_code == 409, refused.text
    still = (
        await Application.select(Application.status).where(Application.id == waiting["id"]).first()
    )
    assert still == {"status": "awaiting_confirmation"}
