"""Shared fixtures: one migrated database per test run, emptied between tests.

SQLite in a temporary folder by default; PostgreSQL when TODOKE_DATABASE_URL names one
(.ci/run creates a fresh database for each run).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from todoke.settings import Settings, load_settings


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("todoke-data")


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Settings:
    return load_settings(
        {
            "TODOKE_DATA_DIR": str(data_dir),
            "TODOKE_DATABASE_URL": os.environ.get("TODOKE_DATABASE_URL", ""),
            "TODOKE_LOG_LEVEL": "WARNING",
            # Never quiet: a test must not pass or fail by the hour it runs at (the quiet
            # hours test sets its own).
            "TODOKE_QUIET_HOURS": "00:00-00:00",
        }
    )


@pytest.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[Settings]:
    from todoke.db import configure_database, migrate, start_database, stop_database

    engine = configure_database(settings)
    await start_database(engine)
    await migrate()
    await _empty_all_tables()
    yield settings
    await stop_database(engine)


async def _empty_all_tables() -> None:
    from piccolo.conf.apps import Finder
    from piccolo.table import sort_table_classes

    from todoke import published
    from todoke.db import write_transaction

    tables = sort_table_classes(Finder().get_table_classes())
    async with write_transaction() as sql:
        for table in reversed(tables):
            await sql.execute(f"DELETE FROM {table._meta.tablename}")
    # Rows deleted behind the app's back: its kept catalogue must not outlive them.
    published.forget_all()


@pytest.fixture
async def db(database: Settings) -> AsyncIterator[Settings]:
    """A database with no rows at the start of the test."""
    await _empty_all_tables()
    yield database


@pytest.fixture(scope="session")
def _built_app(database: Settings) -> tuple[Litestar, dict]:
    """The app for the session's settings, built once, with its state as built.

    Building registers some 360 handlers: about 0.3 s, more than most tests take, and more
    than half of the API tests' time when every test built its own. A test that needs routes
    of its own or other settings builds an app itself (``client_for``)."""
    from todoke.app import create_app

    built = create_app(database)
    return built, dict(built.state)


@pytest.fixture
def app(db: Settings, _built_app: tuple[Litestar, dict]) -> Litestar:
    """The session's app, its state (settings, file store) as built: what a test changed
    there (``app.state.settings = …``) ends with the test."""
    built, state = _built_app
    for key in [key for key in built.state if key not in state]:
        del built.state[key]
    built.state.update(state)
    return built


def http_client(app: Litestar) -> httpx.AsyncClient:
    """An HTTP client calling the app in this event loop.

    Litestar's AsyncTestClient runs the app on a loop of its own, where the session's
    PostgreSQL pool cannot be used; the app's lifespan only opens that pool, which the
    ``database`` fixture has done already.
    """
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://localhost:8000"
    )


@pytest.fixture
def client_for():
    """Build a client for an app a test made itself (other settings, extra routes)."""
    return http_client


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as test_client:
        yield test_client


@pytest.fixture
async def city(db: Settings):
    """The demo municipality with its departments and catalogue, no residents — and, on
    the same deployment, a second one (ひがし町 at its own origin) with the same catalogue
    and departments (the same slugs and codes), so every test runs beside a neighbour whose
    rows a query that forgot its municipality would find (issue 16)."""
    from todoke.demo.seed import (
        DEMO_CODE,
        DEMO_NAME,
        DEMO_PREFECTURE,
        TOWN_CODE,
        TOWN_NAME,
        seed_catalogue,
    )
    from todoke.registry.service import ensure_municipality, set_municipality_origin

    await ensure_municipality(TOWN_CODE, TOWN_NAME, DEMO_PREFECTURE)
    await seed_catalogue(await set_municipality_origin(TOWN_CODE, NEIGHBOUR_ORIGIN))
    municipality = await ensure_municipality(DEMO_CODE, DEMO_NAME, DEMO_PREFECTURE)
    await seed_catalogue(municipality)
    return municipality


# The neighbour municipality every `city` test has (tests/api/test_tenants.py reaches it).
NEIGHBOUR_ORIGIN = "http://higashi.localhost:8000"


@pytest.fixture
def env_isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in list(os.environ):
        if key.startswith("TODOKE_"):
            monkeypatch.delenv(key)
    yield
