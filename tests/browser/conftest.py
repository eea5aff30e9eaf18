"""A real server and a real browser for the page tests.

Once per run of this package: a database of its own on the suite's engine (a SQLite file, or a fresh
PostgreSQL database beside the suite's), migrated and loaded with the curated data;
uvicorn serving it on a free loopback port in 8600-8649; Debian's chromium driven by
Playwright (never a downloaded browser). Each test gets a fresh browser context whose
requests to anything but the server are aborted and recorded, so a page that reaches
for the network fails its test. Screenshots go to test-artifacts/browser/<engine>/.

Tests that write (``writable_server``) get a second server on a database of its own, so
the other page tests keep seeing the curated data alone, whatever order they run in.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Route,
    async_playwright,
    expect,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.migrations import upgrade
from app.models.enums import ApiScope
from app.services import api_keys as api_key_service
from tests.app_settings import LOADED_MACHINE_WAITS, environment
from tests.conftest import _admin, _load_curated, setup_engine
from tests.live_server import wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PORTS = range(8600, 8650)
# Generous waits: the machine is shared, and Swagger UI parses the whole document first.
expect.set_options(timeout=20_000)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def _listening_socket() -> socket.socket:
    """A socket bound to the first free port of the range, handed to uvicorn (--fd), so
    two test runs on one machine can never race for the same port."""
    for port in PORTS:
        sock = socket.socket()
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        sock.listen(128)
        return sock
    raise RuntimeError("no free port in 8600-8649 for the page tests' server")


@contextmanager
def _curated_database(database_url: str, folder: Path) -> Iterator[str]:
    """The curated data, committed, in a database of its own beside the suite's."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        target = f"sqlite+aiosqlite:///{folder / 'pages.db'}"
        upgrade(target)
        asyncio.run(_load_curated(target))
        yield target
        return
    name = f"migov_pages_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(database_url, f'CREATE DATABASE "{name}"'))
    target = url.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(target)
        asyncio.run(_load_curated(target))
        yield target
    finally:
        asyncio.run(_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def _serving(database_url: str) -> Iterator[str]:
    """uvicorn serving the app on ``database_url``, on a free port; its base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGOV_")}
    env.update(MIGOV_DATABASE_URL=database_url, MIGOV_LOG_LEVEL="warning")
    env.update(environment(LOADED_MACHINE_WAITS))
    sock = _listening_socket()
    port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--fd",
            str(sock.fileno()),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        pass_fds=[sock.fileno()],
    )
    sock.close()  # the server holds its own copy
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, url, path="/readyz")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="package")
def server_database_url(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The curated data, committed, in a database only the page tests' server uses."""
    with _curated_database(database_url, tmp_path_factory.mktemp("browser")) as url:
        yield url


@pytest.fixture(scope="package")
def base_url(server_database_url: str) -> Iterator[str]:
    with _serving(server_database_url) as url:
        yield url


async def _writer_secret(url: str) -> str:
    engine = setup_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            created = await api_key_service.create_api_key(
                session,
                name="page tests",
                scopes=[ApiScope.PLEDGES_WRITE.value],
                pledgers=(),
                any_pledger=True,
            )
            await session.commit()
            return created.secret
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class WritableServer:
    """A server of its own for tests that write, and the header of a key that may."""

    url: str
    authorization: dict[str, str]


@pytest.fixture(scope="package")
def writable_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WritableServer]:
    with _curated_database(database_url, tmp_path_factory.mktemp("browser-writes")) as url:
        secret = asyncio.run(_writer_secret(url))
        with _serving(url) as served:
            yield WritableServer(served, {"Authorization": f"Bearer {secret}"})


@pytest.fixture(scope="package")
def artifacts(server_database_url: str) -> Path:
    engine = make_url(server_database_url).get_backend_name()
    folder = ROOT / "test-artifacts" / "browser" / engine
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="package")
def chromium() -> str:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    return CHROMIUM


@pytest.fixture(scope="package")
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Watch:
    """What went wrong in a context: console errors, page errors, failed or refused requests."""

    base_url: str
    problems: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
            ),
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on(
            "requestfailed",
            lambda r: self.problems.append(f"request failed: {r.url} ({r.failure})"),
        )
        page.on(
            "response",
            lambda r: (
                self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None
            ),
        )


async def _context(browser: Browser, base_url: str, **options: Any) -> tuple[BrowserContext, Watch]:
    context = await browser.new_context(base_url=base_url, **options)
    watch = Watch(base_url)

    async def only_loopback(route: Route) -> None:
        if route.request.url.startswith((base_url + "/", "data:", "blob:")):
            await route.continue_()
        else:
            watch.blocked.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_loopback)
    context.on("page", watch.attach)
    return context, watch


OpenContext = Callable[..., Awaitable[tuple[BrowserContext, Watch]]]


@pytest.fixture
async def open_context(browser: Browser, base_url: str) -> AsyncIterator[OpenContext]:
    """Open browser contexts (viewport, locale...) for one test; all closed after it.
    ``server`` is the base URL of another server than the shared one."""
    opened: list[BrowserContext] = []

    async def open_one(server: str | None = None, **options: Any) -> tuple[BrowserContext, Watch]:
        options.setdefault("viewport", DESKTOP)
        options.setdefault("locale", "en-GB")
        context, watch = await _context(browser, server or base_url, **options)
        opened.append(context)
        return context, watch

    yield open_one
    for context in opened:
        await context.close()
