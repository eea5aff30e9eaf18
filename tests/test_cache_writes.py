"""A write evicts exactly the cached answers it may have changed, and never one less.

The response cache keeps an answer across a write that did not touch what it was
computed from (``app.db.reads``, ``services.changes.written_between``). Each case
here fills the cache with every GET route of the OpenAPI document (as
``tests/test_cache_contract.py`` walks them) and a GraphQL document, makes one kind
of pledge write, and then asks every request again through the cache and through an
app without a cache on the same data: the bodies must be equal, so an answer that
depends on the written data and was served stale fails the case, resource by
resource. The same cases show what the cache kept: forums and another pledge's page
are hits after a pledge write.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db.reads import FAMILIES, PLEDGE_FAMILY, FrozenReads, Reads, recording, rows_only
from app.http.cache import (
    NOT_CACHED_PATHS,
    REMEMBERED_ROWS,
    REMEMBERED_STEPS,
    Entry,
    ResponseCache,
)
from app.services import changes as change_service
from app.services import pledges as pledge_service
from app.services.changes import WRITTEN_BESIDE_ROWS, Written
from app.services.pledges import PLEDGE_FORUM, PLEDGE_YEAR
from bench.run import first_difference
from tests.conftest import build_app, client_for
from tests.factories import Key, make_api_key, pledge_body
from tests.test_cache_contract import _get_paths, _hits
from tests.test_write_parity import over_graphql

GRAPHQL = {
    "query": "{ forums(first: 5) { edges { node { code name } } } "
    'pledges(filter: {forum: "MIRPS-SP"}, first: 3) { totalCount edges { node { id title '
    "status } } } pledgeSummary(groupBy: [FORUM]) { group { forum } count amountUsd } "
    "datasetMeta { version } }"
}
FORUM_ONLY = {"query": '{ forum(code: "RCM") { code name participants { role actor { id } } } }'}
# Pledge lists by forum: the written pledges' forum (MIRPS-SP), its parent, and another.
BY_FORUM = [
    ("GET", "/v1/pledges?forum=MIRPS-SP&limit=5", None),
    ("GET", "/v1/pledges?forum=MIRPS&include_subforums=true&limit=5", None),
    ("GET", "/v1/pledges?forum=MIRPS&include_subforums=false&limit=5", None),
]
# Totals per forum by year: the submissions' year (2022), the year an update moves a
# pledge to (2020), and the two years together.
SUMMARY = "/v1/pledges/summary?group_by=forum&announced_from={}&announced_to={}"
BY_YEAR = [
    ("GET", SUMMARY.format("2022-01-01", "2022-12-31"), None),
    ("GET", SUMMARY.format("2020-01-01", "2020-12-31"), None),
    ("GET", SUMMARY.format("2020-06-01", "2022-06-30"), None),
    ("GET", "/v1/pledges?announced_from=2020-01-01&announced_to=2020-12-31&limit=5", None),
]
# Answers no pledge write in MIRPS-SP, in 2020 or 2022, can change.
KEPT = [
    ("GET", "/v1/pledges?forum=RCM&limit=5", None),
    ("GET", SUMMARY.format("2019-01-01", "2019-12-31"), None),
    ("GET", "/v1/forums/RCM", None),
    ("GET", "/v1/actors?limit=5", None),
    ("GET", "/v1/forums/RCM/participants", None),
    ("POST", "/graphql", FORUM_ONLY),
]


@pytest.fixture
async def clients(
    settings: Settings, session: AsyncSession
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    cached = settings.model_copy(update={"cache": True})
    fresh = settings.model_copy(update={"cache": False})
    async with (
        client_for(build_app(cached, session)) as through_cache,
        client_for(build_app(fresh, session)) as without,
    ):
        yield through_cache, without


@pytest.fixture
async def writer(session: AsyncSession) -> Key:
    return await make_api_key(session, name="cache writes")


async def _submit(client: httpx.AsyncClient, key: Key, **overrides: Any) -> httpx.Response:
    created = await client.post("/v1/pledges", json=pledge_body(**overrides), headers=key.headers)
    assert created.status_code == 201, created.text
    return created


async def _write_submit(client: httpx.AsyncClient, key: Key, _pledge: httpx.Response) -> None:
    await _submit(client, key, title="Another submission", external_ref="cache-submit")


async def _write_update(client: httpx.AsyncClient, key: Key, pledge: httpx.Response) -> None:
    updated = await client.patch(
        pledge.headers["location"],
        json={
            "status": "in_progress",
            "title": "A title changed by its pledger",
            "announced_on": "2020-03",
        },
        headers={**key.headers, "If-Match": pledge.headers["etag"]},
    )
    assert updated.status_code == 200, updated.text


async def _write_withdraw(client: httpx.AsyncClient, key: Key, pledge: httpx.Response) -> None:
    withdrawn = await client.patch(
        pledge.headers["location"],
        json={"status": "withdrawn"},
        headers={**key.headers, "If-Match": pledge.headers["etag"]},
    )
    assert withdrawn.status_code == 200, withdrawn.text


async def _write_batch(client: httpx.AsyncClient, key: Key, _pledge: httpx.Response) -> None:
    items = [pledge_body(title=f"Batch item {n}", external_ref=f"cache-batch-{n}") for n in (1, 2)]
    stored = await client.post("/v1/pledges/batch", json={"pledges": items}, headers=key.headers)
    assert stored.status_code in (200, 201, 207), stored.text


async def _write_graphql(client: httpx.AsyncClient, key: Key, _pledge: httpx.Response) -> None:
    body = pledge_body(title="Submitted over GraphQL", external_ref="cache-graphql")
    answer = await over_graphql(client, key, body, None)
    assert answer.created, answer


Write = Callable[[httpx.AsyncClient, Key, httpx.Response], Awaitable[None]]
WRITES = [
    pytest.param(_write_submit, id="submit"),
    pytest.param(_write_update, id="update"),
    pytest.param(_write_withdraw, id="withdraw"),
    pytest.param(_write_batch, id="batch"),
    pytest.param(_write_graphql, id="graphql-submit"),
]


async def _asks(client: httpx.AsyncClient) -> list[tuple[str, str, Any]]:
    paths = [p for p in await _get_paths(client) if not p.startswith(NOT_CACHED_PATHS)]
    asks: list[tuple[str, str, Any]] = [("GET", path, None) for path in paths]
    asks += [("POST", "/graphql", GRAPHQL), ("POST", "/graphql", FORUM_ONLY)]
    return asks


async def _answer(client: httpx.AsyncClient, ask: tuple[str, str, Any]) -> tuple[int, Any]:
    method, path, body = ask
    response = await client.request(method, path, json=body)
    if response.headers.get("content-type", "").startswith(
        ("application/json", "application/problem")
    ):
        return response.status_code, response.json()
    return response.status_code, response.text


@pytest.mark.parametrize("write", WRITES)
async def test_no_answer_a_pledge_write_changed_is_served_from_the_cache(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], writer: Key, write: Write
) -> None:
    through_cache, without = clients
    pledge = await _submit(through_cache, writer, external_ref="cache-first")
    other = await _submit(through_cache, writer, title="Left alone", external_ref="cache-other")
    pledge_page = pledge.headers["location"]
    other_page = other.headers["location"]
    asks = await _asks(through_cache)
    asks += [
        ("GET", pledge_page, None),
        ("GET", other_page, None),
        *BY_FORUM,
        *BY_YEAR,
        *KEPT,
    ]
    before = {ask[1] + str(ask[2]): await _answer(through_cache, ask) for ask in asks}

    await write(through_cache, writer, pledge)

    for ask in asks:
        cached = await _answer(through_cache, ask)
        fresh = await _answer(without, ask)
        where = first_difference(cached[1], fresh[1]) or f"HTTP {cached[0]}, fresh {fresh[0]}"
        assert cached == fresh, f"{ask[0]} {ask[1]} {ask[2] or ''}: {where}"
    # What the write cannot have changed was answered from the cache.
    kept = list(KEPT)
    if write is not _write_batch and write is not _write_submit and write is not _write_graphql:
        kept.append(("GET", other_page, None))
    for ask in kept:
        hits = _hits()
        assert await _answer(through_cache, ask) == before[ask[1] + str(ask[2])]
        assert _hits() == hits + 1, f"{ask[1]} {ask[2] or ''} was evicted by a pledge write"


@pytest.mark.parametrize("write", WRITES)
async def test_a_pledge_write_writes_only_the_tables_the_cache_expects(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    writer: Key,
    write: Write,
    session: AsyncSession,
) -> None:
    """``written_between`` tells the cache a pledge change touched the pledge's own rows
    and ``WRITTEN_BESIDE_ROWS``: a write that changed another table a reader sees would
    leave stale answers standing."""
    through_cache, _ = clients
    pledge = await _submit(through_cache, writer, external_ref="tables-first")
    start = (await change_service.current_version(session)).version
    with recording() as reads:
        await write(through_cache, writer, pledge)
    assert reads.written, "the write was not recorded"
    now = (await change_service.current_version(session)).version
    written = await change_service.written_between(session, start, now)
    beyond = reads.written - (WRITTEN_BESIDE_ROWS | FAMILIES[PLEDGE_FAMILY])
    if written is None:
        # It stored an ECB rate on its way (the update moves the pledge to a year with
        # no stored CAD rate): logged as a change of its own, which empties the cache.
        assert beyond == {"exchange_rate", "citation"} or beyond == {
            "exchange_rate",
            "citation",
            "source",
        }
        logged = (await through_cache.get("/v1/changes?since=&limit=500")).json()["items"]
        assert "exchange_rate" in {item["entity"] for item in logged}
    else:
        assert not beyond


async def test_the_changes_between_two_versions_name_the_pledges_written(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], writer: Key, session: AsyncSession
) -> None:
    through_cache, _ = clients
    start = (await change_service.current_version(session)).version
    first = (await _submit(through_cache, writer, external_ref="range-1")).json()["id"]
    second = (await _submit(through_cache, writer, external_ref="range-2")).json()["id"]
    now = (await change_service.current_version(session)).version

    written = await change_service.written_between(session, start, now)
    assert written is not None
    # Each pledge by its id and by the parts it is in: its forum and its year.
    parts = {(PLEDGE_FORUM, "MIRPS-SP"), (PLEDGE_YEAR, "2022")}
    assert written.rows == {PLEDGE_FAMILY: frozenset({first, second, *parts})}
    assert written.tables >= FAMILIES[PLEDGE_FAMILY] | {"change", "data_version"}
    only_second = await change_service.written_between(session, now - 1, now)
    assert only_second is not None
    assert only_second.rows == {PLEDGE_FAMILY: frozenset({second, *parts})}


async def test_an_update_names_the_parts_its_pledge_left_and_entered(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], writer: Key, session: AsyncSession
) -> None:
    through_cache, _ = clients
    # Announced in 2021 (the submission stores that year's ECB rate if it must), then
    # moved to 2022, whose CAD rate is curated: the update itself stores no rate.
    pledge = await _submit(through_cache, writer, external_ref="moved", announced_on="2021-05")
    start = (await change_service.current_version(session)).version
    moved = await through_cache.patch(
        pledge.headers["location"],
        json={"announced_on": "2022-09-21"},
        headers={**writer.headers, "If-Match": pledge.headers["etag"]},
    )
    assert moved.status_code == 200, moved.text

    written = await change_service.written_between(session, start, start + 1)

    assert written is not None
    assert written.rows[PLEDGE_FAMILY] >= {(PLEDGE_YEAR, "2021"), (PLEDGE_YEAR, "2022")}


async def test_more_changes_than_the_cache_follows_empty_it(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    writer: Key,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The read of what changed is bounded: past ``MAX_FOLLOWED_CHANGES`` rows (a long
    gap, or batches), the cache starts afresh instead of reading and matching them all."""
    through_cache, _ = clients
    monkeypatch.setattr(change_service, "MAX_FOLLOWED_CHANGES", 2)
    start = (await change_service.current_version(session)).version
    for n in range(3):
        await _submit(through_cache, writer, external_ref=f"bound-{n}")

    assert await change_service.written_between(session, start, start + 2) is not None
    assert await change_service.written_between(session, start, start + 3) is None


async def test_a_version_the_change_log_cannot_explain_empties_the_cache(
    session: AsyncSession,
) -> None:
    """A version with no change rows (a bump straight in the table), or a change of
    curated records, cannot be followed row by row: the cache starts afresh."""
    start = (await change_service.current_version(session)).version
    await session.execute(text("UPDATE data_version SET version = version + 1 WHERE id = 1"))
    assert await change_service.written_between(session, start, start + 1) is None
    await session.execute(
        text(
            "INSERT INTO change (version, entity, entity_id, action, origin, changed_at) "
            "VALUES (:v, 'forum', 'RCM', 'updated', 'curated', CURRENT_TIMESTAMP)"
        ),
        {"v": start + 1},
    )
    assert await change_service.written_between(session, start, start + 1) is None
    # A pledge change logged before change rows kept their parts.
    await session.execute(
        text(
            "INSERT INTO change (version, entity, entity_id, action, origin, changed_at) "
            "VALUES (:v, 'pledge', '1', 'updated', 'api', CURRENT_TIMESTAMP)"
        ),
        {"v": start + 2},
    )
    await session.execute(text("UPDATE data_version SET version = version + 1 WHERE id = 1"))
    assert await change_service.written_between(session, start + 1, start + 2) is None


def test_the_store_drops_only_the_entries_a_write_touched() -> None:
    store = ResponseCache(1 << 20)
    forums = Reads(tables={"forum", "participation", "actor"})
    pledge_list = Reads(tables={"pledge", "pledge_pledger", "actor"})
    pledge_7 = Reads(tables={"actor", "citation"}, rows={PLEDGE_FAMILY: {7}})
    pledge_8 = Reads(tables={"actor"}, rows={PLEDGE_FAMILY: {8}})
    rcm_list = Reads(tables={"forum"}, rows={PLEDGE_FAMILY: {(PLEDGE_FORUM, "RCM")}})
    sp_list = Reads(tables={"forum"}, rows={PLEDGE_FAMILY: {(PLEDGE_FORUM, "MIRPS-SP")}})
    unknown = Reads(tables={"*"})
    for name, reads in [
        ("forums", forums),
        ("list", pledge_list),
        ("p7", pledge_7),
        ("p8", pledge_8),
        ("rcm", rcm_list),
        ("sp", sp_list),
        ("unknown", unknown),
    ]:
        store.put(3, (name,), Entry(headers=[], body=name.encode(), reads=reads.frozen()))
    written = Written(
        WRITTEN_BESIDE_ROWS | FAMILIES[PLEDGE_FAMILY],
        {PLEDGE_FAMILY: frozenset({7, (PLEDGE_FORUM, "MIRPS-SP")})},
    )

    assert store.advance(4, written, since=3) == 4

    assert [key for (key,) in store._entries] == ["forums", "p8", "rcm"]
    assert store.get(4, ("forums",)) is not None
    assert store.get(3, ("forums",)) is None  # a reader of an older version is not served it
    # Not knowing what changed, or a gap in what is known, empties it.
    assert store.advance(6, written, since=5) == 3
    assert len(store) == 0


async def test_reads_are_recorded_per_statement(session: AsyncSession) -> None:
    with recording() as reads:
        await session.execute(text("SELECT 1"))
    assert reads.everything, "textual SQL names no tables the cache can follow"

    with recording() as reads:
        await change_service.current_version(session)
        with rows_only(PLEDGE_FAMILY, [5]):
            from app.services.pledges import pledge_rows

            await pledge_rows(session, [5])
    assert not reads.everything
    assert "data_version" in reads.tables
    assert reads.rows == {PLEDGE_FAMILY: {5}}
    assert not reads.tables & FAMILIES[PLEDGE_FAMILY]
    assert {"actor", "citation", "exchange_rate"} <= reads.tables


def _touched(reads: FrozenReads, written: Written) -> bool:
    """The rule an eviction follows, written plainly: an answer goes when it read
    everything, a table the writes changed, or a part (a row, a forum, a year) they did."""
    if "*" in reads.tables or reads.tables & written.tables:
        return True
    return any(written.rows.get(family, frozenset()) & keys for family, keys in reads.rows)


def test_the_store_index_evicts_exactly_what_the_rule_says() -> None:
    """The store finds what a write touched through an index (its cost is what it
    evicts); over random entries and writes it drops exactly the entries the plain
    rule names, and its index never keeps a key it no longer holds."""
    rng = random.Random(26)
    tables = ["forum", "actor", "citation", "pledge", "pledge_pledger", "change", "*"]
    parts: list[Any] = [1, 2, 3, 4, (PLEDGE_FORUM, "RCM"), (PLEDGE_FORUM, "MIRPS-SP")]
    parts += [(PLEDGE_YEAR, "2020"), (PLEDGE_YEAR, "2022")]
    for _ in range(300):
        store = ResponseCache(1 << 20)
        entries: dict[tuple[Any, ...], FrozenReads] = {}
        for n in range(rng.randint(0, 12)):
            read = Reads(
                tables=set(rng.sample(tables, rng.randint(0, 2))),
                rows={PLEDGE_FAMILY: set(rng.sample(parts, rng.randint(1, 3)))}
                if rng.random() < 0.6
                else {},
            )
            entries[(n,)] = read.frozen()
            store.put(1, (n,), Entry(headers=[], body=b"x", reads=read.frozen()))
        written = Written(
            frozenset(rng.sample(tables[:-1], rng.randint(0, 3))),
            {PLEDGE_FAMILY: frozenset(rng.sample(parts, rng.randint(0, 3)))},
        )

        store.advance(2, written, since=1)

        kept = {key for key, reads in entries.items() if not _touched(reads, written)}
        assert set(store._entries) == kept
        indexed = set().union(*store._readers.values()) if store._readers else set()
        # An answer that read nothing (no statement) depends on no data: never evicted.
        assert indexed == {key for key in kept if entries[key].tables or entries[key].rows}


def test_an_answer_computed_across_writes_is_kept_only_when_they_missed_it() -> None:
    """An answer computed at version 1 reaches the store after it moved on: it is kept
    exactly when no step in between touched what it read (the rule above) and every
    step's changes are known; otherwise it is thrown away, as before."""
    rng = random.Random(2026)
    tables = ["forum", "actor", "citation", "pledge", "pledge_pledger", "change", "*"]
    parts: list[Any] = [1, 2, 3, (PLEDGE_FORUM, "RCM"), (PLEDGE_FORUM, "MIRPS-SP")]
    parts += [(PLEDGE_YEAR, "2020"), (PLEDGE_YEAR, "2022")]
    kept_some = thrown_some = False
    for _ in range(500):
        store = ResponseCache(1 << 20)
        store.put(1, ("seed",), Entry(headers=[], body=b"x"))
        steps: list[Written | None] = []
        for version in range(2, 2 + rng.randint(1, 4)):
            written: Written | None = Written(
                frozenset(rng.sample(tables[:-1], rng.randint(0, 1))),
                {PLEDGE_FAMILY: frozenset(rng.sample(parts, rng.randint(0, 2)))},
            )
            if rng.random() < 0.1:
                written = None
            steps.append(written)
            store.advance(version, written, since=version - 1)
        read = Reads(
            tables=set(rng.sample(tables, rng.randint(0, 1))),
            rows={PLEDGE_FAMILY: set(rng.sample(parts, rng.randint(1, 2)))},
        ).frozen()

        store.put(1, ("late",), Entry(headers=[], body=b"late", reads=read))

        expected = all(w is not None and not _touched(read, w) for w in steps)
        assert (store.get(store.version, ("late",)) is not None) == expected, (read, steps)
        kept_some |= expected
        thrown_some |= not expected
    assert kept_some, "no case kept an answer"
    assert thrown_some, "no case threw one away"


def test_an_answer_older_than_the_steps_remembered_is_thrown_away() -> None:
    store = ResponseCache(1 << 20)
    store.put(1, ("seed",), Entry(headers=[], body=b"x"))
    nothing = Written(frozenset(), {})
    for version in range(2, REMEMBERED_STEPS + 3):
        store.advance(version, nothing, since=version - 1)
    read = Reads(tables={"forum"}).frozen()
    for computed_at, kept in [(1, False), (2, True), (store.version - 1, True)]:
        store.put(computed_at, (computed_at,), Entry(headers=[], body=b"y", reads=read))
        assert (store.get(store.version, (computed_at,)) is not None) is kept, computed_at


def test_the_steps_remembered_are_bounded_by_the_rows_they_name() -> None:
    """A batch may name thousands of rows; however many steps arrive, the store keeps at
    most ``REMEMBERED_ROWS`` of them, and an answer from before a forgotten step is
    thrown away (its writes can no longer be checked)."""
    store = ResponseCache(1 << 20)
    store.put(1, ("seed",), Entry(headers=[], body=b"x"))
    batch = REMEMBERED_ROWS // 3 + 1
    for version in range(2, 12):
        rows = frozenset(range(version * batch, (version + 1) * batch))
        store.advance(version, Written(frozenset(), {PLEDGE_FAMILY: rows}), since=version - 1)
        _, rows_named = store.remembered
        assert rows_named == min(version - 1, 2) * batch <= REMEMBERED_ROWS
    assert store.remembered[0] == 2
    read = Reads(tables={"forum"}).frozen()
    store.put(8, ("older",), Entry(headers=[], body=b"y", reads=read))
    store.put(9, ("within",), Entry(headers=[], body=b"z", reads=read))
    assert store.get(11, ("older",)) is None
    assert store.get(11, ("within",)) is not None
    # One step naming more rows than the bound is not remembered at all.
    huge = frozenset(range(REMEMBERED_ROWS + 1))
    store.advance(12, Written(frozenset(), {PLEDGE_FAMILY: huge}), since=11)
    assert store.remembered == (0, 0)
    store.put(11, ("before-huge",), Entry(headers=[], body=b"w", reads=read))
    assert store.get(12, ("before-huge",)) is None


@pytest.mark.parametrize(
    ("year", "kept"),
    [pytest.param("2019", True, id="other-year"), pytest.param("2022", False, id="same-year")],
)
async def test_a_summary_computed_while_a_pledge_is_written_is_kept_unless_it_changed(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    writer: Key,
    monkeypatch: pytest.MonkeyPatch,
    year: str,
    kept: bool,
) -> None:
    """A year's totals are computed, and before they are sent a pledge announced in 2022
    is submitted and another request moves the cache to the new version. Totals of
    another year are stored for the new version (the next ask is a hit); the 2022 totals,
    which lack the new pledge, are not (the next ask computes them again). Either way
    the next answer equals that of an app without a cache."""
    through_cache, without = clients
    path = SUMMARY.format(f"{year}-01-01", f"{year}-12-31")
    started, go = asyncio.Event(), asyncio.Event()
    summarize = pledge_service.summarize_pledges

    async def paused(*args: Any, **kwargs: Any) -> Any:
        totals = await summarize(*args, **kwargs)
        started.set()
        await go.wait()
        return totals

    monkeypatch.setattr(pledge_service, "summarize_pledges", paused)
    computing = asyncio.create_task(through_cache.get(path))
    # Whichever comes first: a request answered without computing the totals ends the
    # wait too, and fails here instead of hanging.
    waiting = asyncio.ensure_future(started.wait())
    await asyncio.wait({computing, waiting}, return_when=asyncio.FIRST_COMPLETED)
    assert started.is_set(), f"the totals were not computed: {(await computing).status_code}"
    monkeypatch.setattr(pledge_service, "summarize_pledges", summarize)
    await _submit(through_cache, writer, external_ref=f"while-computing-{year}")
    assert (await through_cache.get("/v1/forums/RCM")).status_code == 200  # moves the store on
    go.set()
    first = await computing
    assert first.status_code == 200, first.text

    hits = _hits()
    again = await through_cache.get(path)
    assert _hits() == hits + (1 if kept else 0)
    fresh = await without.get(path)
    assert again.json() == fresh.json(), first_difference(again.json(), fresh.json())
    # The first answer was computed before the pledge was: the 2022 totals lack it.
    assert (first.json() == fresh.json()) is kept
