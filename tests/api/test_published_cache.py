"""The published catalogue and the active programmes are kept in memory, with an ETag:
a client holding the current copy gets 304, a publish shows at once in this process and,
on PostgreSQL, in every other (NOTIFY)."""

from __future__ import annotations

import asyncio
import os

import msgspec
import pytest
from test_identity import staff_client

from todoke import published
from todoke.procedures.catalogue import PROCEDURES
from todoke.procedures.service import publish
from todoke.registry.tables import Department


async def test_a_current_copy_is_not_sent_again(client, city):
    first = await client.get("/api/procedures")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    again = await client.get("/api/procedures", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    stale = await client.get("/api/procedures", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.json() == first.json()

    # A search and one procedure have ETags of their own.
    searched = await client.get("/api/procedures", params={"q": "住民票"})
    assert searched.headers["etag"] != etag
    one = await client.get("/api/procedures/child-allowance")
    assert one.status_code == 200 and one.headers["etag"] not in (etag, searched.headers["etag"])
    revalidated = await client.get(
        "/api/procedures/child-allowance", headers={"If-None-Match": one.headers["etag"]}
    )
    assert revalidated.status_code == 304
    # Unknown ones are still a 404 problem, never cached.
    missing = await client.get("/api/procedures/no-such-thing")
    assert missing.status_code == 404 and "etag" not in missing.headers


async def test_a_publish_shows_at_once(client, city):
    before = await client.get("/api/procedures")
    rows = await Department.select(Department.id, Department.code).where(
        Department.municipality == city.id
    )
    edited = msgspec.structs.replace(PROCEDURES[0], service_days=9)
    await publish(city.id, {r["code"]: r["id"] for r in rows}, edited)
    after = await client.get("/api/procedures", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    [item] = [i for i in after.json()["items"] if i["slug"] == edited.slug]
    assert item["version"] == 2


async def test_an_approved_programme_shows_at_once(client, client_for, app, city):
    empty = await client.get("/api/support/programs")
    assert empty.json()["items"] == []
    admin, headers = await staff_client(client_for, app, city, role="administrator")
    approved = await admin.post("/api/staff/programs/flu-shot-65/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    listed = await client.get(
        "/api/support/programs", headers={"If-None-Match": empty.headers["etag"]}
    )
    assert listed.status_code == 200
    assert [p["slug"] for p in listed.json()["items"]] == ["flu-shot-65"]
    closed = await admin.post("/api/staff/programs/flu-shot-65/close", headers=headers)
    assert closed.status_code in (200, 201), closed.text
    assert (await client.get("/api/support/programs")).json()["items"] == []


@pytest.mark.skipif(
    not os.environ.get("TODOKE_DATABASE_URL"), reason="NOTIFY between processes is PostgreSQL's"
)
async def test_a_publish_in_another_process_clears_this_ones_copy(client, city):
    import asyncpg

    from todoke.db import current_engine

    stop = asyncio.Event()
    listening = asyncio.create_task(published.listen(stop))
    config = dict(current_engine().config)
    other = await asyncpg.connect(**config)  # "another process": a connection of its own
    try:
        for _ in range(100):  # until the listener's LISTEN is in force
            if await other.fetchval(
                "SELECT 1 FROM pg_stat_activity WHERE application_name = $1",
                published.LISTENER_NAME,
            ):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)  # the (re)connect itself forgets everything: let it pass
        await client.get("/api/procedures")
        assert published._kept, "the catalogue is kept after a read"
        await other.execute(f"NOTIFY {published.CHANNEL}")
        for _ in range(100):
            if not published._kept:
                break
            await asyncio.sleep(0.02)
        assert not published._kept, "another process's publish cleared the kept copy"
    finally:
        await other.close()
        stop.set()
        await listening
