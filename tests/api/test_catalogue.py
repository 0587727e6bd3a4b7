"""The first screen's data: the municipality and its published procedures."""

from __future__ import annotations

EXPECTED = {
    "residence-certificate",
    "move-within-city",
    "child-allowance",
    "child-rearing-allowance",
    "nursery-admission",
    "oversized-garbage",
    "dog-registration",
    "consultation-booking",
}


async def test_municipality(client, city):
    body = (await client.get("/api/municipality")).json()
    assert body["code"] == "139998"
    assert body["name"] == {"ja": "とどけ市", "easy": "とどけし", "en": "Todoke City"}


async def test_no_municipality_is_a_404_problem(client):
    response = await client.get("/api/municipality")
    assert response.status_code == 404
    assert response.json()["detail_ja"]


async def test_catalogue_lists_the_seeded_procedures_in_three_languages(client, city):
    items = (await client.get("/api/procedures")).json()["items"]
    assert {item["slug"] for item in items} == EXPECTED
    for item in items:
        assert item["version"] == 1
        for language in ("ja", "easy", "en"):
            assert item["title"][language]
            assert item["summary"][language]
            assert item["department"]["name"][language]
    moving = next(i for i in items if i["slug"] == "move-within-city")
    # The law wants the person at the counter: online it is a pre-filled booking.
    assert moving["online"] == "booking"


async def test_search_is_kana_width_and_case_insensitive(client, city):
    for query in ("住民票", "じゅうみんひょう", "ｼﾞｭｳﾐﾝﾋｮｳ", "CERTIFICATE"):
        items = (await client.get("/api/procedures", params={"q": query})).json()["items"]
        assert [i["slug"] for i in items] == ["residence-certificate"], query
    assert (await client.get("/api/procedures", params={"q": "存在しない"})).json()["items"] == []


async def test_republishing_the_same_definition_keeps_the_version(city):
    from todoke.demo.seed import seed_catalogue
    from todoke.procedures.service import get_published

    await seed_catalogue(city)
    assert (await get_published(city.id, "child-allowance")).version == 1


async def test_an_edit_publishes_a_new_version(city):
    import msgspec

    from todoke.procedures.catalogue import PROCEDURES
    from todoke.procedures.service import get_published, publish
    from todoke.registry.tables import Department

    rows = await Department.select(Department.id, Department.code).where(
        Department.municipality == city.id
    )
    ids = {r["code"]: r["id"] for r in rows}
    edited = msgspec.structs.replace(PROCEDURES[0], service_days=5)
    assert await publish(city.id, ids, edited) == 2
    assert (await get_published(city.id, edited.slug)).service_days == 5


async def test_postal_code_lookup(client):
    body = (await client.get("/api/postal-codes/1810013")).json()
    area = body["items"][0]
    assert (area["prefecture"], area["city"], area["town"]) == ("東京都", "三鷹市", "下連雀")
    assert (await client.get("/api/postal-codes/0000000")).status_code == 404
    bad = await client.get("/api/postal-codes/12345")
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
