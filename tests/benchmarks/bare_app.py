"""The baselines of bench_http.py, served by uvicorn with the options ``todoke serve`` uses:

- ``/bare``: a bare Litestar app returning a msgspec list about the size of the procedure
  list;
- ``/floor``: the least a signed-in endpoint can do in Litestar: read the session cookie,
  look its hash up (one indexed statement outside a transaction, as Todoke's session lookup
  is), then four indexed reads in one read transaction (as home's), and answer a msgspec
  struct. Raw ``sqlite3`` on the event loop's thread (a kept connection), or one asyncpg
  pool connection for the whole request: no middleware, guards, dependencies or row
  conversion beyond the drivers' own. What is above it in Todoke's figures is Todoke's.

    python tests/benchmarks/bare_app.py PORT [FOLDER]

With TODOKE_DATABASE_URL set, ``/floor`` reads PostgreSQL (tables ``bench_floor_*``,
created and dropped here); else a SQLite file in FOLDER (WAL, as Todoke's).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
import uvicorn
from litestar import Litestar, Request, get
from litestar.exceptions import NotAuthorizedException

from todoke.cli import SERVER_OPTIONS

FLOOR_TOKEN = "bench-floor-session-token"
ROWS = 1000


class Item(msgspec.Struct, frozen=True):
    slug: str
    title: dict[str, str]
    summary: dict[str, str]
    online: bool
    keywords: list[str]


class Items(msgspec.Struct, frozen=True):
    items: list[Item]


ITEMS = Items(
    items=[
        Item(
            slug=f"procedure-{i}",
            title={"ja": "転入届", "easy": "ひっこしてきた とどけ", "en": "Moving in"},
            summary={
                "ja": "ほかの市区町村から引っ越してきたときの届出です。" * 2,
                "easy": "ほかの まちから ひっこして きた ときの とどけです。" * 2,
                "en": "Notification when you move here from another municipality. " * 2,
            },
            online=i % 2 == 0,
            keywords=["引越し", "転入", "住所"],
        )
        for i in range(8)
    ]
)


class Floor(msgspec.Struct, frozen=True):
    account: int
    display_name: str
    values: list[str]


SESSION = "SELECT account FROM bench_floor_session WHERE token_hash = {p}"
READS = [f"SELECT value FROM bench_floor_row WHERE id = {{p}}{n}" for n in ("", "+1", "+2", "+3")]
_state: dict[str, Any] = {}


@get("/bare", sync_to_thread=False)
def bare() -> Items:
    return ITEMS


def _token_hash(request: Request[Any, Any, Any]) -> str:
    token = request.cookies.get("s")
    if not token:
        raise NotAuthorizedException()
    return hashlib.sha256(token.encode()).hexdigest()


@get("/floor")
async def floor(request: Request[Any, Any, Any]) -> Floor:
    token_hash = _token_hash(request)
    pool = _state.get("pool")
    if pool is None:
        return _floor_sqlite(_state["sqlite"], token_hash)
    async with pool.acquire() as connection:
        account = await connection.fetchval(SESSION.format(p="$1"), token_hash)
        if account is None:
            raise NotAuthorizedException()
        async with connection.transaction(readonly=True):
            values = [await connection.fetchval(s.format(p="$1"), account) for s in READS]
    return Floor(account=account, display_name="ベンチ", values=values)


def _floor_sqlite(connection: sqlite3.Connection, token_hash: str) -> Floor:
    found = connection.execute(SESSION.format(p="?"), (token_hash,)).fetchone()
    if found is None:
        raise NotAuthorizedException()
    account = found[0]
    connection.execute("BEGIN")
    values = [connection.execute(s.format(p="?"), (account,)).fetchone()[0] for s in READS]
    connection.execute("COMMIT")
    return Floor(account=account, display_name="ベンチ", values=values)


_CREATE = [
    "CREATE TABLE bench_floor_session (token_hash TEXT PRIMARY KEY, account INTEGER NOT NULL)",
    "CREATE TABLE bench_floor_row (id INTEGER PRIMARY KEY, value TEXT NOT NULL)",
]


@asynccontextmanager
async def _database(app: Litestar) -> AsyncIterator[None]:
    session = (hashlib.sha256(FLOOR_TOKEN.encode()).hexdigest(), 7)
    rows = [(i, f"value {i}") for i in range(ROWS)]
    url = os.environ.get("TODOKE_DATABASE_URL", "")
    if not url:
        path = Path(sys.argv[2] if len(sys.argv) > 2 else ".") / "bench_floor.sqlite3"
        path.unlink(missing_ok=True)
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA journal_mode = WAL")
        for statement in _CREATE:
            connection.execute(statement)
        connection.execute("INSERT INTO bench_floor_session VALUES (?, ?)", session)
        connection.executemany("INSERT INTO bench_floor_row VALUES (?, ?)", rows)
        _state["sqlite"] = connection
        try:
            yield
        finally:
            connection.close()
        return
    import asyncpg

    pool = await asyncpg.create_pool(url, min_size=2, max_size=10)
    async with pool.acquire() as connection:
        await connection.execute("DROP TABLE IF EXISTS bench_floor_session, bench_floor_row")
        for statement in _CREATE:
            await connection.execute(statement)
        await connection.execute("INSERT INTO bench_floor_session VALUES ($1, $2)", *session)
        await connection.executemany("INSERT INTO bench_floor_row VALUES ($1, $2)", rows)
        await connection.execute("ANALYZE bench_floor_session; ANALYZE bench_floor_row")
    _state["pool"] = pool
    try:
        yield
    finally:
        async with pool.acquire() as connection:
            await connection.execute("DROP TABLE bench_floor_session, bench_floor_row")
        await pool.close()


app = Litestar([bare, floor], lifespan=[_database])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), **SERVER_OPTIONS)
