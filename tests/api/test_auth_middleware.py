"""The authentication middleware and guards, from outside: what a browser with or without a
session, from our origin or another, gets back."""

from __future__ import annotations

import pytest
from soft_authenticator import SoftAuthenticator
from test_identity import ORIGIN, assert_refused, csrf, login, register


@pytest.fixture
async def resident(client, city):
    authenticator = SoftAuthenticator()
    registered = await register(client, authenticator, name="はなこ")
    assert registered.status_code == 201, registered.text
    return authenticator, registered


async def test_signing_in_again_needs_no_csrf_token_from_the_old_session(client, resident):
    """The ceremonies run before there is a session: a browser still holding one (a second
    passkey, a stale tab) signs in without the token the old session would want."""
    authenticator, _ = resident
    assert (await client.get("/api/me")).status_code == 200
    again = await login(client, authenticator)
    assert again.status_code == 200, again.text
    assert again.json()["csrf_token"]


async def test_ceremonies_still_check_the_origin(client, resident):
    refused = await client.post(
        "/api/auth/login/options", headers={"origin": "https://evil.example"}
    )
    assert_refused(refused, 403)


async def test_a_public_route_refuses_another_origin_but_not_ours(client, city):
    body = {"answers": {}}
    evil = await client.post(
        "/api/support/check", json=body, headers={"origin": "https://evil.example"}
    )
    assert_refused(evil, 403)
    ours = await client.post("/api/support/check", json=body, headers={"origin": ORIGIN})
    assert ours.status_code == 200, ours.text


async def test_signed_in_writes_anywhere_need_the_token(client, resident):
    """Not only the routes that take the principal: any unsafe request made with a session."""
    _, registered = resident
    body = {"answers": {}}
    assert_refused(await client.post("/api/support/check", json=body), 403)
    with_token = await client.post("/api/support/check", json=body, headers=csrf(registered))
    assert with_token.status_code == 200, with_token.text


async def test_staff_routes_refuse_residents_and_strangers(client, resident, client_for, app):
    assert_refused(await client.get("/api/staff/departments"), 403)
    async with client_for(app) as stranger:
        assert_refused(await stranger.get("/api/staff/departments"), 401)
