"""What changed between two data versions: each change of the log with the rows it
wrote, their published values before and after (``app.db.history`` keeps them).

A record's change touches its own row and, often, rows of tables that belong to it: a
fact's citations, a pledge's pledgers and GCM objectives, an event's hosts and
objectives. Each change lists every row of its version that belongs to its record
(``owner``), so a change that only replaced a citation shows that citation, not an
unchanged record. Values are the data package's (``services.exports``): the same
columns, written the same way on either engine (exact decimals as strings, ISO dates
and UTC timestamps).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, String, cast, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator, TypeEngine

from app.errors import InvalidInput
from app.models import Change, DataVersion, RowImage
from app.models.enums import Entity
from app.models.source import CITED_COLUMNS
from app.services.changes import CHANGE_ORDER, resume_at
from app.services.exports import export_tables
from app.services.paging import PageResult, paginate

# Tables whose rows belong to another record: the owner's entity and the column naming it.
CHILD_OF: dict[str, tuple[Entity, str]] = {
    "pledge_pledger": (Entity.PLEDGE, "pledge_id"),
    "pledge_objective": (Entity.PLEDGE, "pledge_id"),
    "event_host": (Entity.EVENT, "event_id"),
    "event_objective": (Entity.EVENT, "event_id"),
}
# A citation belongs to the one record its cited column names.
CITED: dict[str, Entity] = {
    column: Entity(column.removesuffix("_id").removesuffix("_code")) for column in CITED_COLUMNS
}


@dataclass(frozen=True)
class RowChange:
    table: str
    key: list[Any]
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class ChangeRows:
    change: Change
    rows: list[RowChange]


@dataclass(frozen=True)
class _Image:
    version: int
    id: int
    values: dict[str, Any] | None


def _published() -> dict[str, dict[str, TypeEngine[Any]]]:
    return {
        export.name: {column.name: column.type for column in export.columns}
        for export in export_tables()
    }


_PUBLISHED = _published()


def _plain(kind: TypeEngine[Any]) -> TypeEngine[Any]:
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _value(kind: TypeEngine[Any], value: Any) -> Any:
    """``value`` as an image holds it (either engine's JSON of the stored value), written
    as the package writes the column."""
    if value is None:
        return None
    kind = _plain(kind)
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, Numeric) and not isinstance(kind, Integer):
        exact = Decimal(str(value))
        if kind.scale is not None:
            exact = exact.quantize(Decimal(1).scaleb(-kind.scale))
        return str(exact)
    if isinstance(kind, DateTime):
        moment = dt.datetime.fromisoformat(str(value))
        if moment.tzinfo is None:  # SQLite keeps UTC without an offset
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(kind, Date):
        return str(value)
    if isinstance(kind, JSON) and isinstance(value, str):
        return json.loads(value, parse_float=Decimal)  # SQLite keeps JSON as its text
    if isinstance(kind, Integer):
        return int(value)
    return value


def published_values(table: str, image: dict[str, Any]) -> dict[str, Any]:
    columns = _PUBLISHED.get(table, {})
    return {name: _value(kind, image.get(name)) for name, kind in columns.items()}


def _owner(table: str, values: dict[str, Any]) -> tuple[str, str] | None:
    """The (entity, entity id) a row belongs to, as the change log names records."""
    if table in CHILD_OF:
        entity, column = CHILD_OF[table]
        return entity.value, str(values.get(column))
    if table == "citation":
        for column, entity in CITED.items():
            if values.get(column) is not None:
                return entity.value, str(values[column])
        return None
    return None


def _key_text(key: list[Any]) -> str:
    # The change log's entity id of a record: its primary key's parts, joined by commas.
    return ",".join(str(part) for part in key)


async def _range(session: AsyncSession, start: int, end: int) -> None:
    current, oldest = (
        await session.execute(select(DataVersion.version, DataVersion.history_from))
    ).one()
    if not int(oldest) <= start < end <= int(current):
        raise InvalidInput(
            f"from={start}&to={end} cannot be compared: from must be less than to, and both "
            f"within the versions kept, {int(oldest)} to {int(current)} (the current one).",
            code="unknown_version",
            field="from",
        )


async def changes_between(
    session: AsyncSession,
    *,
    start: int,
    end: int,
    entity: Entity | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[ChangeRows]:
    """The changes of versions ``start`` (excluded) to ``end``, oldest first, each with
    the rows its version wrote for its record, before and after (module docstring)."""
    await _range(session, start, end)
    statement = select(Change).where(Change.version > start, Change.version <= end)
    if entity is not None:
        statement = statement.where(Change.entity == entity)
    page = await paginate(
        session, statement, order=CHANGE_ORDER, limit=limit, cursor=cursor, with_total=False
    )
    versions = sorted({change.version for change in page.items})
    if not versions:
        return PageResult([], page.total, page.next_cursor)
    written = (
        await session.execute(
            select(RowImage.table_name, RowImage.row_key).where(RowImage.version.in_(versions))
        )
    ).all()
    keys = {(row.table_name, row.row_key) for row in written}
    images: dict[tuple[str, str], list[_Image]] = defaultdict(list)
    pairs = sorted(keys)
    for at in range(0, len(pairs), 500):
        found = await session.execute(
            select(
                RowImage.table_name,
                RowImage.row_key,
                RowImage.version,
                RowImage.id,
                cast(RowImage.image, String).label("image"),
            )
            .where(tuple_(RowImage.table_name, RowImage.row_key).in_(pairs[at : at + 500]))
            .where(RowImage.version <= versions[-1])
            .order_by(RowImage.version, RowImage.id)
        )
        for row in found:
            values = None if row.image in (None, "null") else json.loads(row.image)
            images[(row.table_name, row.row_key)].append(
                _Image(int(row.version), int(row.id), values)
            )
    # Per version, each record's rows: (table, key) -> (before, after) at that version.
    by_record: dict[tuple[int, str, str], list[RowChange]] = defaultdict(list)
    for (table, row_key), history in images.items():
        if table not in _PUBLISHED:
            continue
        for index, image in enumerate(history):
            if image.version not in versions:
                continue
            if index + 1 < len(history) and history[index + 1].version == image.version:
                continue  # written twice by one version: its last image is the after
            earlier = [each for each in history[:index] if each.version < image.version]
            before = earlier[-1].values if earlier else None
            after = image.values
            if before is None and after is None:
                continue  # created and dropped by the same version
            key = json.loads(row_key)
            shown = after if after is not None else before
            assert shown is not None
            owner = _owner(table, shown) or (table, _key_text(key))
            by_record[(image.version, *owner)].append(
                RowChange(
                    table=table,
                    key=key,
                    before=None if before is None else published_values(table, before),
                    after=None if after is None else published_values(table, after),
                )
            )
    items = [
        ChangeRows(
            change,
            sorted(
                by_record.get((change.version, change.entity.value, change.entity_id), []),
                key=lambda row: (row.table != change.entity.value, row.table, str(row.key)),
            ),
        )
        for change in page.items
    ]
    return PageResult(items, page.total, page.next_cursor)


@dataclass(frozen=True)
class Comparison:
    items: list[ChangeRows]
    next_cursor: str | None
    has_more: bool


async def compare(
    session: AsyncSession,
    *,
    start: int,
    end: int | None = None,
    entity: Entity | None = None,
    limit: int | None = None,
    since: str | None = None,
) -> Comparison:
    """``changes_between`` as a feed page (``changes.change_feed``): ``since`` the cursor
    to resume from, ``end`` the current version unless given."""
    if end is None:
        end = int(await session.scalar(select(DataVersion.version)) or 0)
    try:
        page = await changes_between(
            session, start=start, end=end, entity=entity, limit=limit, cursor=since
        )
    except InvalidInput as exc:
        if exc.code == "unknown_version":
            raise
        raise InvalidInput(exc.detail, code=exc.code, field="since") from exc
    last = page.items[-1].change if page.items else None
    cursor, more = resume_at(page.next_cursor, last, since)
    return Comparison(page.items, cursor, has_more=more)
