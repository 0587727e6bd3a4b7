"""Passkey identity through the HTTP API, with a software authenticator that signs real
assertions (and sets the user-verified flag)."""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from soft_authenticator import SoftAuthenticator, tamper_signature

from todoke.identity.tables import Account, Ceremony, Session, StaffInvite
from todoke.registry.tables import Person

ORIGIN = "http://localhost:8000"


async def register(client, authenticator: SoftAuthenticator, *, invite: str = "", name: str = ""):
    options = await client.post(
        "/api/auth/registration/options", json={"display_name": name, "invite": invite}
    )
    assert options.status_code == 200, options.text
    credential = authenticator.create(options.json(), ORIGIN)
    return await client.post("/api/auth/registration", json={"credential": credential})


async def login_options(client):
    response = await client.post("/api/auth/login/options")
    assert response.status_code == 200, response.text
    return response.json()


async def login(client, authenticator: SoftAuthenticator, **kwargs):
    credential = authenticator.get(
        await login_options(client), kwargs.pop("origin", ORIGIN), **kwargs
    )
    return await client.post("/api/auth/login", json={"credential": credential})


def csrf(response) -> dict[str, str]:
    return {"x-csrf-token": response.json()["csrf_token"]}


def assert_refused(response, status: int = 422):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail_ja"]


@pytest.fixture
async def resident(client, city):
    authenticator = SoftAuthenticator()
    registered = await register(client, authenticator, name="はなこ")
    assert registered.status_code == 201, registered.text
    return authenticator, registered


@pytest.fixture
async def person(city):
    from todoke.registry.tables import Household

    household = await Household.insert(
        Household(municipality=city.id, registry_id="H1", created_at=datetime.now(UTC))
    )
    row = await Person.insert(
        Person(
            municipality=city.id,
            registry_id="0000000001",
            household=household[0]["id"],
            relation="head",
            family_name="佐藤",
            given_name="花子",
            family_name_kana="サトウ",
            given_name_kana="ハナコ",
            sex="female",
            postal_code="181-0013",
            address="東京都三鷹市下連雀三丁目1-1",
            district="下連雀",
            status="resident",
            updated_at=datetime.now(UTC),
        )
    )
    return row[0]["id"]


async def staff_client(client_for, app, city, role: str = "support", departments=()):
    from todoke.identity.service import create_staff_invite

    invite = await create_staff_invite(
        municipality_id=city.id,
        display_name=f"職員 {role}",
        role=role,
        department_codes=list(departments),
        created_by=None,
    )
    client = client_for(app)
    registered = await register(client, SoftAuthenticator(), invite=invite.token)
    assert registered.status_code == 201, registered.text
    assert registered.json()["kind"] == "staff"
    return client, csrf(registered)


# --- the happy path -------------------------------------------------------------------------


async def test_register_sign_out_sign_in(client, resident):
    authenticator, registered = resident
    assert registered.json()["kind"] == "resident"
    me = await client.get("/api/me")
    assert me.json()["display_name"] == "はなこ"
    assert me.json()["verified"] is False and me.json()["name"] is None

    out = await client.post("/api/auth/logout", headers=csrf(registered))
    assert out.status_code == 204
    assert (await client.get("/api/me")).status_code == 401

    signed_in = await login(client, authenticator)
    assert signed_in.status_code == 200, signed_in.text
    assert (await client.get("/api/me")).json()["id"] == registered.json()["account_id"]


async def test_a_new_session_id_at_every_sign_in(client, resident):
    authenticator, _registered = resident
    first = client.cookies.get("todoke_session")
    await login(client, authenticator)
    second = client.cookies.get("todoke_session")
    assert first and second and first != second


async def test_verification_by_letter_shows_the_registry_name(
    client, resident, person, app, client_for, city
):
    staff, headers = await staff_client(client_for, app, city)
    letter = await staff.post(
        "/api/staff/activation-codes", json={"registry_id": "0000000001"}, headers=headers
    )
    assert letter.status_code == 201, letter.text
    body = letter.json()
    assert body["code"] in body["letter_html"]
    assert "佐藤 花子 様" in body["letter_html"] and "〒181-0013" in body["letter_html"]

    _, registered = resident
    verified = await client.post(
        "/api/me/verification", json={"code": body["code"].lower()}, headers=csrf(registered)
    )
    assert verified.status_code == 200, verified.text
    me = (await client.get("/api/me")).json()
    assert me["verified"] is True and me["verified_by"] == "letter"
    assert (me["name"]["family_name"], me["name"]["given_name"]) == ("佐藤", "花子")

    again = await client.post(
        "/api/me/verification", json={"code": body["code"]}, headers=csrf(registered)
    )
    assert_refused(again)  # single use


# --- what the ceremonies must refuse ---------------------------------------------------------


async def test_replayed_assertion_is_refused(client, resident):
    authenticator, _ = resident
    credential = authenticator.get(await login_options(client), ORIGIN)
    assert (
        await client.post("/api/auth/login", json={"credential": credential})
    ).status_code == 200
    assert_refused(await client.post("/api/auth/login", json={"credential": credential}))


async def test_expired_challenge_is_refused(client, resident):
    authenticator, _ = resident
    options = await login_options(client)
    await Ceremony.update({Ceremony.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        Ceremony.purpose == "authenticate"
    )
    credential = authenticator.get(options, ORIGIN)
    assert_refused(await client.post("/api/auth/login", json={"credential": credential}))


async def test_challenge_from_another_browser_is_refused(client, resident, client_for, app):
    authenticator, _ = resident
    credential = authenticator.get(await login_options(client), ORIGIN)
    async with client_for(app) as other_browser:
        assert_refused(await other_browser.post("/api/auth/login", json={"credential": credential}))


async def test_another_origin_is_refused(client, resident):
    authenticator, _ = resident
    assert_refused(await login(client, authenticator, origin="https://evil.example"))


async def test_another_rp_id_is_refused(client, resident):
    authenticator, _ = resident
    assert_refused(await login(client, authenticator, rp_id_override="evil.example"))


async def test_missing_user_verification_is_refused(client, city):
    no_uv = SoftAuthenticator(user_verification=False)
    assert_refused(await register(client, no_uv))
    assert await Account.count() == 0


async def test_tampered_signature_is_refused(client, resident):
    authenticator, _ = resident
    credential = authenticator.get(await login_options(client), ORIGIN)
    tampered = tamper_signature(credential)
    assert_refused(await client.post("/api/auth/login", json={"credential": tampered}))


async def test_unknown_credential_is_refused(client, resident):
    stranger = SoftAuthenticator()
    options = await client.post("/api/auth/registration/options", json={})
    stranger.create(options.json(), ORIGIN)  # made, never sent to the server
    assert_refused(await login(client, stranger))


async def test_sign_count_regression_is_refused_and_flagged(client, resident):
    authenticator, _registered = resident
    assert (await login(client, authenticator)).status_code == 200
    assert (await login(client, authenticator)).status_code == 200
    credential_id = authenticator.credentials[0].credential_id
    authenticator.set_counter(credential_id, 0)  # a clone with an older counter
    assert_refused(await login(client, authenticator))
    passkeys = (await client.get("/api/me/passkeys")).json()
    assert passkeys[0]["clone_suspected"] is True


async def test_synced_passkeys_reporting_zero_are_fine(client, city):
    synced = SoftAuthenticator(counting=False, backup_eligible=True, backup_state=True)
    assert (await register(client, synced)).status_code == 201
    for _ in range(3):
        assert (await login(client, synced)).status_code == 200
    assert (await client.get("/api/me/passkeys")).json()[0]["synced"] is True


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: {**c, "rawId": "%%%not-base64%%%", "id": "%%%"},
        lambda c: {**c, "response": {**c["response"], "clientDataJSON": "!!!"}},
        lambda c: {**c, "response": {**c["response"], "authenticatorData": "AA"}},
        lambda c: {**c, "response": "not an object"},
        lambda c: {},
    ],
)
async def test_malformed_credentials_are_4xx(client, resident, mangle):
    authenticator, _ = resident
    credential = authenticator.get(await login_options(client), ORIGIN)
    response = await client.post(
        "/api/auth/login", json={"credential": mangle(copy.deepcopy(credential))}
    )
    assert 400 <= response.status_code < 500, response.text


async def test_oversized_body_is_413(client, city):
    response = await client.post(
        "/api/auth/login",
        content=b'{"credential": {"id": "' + b"A" * 2_000_000 + b'"}}',
        headers={"content-type": "application/json"},
    )
    assert_refused(response, 413)


async def test_guessing_activation_codes_locks_verification(
    client, resident, person, app, client_for, city
):
    staff, headers = await staff_client(client_for, app, city)
    letter = await staff.post(
        "/api/staff/activation-codes", json={"registry_id": "0000000001"}, headers=headers
    )
    code = letter.json()["code"]
    _, registered = resident
    for guess in range(5):
        wrong = await client.post(
            "/api/me/verification",
            json={"code": f"AAAA-BBBB-{guess:04d}"},
            headers=csrf(registered),
        )
        assert_refused(wrong)
    locked = await client.post(
        "/api/me/verification", json={"code": code}, headers=csrf(registered)
    )
    assert_refused(locked, 429)
    assert int(locked.headers["retry-after"]) > 3600
    assert (await client.get("/api/me")).json()["verified"] is False


async def test_expired_invite_is_refused(client, city):
    from todoke.identity.service import create_staff_invite

    invite = await create_staff_invite(
        municipality_id=city.id,
        display_name="期限切れ",
        role="caseworker",
        department_codes=[],
        created_by=None,
    )
    await StaffInvite.update(
        {StaffInvite.expires_at: datetime.now(UTC) - timedelta(minutes=1)}
    ).where(StaffInvite.display_name == "期限切れ")
    response = await client.post("/api/auth/registration/options", json={"invite": invite.token})
    assert_refused(response)


async def test_an_invite_makes_one_account_only(client, city, client_for, app):
    from todoke.identity.service import create_staff_invite

    invite = await create_staff_invite(
        municipality_id=city.id,
        display_name="一回限り",
        role="caseworker",
        department_codes=["citizens"],
        created_by=None,
    )
    assert (await register(client, SoftAuthenticator(), invite=invite.token)).status_code == 201
    async with client_for(app) as second:
        refused = await second.post("/api/auth/registration/options", json={"invite": invite.token})
        assert_refused(refused)


# --- sessions and CSRF -----------------------------------------------------------------------


async def test_unsafe_requests_need_the_csrf_token_and_our_origin(client, resident):
    _, registered = resident
    assert_refused(await client.post("/api/auth/logout"), 403)
    assert_refused(
        await client.post(
            "/api/auth/logout", headers={**csrf(registered), "origin": "https://evil.example"}
        ),
        403,
    )
    assert (
        await client.post("/api/auth/logout", headers={**csrf(registered), "origin": ORIGIN})
    ).status_code == 204


async def test_idle_and_absolute_timeouts_end_sessions_on_the_server(client, resident):
    await Session.update({Session.last_seen_at: datetime.now(UTC) - timedelta(hours=2)}).where(
        Session.revoked_at.is_null()
    )
    assert (await client.get("/api/me")).status_code == 401
    authenticator, _ = resident
    await login(client, authenticator)
    await Session.update({Session.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        Session.revoked_at.is_null()
    )
    assert (await client.get("/api/me")).status_code == 401


async def test_sign_out_everywhere(client, resident, client_for, app):
    authenticator, _ = resident
    async with client_for(app) as phone:
        signed = await login(phone, authenticator)
        assert (await phone.get("/api/me")).status_code == 200
        out = await phone.post("/api/auth/logout-everywhere", headers=csrf(signed))
        assert out.status_code == 204
    assert (await client.get("/api/me")).status_code == 401


# --- passkeys on the account -----------------------------------------------------------------


async def test_add_rename_remove_passkeys_never_the_last(client, resident):
    authenticator, registered = resident
    headers = csrf(registered)
    assert (await client.get("/api/me")).json()["suggest_second_passkey"] is True
    await client.post("/api/me/second-passkey-suggested", headers=headers)
    assert (await client.get("/api/me")).json()["suggest_second_passkey"] is False

    only = (await client.get("/api/me/passkeys")).json()[0]
    assert_refused(await client.delete(f"/api/me/passkeys/{only['id']}", headers=headers), 409)

    options = (await client.post("/api/me/passkeys/options", headers=headers)).json()
    excluded = [c["id"] for c in options["excludeCredentials"]]
    assert excluded == [authenticator.credentials[0].credential_id]
    from soft_authenticator import InvalidStateError

    with pytest.raises(InvalidStateError):
        authenticator.create(options, ORIGIN)  # the same device cannot register twice
    laptop = SoftAuthenticator()
    added = await client.post(
        "/api/me/passkeys",
        json={"credential": laptop.create(options, ORIGIN), "name": "ノートPC"},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    renamed = await client.patch(
        f"/api/me/passkeys/{only['id']}", json={"name": "スマホ"}, headers=headers
    )
    assert {p["name"] for p in renamed.json()} == {"スマホ", "ノートPC"}
    assert (
        await client.delete(f"/api/me/passkeys/{only['id']}", headers=headers)
    ).status_code == 204
    assert (await login(client, laptop)).status_code == 200


async def test_one_account_never_reaches_another_accounts_data(client, resident, client_for, app):
    _, _first = resident
    first_passkey = (await client.get("/api/me/passkeys")).json()[0]["id"]
    async with client_for(app) as other:
        second = await register(other, SoftAuthenticator(), name="べつの人")
        headers = csrf(second)
        assert (await other.get("/api/me")).json()["display_name"] == "べつの人"
        assert [p["id"] for p in (await other.get("/api/me/passkeys")).json()] != [first_passkey]
        assert_refused(
            await other.patch(
                f"/api/me/passkeys/{first_passkey}", json={"name": "x"}, headers=headers
            ),
            404,
        )
        assert_refused(
            await other.delete(f"/api/me/passkeys/{first_passkey}", headers=headers), 404
        )
    assert (await client.get("/api/me/passkeys")).json()[0]["id"] == first_passkey


async def test_residents_and_anonymous_callers_cannot_reach_staff_endpoints(
    client, resident, client_for, app
):
    _, registered = resident
    calls = [
        ("/api/staff/invites", {"display_name": "x", "role": "administrator"}),
        ("/api/staff/activation-codes", {"registry_id": "0000000001"}),
        (
            "/api/staff/counter-verifications",
            {"counter_code": "1", "registry_id": "1", "document": "x"},
        ),
    ]
    for path, body in calls:
        assert_refused(await client.post(path, json=body, headers=csrf(registered)), 403)
    async with client_for(app) as anonymous:
        for path, body in calls:
            assert_refused(await anonymous.post(path, json=body), 401)


async def test_only_administrators_invite_staff(client_for, app, city):
    caseworker, headers = await staff_client(client_for, app, city, role="caseworker")
    refused = await caseworker.post(
        "/api/staff/invites",
        json={"display_name": "x", "role": "administrator"},
        headers=headers,
    )
    assert_refused(refused, 403)
    admin, headers = await staff_client(client_for, app, city, role="administrator")
    made = await admin.post(
        "/api/staff/invites",
        json={"display_name": "新人", "role": "caseworker", "departments": ["child-support"]},
        headers=headers,
    )
    assert made.status_code == 201
    assert "/staff/invite#" in made.json()["link"]


# --- recovery, counter verification, consents, rate limits ------------------------------------


async def test_recovery_moves_the_new_passkey_to_the_old_account_and_tells_the_resident(
    client, resident, person, app, client_for, city
):
    staff, staff_headers = await staff_client(client_for, app, city)
    _, registered = resident
    old_account = registered.json()["account_id"]
    first = await staff.post(
        "/api/staff/activation-codes", json={"registry_id": "0000000001"}, headers=staff_headers
    )
    await client.post(
        "/api/me/verification", json={"code": first.json()["code"]}, headers=csrf(registered)
    )
    # The phone is lost. A new phone, a new passkey, and a recovery letter: it works once
    # the hold is over (the letter was issued longer ago than that).
    recovery = await staff.post(
        "/api/staff/activation-codes",
        json={"registry_id": "0000000001", "purpose": "recovery"},
        headers=staff_headers,
    )
    assert "アカウント回復" in recovery.json()["letter_html"]
    code = await _recovery_code_past_its_hold(city, "0000000001")
    async with client_for(app) as new_phone:
        new_device = SoftAuthenticator()
        fresh = await register(new_phone, new_device)
        done = await new_phone.post(
            "/api/me/verification", json={"code": code}, headers=csrf(fresh)
        )
        assert done.json() == {"verified": True, "recovered": True}
        me = (await new_phone.get("/api/me")).json()
        assert me["id"] == old_account and me["name"]["given_name"] == "花子"
        inbox = (await new_phone.get("/api/me/inbox")).json()
        titles = [item["title"]["ja"] for item in inbox["items"]]
        # Told when each letter was issued, and when the passkey was added.
        assert titles[0] == "新しいパスキーが追加されました"
        assert titles[1:] == ["アカウント回復の通知を発行しました"] * 2
    # The lost phone's session is over and its passkey no longer works; the new passkey
    # signs in to the old account.
    assert (await client.get("/api/me")).status_code == 401
    lost_phone, _ = resident
    assert_refused(await login(client, lost_phone))
    assert (await login(client, new_device)).json()["account_id"] == old_account
    retired = (
        await Account.select(Account.disabled_at)
        .where(Account.id == fresh.json()["account_id"])
        .first()
    )
    assert retired["disabled_at"] is not None


async def _recovery_code_past_its_hold(city, registry_id: str) -> str:
    """A recovery code issued (through the service) longer ago than the hold."""
    from todoke import clock
    from todoke.identity.service import RECOVERY_HOLD, issue_activation_code

    with clock.frozen(clock.now() - RECOVERY_HOLD - timedelta(minutes=5)):
        issued = await issue_activation_code(
            municipality_id=city.id, registry_id=registry_id, purpose="recovery", issued_by=None
        )
    return issued.code


async def _bound(client, registered, staff, staff_headers) -> None:
    first = await staff.post(
        "/api/staff/activation-codes", json={"registry_id": "0000000001"}, headers=staff_headers
    )
    assert first.status_code == 201, first.text
    bound = await client.post(
        "/api/me/verification", json={"code": first.json()["code"]}, headers=csrf(registered)
    )
    assert bound.json()["recovered"] is False


async def test_a_verification_code_never_takes_over_a_bound_account(
    client, resident, person, app, client_for, city
):
    from todoke.identity.tables import Passkey

    staff, staff_headers = await staff_client(client_for, app, city)
    _, registered = resident
    holder = registered.json()["account_id"]
    # Two letters went out while the resident had no account (a lost one, then another).
    letters = [
        (
            await staff.post(
                "/api/staff/activation-codes",
                json={"registry_id": "0000000001"},
                headers=staff_headers,
            )
        ).json()["code"]
        for _ in range(2)
    ]
    bound = await client.post(
        "/api/me/verification", json={"code": letters[0]}, headers=csrf(registered)
    )
    assert bound.json() == {"verified": True, "recovered": False}

    # Whoever holds the other letter cannot take the account over with it.
    async with client_for(app) as stranger:
        theirs = await register(stranger, SoftAuthenticator(), name="だれか")
        refused = await stranger.post(
            "/api/me/verification", json={"code": letters[1]}, headers=csrf(theirs)
        )
        assert_refused(refused, 409)
        assert "recover" in refused.json()["detail"]
        assert (await stranger.get("/api/me")).json()["verified"] is False
    assert (await client.get("/api/me")).json()["id"] == holder  # still signed in
    assert await Passkey.count().where(Passkey.account == holder) == 1
    assert await Account.count().where(Account.person == person) == 1

    # And staff are told to use the recovery letter or the counter, not handed a code.
    again = await staff.post(
        "/api/staff/activation-codes", json={"registry_id": "0000000001"}, headers=staff_headers
    )
    assert_refused(again, 409)
    assert "recovery" in again.json()["detail"] and "counter" in again.json()["detail"]
    assert "窓口" in again.json()["detail_ja"]


async def test_a_recovery_letter_tells_the_holder_and_waits_out_the_hold(
    client, resident, person, app, client_for, city
):
    from todoke.identity.tables import ActivationCode, Passkey

    staff, staff_headers = await staff_client(client_for, app, city)
    _, registered = resident
    holder = registered.json()["account_id"]
    # Nothing to recover yet: a recovery code for a person without an account is refused.
    early = await staff.post(
        "/api/staff/activation-codes",
        json={"registry_id": "0000000001", "purpose": "recovery"},
        headers=staff_headers,
    )
    assert_refused(early, 409)
    await _bound(client, registered, staff, staff_headers)

    issued_at = datetime.now(UTC)
    recovery = await staff.post(
        "/api/staff/activation-codes",
        json={"registry_id": "0000000001", "purpose": "recovery"},
        headers=staff_headers,
    )
    assert recovery.status_code == 201, recovery.text
    usable_from = datetime.fromisoformat(recovery.json()["usable_from"])
    assert timedelta(hours=71) < usable_from - issued_at < timedelta(hours=73)
    assert "利用開始" in recovery.json()["letter_html"]
    # The holder is told at once (inbox, and push/email with it) before the letter arrives.
    inbox = (await client.get("/api/me/inbox")).json()
    assert inbox["items"][0]["title"]["ja"] == "アカウント回復の通知を発行しました"
    assert inbox["items"][0]["kind"] == "security"

    # Within the hold, the code does not work, and is not spent.
    async with client_for(app) as new_phone:
        fresh = await register(new_phone, SoftAuthenticator())
        refused = await new_phone.post(
            "/api/me/verification",
            json={"code": recovery.json()["code"]},
            headers=csrf(fresh),
        )
        assert_refused(refused, 409)
        assert "works from" in refused.json()["detail"]
        assert (await new_phone.get("/api/me")).json()["verified"] is False
    assert (await client.get("/api/me")).json()["id"] == holder
    assert await Passkey.count().where(Passkey.account == holder) == 1
    unused = await ActivationCode.count().where(
        (ActivationCode.purpose == "recovery") & ActivationCode.used_at.is_null()
    )
    assert unused == 1


async def test_the_holder_cancels_a_recovery_letter_they_did_not_ask_for(
    client, resident, person, app, client_for, city
):
    from todoke.audit.tables import AuditEvent

    staff, staff_headers = await staff_client(client_for, app, city)
    _, registered = resident
    holder = registered.json()["account_id"]
    await _bound(client, registered, staff, staff_headers)
    code = await _recovery_code_past_its_hold(city, "0000000001")
    # Not the resident's to cancel when signed out, nor staff's through this route.
    assert (await client_for(app).delete("/api/me/recovery-codes")).status_code == 401
    assert (await staff.delete("/api/me/recovery-codes", headers=staff_headers)).status_code == 403

    assert (await client.get("/api/me")).json()["recovery_pending"] is True
    cancelled = await client.delete("/api/me/recovery-codes", headers=csrf(registered))
    assert cancelled.status_code == 204, cancelled.text
    assert (await client.get("/api/me")).json()["recovery_pending"] is False
    event = await AuditEvent.select().where(AuditEvent.action == "identity.recovery_cancelled")
    assert [(e["actor_account"], e["subject_person"]) for e in event] == [(holder, person)]

    async with client_for(app) as stranger:
        theirs = await register(stranger, SoftAuthenticator(), name="だれか")
        refused = await stranger.post(
            "/api/me/verification", json={"code": code}, headers=csrf(theirs)
        )
        assert_refused(refused)
        assert (await stranger.get("/api/me")).json()["verified"] is False
    assert (await client.get("/api/me")).json()["id"] == holder


async def test_counter_verification_is_audited(client, resident, person, app, client_for, city):
    from todoke.audit.service import verify_chain
    from todoke.audit.tables import AuditEvent

    _, registered = resident
    shown = await client.post("/api/me/counter-code", headers=csrf(registered))
    assert shown.status_code == 201
    staff, headers = await staff_client(client_for, app, city)
    checked = await staff.post(
        "/api/staff/counter-verifications",
        json={
            "counter_code": shown.json()["code"],
            "registry_id": "0000000001",
            "document": "マイナンバーカード",
        },
        headers=headers,
    )
    assert checked.status_code == 200, checked.text
    me = (await client.get("/api/me")).json()
    assert me["verified_by"] == "counter" and me["name"]["family_name"] == "佐藤"
    log = (await client.get("/api/me/access-log")).json()
    assert {e["action"] for e in log} >= {"identity.counter_check", "identity.verified"}
    assert next(e for e in log if e["action"] == "identity.counter_check")["actor_kind"] == "staff"
    event = await AuditEvent.select().where(AuditEvent.action == "identity.counter_check").first()
    assert event["subject_person"] == person and event["actor_kind"] == "staff"
    assert (await verify_chain(city.id)).first_broken is None


async def test_consents_are_asked_separately_and_can_be_withdrawn(client, resident):
    _, registered = resident
    none = {"prefill": False, "matching": False, "sharing": False}
    assert (await client.get("/api/me/consents")).json() == none
    granted = await client.post(
        "/api/me/consents", json={"purpose": "prefill", "granted": True}, headers=csrf(registered)
    )
    assert granted.json() == {**none, "prefill": True}
    withdrawn = await client.post(
        "/api/me/consents", json={"purpose": "prefill", "granted": False}, headers=csrf(registered)
    )
    assert withdrawn.json()["prefill"] is False
    assert_refused(
        await client.post(
            "/api/me/consents",
            json={"purpose": "sell-my-data", "granted": True},
            headers=csrf(registered),
        )
    )


async def test_sign_in_endpoints_are_rate_limited(client, city, monkeypatch):
    # One fixed moment, early in a window: a window boundary mid-test would reset the counts.
    import todoke.identity.ratelimit as ratelimit

    moment = (int(time.time()) // 60 + 1) * 60 + 1.0
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: moment))
    bad = {"credential": {"id": "x"}}
    statuses = [(await client.post("/api/auth/login", json=bad)).status_code for _ in range(30)]
    assert statuses == [422] * 30
    limited = await client.post("/api/auth/login", json=bad)
    assert_refused(limited, 429)
    assert 1 <= int(limited.headers["retry-after"]) <= 61
    # Options get a larger budget (every signed-out visit asks for them) but still a limit.
    options = [(await client.post("/api/auth/login/options")).status_code for _ in range(121)]
    assert options[:120] == [200] * 120 and options[120] == 429


async def test_sign_ins_are_audited_with_the_right_kind(client, resident, client_for, app, city):
    from todoke.audit.tables import AuditEvent
    from todoke.identity.service import create_staff_invite

    authenticator, _ = resident
    await login(client, authenticator)
    invite = await create_staff_invite(
        municipality_id=city.id,
        display_name="監督者",
        role="supervisor",
        department_codes=[],
        created_by=None,
    )
    desk = SoftAuthenticator()
    async with client_for(app) as staff:
        assert (await register(staff, desk, invite=invite.token)).status_code == 201
        assert (await login(staff, desk)).json()["kind"] == "staff"
    kinds = {
        r["actor_kind"]
        for r in await AuditEvent.select(AuditEvent.actor_kind).where(
            AuditEvent.action == "identity.signed_in"
        )
    }
    assert kinds == {"resident", "staff"}
    failed = await client.post("/api/auth/login", json={"credential": {"id": "x"}})
    assert failed.status_code == 422
    assert await AuditEvent.count().where(AuditEvent.action == "identity.sign_in_failed") == 1


async def test_session_answers_200_signed_in_or_not(client, resident, client_for, app):
    me = (await client.get("/api/auth/session")).json()
    assert me["signed_in"] is True and me["account"]["display_name"] == "はなこ"
    async with client_for(app) as stranger:
        response = await stranger.get("/api/auth/session")
        assert response.status_code == 200 and response.json() == {"signed_in": False}


async def test_the_same_passkey_twice_is_a_conflict_not_a_500(city):
    from todoke.errors import Conflict
    from todoke.identity.schemas import StoredPasskey
    from todoke.identity.service import create_account_with_passkey

    stored = StoredPasskey(
        credential_id="c2FtZS1jcmVkZW50aWFs", user_handle="aGFuZGxl", public_key="cGs",
        sign_count=0, transports=[], aaguid="", device_type="single_device",
        backup_eligible=False, backup_state=False,
    )  # fmt: skip
    await create_account_with_passkey(
        municipality_id=city.id,
        user_handle="aGFuZGxl",
        display_name="一人目",
        stored=stored,
        passkey_name="端末",
    )
    with pytest.raises(Conflict):
        await create_account_with_passkey(
            municipality_id=city.id,
            user_handle="aGFuZGxlMg",
            display_name="二人目",
            stored=stored,
            passkey_name="端末",
        )
    assert await Account.count() == 1  # the second account was rolled back with its passkey


async def test_the_access_log_shows_only_events_about_me(client, resident, client_for, app):
    authenticator, _ = resident
    await login(client, authenticator)
    mine = (await client.get("/api/me/access-log")).json()
    assert [e["action"] for e in mine] == ["identity.signed_in"]
    async with client_for(app) as other:
        await register(other, SoftAuthenticator(), name="べつの人")
        assert (await other.get("/api/me/access-log")).json() == []
