"""Benchmark data: a deterministic, realistic dataset on top of the curated one.

    python -m bench.data [--url URL] [--fresh] [--seed N] [--pledges N]

Fills the PostgreSQL database at ``--url`` (default ``MIGOV_DATABASE_URL`` when it
names PostgreSQL, else ``postgresql+asyncpg://postgres@127.0.0.1:5432/migov_bench``)
through the project's own schema: ``migov migrate`` and ``migov data load`` first,
so the curated dataset and every constraint are there, then synthetic rows loaded
with COPY (asyncpg), which the schema's CHECKs and foreign keys still vet:

* 60 forums, a few big and many small (pledges and participations follow a
  Zipf-like weight over the curated and synthetic forums together);
* 2,000 actors (organisations, municipalities, civil society...), 20,000
  participations with open and bounded periods at day, month or year precision,
  5,000 funding shares;
* exchange rates for ten currencies, one per year 2010-2025, with gaps, so some
  pledges have no USD equivalent (null, as the service would store);
* 200,000 pledges with 1-3 pledgers, amounts in several currencies, announced
  2010-2025 (a few undated), every status, 0-4 GCM objectives, citations on a
  third of them.

The same seed gives the same rows (over the same curated dataset). ``--fresh``
drops and recreates the database first; without it a database that already holds
benchmark rows is refused rather than doubled. The load bumps the data version
once, as a write would.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/migov_bench"
PREFIX = "bench-"

FORUMS = 60
ACTORS = 2_000
PARTICIPATIONS = 20_000
FUNDING_SHARES = 5_000
PLEDGES = 200_000
SOURCES = 40
YEARS = range(2010, 2026)
# Currencies, their share of pledges, and a plausible USD value around which yearly rates move.
CURRENCIES = {
    "USD": (40, Decimal(1)),
    "EUR": (18, Decimal("1.12")),
    "CAD": (8, Decimal("0.76")),
    "GBP": (7, Decimal("1.30")),
    "JPY": (5, Decimal("0.0085")),
    "CHF": (4, Decimal("1.05")),
    "SEK": (4, Decimal("0.10")),
    "NOK": (3, Decimal("0.11")),
    "MXN": (4, Decimal("0.055")),
    "BRL": (4, Decimal("0.25")),
    "AUD": (3, Decimal("0.70")),
}
KINDS = {"financial": 62, "technical": 16, "material": 10, "policy_legal": 12}
STATUSES = {"announced": 45, "in_progress": 30, "fulfilled": 20, "withdrawn": 5}
SCOPES = {"national": 40, "regional": 35, "international": 15, "local": 10, None: 10}
ROLES = {
    "member": 60,
    "observer": 14,
    "associate": 6,
    "participant": 8,
    "partner": 5,
    "chair": 2,
    "pro_tempore_presidency": 2,
    "past_chair": 1,
    "secretariat": 1,
    "champion": 1,
}
ACTOR_KINDS = {
    "civil_society": 35,
    "municipality": 20,
    "international_organization": 12,
    "private_sector": 15,
    "regional_body": 6,
    "un_entity": 4,
    "financial_institution": 4,
    "other": 4,
}
FORUM_KINDS = [
    "regional_consultative_process",
    "regional_framework",
    "support_platform",
    "intergovernmental_committee",
    "global_forum",
    "informal_forum",
    "initiative",
    "plan_of_action",
]
FORUM_SCOPES = ["regional", "subregional", "hemispheric", "global"]
SYLLABLES = "ca ri na to me sa lu ve ra do mi la co pe ta ni su bo al en or es an".split()  # noqa: SIM905
THEMES = [
    "labour mobility",
    "refugee protection",
    "border management",
    "return and reintegration",
    "climate displacement",
    "family reunification",
    "statelessness",
    "integration of migrants",
    "regular pathways",
    "search and rescue",
    "migrant health",
    "asylum capacity",
]
VERBS = ["Support for", "Programme on", "Fund for", "Capacity building in", "Pilot on"]


def _weighted(rng: random.Random, table: dict[Any, int], k: int) -> list[Any]:
    return rng.choices(list(table), weights=list(table.values()), k=k)


def _word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def _partial(
    rng: random.Random, day: dt.date, weights: Sequence[int] = (70, 20, 10)
) -> tuple[dt.date, str]:
    """A date cut to a random precision: (first day of its period, precision)."""
    precision = rng.choices(["day", "month", "year"], weights=weights)[0]
    if precision == "month":
        return day.replace(day=1), precision
    if precision == "year":
        return day.replace(month=1, day=1), precision
    return day, precision


def _day(rng: random.Random, first: int, last: int) -> dt.date:
    start = dt.date(first, 1, 1).toordinal()
    return dt.date.fromordinal(rng.randrange(start, dt.date(last, 12, 31).toordinal() + 1))


def _last_day(day: dt.date, precision: str) -> dt.date:
    if precision == "year":
        return day.replace(month=12, day=31)
    if precision == "month":
        following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return following - dt.timedelta(days=1)
    return day


def _zipf_weights(count: int, exponent: float = 1.1) -> list[float]:
    return [1 / math.pow(rank, exponent) for rank in range(1, count + 1)]


class Dataset:
    """Every synthetic row, by table, generated from one seeded random stream."""

    def __init__(self, seed: int, curated: dict[str, Any], pledges: int) -> None:
        self.rng = random.Random(seed)
        self.curated = curated
        self.tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
        self.citations: dict[str, list[tuple[Any, ...]]] = {}
        self._sources()
        self._forums()
        self._actors()
        self._participations()
        self._funding_shares()
        self._rates()
        self._pledges(pledges)

    def _add(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        self.tables[table] = (columns, rows)

    def _cite(self, column: str, ids: Sequence[Any], share: float) -> None:
        """Cite a ``share`` of the facts ``ids`` (the citation column ``column``), once or twice."""
        rng = self.rng
        rows = self.citations.setdefault(column, [])
        for fact_id in ids:
            if rng.random() >= share:
                continue
            for _ in range(1 if rng.random() < 0.8 else 2):
                rows.append((rng.choice(self.source_ids), f"p. {rng.randint(1, 240)}", fact_id))

    def citation_tables(self) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
        for column, rows in self.citations.items():
            yield ["source_id", "locator", column], rows

    def _sources(self) -> None:
        rng = self.rng
        rows: list[tuple[Any, ...]] = []
        self.source_ids = []
        for n in range(1, SOURCES + 1):
            source_id = f"{PREFIX}source-{n:03d}"
            published, precision = _partial(rng, _day(rng, 2005, 2025))
            rows.append(
                (
                    source_id,
                    f"{rng.choice(VERBS)} {rng.choice(THEMES)}: report {n}",
                    f"{_word(rng, 3)} Institute",
                    published,
                    precision,
                    f"https://example.org/bench/{source_id}",
                    rng.choice(["en", "en", "es", "fr"]),
                )
            )
            self.source_ids.append(source_id)
        columns = ["id", "title", "publisher", "published_date", "published_precision", "url"]
        self._add("source", [*columns, "language"], rows)

    def _forums(self) -> None:
        rng = self.rng
        rows: list[tuple[Any, ...]] = []
        self.bench_forums: list[str] = []
        self.forum_founded: dict[str, dt.date | None] = dict(self.curated["forum_founded"])
        for n in range(1, FORUMS + 1):
            code = f"BF-{n:03d}"
            founded, precision = _partial(rng, _day(rng, 1985, 2018), (40, 30, 30))
            ended = None
            ended_precision = None
            if rng.random() < 0.1:
                ended, ended_precision = _partial(
                    rng, _day(rng, founded.year + 2, 2024), (40, 30, 30)
                )
            parent = rng.choice(self.bench_forums) if self.bench_forums and n % 7 == 0 else None
            name = f"{_word(rng, 3)} Process on {rng.choice(THEMES).title()}"
            rows.append(
                (
                    code,
                    name,
                    f"Proceso de {_word(rng, 3)}" if rng.random() < 0.5 else None,
                    "[]",
                    rng.choice(FORUM_KINDS),
                    rng.choice(FORUM_SCOPES),
                    f"A synthetic forum for load tests, on {rng.choice(THEMES)}.",
                    founded,
                    precision,
                    ended,
                    ended_precision,
                    parent,
                )
            )
            self.bench_forums.append(code)
            self.forum_founded[code] = founded
        self._add(
            "forum",
            [
                "code",
                "name",
                "name_es",
                "aliases",
                "kind",
                "scope",
                "description",
                "founded_date",
                "founded_precision",
                "ended_date",
                "ended_precision",
                "parent_code",
            ],
            rows,
        )
        self._cite("forum_code", self.bench_forums, 1.0)
        # A few big forums and many small ones; curated forums take part in the skew.
        self.all_forums = sorted(self.curated["forums"]) + self.bench_forums
        rng.shuffle(self.all_forums)
        self.forum_weights = _zipf_weights(len(self.all_forums))

    def _actors(self) -> None:
        rng = self.rng
        rows: list[tuple[Any, ...]] = []
        self.bench_actors: list[str] = []
        kinds = _weighted(rng, ACTOR_KINDS, ACTORS)
        for n, kind in enumerate(kinds, start=1):
            actor_id = f"{PREFIX}actor-{n:04d}"
            name = f"{_word(rng, 2)} {_word(rng, 3)} {kind.replace('_', ' ').title()}"
            rows.append((actor_id, name, None, kind))
            self.bench_actors.append(actor_id)
        self._add("actor", ["id", "name", "short_name", "kind"], rows)
        self._cite("actor_id", self.bench_actors, 0.2)
        # States pledge most; organisations and the rest make up the long tail.
        self.states = sorted(self.curated["states"])
        self.others = sorted(self.curated["others"]) + self.bench_actors

    def _pick_actor(self) -> str:
        pool: list[str] = self.states if self.rng.random() < 0.7 else self.others
        return self.rng.choice(pool)

    def _participations(self) -> None:
        rng = self.rng
        rows: list[tuple[Any, ...]] = []
        start_id = self.curated["max_participation_id"] + 1
        seen: set[tuple[str, str, str, dt.date | None]] = set()
        n = 0
        while len(rows) < PARTICIPATIONS:
            n += 1
            forum = rng.choices(self.all_forums, weights=self.forum_weights)[0]
            role = _weighted(rng, ROLES, 1)[0]
            founded = self.forum_founded.get(forum) or dt.date(1990, 1, 1)
            actor = self._pick_actor()
            start = start_precision = end = end_precision = None
            if rng.random() < 0.9:
                start, start_precision = _partial(
                    rng, _day(rng, max(founded.year, 1985), 2024), (50, 25, 25)
                )
            if rng.random() < 0.45:
                first = (start or founded).year + 1
                end, end_precision = _partial(rng, _day(rng, min(first, 2025), 2025), (50, 25, 25))
                if start is not None and end < start:
                    end, end_precision = None, None
            if (forum, actor, role, start) in seen:
                continue
            seen.add((forum, actor, role, start))
            # Bounds as the loader derives them (docs/time.md): the first day in the role
            # lies within the stated start's period; the first day out of it within the
            # stated end's, or, for an open role, after the last document confirming it.
            confirmed = _day(rng, max((start or founded).year, 2005), 2025)
            end_bounds: tuple[dt.date, dt.date | None]
            if end is not None and end_precision is not None:
                end_bounds = (end, _last_day(end, end_precision))
            else:
                end_bounds = (confirmed + dt.timedelta(days=1), None)
            rows.append(
                (
                    start_id + n,
                    f"{PREFIX}participation-{n:05d}",
                    forum,
                    actor,
                    role,
                    start,
                    start_precision,
                    end,
                    end_precision,
                    start if start is not None else self.forum_founded.get(forum),
                    _last_day(start, start_precision) if start and start_precision else None,
                    *end_bounds,
                    confirmed,
                    rng.choice(self.source_ids),
                )
            )
        self._add(
            "participation",
            [
                "id",
                "key",
                "forum_code",
                "actor_id",
                "role",
                "start_date",
                "start_precision",
                "end_date",
                "end_precision",
                "start_earliest",
                "start_latest",
                "end_earliest",
                "end_latest",
                "last_confirmed",
                "last_confirmed_source_id",
            ],
            rows,
        )
        self._cite("participation_id", [row[0] for row in rows], 0.5)

    def _funding_shares(self) -> None:
        rng = self.rng
        rows: list[tuple[Any, ...]] = []
        start_id = self.curated["max_funding_share_id"] + 1
        forums = rng.choices(self.all_forums, weights=self.forum_weights, k=FUNDING_SHARES)
        for n, forum in enumerate(forums):
            year = rng.choice(YEARS)
            ends = rng.random() < 0.6  # else open: the share holds until further notice
            rows.append(
                (
                    start_id + n,
                    f"{PREFIX}funding-{n:05d}",
                    forum,
                    self._pick_actor(),
                    Decimal(rng.randint(1, 2_500)) / 100,
                    rng.choice(["core budget", "total budget", "operational budget"]),
                    dt.date(year, 1, 1),
                    "year",
                    dt.date(year, 12, 1) if ends else None,
                    "month" if ends else None,
                )
            )
        self._add(
            "funding_share",
            [
                "id",
                "key",
                "forum_code",
                "actor_id",
                "share_pct",
                "basis",
                "period_start_date",
                "period_start_precision",
                "period_end_date",
                "period_end_precision",
            ],
            rows,
        )
        self._cite("funding_share_id", [row[0] for row in rows], 0.5)

    def _rates(self) -> None:
        rng = self.rng
        rows: list[tuple[Any, ...]] = []
        self.rates: dict[tuple[str, int], tuple[int, Decimal]] = {}
        next_id = self.curated["max_rate_id"] + 1
        taken = self.curated["rate_periods"]
        for currency, (_, centre) in CURRENCIES.items():
            if currency == "USD":
                continue
            for year in YEARS:
                if (currency, dt.date(year, 1, 1)) in taken:
                    continue
                if rng.random() < 0.08:
                    continue  # a year the sources give no rate for: USD stays null
                drift = Decimal(rng.randint(880, 1120)) / 1000
                rate = (centre * drift).quantize(Decimal("0.0000000001"))
                rows.append(
                    (
                        next_id,
                        currency,
                        dt.date(year, 1, 1),
                        dt.date(year, 12, 31),
                        rate,
                        f"Synthetic annual average for {year}.",
                    )
                )
                self.rates[(currency, year)] = (next_id, rate)
                next_id += 1
        self._add(
            "exchange_rate",
            ["id", "currency", "period_start", "period_end", "usd_per_unit", "basis"],
            rows,
        )
        self._cite("exchange_rate_id", [row[0] for row in rows], 1.0)

    def _pledges(self, count: int) -> None:
        rng = self.rng
        start_id = self.curated["max_pledge_id"] + 1
        forums = rng.choices(self.all_forums, weights=self.forum_weights, k=count)
        kinds = _weighted(rng, KINDS, count)
        statuses = _weighted(rng, STATUSES, count)
        scopes = _weighted(rng, SCOPES, count)
        currencies = _weighted(rng, {c: w for c, (w, _) in CURRENCIES.items()}, count)
        events = self.curated["events_by_forum"]
        pledge_rows: list[tuple[Any, ...]] = []
        pledger_rows: list[tuple[Any, ...]] = []
        objective_rows: list[tuple[Any, ...]] = []
        cited = []
        for n in range(count):
            pledge_id = start_id + n
            forum, kind = forums[n], kinds[n]
            event = None
            if forum in events and rng.random() < 0.3:
                event = rng.choice(events[forum])
            announced = precision = None
            if rng.random() < 0.97:
                announced, precision = _partial(rng, _day(rng, YEARS[0], YEARS[-1]))
            amount = currency = amount_usd = rate_id = None
            if kind == "financial" or rng.random() < 0.2:
                currency = currencies[n]
                magnitude = rng.uniform(3, 8)
                amount = Decimal(round(10**magnitude, 2)).quantize(Decimal("0.01"))
                if currency == "USD":
                    amount_usd = amount
                elif announced is not None and precision is not None:
                    rate = self.rates.get((currency, announced.year))
                    if rate is not None and _last_day(announced, precision).year == announced.year:
                        rate_id, per_unit = rate
                        amount_usd = (amount * per_unit).quantize(Decimal("0.01"))
            curated = rng.random() < 0.8
            theme = rng.choice(THEMES)
            pledge_rows.append(
                (
                    pledge_id,
                    f"{PREFIX}pledge-{n:06d}" if curated else None,
                    forum,
                    event,
                    kind,
                    scopes[n],
                    statuses[n],
                    amount,
                    "exact" if amount is not None and rng.random() < 0.9 else None,
                    currency,
                    amount_usd,
                    rate_id,
                    announced,
                    precision,
                    f"{rng.choice(VERBS)} {theme} ({_word(rng, 2)})",
                    f"Commitment on {theme} announced at {forum}." if rng.random() < 0.3 else None,
                    None if curated else f"ref-{pledge_id}",
                    1,
                )
            )
            pledgers = 1 + rng.choices([0, 1, 2], weights=[70, 22, 8])[0]
            chosen: list[str] = []
            while len(chosen) < pledgers:
                actor = self._pick_actor()
                if actor not in chosen:
                    chosen.append(actor)
            pledger_rows.extend((pledge_id, actor, pos) for pos, actor in enumerate(chosen))
            objectives = rng.sample(
                range(1, 24), rng.choices([0, 1, 2, 3, 4], [20, 35, 25, 12, 8])[0]
            )
            objective_rows.extend((pledge_id, objective) for objective in sorted(objectives))
            if curated:
                cited.append(pledge_id)
        self._add(
            "pledge",
            [
                "id",
                "key",
                "forum_code",
                "event_id",
                "kind",
                "scope",
                "status",
                "amount",
                "amount_qualifier",
                "currency",
                "amount_usd",
                "exchange_rate_id",
                "announced_date",
                "announced_precision",
                "title",
                "description",
                "external_ref",
                "version",
            ],
            pledge_rows,
        )
        self._add("pledge_pledger", ["pledge_id", "actor_id", "position"], pledger_rows)
        self._add("pledge_objective", ["pledge_id", "objective"], objective_rows)
        self._cite("pledge_id", cited, 0.42)


def dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def bench_url() -> str:
    url = os.environ.get("MIGOV_DATABASE_URL", "")
    return url if url.startswith("postgresql") else DEFAULT_URL


async def recreate(url: str, *, fresh: bool) -> None:
    parsed = make_url(url)
    name = parsed.database
    admin = await asyncpg.connect(dsn(parsed.set(database="postgres").render_as_string(False)))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and fresh:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def migov(url: str, *args: str) -> None:
    env = {**os.environ, "MIGOV_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def curated_facts(connection: asyncpg.Connection) -> dict[str, Any]:
    async def ids(query: str) -> list[Any]:
        return [row[0] for row in await connection.fetch(query)]

    events: dict[str, list[str]] = {}
    for row in await connection.fetch(
        "SELECT forum_code, id FROM event WHERE forum_code IS NOT NULL ORDER BY id"
    ):
        events.setdefault(row["forum_code"], []).append(row["id"])
    return {
        "forums": await ids("SELECT code FROM forum ORDER BY code"),
        "forum_founded": {
            row["code"]: row["founded_date"]
            for row in await connection.fetch("SELECT code, founded_date FROM forum")
        },
        "states": await ids("SELECT id FROM actor WHERE kind = 'state' ORDER BY id"),
        "others": await ids("SELECT id FROM actor WHERE kind <> 'state' ORDER BY id"),
        "events_by_forum": events,
        "rate_periods": {
            (row["currency"], row["period_start"])
            for row in await connection.fetch("SELECT currency, period_start FROM exchange_rate")
        },
        "max_participation_id": await connection.fetchval(
            "SELECT coalesce(max(id), 0) FROM participation"
        ),
        "max_funding_share_id": await connection.fetchval(
            "SELECT coalesce(max(id), 0) FROM funding_share"
        ),
        "max_rate_id": await connection.fetchval("SELECT coalesce(max(id), 0) FROM exchange_rate"),
        "max_pledge_id": await connection.fetchval("SELECT coalesce(max(id), 0) FROM pledge"),
    }


async def copy(
    connection: asyncpg.Connection, table: str, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    known = {
        row[0]
        for row in await connection.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1", table
        )
    }
    missing = [column for column in columns if column not in known]
    if missing:
        raise SystemExit(f"bench data: table {table} has no column {', '.join(missing)}")
    await connection.copy_records_to_table(table, records=rows, columns=columns)


async def load(url: str, *, fresh: bool, seed: int, pledges: int) -> dict[str, int]:
    await recreate(url, fresh=fresh)
    migov(url, "migrate")
    connection = await asyncpg.connect(dsn(url))
    try:
        if await connection.fetchval("SELECT count(*) FROM forum WHERE code LIKE 'BF-%'"):
            raise SystemExit(
                "bench data: this database already holds benchmark rows; rerun with --fresh"
            )
    finally:
        await connection.close()
    migov(url, "data", "load")
    connection = await asyncpg.connect(dsn(url))
    try:
        dataset = Dataset(seed, await curated_facts(connection), pledges)
        counts: dict[str, int] = {}
        async with connection.transaction():
            for table in (
                "source",
                "forum",
                "actor",
                "participation",
                "funding_share",
                "exchange_rate",
                "pledge",
                "pledge_pledger",
                "pledge_objective",
            ):
                columns, rows = dataset.tables[table]
                await copy(connection, table, columns, rows)
                counts[table] = len(rows)
            citations = 0
            for columns, rows in dataset.citation_tables():
                await copy(connection, "citation", columns, rows)
                citations += len(rows)
            counts["citation"] = citations
            for table in ("participation", "funding_share", "exchange_rate", "pledge", "citation"):
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            # A version of its own, as ``services.changes.record`` makes one: the rows'
            # images (``app.db.history``) stamped with it, and the version row's image.
            await connection.execute(
                """
                WITH bumped AS (
                    UPDATE data_version SET version = version + 1, changed_at = now()
                    RETURNING *
                ), stamped AS (
                    UPDATE row_image SET version = bumped.version FROM bumped
                    WHERE row_image.version IS NULL
                )
                INSERT INTO row_image (version, table_name, row_key, image)
                SELECT bumped.version, 'data_version', '[1]', row_to_json(bumped) FROM bumped
                """
            )
        # As autovacuum leaves a settled database: statistics and a visibility map.
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="Default: MIGOV_DATABASE_URL or migov_bench.")
    parser.add_argument("--fresh", action="store_true", help="Drop and recreate the database.")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--pledges", type=int, default=PLEDGES)
    args = parser.parse_args()
    url = args.url or bench_url()
    # The benchmark's own database is always rebuilt; any other needs --fresh to be replaced.
    fresh = args.fresh or make_url(url).database == make_url(DEFAULT_URL).database
    started = time.perf_counter()
    counts = asyncio.run(load(url, fresh=fresh, seed=args.seed, pledges=args.pledges))
    summary = ", ".join(f"{count:,} {table}" for table, count in counts.items())
    print(f"bench data: {summary} in {time.perf_counter() - started:.0f} s")
    print(f"bench data: {make_url(url).render_as_string(hide_password=True)}")


if __name__ == "__main__":
    main()
