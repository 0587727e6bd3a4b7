"""The first screen's data: the municipality and its published procedures."""

from __future__ import annotations

EXPECTED = {
    "residence-certificate",
    "move-within-city",
    "move-out",
    "move-in",
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


async def test_search_finds_moving_however_it_is_written(client, city):
    # Testers searched 引越し and found nothing: the keywords were not searched.
    for query in (
        "引越し",
        "引っ越し",
        "ひっこし",
        "ひっこす",
        "ﾋｯｺｼ",
        "moving",
        "Moving",
        "てんきょ",
    ):
        response = await client.get("/api/procedures", params={"q": query})
        assert response.status_code == 200, query
        found = [i["slug"] for i in response.json()["items"]]
        # 転居 within the city first; moving out and in (issue 16) are moving too.
        if query == "てんきょ":
            assert found == ["move-within-city"], query
        else:
            assert found[0] == "move-within-city", query
            assert set(found) == {"move-within-city", "move-out", "move-in"}, query


async def test_search_spellings_of_children_and_easy_words(client, city):
    async def slugs(query: str) -> set[str]:
        return {
            i["slug"]
            for i in (await client.get("/api/procedures", params={"q": query})).json()["items"]
        }

    children = await slugs("子ども")
    assert {"child-allowance", "nursery-admission"} <= children
    assert await slugs("子供") == await slugs("こども") == children
    assert await slugs("いぬ") == await slugs("dog") == {"dog-registration"}
    assert await slugs("じどう てあて") == {"child-allowance", "child-rearing-allowance"}


async def test_a_search_answer_carries_the_rules_in_its_etag(client, city):
    # A browser keeps answers and revalidates them: after new search rules (a new synonym
    # table) the same query on the same catalogue must not be "304, keep your old list".
    from todoke.procedures import search
    from todoke.web.caching import variant

    whole = (await client.get("/api/procedures")).headers["etag"]
    found = await client.get("/api/procedures", params={"q": "引越し"})
    assert found.headers["etag"] == variant(whole, "引越し", search.RULES)
    assert found.headers["etag"] != variant(whole, "引越し")
    again = await client.get(
        "/api/procedures", params={"q": "引越し"}, headers={"If-None-Match": found.headers["etag"]}
    )
    assert again.status_code == 304


async def test_hostile_search_queries(client, city):
    everything = (await client.get("/api/procedures")).json()["items"]
    too_long = await client.get("/api/procedures", params={"q": "引" * 101})
    assert too_long.status_code == 400
    assert too_long.headers["content-type"].startswith("application/problem+json")
    at_limit = await client.get("/api/procedures", params={"q": "引越し" * 33 + "a"})
    assert at_limit.status_code == 200 and at_limit.json()["items"] == []
    for blank in ("", "   ", "\u3000", "\x00", "\x1b\x07", "\u200b\u202e"):
        response = await client.get("/api/procedures", params={"q": blank})
        assert response.status_code == 200, repr(blank)
        assert response.json()["items"] == everything, repr(blank)
    for odd in ("%", "'; DROP TABLE procedure; --", "<script>", "😀", "ー々ゝ", "\\", "\x1b[31m"):
        response = await client.get("/api/procedures", params={"q": odd})
        assert response.status_code == 200, repr(odd)
        assert response.json()["items"] == [], repr(odd)
    # Bytes that are not UTF-8 (a lone surrogate, a cut sequence) arrive as U+FFFD, which
    # no procedure contains: an empty answer, never a 500.
    for raw in ("%ED%A0%80", "%E5%BC", "%FF"):
        response = await client.get(f"/api/procedures?q={raw}")
        assert response.status_code == 200, raw
        assert response.json()["items"] == [], raw
    # Every synonym group at once stays one quick answer.
    from todoke.procedures.synonyms import SYNONYMS

    many = " ".join(group[0] for group in SYNONYMS)[:100]
    assert (await client.get("/api/procedures", params={"q": many})).status_code == 200


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
