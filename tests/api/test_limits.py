"""Limits that hold: the client address forwarded headers cannot choose, rate limits on every
code-entry route and on push subscriptions, push keys checked when subscribing, an endpoint
that cannot be taken from its account, and no cache keeping personal data.

Requests that test the forwarded headers go through the app as ``todoke serve`` runs it
(uvicorn's own layers included), from a loopback peer like a local reverse proxy."""

from __future__ import annotations

import base64
import time
from types import SimpleNamespace

import httpx
import msgspec
import pytest
import test_push
from litestar.routes import HTTPRoute
from soft_authenticator import SoftAuthenticator
from test_identity import ORIGIN, assert_refused, csrf, register, staff_client
from test_push import body

from todoke.audit.tables import AuditEvent
from todoke.notices.tables import PushSubscription

WRONG_LOGIN = {"credential": {"id": "x"}}
# The push tests' fixtures: a local push service, and settings that allow its http endpoints.
double = test_push.double
push_settings = test_push.push_settings


@pytest.fixture(autouse=True)
def one_window(monkeypatch):
    """One fixed moment early in a ten-minute window: a window ending mid-test would reset
    the counts."""
    import todoke.identity.ratelimit as ratelimit

    moment = (int(time.time()) // 600 + 1) * 600 + 1.0
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: moment))


def served(app, peer: str = "127.0.0.1") -> httpx.AsyncClient:
    """A client of the app wrapped as ``todoke serve`` wraps it, calling from ``peer``."""
    from todoke.cli import server_config

    config = server_config(app.state.settings, app)
    config.load()
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=config.loaded_app, client=(peer, 50000)),
        base_url=ORIGIN,
    )


def trusting(app, *proxies: str):
    """The app's settings with ``proxies`` trusted, as TODOKE_TRUSTED_PROXIES would."""
    from todoke.app import create_app

    return create_app(msgspec.structs.replace(app.state.settings, trusted_proxies=proxies))


def forwarded(address: str) -> dict[str, str]:
    return {"x-forwarded-for": address}


async def failed_sign_in_clients() -> list[str]:
    rows = await AuditEvent.select(AuditEvent.detail).where(
        AuditEvent.action == "identity.sign_in_failed"
    )
    return [msgspec.json.decode(r["detail"])["client"] for r in rows]


# --- forwarded headers ----------------------------------------------------------------------


async def test_forwarded_for_from_a_loopback_peer_is_not_believed_by_default(app, city):
    async with served(app) as client:
        statuses = [
            (
                await client.post(
                    "/api/auth/login", json=WRONG_LOGIN, headers=forwarded(f"203.0.113.{i}")
                )
            ).status_code
            for i in range(31)
        ]
    assert statuses[:30] == [422] * 30
    assert statuses[30] == 429
    assert set(await failed_sign_in_clients()) == {"127.0.0.1"}


async def test_behind_a_trusted_proxy_the_client_is_the_rightmost_untrusted_hop(app, city):
    behind_nginx = trusting(app, "127.0.0.1")
    async with served(behind_nginx) as proxy:
        # The attacker writes anything on the left; nginx appends the address it saw.
        statuses = [
            (
                await proxy.post(
                    "/api/auth/login",
                    json=WRONG_LOGIN,
                    headers=forwarded(f"10.0.0.{i}, 198.51.100.{i}, 203.0.113.9"),
                )
            ).status_code
            for i in range(31)
        ]
        assert statuses[:30] == [422] * 30
        limited = statuses[30]
        # Another resident behind the same proxy has a budget of their own.
        other = await proxy.post(
            "/api/auth/login", json=WRONG_LOGIN, headers=forwarded("192.0.2.44")
        )
    assert limited == 429
    assert other.status_code == 422
    clients = await failed_sign_in_clients()
    assert set(clients) == {"203.0.113.9", "192.0.2.44"}
    # A peer that is not a trusted proxy is the client, whatever it forwards.
    async with served(behind_nginx, peer="198.51.100.200") as direct:
        await direct.post("/api/auth/login", json=WRONG_LOGIN, headers=forwarded("192.0.2.1"))
    assert "198.51.100.200" in await failed_sign_in_clients()
    assert "192.0.2.1" not in await failed_sign_in_clients()


async def test_wrong_activation_codes_are_held_back_whatever_the_headers_say(app, city):
    from test_applications import add_household

    from todoke.identity.service import issue_activation_code

    await add_household(city)
    code = await issue_activation_code(
        municipality_id=city.id, registry_id="1000000000", purpose="verify", issued_by=None
    )
    residents = []
    for _ in range(3):
        client = served(app)
        registered = await register(client, SoftAuthenticator(), name="ためし")
        assert registered.status_code == 201, registered.text
        residents.append((client, csrf(registered)))
    spoof = iter(range(1000))

    async def guess(resident, code_text: str):
        client, headers = resident
        return await client.post(
            "/api/me/verification",
            json={"code": code_text},
            headers={**headers, **forwarded(f"203.0.113.{next(spoof)}")},
        )

    first, second, third = residents
    for n in range(5):
        assert_refused(await guess(first, f"AAAA-BBBB-{n:04d}"))
    # The account is locked: even the right code waits.
    assert_refused(await guess(first, code.code), 429)
    for n in range(4):
        assert_refused(await guess(second, f"CCCC-DDDD-{n:04d}"))
    # Ten tries from this address in ten minutes: a fresh account is held back too.
    refused = await guess(third, code.code)
    assert_refused(refused, 429)
    assert int(refused.headers["retry-after"]) >= 1
    for client, _ in residents:
        assert (await client.get("/api/me")).json()["verified"] is False
        await client.aclose()


async def test_counter_codes_are_limited_per_staff_account_across_addresses(app, city):
    behind_nginx = trusting(app, "127.0.0.1")
    desk, headers = await staff_client(served, behind_nginx, city, role="support")
    statuses = []
    for n in range(31):
        response = await desk.post(
            "/api/staff/counter-verifications",
            json={
                "counter_code": f"{n:06d}",
                "registry_id": "1000000000",
                "document": "運転免許証",
            },
            headers={**headers, **forwarded(f"198.51.100.{n}")},
        )
        statuses.append(response.status_code)
    assert 429 not in statuses[:30], statuses
    assert statuses[30] == 429


# --- code-entry routes: per account and per address ------------------------------------------


async def residents_from_one_address(client_for, app, count: int):
    residents = []
    for _ in range(count):
        client = client_for(app)
        registered = await register(client, SoftAuthenticator(), name="ためし")
        assert registered.status_code == 201, registered.text
        residents.append((client, csrf(registered)))
    return residents


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/api/me/email/confirm", lambda n: {"token": f"{n}.{'A' * 24}"}),
        ("/api/me/delegations/accept", lambda n: {"code": f"ZZZZ-{n:04d}"}),
        ("/api/applications/confirm/review", lambda n: {"code": f"ZZZZ-{n:04d}"}),
        ("/api/me/verification", lambda n: {"code": f"ZZZZ-ZZZZ-{n:04d}"}),
    ],
)
async def test_code_entry_routes_are_limited_per_account_and_per_address(
    client_for, app, city, path, payload
):
    # Two residents, one address. The first enters wrong codes up to the limit; the second,
    # whose account has tried nothing, is held back by the address.
    (one, one_headers), (two, two_headers) = await residents_from_one_address(client_for, app, 2)
    statuses = [
        (await one.post(path, json=payload(n), headers=one_headers)).status_code for n in range(10)
    ]
    assert 429 not in statuses[:4] and all(400 <= s < 500 for s in statuses), statuses
    over = await two.post(path, json=payload(99), headers=two_headers)
    assert_refused(over, 429)
    assert int(over.headers["retry-after"]) >= 1


async def test_one_account_is_held_back_from_many_addresses(app, city):
    behind_nginx = trusting(app, "127.0.0.1")
    client = served(behind_nginx)
    registered = await register(client, SoftAuthenticator(), name="ためし")
    headers = csrf(registered)
    statuses = [
        (
            await client.post(
                "/api/me/email/confirm",
                json={"token": f"{n}.{'A' * 24}"},
                headers={**headers, **forwarded(f"198.51.100.{n}")},
            )
        ).status_code
        for n in range(11)
    ]
    await client.aclose()
    assert 429 not in statuses[:10] and statuses[10] == 429, statuses


async def test_wrong_staff_invites_are_limited_per_address(client, city):
    from todoke.identity.service import create_staff_invite

    for n in range(10):
        wrong = await client.post(
            "/api/auth/registration/options", json={"display_name": "", "invite": f"guess{n}"}
        )
        assert_refused(wrong)
    invite = await create_staff_invite(
        municipality_id=city.id,
        display_name="職員",
        role="support",
        department_codes=[],
        created_by=None,
    )
    # Over the limit, even the right invite is not looked at (no oracle for guesses).
    refused = await client.post(
        "/api/auth/registration/options", json={"display_name": "", "invite": invite.token}
    )
    assert_refused(refused, 429)


async def test_right_invites_do_not_count(client_for, app, city):
    # A desk signing up a dozen staff from one address is not slowed.
    for _ in range(12):
        await staff_client(client_for, app, city, role="support")


# --- push subscriptions ---------------------------------------------------------------------


async def test_push_subscription_writes_are_limited_per_account(
    client_for, app, city, double, push_settings
):
    (resident, headers), (other, other_headers) = await residents_from_one_address(
        client_for, app, 2
    )
    subscription = double.subscribe()
    statuses = [
        (
            await resident.put("/api/push/subscription", json=body(subscription), headers=headers)
        ).status_code
        for _ in range(60)
    ]
    assert statuses == [204] * 60
    limited = await resident.put("/api/push/subscription", json=body(subscription), headers=headers)
    assert_refused(limited, 429)
    assert 1 <= int(limited.headers["retry-after"]) <= 3601
    removing = await resident.request(
        "DELETE",
        "/api/push/subscription",
        json={"endpoint": subscription["endpoint"]},
        headers=headers,
    )
    assert_refused(removing, 429)
    # Another account from the same address is not held back by this one's count.
    fresh = await other.put(
        "/api/push/subscription", json=body(double.subscribe()), headers=other_headers
    )
    assert fresh.status_code == 204


async def test_push_subscription_writes_are_limited_per_address(
    client_for, app, city, double, push_settings
):
    app.state.settings = msgspec.structs.replace(push_settings, auth_rate_limit=5)
    residents = await residents_from_one_address(client_for, app, 3)
    statuses = []
    for resident, headers in residents:
        for _ in range(8):
            response = await resident.put(
                "/api/push/subscription", json=body(double.subscribe()), headers=headers
            )
            statuses.append(response.status_code)
    # auth_rate_limit × 4 a minute from one address, whichever accounts write.
    assert statuses[:20] == [204] * 20 and set(statuses[20:]) == {429}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def test_a_p256dh_that_is_not_a_point_on_p256_is_refused(
    client_for, app, city, double, push_settings
):
    ((resident, headers),) = await residents_from_one_address(client_for, app, 1)
    good = double.subscribe()
    point = unb64url(good["keys"]["p256dh"])
    off_curve = point[:-1] + bytes([point[-1] ^ 1])  # same x, a y that is not on the curve
    hostile_keys = [
        off_curve,
        b"\x04" + bytes(64),  # zeros: not a point
        b"\x04" + b"\xff" * 64,  # coordinates beyond the field
        b"\x02" + point[1:33] + bytes(32),  # compressed prefix, padded to 65 bytes
    ]
    for key in hostile_keys:
        hostile = {**good, "keys": {**good["keys"], "p256dh": b64url(key)}}
        refused = await resident.put("/api/push/subscription", json=hostile, headers=headers)
        assert_refused(refused, 422)
    short_auth = {**good, "keys": {**good["keys"], "auth": b64url(bytes(15))}}
    assert_refused(
        await resident.put("/api/push/subscription", json=short_auth, headers=headers), 422
    )
    assert await PushSubscription.count() == 0
    accepted = await resident.put("/api/push/subscription", json=body(good), headers=headers)
    assert accepted.status_code == 204
    assert await PushSubscription.count() == 1


async def test_an_endpoint_is_not_moved_to_another_account_without_its_keys(
    client_for, app, city, double, push_settings
):
    (a, a_headers), (b, b_headers) = await residents_from_one_address(client_for, app, 2)
    a_id = (await a.get("/api/me")).json()["id"]
    b_id = (await b.get("/api/me")).json()["id"]
    mine = double.subscribe()
    first = await a.put("/api/push/subscription", json=body(mine), headers=a_headers)
    assert first.status_code == 204
    # B knows A's endpoint, not the keys A's browser made with it.
    b_keys = double.subscribe()["keys"]
    taken = await b.put(
        "/api/push/subscription", json=body({**mine, "keys": b_keys}), headers=b_headers
    )
    assert_refused(taken, 409)
    row = await PushSubscription.objects().first()
    assert row.account == a_id and row.p256dh == mine["keys"]["p256dh"]
    # The same endpoint with the same keys is the same browser profile (a shared phone where
    # B signed in after A): it moves to B.
    p256dh = mine["keys"]["p256dh"]
    padded = {**mine["keys"], "p256dh": p256dh + "=" * (-len(p256dh) % 4)}
    moved = await b.put(
        "/api/push/subscription", json=body({**mine, "keys": padded}), headers=b_headers
    )
    assert moved.status_code == 204, moved.text
    row = await PushSubscription.objects().first()
    assert row.account == b_id
    assert await PushSubscription.count() == 1
    # Its holder may still change its own subscription's keys.
    own = await b.put(
        "/api/push/subscription", json=body({**mine, "keys": b_keys}), headers=b_headers
    )
    assert own.status_code == 204


# --- Cache-Control ---------------------------------------------------------------------------

# Public and the same for everyone: browsers and proxies may keep these (the catalogue and
# the programmes revalidated by ETag at every use).
PUBLIC = {
    ("GET", "/api/push/public-key"),
    ("GET", "/api/procedures"),
    ("GET", "/api/support/programs"),
}


def api_operations(app) -> list[tuple[str, str]]:
    operations = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/"):
            continue
        path = route.path_format
        for name in route.path_parameters:
            path = path.replace("{" + name + "}", "1")
        for method in route.methods - {"OPTIONS", "HEAD"}:
            operations.add((str(method), path))
    # Signing out last, so the other calls are made signed in.
    return sorted(operations, key=lambda op: ("logout" in op[1], op))


async def test_no_api_answer_is_kept_by_a_cache(client_for, app, city):
    from test_applications import add_household, verified_resident

    await add_household(city)
    resident, resident_headers = await verified_resident(client_for, app, city, "1000000000")
    staff, staff_headers = await staff_client(client_for, app, city, role="administrator")
    callers = [(client_for(app), {}), (resident, resident_headers), (staff, staff_headers)]
    operations = api_operations(app)
    assert len(operations) > 60
    # Answers that carry personal data are among the ones checked.
    me = await resident.get("/api/me")
    assert me.status_code == 200 and me.headers["cache-control"] == "no-store"
    kept, answered = [], 0
    for caller, headers in callers:
        for method, path in operations:
            response = await caller.request(method, path, json={}, headers=headers)
            answered += response.status_code < 300
            cache = response.headers.get("cache-control", "")
            if (method, path) in PUBLIC:
                if "no-store" in cache or "public" not in cache:
                    kept.append((method, path, response.status_code, cache))
            elif "no-store" not in cache:
                kept.append((method, path, response.status_code, cache))
    assert not kept
    assert answered > 30  # not only refusals were checked
