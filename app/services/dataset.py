"""The curated dataset: read the YAML files, check them, and sync them into the database.

Invariants:

* Loading is a sync, not an append: after a load the curated rows are exactly what
  the files say. Rows are matched by their natural key (forum code, actor id,
  participation/funding-share/pledge ``key``, event id, source id), so a second
  load of unchanged files writes nothing and reports zero changes.
* Participation keys are ``forum/actor/role/start/end``; two claims of a disputed
  fact differ in period or in ``dispute`` and never collide.
* Submitted pledges (``key`` NULL) are never touched by a load.
* A pledge's USD equivalent is computed only when a rates-table period wholly
  contains the pledge's announced date at its precision; otherwise it is NULL
  (``services.rates``, shared with pledge submission).
* Services only flush; the caller commits, so a load is all-or-nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import InvalidInput
from app.iso import country_names, is_country, is_currency
from app.models import (
    Actor,
    Base,
    Citation,
    Dispute,
    Event,
    EventHost,
    ExchangeRate,
    Forum,
    FundingShare,
    Participation,
    Pledge,
    PledgeObjective,
    PledgePledger,
    Source,
)
from app.models.enums import ActorKind, ChangeAction, ChangeOrigin, Entity, HolderStatus
from app.schemas.dataset import (
    DATASET_FILES,
    BoundEntry,
    CitationEntry,
    Dataset,
    ForumEntry,
    ParticipationEntry,
    PledgeEntry,
)
from app.schemas.dates import PartialDate
from app.services import changes, periods
from app.services import rates as rates_service
from app.services.changes import ChangeRecord

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"

M = TypeVar("M", bound=Base)


# --- reading and checking -------------------------------------------------------------


EntryLines = list[dict[str, int]]


def _entry_lines(text: str) -> EntryLines:
    """For each entry of a YAML list: its first line (key ``""``) and each key's line."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.SequenceNode):
        return []
    lines: EntryLines = []
    for node in root.value:
        entry = {"": node.start_mark.line + 1}
        if isinstance(node, yaml.MappingNode):
            for key, _value in node.value:
                entry[str(key.value)] = key.start_mark.line + 1
        lines.append(entry)
    return lines


def _where(dataset: Dataset, file: str, index: int, field: str = "") -> str:
    """``participations.yaml:57 entry 4`` when the file was read, else ``participations entry 4``."""
    lines = dataset.lines.get(file, [])
    if index < len(lines):
        line = lines[index].get(field) or lines[index][""]
        return f"{file}.yaml:{line} entry {index}"
    return f"{file} entry {index}"


def read_dataset(data_dir: Path = DEFAULT_DATA_DIR) -> Dataset:
    """Parse every ``<name>.yaml``; errors name the file, line, entry and field."""
    raw: dict[str, Any] = {}
    lines: dict[str, EntryLines] = {}
    for name in DATASET_FILES:
        path = data_dir / f"{name}.yaml"
        if not path.exists():
            raw[name] = []
            continue
        text = path.read_text(encoding="utf-8")
        try:
            content = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidInput(
                f"{path.name}: not valid YAML: {exc}", code="dataset_invalid"
            ) from exc
        raw[name] = content or []
        lines[name] = _entry_lines(text)
    try:
        dataset = Dataset.model_validate(raw)
    except ValidationError as exc:
        problems = [_schema_problem(lines, err) for err in exc.errors()]
        raise InvalidInput(
            f"{len(problems)} problem(s) in the dataset files",
            code="dataset_invalid",
            errors=[{"detail": p} for p in problems],
        ) from exc
    dataset.lines = lines
    return dataset


def _schema_problem(lines: dict[str, EntryLines], err: Any) -> str:
    loc = err["loc"]
    file, index = str(loc[0]), loc[1] if len(loc) > 1 else None
    field = ".".join(str(p) for p in loc[2:])
    place = f"{file}.yaml entry {index if index is not None else '?'}"
    entries = lines.get(file, [])
    if isinstance(index, int) and index < len(entries):
        line = entries[index].get(str(loc[2]) if len(loc) > 2 else "") or entries[index][""]
        place = f"{file}.yaml:{line} entry {index}"
    return f"{place} {field}: {err['msg']}" if field else f"{place}: {err['msg']}"


def participation_key(entry: ParticipationEntry, actor_id: str | None) -> str:
    """``forum/actor/role/start/end[/dispute]``; an office with no holder has ``~vacant``
    or ``~undecided`` in the actor's place."""
    holder = actor_id if actor_id is not None else f"~{entry.holder.value}"
    start = entry.start.date.isoformat() if entry.start else "-"
    end = entry.end.date.isoformat() if entry.end else "-"
    key = f"{entry.forum}/{holder}/{entry.role.value}/{start}/{end}"
    return f"{key}/{entry.dispute}" if entry.dispute else key


def holders(entry: ParticipationEntry) -> list[str | None]:
    """One row per named actor, or a single row with no actor for a vacant/undecided office."""
    return list(entry.actors) if entry.holder is HolderStatus.NAMED else [None]


def all_source_dates(dataset: Dataset) -> dict[str, periods.SourceDates]:
    return {
        s.id: periods.source_dates(s.published, s.published_not_before, s.published_not_after)
        for s in dataset.sources
    }


def _explicit(bound: BoundEntry | None) -> periods.ExplicitBound | None:
    if bound is None:
        return None
    return periods.ExplicitBound(bound.date, tuple((c.source, c.locator) for c in bound.citations))


def participation_period(
    entry: ParticipationEntry,
    forum: ForumEntry | None,
    sources: dict[str, periods.SourceDates],
) -> periods.Period:
    """The bounds of one claim (``services.periods``), from the files alone."""
    return periods.derive_period(
        start=entry.start,
        end=entry.end,
        start_not_before=_explicit(entry.start_not_before),
        start_not_after=_explicit(entry.start_not_after),
        end_not_before=_explicit(entry.end_not_before),
        end_not_after=_explicit(entry.end_not_after),
        forum_founded=forum.founded if forum else None,
        forum_ended=forum.ended if forum else None,
        forum_citations=[(c.source, c.locator) for c in forum.citations] if forum else (),
        cited={c.source: sources[c.source] for c in entry.citations if c.source in sources},
    )


def _bound_problems(
    entry: ParticipationEntry,
    forum: ForumEntry | None,
    sources: dict[str, periods.SourceDates],
) -> list[str]:
    """The time rules of docs/time.md that the bounds alone cannot show."""
    problems = []
    founded = forum.founded if forum else None
    if founded is not None:
        for name, last in (
            ("start", entry.start.last_day() if entry.start else None),
            (
                "start_not_after",
                entry.start_not_after.date.last_day() if entry.start_not_after else None,
            ),
        ):
            if last is not None and last < founded.date:
                problems.append(
                    f"{name}: {last} is before its forum {forum.code if forum else ''} was "
                    f"founded ({founded.date})"
                )
    for name, bound in (
        ("start_not_after", entry.start_not_after),
        ("end_not_after", entry.end_not_after),
    ):
        if bound is None:
            continue
        latest = [sources[c.source].latest for c in bound.citations if c.source in sources]
        known = [day for day in latest if day is not None]
        if known and len(known) == len(latest) and bound.date.date > max(known):
            problems.append(
                f"{name}: {bound.date.date} is later than its citing document can attest "
                f"(dated by {max(known)} at the latest)"
            )
    return problems


@dataclass
class ShareSum:
    forum: str
    basis: str
    total_pct: Decimal
    count: int


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    share_sums: list[ShareSum] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_dataset(dataset: Dataset) -> CheckReport:
    """Cross-file checks: references resolve, dates are ordered, nothing is duplicated."""
    report = CheckReport()
    problem = report.problems.append

    def duplicates(kind: str, keys: Iterable[str]) -> None:
        for key, count in Counter(keys).items():
            if count > 1:
                problem(f"{kind}: {key!r} appears {count} times")

    sources = {s.id for s in dataset.sources}
    forums = {f.code for f in dataset.forums}
    actors = {a.id for a in dataset.actors}
    events = {e.id for e in dataset.events}
    duplicates("sources", (s.id for s in dataset.sources))
    duplicates("forums", (f.code for f in dataset.forums))
    duplicates("actors", (a.id for a in dataset.actors))
    duplicates("events", (e.id for e in dataset.events))
    duplicates("pledges", (p.key for p in dataset.pledges))

    def cited(where: str, citations: Sequence[CitationEntry]) -> None:
        for citation in citations:
            if citation.source not in sources:
                problem(f"{where}: cites unknown source {citation.source!r}")
        pairs = [(c.source, c.locator) for c in citations]
        if len(set(pairs)) != len(pairs):
            problem(f"{where}: the same citation is listed twice")

    def forum_ref(where: str, code: str | None) -> None:
        if code is not None and code not in forums:
            problem(f"{where}: unknown forum {code!r}")

    def actor_ref(where: str, actor_id: str) -> None:
        if actor_id not in actors:
            problem(f"{where}: unknown actor {actor_id!r}")

    def ordered(where: str, start: PartialDate | None, end: PartialDate | None) -> None:
        if start is not None and end is not None and end.date < start.date:
            problem(f"{where}: ends ({end.date}) before it starts ({start.date})")

    for forum in dataset.forums:
        where = f"forum {forum.code}"
        cited(where, forum.citations)
        forum_ref(where, forum.parent)
        forum_ref(where, forum.predecessor)
        ordered(where, forum.founded, forum.ended)
        if forum.parent == forum.code:
            problem(f"{where}: is its own parent")
    parents = {f.code: f.parent for f in dataset.forums}
    for code in parents:
        seen: set[str] = set()
        cursor: str | None = code
        while cursor is not None and cursor not in seen:
            seen.add(cursor)
            cursor = parents.get(cursor)
        if cursor is not None:
            problem(f"forum {code}: parent chain loops")

    referenced_actors: set[str] = set()
    for actor in dataset.actors:
        where = f"actor {actor.id}"
        cited(where, actor.citations)
        forum_ref(where, actor.forum)
        if actor.kind == ActorKind.STATE and not is_country(actor.id):
            problem(f"{where}: not an ISO 3166-1 alpha-3 code")
        if actor.citations:
            referenced_actors.add(actor.id)

    source_dates = all_source_dates(dataset)
    for index, source in enumerate(dataset.sources):
        dates = source_dates[source.id]
        if dates.earliest and dates.latest and dates.latest < dates.earliest:
            problem(
                f"{_where(dataset, 'sources', index)} ({source.id}): its date bounds contradict "
                f"each other ({dates.earliest} to {dates.latest})"
            )

    forum_entries = {f.code: f for f in dataset.forums}
    participation_keys: list[str] = []
    for index, entry in enumerate(dataset.participations):
        where = f"{_where(dataset, 'participations', index)} ({entry.forum} {entry.role.value})"
        cited(where, entry.citations)
        for bound in (
            entry.start_not_before,
            entry.start_not_after,
            entry.end_not_before,
            entry.end_not_after,
        ):
            if bound is not None:
                cited(where, bound.citations)
        forum_ref(where, entry.forum)
        ordered(where, entry.start, entry.end)
        duplicates(f"{where} actors", entry.actors)
        forum_entry = forum_entries.get(entry.forum)
        period = participation_period(entry, forum_entry, source_dates)
        for text in periods.period_problems(period) + _bound_problems(
            entry, forum_entry, source_dates
        ):
            problem(f"{where}: {text}")
        for actor_id in entry.actors:
            actor_ref(where, actor_id)
            referenced_actors.add(actor_id)
        participation_keys.extend(participation_key(entry, a) for a in holders(entry))
    duplicates("participations", participation_keys)
    disputes: dict[str, list[str]] = defaultdict(list)
    for entry in dataset.participations:
        if entry.dispute:
            disputes[entry.dispute].extend(c.source for c in entry.citations)
    for dispute, dispute_sources in disputes.items():
        if len(set(dispute_sources)) < 2:
            problem(f"dispute {dispute!r}: a dispute needs claims from at least two sources")
    recorded = {d.id for d in dataset.disputes}
    duplicates("disputes", (d.id for d in dataset.disputes))
    for index, dispute_entry in enumerate(dataset.disputes):
        where = f"{_where(dataset, 'disputes', index)} ({dispute_entry.id})"
        for claim in dispute_entry.claims:
            cited(where, claim.citations)
        if len({claim.value for claim in dispute_entry.claims}) < len(dispute_entry.claims):
            problem(f"{where}: two claims say the same thing")
    linked = {
        *disputes,
        *(s.dispute for s in dataset.funding_shares if s.dispute),
        *(h.dispute for e in dataset.events for h in e.hosts if h.dispute),
    }
    for dispute in sorted(linked - recorded):
        problem(f"dispute {dispute!r}: not recorded in disputes.yaml")
    for dispute in sorted(recorded - linked):
        problem(f"dispute {dispute!r}: no row is flagged with it")

    share_keys: list[str] = []
    for index, share in enumerate(dataset.funding_shares):
        where = f"funding_shares entry {index} ({share.forum})"
        cited(where, share.citations)
        forum_ref(where, share.forum)
        ordered(where, share.period_start, share.period_end)
        for actor_id in share.shares:
            actor_ref(where, actor_id)
            referenced_actors.add(actor_id)
            share_keys.append(
                funding_share_key(share.forum, share.basis, share.period_start, actor_id)
            )
        report.share_sums.append(
            ShareSum(
                share.forum, share.basis, sum(share.shares.values(), Decimal(0)), len(share.shares)
            )
        )
    duplicates("funding shares", share_keys)

    for event in dataset.events:
        where = f"event {event.id}"
        cited(where, event.citations)
        forum_ref(where, event.forum)
        ordered(where, event.start, event.end)
        if event.country is not None and not is_country(event.country):
            problem(f"{where}: country {event.country!r} is not ISO 3166-1 alpha-3")
        if event.announced_total and not is_currency(event.announced_total.currency):
            problem(f"{where}: {event.announced_total.currency!r} is not ISO 4217")
        duplicates(f"{where} hosts", (h.actor for h in event.hosts))
        for host in event.hosts:
            actor_ref(where, host.actor)
            referenced_actors.add(host.actor)

    for pledge in dataset.pledges:
        where = f"pledge {pledge.key}"
        cited(where, pledge.citations)
        forum_ref(where, pledge.forum)
        if pledge.event is not None and pledge.event not in events:
            problem(f"{where}: unknown event {pledge.event!r}")
        if pledge.forum is None and pledge.event is None:
            problem(f"{where}: needs a forum or an event")
        duplicates(f"{where} pledgers", pledge.pledgers)
        for actor_id in pledge.pledgers:
            actor_ref(where, actor_id)
            referenced_actors.add(actor_id)
        if pledge.kind == "financial" and pledge.amount is None:
            problem(f"{where}: a financial pledge needs an amount")
        if pledge.amount and not is_currency(pledge.amount.currency):
            problem(f"{where}: {pledge.amount.currency!r} is not ISO 4217")

    rate_keys = []
    for rate in dataset.exchange_rates:
        where = f"exchange rate {rate.currency} {rate.period_start.date}"
        cited(where, rate.citations)
        if not is_currency(rate.currency):
            problem(f"{where}: {rate.currency!r} is not ISO 4217")
        if rate.period_end.last_day() < rate.period_start.date:
            problem(f"{where}: period ends before it starts")
        rate_keys.append(f"{rate.currency}/{rate.period_start.date}")
    duplicates("exchange rates", rate_keys)

    for actor in dataset.actors:
        if actor.id not in referenced_actors:
            problem(f"actor {actor.id}: no cited fact mentions it (cite it or remove it)")

    report.counts = {
        "sources": len(dataset.sources),
        "forums": len(dataset.forums),
        "actors": len(dataset.actors),
        "participations": len(participation_keys),
        "funding_shares": len(share_keys),
        "events": len(dataset.events),
        "pledges": len(dataset.pledges),
        "exchange_rates": len(dataset.exchange_rates),
        "disputes": len(dataset.disputes),
    }
    return report


def funding_share_key(forum: str, basis: str, start: PartialDate | None, actor_id: str) -> str:
    slug = "-".join(basis.lower().split())
    return f"{forum}/{actor_id}/{slug}/{start.date.isoformat() if start else '-'}"


# --- syncing into the database ----------------------------------------------------------


@dataclass
class LoadReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)

    @property
    def changes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values()) + sum(self.deleted.values())


def _dated(prefix: str, value: PartialDate | None) -> dict[str, Any]:
    return {
        f"{prefix}_date": value.date if value else None,
        f"{prefix}_precision": value.precision if value else None,
    }


CitationSet = frozenset[tuple[str, str | None]]


def _citation_sort_key(pair: tuple[str, str | None]) -> tuple[str, str]:
    return pair[0], pair[1] or ""


def _citation_set(entries: Iterable[CitationEntry]) -> CitationSet:
    return frozenset((c.source, c.locator) for c in entries)


class _Syncer:
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

    async def delete_missing(
        self, entity: Entity, existing: Mapping[Any, Base], keep: set[Any]
    ) -> None:
        for key, row in existing.items():
            if key not in keep:
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
            have = {(c.source_id, c.locator): c for c in current.get(fact_id, [])}
            if set(have) == set(wanted):
                continue
            for pair, citation in have.items():
                if pair not in wanted:
                    await self.session.delete(citation)
            # Sorted, so citation ids (and the order facts list them in) are stable.
            for source_id, locator in sorted(wanted - set(have), key=_citation_sort_key):
                self.session.add(
                    Citation(source_id=source_id, locator=locator, **{column: fact_id})
                )
            self.touched(entity, str(fact_id))

    async def record_changes(self) -> None:
        """Write one change-log row per changed record and fill the report."""
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
        )


def _primary_key(row: Any) -> str:
    identity = sa_inspect(row).identity
    if identity is None:
        raise RuntimeError("row has no identity yet; flush first")
    return ",".join(str(part) for part in identity)


async def load_dataset(session: AsyncSession, dataset: Dataset) -> LoadReport:
    """Make the database's curated rows equal to ``dataset``. Flushes; the caller commits."""
    check = check_dataset(dataset)
    if not check.ok:
        raise InvalidInput(
            f"{len(check.problems)} problem(s) in the dataset",
            code="dataset_invalid",
            errors=[{"detail": p} for p in check.problems],
        )
    report = LoadReport()
    sync = _Syncer(session, report)
    source_dates = all_source_dates(dataset)
    forum_entries = {f.code: f for f in dataset.forums}

    # Sources first: everything cites them.
    sources = await sync.rows(Source, "id")
    for source_entry in dataset.sources:
        sync.apply(
            Entity.SOURCE,
            sources.get(source_entry.id),
            Source,
            {
                "id": source_entry.id,
                "title": source_entry.title,
                "publisher": source_entry.publisher,
                **_dated("published", source_entry.published),
                "published_earliest": source_dates[source_entry.id].earliest,
                "published_latest": source_dates[source_entry.id].latest,
                "url": source_entry.url,
                "language": source_entry.language,
                "document": source_entry.document,
                "description": source_entry.description,
            },
        )
    await session.flush()

    # Forums: insert without parents, then link, so order in the file doesn't matter.
    forums = await sync.rows(Forum, "code")
    for forum_entry in dataset.forums:
        sync.apply(
            Entity.FORUM,
            forums.get(forum_entry.code),
            Forum,
            {
                "code": forum_entry.code,
                "name": forum_entry.name,
                "name_es": forum_entry.name_es,
                "aliases": list(forum_entry.aliases),
                "kind": forum_entry.kind.value,
                "scope": forum_entry.scope.value,
                "region": forum_entry.region,
                "description": forum_entry.description,
                "description_es": forum_entry.description_es,
                **_dated("founded", forum_entry.founded),
                **_dated("ended", forum_entry.ended),
                "website": forum_entry.website,
            },
        )
    await session.flush()
    forums = await sync.rows(Forum, "code")
    for forum in dataset.forums:
        forum_row = forums[forum.code]
        if (forum_row.parent_code, forum_row.predecessor_code) != (forum.parent, forum.predecessor):
            forum_row.parent_code, forum_row.predecessor_code = forum.parent, forum.predecessor
            sync.touched(Entity.FORUM, forum_row)

    actors = await sync.rows(Actor, "id")
    for actor_entry in dataset.actors:
        if actor_entry.kind == ActorKind.STATE:
            name, state_name_es = country_names(actor_entry.id)
            name_es: str | None = state_name_es
            iso3: str | None = actor_entry.id
        else:
            name, name_es, iso3 = actor_entry.name or actor_entry.id, actor_entry.name_es, None
        sync.apply(
            Entity.ACTOR,
            actors.get(actor_entry.id),
            Actor,
            {
                "id": actor_entry.id,
                "iso3": iso3,
                "name": name,
                "name_es": name_es,
                "short_name": actor_entry.short_name,
                "kind": actor_entry.kind.value,
                "forum_code": actor_entry.forum,
                "website": actor_entry.website,
            },
        )
    await session.flush()

    participations = await sync.rows(Participation, "key")
    participation_citations: dict[str, CitationSet] = {}
    for p_entry in dataset.participations:
        period = participation_period(p_entry, forum_entries.get(p_entry.forum), source_dates)
        for actor_id in holders(p_entry):
            key = participation_key(p_entry, actor_id)
            sync.apply(
                Entity.PARTICIPATION,
                participations.get(key),
                Participation,
                {
                    "key": key,
                    "forum_code": p_entry.forum,
                    "actor_id": actor_id,
                    "holder_status": p_entry.holder.value,
                    "role": p_entry.role.value,
                    **_dated("start", p_entry.start),
                    **_dated("end", p_entry.end),
                    "start_earliest": period.start_earliest,
                    "start_latest": period.start_latest,
                    "end_earliest": period.end_earliest,
                    "end_latest": period.end_latest,
                    "last_confirmed": period.last_confirmed,
                    "last_confirmed_source_id": period.last_confirmed_source,
                    "bounds": [bound.as_json() for bound in period.bounds],
                    "dispute": p_entry.dispute,
                    "note": p_entry.note,
                },
            )
            participation_citations[key] = _citation_set(p_entry.citations)

    shares = await sync.rows(FundingShare, "key")
    share_citations: dict[str, CitationSet] = {}
    for s_entry in dataset.funding_shares:
        for actor_id, pct in s_entry.shares.items():
            key = funding_share_key(s_entry.forum, s_entry.basis, s_entry.period_start, actor_id)
            sync.apply(
                Entity.FUNDING_SHARE,
                shares.get(key),
                FundingShare,
                {
                    "key": key,
                    "forum_code": s_entry.forum,
                    "actor_id": actor_id,
                    "share_pct": pct,
                    "basis": s_entry.basis,
                    **_dated("period_start", s_entry.period_start),
                    **_dated("period_end", s_entry.period_end),
                    **_dated("reported", s_entry.reported),
                    "dispute": s_entry.dispute,
                    "note": s_entry.note,
                },
            )
            share_citations[key] = _citation_set(s_entry.citations)

    events = await sync.rows(Event, "id", selectinload(Event.hosts))
    for e_entry in dataset.events:
        total = e_entry.announced_total
        event_row = sync.apply(
            Entity.EVENT,
            events.get(e_entry.id),
            Event,
            {
                "id": e_entry.id,
                "forum_code": e_entry.forum,
                "name": e_entry.name,
                "kind": e_entry.kind.value,
                **_dated("start", e_entry.start),
                **_dated("end", e_entry.end),
                "place": e_entry.place,
                "country_iso3": e_entry.country,
                "virtual": e_entry.virtual,
                "announced_total_amount": total.amount if total else None,
                "announced_total_currency": total.currency if total else None,
                "announced_total_qualifier": total.qualifier.value if total else None,
                "description": e_entry.description,
            },
        )
        wanted_hosts = [(h.actor, h.role.value, h.dispute) for h in e_entry.hosts]
        have_hosts = (
            [(h.actor_id, h.role, h.dispute) for h in event_row.hosts]
            if e_entry.id in events
            else []
        )
        if wanted_hosts != have_hosts:
            event_row.hosts = [
                EventHost(actor_id=actor_id, role=role, position=position, dispute=dispute)
                for position, (actor_id, role, dispute) in enumerate(wanted_hosts)
            ]
            sync.touched(Entity.EVENT, event_row)
    await session.flush()

    # Exchange rates before pledges: the USD equivalent depends on them.
    rates = await sync.rows(ExchangeRate, "id")
    rates_by_key = {(r.currency, r.period_start): r for r in rates.values()}
    rate_citations: dict[tuple[str, dt.date], CitationSet] = {}
    for r_entry in dataset.exchange_rates:
        rate_key = (r_entry.currency, r_entry.period_start.date)
        sync.apply(
            Entity.EXCHANGE_RATE,
            rates_by_key.get(rate_key),
            ExchangeRate,
            {
                "currency": r_entry.currency,
                "period_start": r_entry.period_start.date,
                "period_end": r_entry.period_end.last_day(),
                "usd_per_unit": r_entry.usd_per_unit,
                "basis": r_entry.basis,
            },
        )
        rate_citations[rate_key] = _citation_set(r_entry.citations)
    await session.flush()
    rates_by_key = {
        (r.currency, r.period_start): r for r in await session.scalars(select(ExchangeRate))
    }
    # Only the rates the files still list: the others are deleted further down.
    current_rates = [rates_by_key[key] for key in rate_citations]

    pledges = await sync.rows(
        Pledge,
        "key",
        selectinload(Pledge.pledgers),
        selectinload(Pledge.objectives),
        where=Pledge.key.is_not(None),
    )
    pledge_citations: dict[str, CitationSet] = {}
    for pl_entry in dataset.pledges:
        values = _pledge_values(pl_entry, current_rates)
        existing = pledges.get(pl_entry.key)
        pledge_row = sync.apply(Entity.PLEDGE, existing, Pledge, values)
        wanted_pledgers = list(pl_entry.pledgers)
        wanted_objectives = sorted(set(pl_entry.gcm_objectives))
        if existing is None or [p.actor_id for p in pledge_row.pledgers] != wanted_pledgers:
            pledge_row.pledgers = [
                PledgePledger(actor_id=actor_id, position=position)
                for position, actor_id in enumerate(wanted_pledgers)
            ]
            sync.touched(Entity.PLEDGE, pledge_row)
        if existing is None or [o.objective for o in pledge_row.objectives] != wanted_objectives:
            pledge_row.objectives = [PledgeObjective(objective=o) for o in wanted_objectives]
            sync.touched(Entity.PLEDGE, pledge_row)
        pledge_citations[pl_entry.key] = _citation_set(pl_entry.citations)
    await session.flush()

    disputes_rows = await sync.rows(Dispute, "id")
    for d_entry in dataset.disputes:
        sync.apply(
            Entity.DISPUTE,
            disputes_rows.get(d_entry.id),
            Dispute,
            {
                "id": d_entry.id,
                "subject_entity": d_entry.subject.entity.value,
                "subject_id": d_entry.subject.id,
                "subject_field": d_entry.subject.field,
                "summary": d_entry.summary,
                "claims": [
                    {
                        "value": claim.value,
                        "note": claim.note,
                        "citations": [
                            {"source_id": c.source, "locator": c.locator} for c in claim.citations
                        ],
                    }
                    for claim in d_entry.claims
                ],
            },
        )
    await session.flush()

    # Deletions, children before parents.
    await sync.delete_missing(Entity.PLEDGE, pledges, {p.key for p in dataset.pledges})
    await sync.delete_missing(Entity.PARTICIPATION, participations, set(participation_citations))
    await sync.delete_missing(Entity.FUNDING_SHARE, shares, set(share_citations))
    await sync.delete_missing(Entity.EVENT, events, {e.id for e in dataset.events})
    await sync.delete_missing(
        Entity.EXCHANGE_RATE,
        {(r.currency, r.period_start): r for r in rates.values()},
        set(rate_citations),
    )
    await sync.delete_missing(Entity.DISPUTE, disputes_rows, {d.id for d in dataset.disputes})
    await sync.delete_missing(Entity.ACTOR, actors, {a.id for a in dataset.actors})
    await session.flush()
    await sync.delete_missing(Entity.FORUM, forums, {f.code for f in dataset.forums})
    await session.flush()
    await session.flush()

    # Citations, matched to the ids the rows now have.
    participation_ids = {p.key: p.id for p in await session.scalars(select(Participation))}
    share_ids = {s.key: s.id for s in await session.scalars(select(FundingShare))}
    pledge_ids = {
        p.key: p.id for p in await session.scalars(select(Pledge).where(Pledge.key.is_not(None)))
    }
    rate_ids = {
        (r.currency, r.period_start): r.id for r in await session.scalars(select(ExchangeRate))
    }
    await sync.sync_citations(
        Entity.FORUM, "forum_code", {f.code: _citation_set(f.citations) for f in dataset.forums}
    )
    await sync.sync_citations(
        Entity.ACTOR, "actor_id", {a.id: _citation_set(a.citations) for a in dataset.actors}
    )
    await sync.sync_citations(
        Entity.PARTICIPATION,
        "participation_id",
        {participation_ids[k]: v for k, v in participation_citations.items()},
    )
    await sync.sync_citations(
        Entity.FUNDING_SHARE,
        "funding_share_id",
        {share_ids[k]: v for k, v in share_citations.items()},
    )
    await sync.sync_citations(
        Entity.EVENT, "event_id", {e.id: _citation_set(e.citations) for e in dataset.events}
    )
    await sync.sync_citations(
        Entity.PLEDGE, "pledge_id", {pledge_ids[k]: v for k, v in pledge_citations.items()}
    )
    await sync.sync_citations(
        Entity.EXCHANGE_RATE,
        "exchange_rate_id",
        {rate_ids[k]: v for k, v in rate_citations.items()},
    )
    # Sources last: a citation of a dropped source goes with the citation sync above.
    await sync.delete_missing(Entity.SOURCE, sources, {s.id for s in dataset.sources})
    await sync.record_changes()
    return report


def _pledge_values(entry: PledgeEntry, rates: Sequence[ExchangeRate]) -> dict[str, Any]:
    amount = entry.amount
    usd = rates_service.usd_equivalent(
        amount.amount if amount else None,
        amount.currency if amount else None,
        entry.announced,
        rates,
    )
    return {
        "key": entry.key,
        "forum_code": entry.forum,
        "event_id": entry.event,
        "kind": entry.kind.value,
        "scope": entry.scope.value if entry.scope else None,
        "status": entry.status.value,
        "amount": amount.amount if amount else None,
        "amount_qualifier": amount.qualifier.value if amount else None,
        "currency": amount.currency if amount else None,
        "amount_usd": usd.amount_usd,
        "exchange_rate_id": usd.exchange_rate_id,
        **_dated("announced", entry.announced),
        "title": entry.title,
        "description": entry.description,
    }
