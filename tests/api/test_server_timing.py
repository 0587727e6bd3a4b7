"""The Server-Timing header (TODOKE_SERVER_TIMING): off by default; on, every answer says
how long the server took to its first byte, how much of it the database took and in how
many statements, how long the session lookup took, the route's handler (its dependencies
included) and the encoding of its answer — what the HTTP benchmark reads."""

from __future__ import annotations

import re

import msgspec
import pytest
from soft_authenticator import SoftAuthenticator
from test_identity import register

from todoke.app import create_app

TIMING = re.compile(
    r'^total;dur=(?P<total>[\d.]+), db;dur=(?P<db>[\d.]+);desc="(?P<statements>\d+) statements", '
    r"session;dur=(?P<session>[\d.]+), handler;dur=(?P<handler>[\d.]+), "
    r"encode;dur=(?P<encode>[\d.]+)$"
)


@pytest.fixture
async def timed(db, client_for):
    async with client_for(create_app(msgspec.structs.replace(db, server_timing=True))) as client:
        yield client


def parts(response) -> dict[str, float]:
    match = TIMING.match(response.headers["server-timing"])
    assert match, response.headers["server-timing"]
    return {name: float(value) for name, value in match.groupdict().items()}


async def test_no_timing_is_told_by_default(client, city):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert "server-timing" not in response.headers


async def test_an_anonymous_answer_tells_its_database_time(timed, city):
    response = await timed.get("/readyz")
    assert response.status_code == 200
    timing = parts(response)
    assert timing["statements"] == 1  # SELECT 1, outside any transaction
    assert 0 < timing["db"] <= timing["total"]
    assert timing["session"] == 0  # nobody signed in, nothing looked up
    assert 0 < timing["db"] <= timing["handler"]  # the probe's statement is the handler's
    assert timing["handler"] + timing["encode"] <= timing["total"]


async def test_a_signed_in_answer_tells_its_session_lookup(timed, city):
    registered = await register(timed, SoftAuthenticator(), name="はなこ")
    assert registered.status_code == 201, registered.text
    response = await timed.get("/api/me")
    assert response.status_code == 200, response.text
    timing = parts(response)
    # The account's own read beyond the session lookup, whose statement is its own share.
    assert timing["statements"] >= 1
    assert 0 < timing["session"] <= timing["total"]
    assert timing["db"] + timing["session"] <= timing["total"]
    assert timing["db"] <= timing["handler"]
    assert timing["encode"] > 0
    assert timing["session"] + timing["handler"] + timing["encode"] <= timing["total"]
    # Also on refusals: the header belongs to every answer.
    refused = await timed.get("/api/staff/applications")
    assert refused.status_code in (401, 403)
    assert parts(refused)["session"] > 0
    # Refused by a guard: the route's handler never ran, nothing was encoded by it.
    assert parts(refused)["handler"] == parts(refused)["encode"] == 0
