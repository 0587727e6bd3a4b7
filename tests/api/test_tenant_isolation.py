"""Issue 16: two municipalities on one deployment, and every API route called at the town's
host by the town's administrator, supervisor, resident, core system and an anonymous caller,
with the city's ids in the path: nothing of the city comes back, and nothing of the city
changes. A route added later is walked too (the list comes from the app)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import httpx
import pytest
from litestar.routes import HTTPRoute
from soft_authenticator import SoftAuthenticator
from test_applications import add_household, filed_application, verified_resident
from test_identity import staff_client

from todoke import clock
from todoke.registry.service import (
    create_core_system_token,
    ensure_municipality,
    set_municipality_origin,
)

TOWN_ORIGIN = "http://higashi.localhost:8000"
TOWN = {"ja": "ひがし町", "easy": "ひがしまち", "en": "Higashi Town"}
PREFECTURE = {"ja": "東京都", "easy": "とうきょうと", "en": "Tokyo"}
# Rows that change whoever calls (the caller's own trail, sessions and counters): not the
# city's data.
VOLATILE = {"audit_event", "session", "rate_counter", "ceremony", "upload_usage"}


def at_town(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=TOWN_ORIGIN)


async def town_sign_up(app, *, invite: str = "") -> tuple[httpx.AsyncClient, dict[str, str]]:
    client = at_town(app)
    options = await client.post(
        "/api/auth/registration/options", json={"display_name": "町の人", "invite": invite}
    )
    credential = SoftAuthenticator().create(options.json(), TOWN_ORIGIN)
    made = await client.post("/api/auth/registration", json={"credential": credential})
    assert made.status_code == 201, made.text
    return client, {"x-csrf-token": made.json()["csrf_token"], "origin": TOWN_ORIGIN}


@pytest.fixture
async def city_world(client_for, app, city):
    """The city's resident with a filed claim, its attachment, a correction, a draft, a
    delegation; the city's staff (whose account ids the town will try)."""
    await add_household(city)
    resident, headers = await verified_resident(client_for, app, city, "1000000000")
    filed = await filed_application(resident, headers)
    correction = await resident.post(
        "/api/corrections",
        json={"slug": "child-rearing-allowance", "field": "claimant_kana", "note": "違います"},
        headers=headers,
    )
    draft = await resident.post("/api/drafts", json={"slug": "move-within-city"}, headers=headers)
    delegation = await resident.post(
        "/api/me/delegations", json={"scope": ["file"]}, headers=headers
    )
    # A move to the town, told but not consented to: nothing of it may reach the town.
    town_id = next(p["id"] for p in (await resident.get("/api/moves/destinations")).json()["items"])
    move = await resident.post(
        "/api/moves/out",
        json={
            "destination": town_id,
            "move_date": (clock.today() + timedelta(days=7)).isoformat(),
            "new_postal_code": "181-0013",
            "new_address": "東京都三鷹市下連雀一丁目2-3",
            "movers": ["1000000000"],
            "method": "myna_portal",
        },
        headers=headers,
    )
    assert move.status_code == 201, move.text
    # A life event started in the city (issue 17), its consultation filed.
    soon = (clock.today() + timedelta(days=7)).isoformat()
    life = await resident.post(
        "/api/life-events/turning-65/file",
        json={
            "version": 1,
            "answers": {"event_date": soon, "phone": "0422111111", "pension_claimed": "no",
                        "consult": "yes", "consult_date": soon, "consult_time": "morning"},
            "selected": ["consultation"],
            "idempotency_key": "life-world-0001",
        },
        headers=headers,
    )  # fmt: skip
    assert life.status_code == 201, life.text
    staff, _ = await staff_client(client_for, app, city, role="administrator")
    # The city's emblem: its address, asked at the town, is never the city's image.
    from todoke.demo.branding import town_emblem
    from todoke.registry.branding import set_emblem

    emblem_tag = await set_emblem(city, town_emblem())
    inbox = (await resident.get("/api/me/inbox")).json()["items"]
    passkeys = (await resident.get("/api/me/passkeys")).json()
    return {
        "application_id": filed["id"],
        "receipt": filed["receipt_number"],
        "token": filed["attachments"][0]["id"],
        "correction_id": correction.json()["id"],
        "draft_id": draft.json()["id"],
        "delegation_id": delegation.json().get("id", 1),
        "account_id": (await staff.get("/api/me")).json()["id"],
        "notice_id": inbox[0]["id"] if inbox else 1,
        "passkey_id": passkeys[0]["id"] if passkeys else 1,
        "registry_id": "1000000000",
        "tag": emblem_tag,
        "move_id": move.json()["id"],
        "case_id": life.json()["id"],
        "item_id": "pension",
    }


def api_routes(app) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith("/api"):
            found += [(m, route.path) for m in sorted(route.methods - {"OPTIONS", "HEAD"})]
    return sorted(found)


def concrete(path: str, world: dict) -> str:
    """The path with the city's ids (any other parameter: a plausible value)."""
    values = {**world, "slug": "child-rearing-allowance", "code": "1810001", "kind": "pdf",
              "batch_id": 1, "import_id": 1, "opening_id": 1, "follow_up_id": 1,
              "case_id": 1, "task_id": 1}  # fmt: skip
    filled = re.sub(r"\{(\w+):\w+\}", lambda m: str(values[m.group(1)]), path)
    if filled.startswith("/api/staff/applications/") or filled.startswith("/api/staff/residents/"):
        filled += "?purpose=case_handling"
    return filled


async def city_rows(city_id: int) -> str:
    """Everything the city owns, as text: the rows of every table with a municipality column
    (but VOLATILE), in id order."""
    from piccolo.conf.apps import Finder

    dumped = {}
    for table in Finder().get_table_classes():
        name = table._meta.tablename
        if name in VOLATILE or "municipality" not in [c._meta.name for c in table._meta.columns]:
            continue
        column = table._meta.get_column_by_name("municipality")
        rows = await table.select().where(column == city_id).order_by(table._meta.primary_key)
        dumped[name] = rows
    return json.dumps(dumped, default=str, ensure_ascii=False, sort_keys=True)


async def test_nothing_of_the_city_reaches_or_changes_from_the_town(
    app, client_for, city, city_world
):
    from todoke.demo.seed import seed_catalogue
    from todoke.identity.service import create_staff_invite

    await ensure_municipality("139971", TOWN, PREFECTURE)
    town = await set_municipality_origin("139971", TOWN_ORIGIN)
    await seed_catalogue(town)
    callers: dict[str, tuple[httpx.AsyncClient, dict[str, str]]] = {}
    for role in ("administrator", "supervisor"):
        invite = await create_staff_invite(
            municipality_id=town.id,
            display_name=f"町 {role}",
            role=role,
            department_codes=[] if role == "administrator" else ["child-support", "citizens"],
            created_by=None,
        )
        callers[role] = await town_sign_up(app, invite=invite.token)
    callers["resident"] = await town_sign_up(app)
    token = await create_core_system_token(town.id, "町の住基システム")
    callers["core system"] = (at_town(app), {"authorization": f"Bearer {token}"})
    callers["anonymous"] = (at_town(app), {"origin": TOWN_ORIGIN})

    markers = [city_world["receipt"], "佐藤", "花子", "とどけ市", "Todoke City", "koseki.png"]
    before = await city_rows(city.id)
    walked = 0
    for method, path in api_routes(app):
        url = concrete(path, city_world)
        for who, (client, headers) in callers.items():
            if method == "GET":
                response = await client.get(url, headers=headers)
            else:
                response = await client.request(method, url, json={}, headers=headers)
            walked += 1
            assert response.status_code < 500, (who, method, url, response.text[:300])
            body = response.text
            # The platform's municipalities a resident can move to are public by design.
            named = markers[:1] if path == "/api/moves/destinations" else markers
            leaked = [m for m in named if m in body]
            assert not leaked, (who, method, url, leaked, body[:300])
            if "{" in path and 200 <= response.status_code < 300 and method != "GET":
                raise AssertionError(f"{who} {method} {url} wrote: {response.status_code}")
    assert walked >= 100 * len(callers)
    assert await city_rows(city.id) == before
