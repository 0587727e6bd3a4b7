"""What a signed-in resident's screens ask the database is answered by index: no statement
behind home, inbox, support, the procedure list and the pre-filled form reads a whole table
that grows with the residents (SQLite's plans; PostgreSQL's depend on its statistics)."""

from __future__ import annotations

import os
import re
import sqlite3

import pytest
from test_applications import SLUG, add_household, verified_resident

from todoke.db import SqlSession

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TODOKE_DATABASE_URL")), reason="SQLite's query plans"
)

# Tables with a row (or more) per resident, household, account, notice or filing.
GROWING = {
    "person", "household", "account", "session", "passkey", "activation_code", "consent",
    "notice", "delivery", "email_delivery", "application", "application_event", "draft",
    "attachment", "audit_event", "program_match", "program_delivery", "registry_change",
    "push_subscription", "delegation",
}  # fmt: skip


@pytest.fixture
def statements(monkeypatch):
    """Every SELECT the app runs through SqlSession, with its arguments."""
    seen: list[tuple[str, tuple]] = []
    fetch = SqlSession._fetch

    async def recording(self, sql, args):
        seen.append((sql, tuple(args)))
        return await fetch(self, sql, args)

    monkeypatch.setattr(SqlSession, "_fetch", recording)
    return seen


async def test_a_residents_screens_read_by_index(client_for, app, city, db, statements):
    await add_household(city)
    client, _ = await verified_resident(client_for, app, city, "1000000000")
    statements.clear()
    for path in (
        "/api/me",
        "/api/me/inbox",
        "/api/support",
        "/api/procedures",
        f"/api/procedures/{SLUG}",
        f"/api/procedures/{SLUG}/form",
        "/api/applications",
    ):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)
    assert len(statements) > 10
    database = sqlite3.connect(db.database_path)
    scans = set()
    for sql, args in statements:
        for *_, detail in database.execute("EXPLAIN QUERY PLAN " + sql, args):
            scanned = re.fullmatch(r"SCAN (\w+)", detail)
            if scanned and scanned.group(1) in GROWING:
                scans.add((scanned.group(1), sql))
    database.close()
    assert scans == set(), "\n".join(f"{table}: {sql}" for table, sql in sorted(scans))


async def test_matching_finds_household_members_by_household_not_by_walking_the_municipality(
    city, db, statements
):
    """Every seeded programme's statements, as matching runs them: a member lookup walking
    the whole municipality's index for each person made SQLite's matching quadratic (1 s a
    programme at 1,000 persons) until the household index held the municipality too."""
    from datetime import date

    from todoke.benefits.rules import SEEDED_RULES, match_persons
    from todoke.db import read_transaction

    await add_household(city)
    statements.clear()
    async with read_transaction() as sql:
        for rule in SEEDED_RULES.values():
            async for _ in match_persons(sql, city.id, rule, date(2026, 12, 7)):
                pass
    # The match statements (not the municipality's id bounds, read once by its index).
    matching = [(s, a) for s, a in statements if s.startswith("SELECT p.id")]
    assert len(matching) >= len(SEEDED_RULES)
    database = sqlite3.connect(db.database_path)
    walks = set()
    for sql, args in matching:
        for *_, detail in database.execute("EXPLAIN QUERY PLAN " + sql, args):
            if re.fullmatch(r"SEARCH \w+ USING (COVERING )?INDEX \w+ \(municipality=\?\)", detail):
                walks.add((detail, sql[:200]))
    database.close()
    assert walks == set(), "\n".join(f"{detail}: {sql}" for detail, sql in sorted(walks))
