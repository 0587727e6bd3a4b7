"""Browser tests: Playwright drives Debian's Chromium against a real `todoke demo` server.

Without Chromium the tests skip with a message, except under CI=true, where a skipped
browser test would hide a broken screen: there they fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("TODOKE_CHROMIUM", "/usr/bin/chromium")


# The demo city, the municipality without an origin of its own, for SQL: the demo also
# serves a town at higashi.localhost, whose residents the city's tests must not pick.
CITY = "(SELECT id FROM municipality WHERE origin IS NULL)"

SCREENSHOTS = Path(os.environ.get("TODOKE_SCREENSHOT_DIR", "var/screenshots"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _off_loop(coroutine) -> None:
    """Run admin SQL on a thread of its own: sync Playwright may already hold an event loop
    on this one (another module's browser tests can have started first)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


async def _admin(sql: str, url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


class LiveDemo:
    def __init__(self, url: str, env: dict[str, str], data_dir: Path) -> None:
        self.url, self.env, self.data_dir = url, env, data_dir

    def query(self, sql: str) -> list[dict]:
        """Rows from the demo's own database (SQLite, or PostgreSQL when the suite uses it)."""
        url = self.env.get("TODOKE_DATABASE_URL", "")
        if url:
            import asyncpg

            async def fetch() -> list[dict]:
                connection = await asyncpg.connect(url)
                try:
                    return [dict(row) for row in await connection.fetch(sql)]
                finally:
                    await connection.close()

            # A thread of its own: the test session may already run an event loop here.
            with ThreadPoolExecutor(1) as pool:
                return pool.submit(asyncio.run, fetch()).result()
        with sqlite3.connect(self.data_dir / "todoke.sqlite3") as connection:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute(sql).fetchall()]

    def todoke(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the command line against the demo's own database."""
        return subprocess.run(
            [sys.executable, "-m", "todoke.cli", *args, "--data-dir", str(self.data_dir)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )


@pytest.fixture(scope="session")
def live_server(live_demo: LiveDemo) -> str:
    return live_demo.url


@pytest.fixture(scope="session")
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    """`todoke demo` on a port of its own, with its own database (never the API tests')."""
    with running_demo(tmp_path_factory, "e2e") as demo:
        yield demo


@pytest.fixture(scope="session")
def fuzz_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    """A demo of its own for the fuzzer: signed in as an administrator it approves
    programmes and changes settings at random, which the browser tests must not meet."""
    with running_demo(tmp_path_factory, "fuzz") as demo:
        yield demo


@contextlib.contextmanager
def running_demo(tmp_path_factory: pytest.TempPathFactory, label: str) -> Iterator[LiveDemo]:
    data_dir = tmp_path_factory.mktemp(f"{label}-data")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODOKE_")}
    base_url = os.environ.get("TODOKE_DATABASE_URL", "")
    e2e_url = ""
    if base_url:
        prefix, _, name = base_url.rpartition("/")
        e2e_url = f"{prefix}/{name}_{label}"
        admin = f"{prefix}/postgres"
        _off_loop(_admin(f"DROP DATABASE IF EXISTS {name}_{label} WITH (FORCE)", admin))
        _off_loop(_admin(f"CREATE DATABASE {name}_{label}", admin))
        env["TODOKE_DATABASE_URL"] = e2e_url
    env["TODOKE_PUBLIC_ORIGINS"] = f"http://localhost:{port}"
    env["TODOKE_LOG_LEVEL"] = "WARNING"
    # Every browser test (and the fuzzer) comes from 127.0.0.1: per-address limits would make
    # them wait on each other. The limits themselves are tested in tests/api.
    env["TODOKE_AUTH_RATE_LIMIT"] = "100000"
    env["TODOKE_VERIFICATION_RATE_LIMIT"] = "100000"
    # A recovery letter's code works at once here (the hold is tested in tests/api).
    env["TODOKE_RECOVERY_HOLD_HOURS"] = "0"
    # Browser tests subscribe pages to the tests' local push service over plain http, and
    # must not depend on the hour they run at.
    env["TODOKE_PUSH_ALLOW_HTTP"] = "true"
    env["TODOKE_QUIET_HOURS"] = "00:00-00:00"
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "todoke.cli",
            "demo",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--persons",
            "300",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "demo server did not start:\n" + (data_dir / "server.log").read_text()
                )
            time.sleep(0.3)
        yield LiveDemo(url, env, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if e2e_url:
            prefix, _, name = e2e_url.rpartition("/")
            _off_loop(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"{prefix}/postgres"))


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": browser tests may not be skipped in CI")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def new_page(browser, base_url: str, viewport: dict[str, int], locale: str = "ja-JP"):
    context = browser.new_context(viewport=viewport, locale=locale, base_url=base_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors  # type: ignore[attr-defined]
    return page


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def make_page(browser, live_server):
    """make_page(viewport, locale="ja-JP") → a page in a fresh context on the demo server."""
    contexts = []

    def make(viewport: dict[str, int], locale: str = "ja-JP"):
        page = new_page(browser, live_server, viewport, locale)
        contexts.append(page.context)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shoot():
    return screenshot
