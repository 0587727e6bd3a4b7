"""One deployment, two municipalities (issue 16): each is reached at its own origin, with its
own WebAuthn relying party and session cookie; an account, a session or a page of one is
nobody at the other. The demo city stays at the deployment's own origin (localhost:8000)."""

from __future__ import annotations

import httpx
import pytest
from soft_authenticator import NoCredentialError, SoftAuthenticator
from test_identity import ORIGIN, login, register

from todoke.registry.service import (
    ensure_municipality,
    normal_origin,
    set_municipality_origin,
)

TOWN_ORIGIN = "http://higashi.localhost:8000"
TOWN = {"ja": "ひがし町", "easy": "ひがしまち", "en": "Higashi Town"}
PREFECTURE = {"ja": "東京都", "easy": "とうきょうと", "en": "Tokyo"}
TOWN_CODE = "139971"  # fictional, like the demo city's 139998: a valid check digit


@pytest.fixture
async def town(city):
    from todoke.demo.seed import seed_catalogue

    await ensure_municipality(TOWN_CODE, TOWN, PREFECTURE)
    town = await set_municipality_origin(TOWN_CODE, TOWN_ORIGIN)
    await seed_catalogue(town)
    return town


def at(app, origin: str) -> httpx.AsyncClient:
    """A client whose requests reach the app at ``origin`` (its Host header)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=origin)


async def test_each_origin_serves_its_own_municipality(app, client, city, town):
    assert (await client.get("/api/municipality")).json()["name"]["ja"] == "とどけ市"
    async with at(app, TOWN_ORIGIN) as there:
        served = (await there.get("/api/municipality")).json()
    assert served["name"] == TOWN and served["code"] == TOWN_CODE
    # A host that is neither a municipality's nor the deployment's serves nobody.
    async with at(app, "http://elsewhere.localhost:8000") as nowhere:
        refused = await nowhere.get("/api/municipality")
        assert refused.status_code == 404
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert (await nowhere.get("/api/procedures")).status_code == 404


async def test_a_passkey_is_made_for_its_municipality_and_signs_in_nowhere_else(
    app, client, city, town
):
    async with at(app, TOWN_ORIGIN) as there:
        options = (await there.post("/api/auth/registration/options", json={})).json()
        assert options["rp"]["id"] == "higashi.localhost"
        authenticator = SoftAuthenticator()
        credential = authenticator.create(options, TOWN_ORIGIN)
        made = await there.post("/api/auth/registration", json={"credential": credential})
        assert made.status_code == 201, made.text
        assert (await there.get("/api/me")).status_code == 200
        assert (await login(there, authenticator, origin=TOWN_ORIGIN)).status_code == 200
        cookie = there.cookies.get("todoke_session")

    # The city asks for a passkey of its own relying party: a browser offers none of the
    # town's, and one made for the town, signed for the city's challenge anyway, is refused.
    city_options = (await client.post("/api/auth/login/options")).json()
    assert city_options["rpId"] == "localhost"
    with pytest.raises(NoCredentialError):
        authenticator.get(city_options, ORIGIN)
    forged = authenticator.get({**city_options, "rpId": "higashi.localhost"}, ORIGIN)
    refused = await client.post("/api/auth/login", json={"credential": forged})
    assert refused.status_code in (400, 401, 422), refused.text
    assert (await client.get("/api/me")).status_code == 401
    # The town's session cookie, carried to the city by hand, is nobody there.
    assert cookie
    answer = await client.get("/api/me", headers={"cookie": f"todoke_session={cookie}"})
    assert answer.status_code == 401


async def test_a_page_of_one_cannot_write_to_the_other(app, client, city, town):
    # Signed in at the town; a page at the city (same site: *.localhost) posts to the town.
    async with at(app, TOWN_ORIGIN) as there:
        options = (await there.post("/api/auth/registration/options", json={})).json()
        credential = SoftAuthenticator().create(options, TOWN_ORIGIN)
        made = await there.post("/api/auth/registration", json={"credential": credential})
        headers = {"x-csrf-token": made.json()["csrf_token"]}
        forged = await there.post("/api/auth/logout", headers={**headers, "origin": ORIGIN})
        assert forged.status_code == 403, forged.text
        own = await there.post("/api/auth/logout", headers={**headers, "origin": TOWN_ORIGIN})
        assert own.status_code in (200, 204), own.text
    # And the town's pages cannot write to the city.
    registered = await register(client, SoftAuthenticator())
    forged = await client.post(
        "/api/auth/logout", headers={**{"x-csrf-token": registered.json()["csrf_token"]},
                                     "origin": TOWN_ORIGIN},
    )  # fmt: skip
    assert forged.status_code == 403


async def test_origins_are_written_one_way_and_serve_one_municipality(city, town):
    assert normal_origin("HTTPS://Todoke.City.Example.JP/") == "https://todoke.city.example.jp"
    assert normal_origin("http://localhost:8001") == "http://localhost:8001"
    for bad in ("todoke.example.jp", "ftp://x.example.jp", "https://x.example.jp/app",
                "https://user:pw@x.example.jp", "https://x.example.jp/?q=1"):  # fmt: skip
        with pytest.raises(ValueError):
            normal_origin(bad)
    with pytest.raises(ValueError, match="already serves"):
        await set_municipality_origin("139998", TOWN_ORIGIN)


async def test_a_core_system_token_works_at_its_own_municipalitys_host_only(
    app, client, city, town
):
    from todoke.registry.service import create_core_system_token

    city_token = await create_core_system_token(city.id, "市の住基システム")
    town_token = await create_core_system_token(town.id, "町の住基システム")

    def bearer(token: str) -> dict[str, str]:
        return {"authorization": f"Bearer {token}"}

    # Past the token check, an unknown import is 404; refused at the door, 401.
    assert (
        await client.get("/api/registry/imports/999", headers=bearer(city_token))
    ).status_code == 404
    assert (
        await client.get("/api/registry/imports/999", headers=bearer(town_token))
    ).status_code == 401
    async with at(app, TOWN_ORIGIN) as there:
        own = await there.get("/api/registry/imports/999", headers=bearer(town_token))
        assert own.status_code == 404
        other = await there.get("/api/registry/imports/999", headers=bearer(city_token))
        assert other.status_code == 401
