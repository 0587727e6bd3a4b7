"""Issue 16: the data layer scopes every statement of a request to the request's
municipality (todoke.tenancy), on the real database of either engine: a lookup by id alone
finds nothing of the neighbour's, a statement naming the neighbour is refused with nothing
written, and the routes that run for no municipality are the deployment's own few."""

from __future__ import annotations

import httpx
import pytest
from litestar.routes import HTTPRoute

from todoke import clock, tenancy
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.demo.seed import TOWN_CODE
from todoke.registry.service import get_municipality

NEIGHBOUR_ORIGIN = "http://higashi.localhost:8000"  # the town beside every `city` test


async def _town_id() -> int:
    return (await get_municipality(TOWN_CODE)).id


async def _department(sql, municipality_id: int) -> int:
    return await sql.value(
        "SELECT id FROM department WHERE municipality = ? ORDER BY id LIMIT 1", [municipality_id]
    )


async def test_a_lookup_by_id_alone_stays_in_the_request_s_municipality(city):
    town = await _town_id()
    async with read_transaction() as sql:
        towns_department = await _department(sql, town)
    with tenancy.scoped_to(city.id):
        async with read_transaction() as sql:
            # Written as a service that forgot its municipality would write it.
            found = await sql.value("SELECT code FROM department WHERE id = ?", [towns_department])
            everyone = await sql.value("SELECT count(*) FROM department")
    assert found is None
    async with read_transaction() as sql:  # the platform's own view: both
        both = await sql.value("SELECT count(*) FROM department")
        own = await sql.value("SELECT count(*) FROM department WHERE municipality = ?", [city.id])
    assert everyone == own < both


async def test_a_statement_naming_the_neighbour_is_refused_and_nothing_is_written(city):
    town = await _town_id()
    async with read_transaction() as sql:
        before = await sql.value("SELECT count(*) FROM audit_event")
    with tenancy.scoped_to(city.id), pytest.raises(tenancy.CrossedMunicipality):
        async with write_transaction() as sql:
            await sql.execute(
                "INSERT INTO audit_event (municipality, occurred_at, actor_kind, action, "
                "purpose, detail, previous_hash, hash) VALUES (?, ?, 'system', 'test.own', '', "
                "'{}', '', 'a')",
                [city.id, clock.now()],
            )
            await sql.execute("UPDATE department SET code = 'taken' WHERE municipality = ?", [town])
    async with read_transaction() as sql:
        after = await sql.value("SELECT count(*) FROM audit_event")
        taken = await sql.value("SELECT count(*) FROM department WHERE code = 'taken'")
    assert after == before and taken == 0  # the whole transaction rolled back


async def test_bulk_rows_for_the_neighbour_are_refused(city):
    town = await _town_id()
    with tenancy.scoped_to(city.id), pytest.raises(tenancy.CrossedMunicipality):
        async with write_transaction() as sql:
            await sql.insert_rows(
                "rate_counter",
                ["municipality", "key", "window_start", "count"],
                [(town, "t", 0, 1)],
            )


async def test_a_request_is_scoped_by_its_host(app, city, monkeypatch):
    """Every statement of a request at the town's host runs scoped to the town, at the
    city's to the city: the layer is told once, by the host, not by the route."""
    town = await _town_id()
    seen: list[int | None] = []
    original = SqlSession._fetch

    async def watched(self, sql, args):
        if "FROM municipality" not in sql:  # finding the host's municipality comes first
            seen.append(tenancy.current())
        return await original(self, sql, args)

    monkeypatch.setattr(SqlSession, "_fetch", watched)
    for origin, expected in ((NEIGHBOUR_ORIGIN, town), ("http://localhost:8000", city.id)):
        seen.clear()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=origin
        ) as client:
            answer = await client.get("/api/procedures")
        assert answer.status_code == 200, answer.text
        assert seen and set(seen) == {expected}, (origin, seen)


def test_the_routes_for_no_municipality_are_the_deployment_s_own(app):
    platform = {
        path
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if handler.opt.get("platform")
        for path in [route.path]
    }
    assert platform == (
        {
            "/healthz",
            "/readyz",
            "/metrics",
            "/api/platform/municipalities",
            "/api/platform/municipalities/{code:str}/branding",
            "/api/platform/municipalities/{code:str}/emblem",
            "/api/platform/templates",
            "/api/platform/templates/{slug:str}/versions",
        }
    )
