"""The change log: recording writes, the data version, and the change feed.

Invariants:

* Every write transaction calls ``record`` once, as its last statement before the
  commit. ``record`` bumps the ``data_version`` row (holding its lock until
  commit) and stamps the transaction's change rows with the new version, so
  versions appear in commit order and a feed reader that resumes after version V
  never misses a later commit.
* What the writes between two versions changed (``written_between``) is read back
  from the change rows by the response cache, which keeps what they did not touch.
* The feed is ordered by (version, id) and its cursor is opaque. Its
  ``next_cursor`` is set on the last page too (the last change read, or the
  cursor the reader came with), so a mirror stores it and resumes later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import orjson
import sqlalchemy as sa
from sqlalchemy import BigInteger, String, Table, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.db.reads import FAMILIES, PLEDGE_FAMILY, RowKey
from app.errors import InvalidInput
from app.models import Change, DataVersion, RowImage
from app.models.base import utcnow
from app.models.enums import ChangeAction, ChangeOrigin, Entity
from app.services.paging import PageResult, SortKey, encode_cursor, paginate

CHANGE_ORDER = (SortKey(Change.version), SortKey(Change.id))


@dataclass(frozen=True)
class ChangeRecord:
    entity: Entity
    entity_id: str
    action: ChangeAction
    # The parts of its table family the record was in before and after the change (for a
    # pledge, ``services.pledges.pledge_parts``): what the response cache must evict.
    parts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Version:
    version: int
    changed_at: dt.datetime


_NOTED = "migov_noted_changes"


def note(session: AsyncSession, change: ChangeRecord) -> None:
    """Log ``change`` with the ``record`` that ends the running transaction: for a record
    a write stores on its way (the ECB rate a pledge's USD equivalent needed), so the
    change feed and the response cache hear of it too."""
    transaction = session.get_transaction()
    noted: tuple[Any, list[ChangeRecord]] | None = session.info.get(_NOTED)
    if noted is None or noted[0] is not transaction:
        noted = session.info[_NOTED] = (transaction, [])
    noted[1].append(change)


def _noted(session: AsyncSession) -> list[ChangeRecord]:
    """The changes ``note`` kept for the running transaction (none kept for another)."""
    noted = session.info.pop(_NOTED, None)
    if noted is None or noted[0] is not session.get_transaction():
        return []
    return list(noted[1])


async def record(
    session: AsyncSession,
    changes: Sequence[ChangeRecord],
    *,
    origin: ChangeOrigin,
    even_if_empty: bool = False,
) -> int | None:
    """Log ``changes``, and those ``note`` kept for this transaction, under a new data
    version; returns it (None when nothing changed, unless ``even_if_empty``: a curated
    load that only moved the dataset's day), for the write's answer to name
    (``Migov-Data-Version``). The transaction's row images (``app.db.history``) are
    stamped with the version, and the version row's own image added."""
    changes = [*changes, *_noted(session)]
    if not changes and not even_if_empty:
        return None
    now = utcnow()
    rows = [
        {
            "entity": change.entity.value,
            "entity_id": change.entity_id,
            "action": change.action.value,
            "parts": [list(part) for part in change.parts],
        }
        for change in changes
    ]
    if session.get_bind().dialect.name == "postgresql":
        # One statement bumps the version and writes the rows: the version row's lock is
        # then held for that round trip and the commit's, not for a second statement
        # too (``make soak`` found most busy backends queued on it).
        found = await (await session.connection()).execute(
            LOG_ON_POSTGRESQL,
            {"now": now, "origin": origin.value, "changes": orjson.dumps(rows).decode()},
        )
        return int(found.scalars().all()[0])
    version = (
        await session.execute(
            update(DataVersion)
            .where(DataVersion.id == 1)
            .values(version=DataVersion.version + 1, changed_at=now)
            .returning(DataVersion.version)
        )
    ).scalar_one()
    # One executemany: the ORM's flush ran one INSERT per change on SQLite (to learn
    # each id), 1,000 for a batch of 1,000 pledges.
    if rows:
        await session.execute(
            insert(cast(Table, Change.__table__)),
            [
                {**row, "version": version, "origin": origin.value, "changed_at": now}
                for row in rows
            ],
        )
    await session.execute(STAMP_ON_SQLITE, {"version": version})
    await session.execute(IMAGE_VERSION_ON_SQLITE, {"version": version})
    return int(version)


# ``record`` on PostgreSQL: the version bump and the change rows in one statement.
LOG_ON_POSTGRESQL = text(
    """
    WITH bumped AS (
        UPDATE data_version SET version = version + 1, changed_at = CAST(:now AS timestamptz)
        WHERE id = 1
        RETURNING *
    ), logged AS (
        INSERT INTO change (version, entity, entity_id, action, origin, changed_at, parts)
        SELECT bumped.version, c.entity, c.entity_id, c.action, CAST(:origin AS varchar),
            CAST(:now AS timestamptz), c.parts
        FROM bumped, json_to_recordset(CAST(:changes AS json))
            AS c(entity text, entity_id text, action text, parts json)
    ), stamped AS (
        UPDATE row_image SET version = bumped.version FROM bumped
        WHERE row_image.version IS NULL
    ), imaged AS (
        INSERT INTO row_image (version, table_name, row_key, image)
        SELECT bumped.version, 'data_version', '[1]', row_to_json(bumped) FROM bumped
    )
    SELECT version FROM bumped
    """
).columns(version=BigInteger)

# ``record`` on SQLite, after the bump: the transaction's row images get its version
# (SQLite has one writer at a time, so every unstamped image is this transaction's),
# and the version row its image.
STAMP_ON_SQLITE = text("UPDATE row_image SET version = :version WHERE version IS NULL")
IMAGE_VERSION_ON_SQLITE = text(
    "INSERT INTO row_image (version, table_name, row_key, image) "
    "SELECT version, 'data_version', '[1]', json_object("
    + ", ".join(f"'{name}', {name}" for name in DataVersion.__table__.c.keys())  # noqa: SIM118
    + ") FROM data_version WHERE id = 1"
)


# Built once, so SQLAlchemy reuses its memoized cache key on every conditional GET.
CURRENT_VERSION = select(DataVersion.version, DataVersion.changed_at).where(DataVersion.id == 1)


CURRENT_VERSION_SQL = "SELECT version, changed_at FROM data_version WHERE id = 1"


async def current_version(session: AsyncSession) -> Version:
    # Two plain values: read on the session's connection, without the ORM's work around
    # the statement (nothing pending in the session touches the version row).
    row = (await (await session.connection()).execute(CURRENT_VERSION)).one()
    return Version(version=int(row.version), changed_at=row.changed_at)


async def version_at(session: AsyncSession | AsyncConnection, number: int) -> Version | None:
    """Version ``number`` as it was published: its number and the commit time it was
    served with, or None for a version that never existed. The current version is read
    from ``data_version``; an earlier one from that row's image at the version
    (``app.db.history``), or, before history was kept, from its change rows."""
    current = (await session.execute(CURRENT_VERSION)).one()
    if number == int(current.version):
        return Version(version=number, changed_at=current.changed_at)
    if number < 1 or number > int(current.version):
        return None
    image = (
        await session.execute(
            select(sa.cast(RowImage.image, String)).where(
                RowImage.table_name == "data_version", RowImage.version == number
            )
        )
    ).scalar_one_or_none()
    if image is not None:
        stamp = dt.datetime.fromisoformat(str(orjson.loads(image)["changed_at"]))
        # SQLite keeps UTC without an offset (``models.base.UTCDateTime``).
        return Version(number, stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC))
    changed_at = (
        await session.execute(select(func.max(Change.changed_at)).where(Change.version == number))
    ).scalar_one_or_none()
    return None if changed_at is None else Version(version=number, changed_at=changed_at)


async def committed_version(engine: AsyncEngine) -> Version:
    """The data version as last committed, read on a connection of its own.

    On asyncpg this is one round trip on the driver itself: no BEGIN/ROLLBACK around
    it and no statement compilation. The response cache makes this read for every
    cacheable request, and through SQLAlchemy it cost about a quarter of a process
    serving cache hits.
    """
    async with engine.connect() as connection:
        if engine.dialect.driver == "asyncpg":
            raw: Any = (await connection.get_raw_connection()).driver_connection
            row = await raw.fetchrow(CURRENT_VERSION_SQL)
            return Version(version=int(row["version"]), changed_at=row["changed_at"])
        found = (await connection.execute(CURRENT_VERSION)).one()
        return Version(version=int(found.version), changed_at=found.changed_at)


# What an API write of followed rows changes besides them: the change log and the
# version, its audit entry and idempotency record, and its key's last use and rate budget
# (no cached answer reads those two; were one to, a write would evict it).
WRITTEN_BESIDE_ROWS = frozenset(
    {
        "change",
        "data_version",
        "audit_entry",
        "idempotency_record",
        "api_key",
        "rate_limit_bucket",
    }
)
# Writes the response cache follows row by row: pledges, whose rows are the pledge table
# family (``app.db.reads.FAMILIES``). Any other change (curated data) counts as changing all.
FOLLOWED_ENTITY = Entity.PLEDGE.value
# Past this many changes between two versions, the cache starts afresh.
MAX_FOLLOWED_CHANGES = 5_000


@dataclass(frozen=True)
class Written:
    """What the writes of a range of versions changed: the tables (a family's among them
    when any of its rows changed), and the rows by id per table family."""

    tables: frozenset[str]
    rows: dict[str, frozenset[RowKey]]


async def written_between(
    connection: AsyncConnection | AsyncSession, after: int, upto: int
) -> Written | None:
    """What the writes of versions ``after`` (excluded) to ``upto`` changed, from their
    change rows: each pledge by its id and by the parts it was in before and after
    (``ChangeRecord.parts``). None when that cannot be told row by row: a version with
    no change rows, a change of curated records, a row without parts, or more than
    ``MAX_FOLLOWED_CHANGES``."""
    if upto <= after:
        return Written(frozenset(), {})
    rows = (
        await connection.execute(
            select(Change.version, Change.entity, Change.entity_id, Change.parts)
            .where(Change.version > after, Change.version <= upto)
            .limit(MAX_FOLLOWED_CHANGES + 1)
        )
    ).all()
    if len(rows) > MAX_FOLLOWED_CHANGES or len({row.version for row in rows}) != upto - after:
        return None
    keys: set[RowKey] = set()
    for row in rows:
        if str(row.entity) != FOLLOWED_ENTITY or not str(row.entity_id).isdigit():
            return None
        if row.parts is None:  # written before parts were kept
            return None
        keys.add(int(row.entity_id))
        keys.update((str(name), str(value)) for name, value in row.parts)
    # A read of a family's tables as a whole (all pledges) depends on every row.
    tables = WRITTEN_BESIDE_ROWS | FAMILIES[PLEDGE_FAMILY]
    return Written(tables, {PLEDGE_FAMILY: frozenset(keys)})


async def committed_writes(engine: AsyncEngine, after: int, upto: int) -> Written | None:
    """``written_between`` on a connection of its own (the response cache's read)."""
    async with engine.connect() as connection:
        return await written_between(connection, after, upto)


async def list_changes(
    session: AsyncSession,
    *,
    entity: Entity | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[Change]:
    statement = select(Change)
    if entity is not None:
        statement = statement.where(Change.entity == entity)
    return await paginate(
        session, statement, order=CHANGE_ORDER, limit=limit, cursor=cursor, with_total=False
    )


@dataclass(frozen=True)
class ChangeFeedPage:
    items: list[Change]
    next_cursor: str | None
    has_more: bool


async def change_feed(
    session: AsyncSession,
    *,
    since: str | None = None,
    entity: Entity | None = None,
    limit: int | None = None,
) -> ChangeFeedPage:
    """Changes after the cursor ``since``, oldest first, with a cursor to resume from."""
    try:
        page = await list_changes(session, entity=entity, limit=limit, cursor=since)
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, code=exc.code, field="since") from exc
    cursor, more = resume_at(page.next_cursor, page.items[-1] if page.items else None, since)
    return ChangeFeedPage(page.items, cursor, has_more=more)


def resume_at(
    next_cursor: str | None, last: Change | None, since: str | None
) -> tuple[str | None, bool]:
    """A feed page's cursor and whether more is waiting: the next page's, else the last
    change read (so a reader resumes later from there), else the one it came with."""
    if next_cursor is not None:
        return next_cursor, True
    if last is not None:
        return encode_cursor(CHANGE_ORDER, [last.version, last.id]), False
    return since or None, False
