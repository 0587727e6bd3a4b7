"""The platform operator (issue 16): with its token it adds a municipality to the deployment
(at an origin of its own, with the standard catalogue) and lists those served — and can do
nothing else: no resident's data, no staff route, no session."""

from __future__ import annotations

import httpx
import msgspec
import pytest

PLATFORM_TOKEN = "platform-secret-for-tests"
NEW_ORIGIN = "https://todoke.minami.example.jp"
NEW = {
    "code": "139963",  # fictional (13996 + its check digit)
    "name": {"ja": "みなみ村", "easy": "みなみむら", "en": "Minami Village"},
    "prefecture": {"ja": "東京都", "easy": "とうきょうと", "en": "Tokyo"},
    "origin": NEW_ORIGIN,
}


@pytest.fixture
def operator_app(db):
    from todoke.app import create_app

    return create_app(msgspec.structs.replace(db, platform_token=PLATFORM_TOKEN))


def bearer(token: str = PLATFORM_TOKEN) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_the_operator_adds_a_municipality_that_is_served_at_its_origin(
    operator_app, client_for, city
):
    from todoke.jp import local_government_code_check_digit

    assert NEW["code"][5] == str(local_government_code_check_digit(NEW["code"][:5]))
    async with client_for(operator_app) as client:
        listed = (await client.get("/api/platform/municipalities", headers=bearer())).json()
        assert {m["code"] for m in listed["items"]} == {"139998", "139971"}
        # Who is served and where, nothing they hold.
        assert set(listed["items"][0]) == {"code", "name", "origin"}

        added = await client.post("/api/platform/municipalities", json=NEW, headers=bearer())
        assert added.status_code == 201, added.text
        assert added.json() == {"code": NEW["code"], "name": NEW["name"], "origin": NEW_ORIGIN}

        again = await client.post("/api/platform/municipalities", json=NEW, headers=bearer())
        assert again.status_code == 409
        taken = await client.post(
            "/api/platform/municipalities",
            # another new code, at the town's origin
            json={**NEW, "code": "139955", "origin": "http://higashi.localhost:8000"},
            headers=bearer(),
        )
        assert taken.status_code == 409

    # Served at its own origin, with the standard catalogue published.
    there = httpx.AsyncClient(transport=httpx.ASGITransport(app=operator_app), base_url=NEW_ORIGIN)
    async with there:
        assert (await there.get("/api/municipality")).json()["name"]["ja"] == "みなみ村"
        procedures = (await there.get("/api/procedures")).json()["items"]
        assert len(procedures) >= 8
    from todoke.audit.tables import AuditEvent

    events = await AuditEvent.select(AuditEvent.action).where(
        AuditEvent.action == "platform.municipality_added"
    )
    assert len(events) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW, "code": "139960"}, "code"),  # wrong check digit
        ({**NEW, "origin": "https://todoke.example.jp/app"}, "origin"),
        ({**NEW, "origin": "todoke.example.jp"}, "origin"),
    ],
)
async def test_a_bad_municipality_is_refused_field_by_field(
    operator_app, client_for, city, body, field
):
    async with client_for(operator_app) as client:
        refused = await client.post("/api/platform/municipalities", json=body, headers=bearer())
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    [error] = refused.json()["errors"]
    assert error["field"] == field and error["label"]["ja"] not in ("code", "origin")


async def test_hostile_bodies_are_refused_without_a_write(operator_app, client_for, city):
    async with client_for(operator_app) as client:
        for body in (
            {**NEW, "extra": 1},
            {**NEW, "code": 139963},
            {**NEW, "name": {"ja": "x" * 101, "easy": "x", "en": "x"}},
            '{"code": "139963",}',
        ):
            sent = {"content": body} if isinstance(body, str) else {"json": body}
            refused = await client.post(
                "/api/platform/municipalities",
                headers={**bearer(), "content-type": "application/json"},
                **sent,
            )
            assert refused.status_code in (400, 422), refused.text
        listed = (await client.get("/api/platform/municipalities", headers=bearer())).json()
    assert "139963" not in {m["code"] for m in listed["items"]}


async def test_the_token_opens_the_platform_api_and_nothing_else(
    operator_app, client_for, client, city
):
    async with client_for(operator_app) as operator:
        assert (await operator.get("/api/platform/municipalities")).status_code == 401
        wrong = await operator.get("/api/platform/municipalities", headers=bearer("nope"))
        assert wrong.status_code == 401
        for path in ("/api/me", "/api/staff/applications", "/api/staff/residents/1000000000",
                     "/api/me/inbox", "/api/staff/audit.csv"):  # fmt: skip
            assert (await operator.get(path, headers=bearer())).status_code == 401, path
        registry = await operator.get("/api/registry/imports/1", headers=bearer())
        assert registry.status_code == 401
    # Without TODOKE_PLATFORM_TOKEN no token opens it.
    assert (await client.get("/api/platform/municipalities", headers=bearer())).status_code == 401
