"""The machinery of a dataset load: match rows by natural key, apply, delete, record changes.

``dataset.load`` has one sync function per entity; each reads the rows the
database holds (``Syncer.rows``), applies the rows the files want
(``Syncer.apply``, which writes only real changes) and returns a ``Synced``: the
rows as they were, the natural keys the files list, and the citations they want.
``Syncer.delete_missing`` and ``Syncer.sync_citations`` then work alike for every
entity, and ``Syncer.record_changes`` writes one change-log row per record that
changed and fills the ``LoadReport``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.dataset.base import CitationEntry, Fact
from app.models import Base, Citation
from app.models.enums import ChangeAction, ChangeOrigin, Entity
from app.schemas.dates import PartialDate
from app.services import changes
from app.services.changes import ChangeRecord

M = TypeVar("M", bound=Base)
K = TypeVar("K", bound=Hashable)


@dataclass
class LoadReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)

    @property
    def changes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values()) + sum(self.deleted.values())


def dated(prefix: str, value: PartialDate | None) -> dict[str, Any]:
    return {
        f"{prefix}_date": value.date if value else None,
        f"{prefix}_precision": value.precision if value else None,
    }


# (source, locator, passage start, passage end, passage sha256): one citation's identity.
CitationKey = tuple[str, str | None, int | None, int | None, str | None]
CitationSet = frozenset[CitationKey]


def _citation_sort_key(key: CitationKey) -> tuple[str, str, int, int]:
    return key[0], key[1] or "", key[2] if key[2] is not None else -1, key[3] or -1


def citation_key(entry: CitationEntry) -> CitationKey:
    passage = entry.passage
    if passage is None:
        return (entry.source, entry.locator, None, None, None)
    return (entry.source, entry.locator, passage.start, passage.end, passage.sha256)


def citation_set(entries: Iterable[CitationEntry]) -> CitationSet:
    return frozenset(citation_key(c) for c in entries)


# A value's name in the files -> its name in the read shapes, where they differ.
SERVED_NAMES = {
    "not_before": "earliest",
    "not_after": "latest",
    "start_not_before": "start_earliest",
    "start_not_after": "start_latest",
    "end_not_before": "end_earliest",
    "end_not_after": "end_latest",
    "published_not_before": "published_earliest",
    "published_not_after": "published_latest",
    "announced": "announced_on",
    "actors": "actor",
    "shares": "share_pct",
}


def inferred_json(entry: Fact, derived: Iterable[tuple[str, str]] = ()) -> list[dict[str, str]]:
    """The row's ``inferred`` column: the values the file marks inferred, by their served
    names, then those the loader derived by a written rule (``derived``: field, reasoning)."""
    items = [
        {"field": SERVED_NAMES.get(name, name), "reasoning": reasoning}
        for name, reasoning in entry.inferred.items()
    ]
    named = {item["field"] for item in items}
    items.extend(
        {"field": name, "reasoning": reasoning} for name, reasoning in derived if name not in named
    )
    return items


def citation_json(entry: CitationEntry) -> dict[str, Any]:
    """A citation as the JSON columns hold it (a dispute's claims, a participation's bounds)."""
    passage = entry.passage
    return {
        "source_id": entry.source,
        "locator": entry.locator,
        "passage": (
            None
            if passage is None
            else {"start": passage.start, "end": passage.end, "sha256": passage.sha256}
        ),
    }


@dataclass
class Synced(Generic[K, M]):
    """One entity after its sync: the rows the database held before, and what the files want."""

    before: Mapping[K, M]  # by natural key
    kept: set[K] = field(default_factory=set)  # the natural keys the files list
    citations: dict[K, CitationSet] = field(default_factory=dict)


class Syncer:
    """Applies rows and remembers what changed, for the report and the change log."""

    def __init__(self, session: AsyncSession, report: LoadReport) -> None:
        self.session = session
        self.report = report
        # (entity, row or primary key, action); rows are resolved to keys after a flush.
        self.pending: list[tuple[Entity, Any, ChangeAction]] = []

    async def rows(
        self, model: type[M], key: str, *options: Any, where: Any = None
    ) -> dict[Any, M]:
        statement = select(model).options(*options)
        if where is not None:
            statement = statement.where(where)
        result = await self.session.scalars(statement)
        return {getattr(row, key): row for row in result}

    def apply(
        self, entity: Entity, existing: M | None, model: type[M], values: Mapping[str, Any]
    ) -> M:
        """Insert or update one row from ``values``; records only real changes."""
        if existing is None:
            row = model(**values)
            self.session.add(row)
            self.pending.append((entity, row, ChangeAction.CREATED))
            return row
        changed = False
        for name, value in values.items():
            if getattr(existing, name) != value:
                setattr(existing, name, value)
                changed = True
        if changed:
            self.touched(entity, existing)
        return existing

    def touched(self, entity: Entity, row_or_key: Any) -> None:
        self.pending.append((entity, row_or_key, ChangeAction.UPDATED))

    async def delete_missing(self, entity: Entity, synced: Synced[Any, Any]) -> None:
        """Delete the rows of ``entity`` the files no longer list."""
        for key, row in synced.before.items():
            if key not in synced.kept:
                self.pending.append((entity, _primary_key(row), ChangeAction.DELETED))
                await self.session.delete(row)
        # Flush per kind: the callers delete children before parents, and the unit of
        # work only orders deletes along relationships, not along bare foreign keys.
        await self.session.flush()

    async def sync_citations(
        self, entity: Entity, column: str, desired: Mapping[Any, CitationSet]
    ) -> None:
        attr = getattr(Citation, column)
        current: dict[Any, list[Citation]] = defaultdict(list)
        for citation in await self.session.scalars(select(Citation).where(attr.is_not(None))):
            current[getattr(citation, column)].append(citation)
        for fact_id, wanted in desired.items():
            have = {
                (
                    c.source_id,
                    c.locator,
                    c.passage_start,
                    c.passage_end,
                    c.passage_sha256,
                ): c
                for c in current.get(fact_id, [])
            }
            if set(have) == set(wanted):
                continue
            for key, citation in have.items():
                if key not in wanted:
                    await self.session.delete(citation)
            # Sorted, so citation ids (and the order facts list them in) are stable.
            for source_id, locator, start, end, sha256 in sorted(
                wanted - set(have), key=_citation_sort_key
            ):
                self.session.add(
                    Citation(
                        source_id=source_id,
                        locator=locator,
                        passage_start=start,
                        passage_end=end,
                        passage_sha256=sha256,
                        **{column: fact_id},
                    )
                )
            self.touched(entity, str(fact_id))

    async def record_changes(self, *, even_if_empty: bool = False) -> None:
        """Write one change-log row per changed record and fill the report; with
        ``even_if_empty``, make a new data version even if no record changed."""
        await self.session.flush()
        actions: dict[tuple[Entity, str], ChangeAction] = {}
        for entity, row_or_key, action in self.pending:
            key = row_or_key if isinstance(row_or_key, str) else _primary_key(row_or_key)
            previous = actions.get((entity, key))
            # A record created (or deleted) in this load is reported once, as such.
            if previous in (ChangeAction.CREATED, ChangeAction.DELETED):
                continue
            actions[(entity, key)] = action
        counters = {
            ChangeAction.CREATED: self.report.created,
            ChangeAction.UPDATED: self.report.updated,
            ChangeAction.DELETED: self.report.deleted,
        }
        for (entity, _key), action in actions.items():
            counters[action][f"{entity.value}s"] += 1
        await changes.record(
            self.session,
            [ChangeRecord(entity, key, action) for (entity, key), action in actions.items()],
            origin=ChangeOrigin.CURATED,
            even_if_empty=even_if_empty,
        )


def _primary_key(row: Any) -> str:
    identity = sa_inspect(row).identity
    if identity is None:
        raise RuntimeError("row has no identity yet; flush first")
    return ",".join(str(part) for part in identity)
