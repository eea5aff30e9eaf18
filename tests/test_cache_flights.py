"""Requests that miss the same answer at the same time have it computed once.

After a write, every dashboard polling the same page misses it at once; a client may
also send the same costly query many times in parallel. The response cache computes
such an answer once per data version and hands it to every request that missed it
meanwhile (``ResponseCacheMiddleware``, ``_Flight``). What those requests get must be
what they would have computed: the same bytes and headers, from the same version; and
no client of the first request, however slowly it reads, may hold the others.

The app here is the production one on a committed database, the cache on (its
default). The first computation is held at the start of the service it calls until the
test has every other request waiting: the tests wait on events and on the cache's own
count of waiting requests, never on time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest

from app.errors import InvalidInput
from app.http.cache import ResponseCacheMiddleware
from app.main import create_app
from app.services import pledges as pledge_service
from app.telemetry.metrics import CACHE_LOOKUPS
from tests.app_settings import app_settings
from tests.conftest import client_for
from tests.test_cache import CSV_ALL, _add_pledges, _csv_rows, get_scope, receive_then_leave

SUMMARY = "/v1/pledges/summary?group_by=forum"
GRAPHQL_SUMMARY = {
    "query": "{ pledgeSummary(groupBy: [FORUM]) { group { forum } count amountUsd } }"
}
FOLLOWERS = 5
# Headers of one exchange: the request id, and the client's rate budget, which every
# request spends (as in tests/test_cache_contract.py).
PER_EXCHANGE = {"x-request-id", "date", "server", "ratelimit"}
# How long a test waits for what must happen; reached only when the code under test is
# broken (a request never answered), never on a slow machine's ordinary path.
PATIENCE = 120.0


class _Held:
    """``summarize_pledges`` held at its start until ``release``; counts its calls. With
    ``refuse_first``, the first call then fails as a bad request would."""

    def __init__(self, *, refuse_first: bool = False) -> None:
        self.real = pledge_service.summarize_pledges
        self.calls = 0
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.refuse_first = refuse_first

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        first = self.calls == 1
        self.entered.set()
        await self.release.wait()
        if first and self.refuse_first:
            raise InvalidInput("Refused on purpose: the first computation fails.")
        return await self.real(*args, **kwargs)


def _cache_of(app: Any) -> ResponseCacheMiddleware:
    layer = app.middleware_stack  # built by the first request
    while not isinstance(layer, ResponseCacheMiddleware):
        layer = layer.app
    return layer


async def _until(condition: Callable[[], bool]) -> None:
    async def poll() -> None:
        while not condition():  # noqa: ASYNC110 (the cache offers no event to wait on)
            await asyncio.sleep(0)

    await asyncio.wait_for(poll(), PATIENCE)


def _counted(result: str) -> float:
    return float(CACHE_LOOKUPS.labels(result)._value.get())


def _kept_headers(answer: httpx.Response) -> tuple[tuple[str, str], ...]:
    """The headers that belong to the answer, not to one exchange."""
    return tuple(
        sorted(
            (name.lower(), value)
            for name, value in answer.headers.multi_items()
            if name.lower() not in PER_EXCHANGE
        )
    )


def _asker(
    client: httpx.AsyncClient, api: str
) -> Callable[[], Coroutine[Any, Any, httpx.Response]]:
    if api == "REST":
        return lambda: client.get(SUMMARY)
    return lambda: client.post("/graphql", json=GRAPHQL_SUMMARY)


async def _together(
    app: Any, held: _Held, ask: Callable[[], Coroutine[Any, Any, httpx.Response]]
) -> list[httpx.Response]:
    """Ask once, and ``FOLLOWERS`` times more while that first computation is held; let
    it go once every other request waits. The answers, the first one first."""
    first = asyncio.create_task(ask())
    await asyncio.wait_for(held.entered.wait(), PATIENCE)
    cache = _cache_of(app)
    others = [asyncio.create_task(ask()) for _ in range(FOLLOWERS)]
    await _until(lambda: cache.waiting == FOLLOWERS)
    held.release.set()
    return list(await asyncio.wait_for(asyncio.gather(first, *others), PATIENCE))


class _SlowReader:
    """A client that asks for ``path`` and reads nothing of the body until ``read`` is
    set: the server's first body message waits in ``send`` meanwhile."""

    def __init__(self, app: Any, path: str) -> None:
        self.app = app
        self.path = path
        self.blocked = asyncio.Event()
        self.read = asyncio.Event()
        self.status: int | None = None
        self.body = b""

    async def __call__(self) -> None:
        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
            elif message["type"] == "http.response.body":
                self.blocked.set()
                await self.read.wait()
                self.body += message.get("body", b"")

        stays = asyncio.Event()  # never set: the client stays, reading nothing
        await self.app(get_scope(self.path), receive_then_leave(stays), send)


@pytest.mark.parametrize("api", ["REST", "GraphQL"])
async def test_requests_missing_one_answer_together_have_it_computed_once(
    live_database_url: str, monkeypatch: pytest.MonkeyPatch, api: str
) -> None:
    held = _Held()
    monkeypatch.setattr(pledge_service, "summarize_pledges", held)
    app = create_app(app_settings(live_database_url))
    async with client_for(app) as client:
        ask = _asker(client, api)
        joined_before = _counted("joined")
        answers = await _together(app, held, ask)
        cache = _cache_of(app)

        assert held.calls == 1
        assert _counted("joined") - joined_before == FOLLOWERS
        assert cache.waiting == 0
        assert [answer.status_code for answer in answers] == [200] * (FOLLOWERS + 1)
        assert {answer.content for answer in answers} == {answers[0].content}
        assert {_kept_headers(answer) for answer in answers} == {_kept_headers(answers[0])}
        assert "migov-data-version" in answers[0].headers
        figures = answers[0].json()
        rows = figures["groups"] if api == "REST" else figures["data"]["pledgeSummary"]
        assert rows
        assert all(row["count"] > 0 for row in rows)
        # The answer was kept, as any other miss's: the next ask is a hit, computing nothing.
        again = await ask()
        assert again.content == answers[0].content
        assert held.calls == 1


@pytest.mark.parametrize("api", ["REST", "GraphQL"])
async def test_when_the_first_answer_is_not_kept_each_waiting_request_computes_its_own(
    live_database_url: str, monkeypatch: pytest.MonkeyPatch, api: str
) -> None:
    held = _Held(refuse_first=True)
    monkeypatch.setattr(pledge_service, "summarize_pledges", held)
    app = create_app(app_settings(live_database_url))
    async with client_for(app) as client:
        refused, *answers = await _together(app, held, _asker(client, api))
        cache = _cache_of(app)

        if api == "REST":
            assert refused.status_code == 400
            assert refused.json()["code"] == "invalid_input"
        else:
            assert refused.json()["errors"][0]["extensions"]["code"] == "invalid_input"
        # Never the refusal handed on: each of the others computed the right answer.
        assert held.calls == 1 + FOLLOWERS
        assert [answer.status_code for answer in answers] == [200] * FOLLOWERS
        assert {answer.content for answer in answers} == {answers[0].content}
        assert b"Refused on purpose" not in answers[0].content
        assert cache.waiting == 0


async def test_a_slow_reader_of_the_first_answer_holds_no_one_waiting_for_it(
    live_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = _Held()
    monkeypatch.setattr(pledge_service, "summarize_pledges", held)
    app = create_app(app_settings(live_database_url))
    async with client_for(app) as client:
        inner = client._transport.app  # type: ignore[attr-defined]
        reader = _SlowReader(inner, SUMMARY)
        first = asyncio.create_task(reader())
        await asyncio.wait_for(held.entered.wait(), PATIENCE)
        cache = _cache_of(app)
        others = [asyncio.create_task(client.get(SUMMARY)) for _ in range(FOLLOWERS)]
        await _until(lambda: cache.waiting == FOLLOWERS)
        held.release.set()
        answers = await asyncio.wait_for(asyncio.gather(*others), PATIENCE)

        # Every other request was answered while the first client had read nothing yet.
        assert reader.blocked.is_set()
        assert not first.done()
        assert held.calls == 1
        assert [answer.status_code for answer in answers] == [200] * FOLLOWERS
        reader.read.set()
        await asyncio.wait_for(first, PATIENCE)
        assert reader.status == 200
        assert json.loads(reader.body) == answers[0].json()


async def test_a_slow_reader_of_a_stream_holds_no_one_asking_for_the_same_stream(
    live_database_url: str,
) -> None:
    """A streamed answer is never kept, so it is never waited for either: once the first
    piece of it is out, the same request computes its own whole answer, while the first
    client has not read a byte."""
    await _add_pledges(live_database_url, 1_000)  # a stream of several pages
    app = create_app(app_settings(live_database_url))
    async with client_for(app) as client:
        total = (await client.get("/v1/pledges?limit=1")).json()["total"]
        inner = client._transport.app  # type: ignore[attr-defined]
        reader = _SlowReader(inner, CSV_ALL)
        first = asyncio.create_task(reader())
        await asyncio.wait_for(reader.blocked.wait(), PATIENCE)
        whole = await asyncio.wait_for(client.get(CSV_ALL), PATIENCE)
        assert whole.status_code == 200
        assert _csv_rows(whole.text) == total
        assert not first.done()
        assert _cache_of(app).waiting == 0
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
