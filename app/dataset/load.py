"""The curated dataset's loader: sync the checked files into the database.

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
* Events may be occurrences of a series (``parent``); programmes, money records,
  participant counts and governance changes are synced like the rest. Programmes
  are inserted without their parent and predecessor and linked after, so the order
  of the file does not matter; a programme's bounds follow its dates at their
  precision (or the explicit ``start_not_before`` / ``start_not_after``), its end
  bounds exclusive, as a participation's are.
* Services only flush; the caller commits, so a load is all-or-nothing.

Reading and checking the files (``migov data validate``) need no database and
live in ``dataset.check``; ``load_dataset`` refuses a dataset those
checks refuse. Each entity has one sync function; ``load_dataset`` runs them
parents first, deletes what the files dropped children first, then syncs the
citations and records the changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.dataset.bounds import Term, TermKey, event_window, programme_bounds
from app.dataset.check import check_dataset
from app.dataset.files import (
    ActorEntry,
    Dataset,
    DisputeEntry,
    EventEntry,
    ExchangeRateEntry,
    ForumEntry,
    FundingShareEntry,
    PledgeEntry,
    SourceEntry,
)
from app.dataset.keys import funding_share_key, holders, participation_key
from app.dataset.programme_files import (
    GovernanceChangeEntry,
    MoneyRecordEntry,
    ParticipantCountEntry,
    ProgrammeEntry,
)
from app.dataset.sync import (
    CitationSet,
    LoadReport,
    Synced,
    Syncer,
    citation_json,
    citation_set,
    dated,
    inferred_json,
)
from app.dataset.terms import all_source_dates, participation_period, term_windows
from app.errors import InvalidInput
from app.models import (
    Actor,
    DataVersion,
    Dispute,
    Event,
    EventHost,
    EventObjective,
    ExchangeRate,
    Forum,
    FundingShare,
    GovernanceChange,
    MoneyRecord,
    ParticipantCount,
    Participation,
    Pledge,
    PledgeObjective,
    PledgePledger,
    Programme,
    Source,
)
from app.models.enums import ActorKind, Entity, ExchangeRateProvider
from app.services import ecb_rates, periods
from app.services import rates as rates_service
from app.standards.iso import country_names


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
    sync = Syncer(session, report)
    # Parents first: sources (everything cites them), forums, actors, then the facts.
    source_dates = all_source_dates(dataset)
    sources = await _sync_sources(sync, dataset.sources, source_dates)
    forums = await _sync_forums(sync, dataset.forums)
    actors = await _sync_actors(sync, dataset.actors)
    participations = await _sync_participations(sync, dataset, source_dates)
    shares = await _sync_funding_shares(sync, dataset.funding_shares)
    events = await sync_events(sync, dataset.events, term_windows(dataset, source_dates))
    programmes = await sync_programmes(
        sync, dataset.programmes, {f.code: f for f in dataset.forums}
    )
    money = await sync_money_records(sync, dataset.money_records)
    counts = await sync_participant_counts(sync, dataset.participant_counts)
    governance = await sync_governance_changes(sync, dataset.governance_changes)
    # Exchange rates before pledges: the USD equivalent depends on them.
    rates, current_rates = await _sync_exchange_rates(sync, dataset.exchange_rates)
    pledges = await _sync_pledges(sync, dataset.pledges, current_rates)
    disputes = await _sync_disputes(sync, dataset.disputes)

    # Deletions, children before parents.
    await sync.delete_missing(Entity.PLEDGE, pledges)
    await sync.delete_missing(Entity.MONEY_RECORD, money)
    await sync.delete_missing(Entity.PARTICIPANT_COUNT, counts)
    await sync.delete_missing(Entity.GOVERNANCE_CHANGE, governance)
    await sync.delete_missing(Entity.PROGRAMME, programmes)
    await sync.delete_missing(Entity.PARTICIPATION, participations)
    await sync.delete_missing(Entity.FUNDING_SHARE, shares)
    await sync.delete_missing(Entity.EVENT, events)
    await sync.delete_missing(Entity.EXCHANGE_RATE, rates)
    await sync.delete_missing(Entity.DISPUTE, disputes)
    await sync.delete_missing(Entity.ACTOR, actors)
    await sync.delete_missing(Entity.FORUM, forums)

    # Citations, matched to the ids the rows now have.
    await sync.sync_citations(Entity.FORUM, "forum_code", forums.citations)
    await sync.sync_citations(Entity.ACTOR, "actor_id", actors.citations)
    await sync.sync_citations(
        Entity.PARTICIPATION,
        "participation_id",
        await _by_id(session, participations, Participation.key, Participation.id),
    )
    await sync.sync_citations(
        Entity.FUNDING_SHARE,
        "funding_share_id",
        await _by_id(session, shares, FundingShare.key, FundingShare.id),
    )
    await sync.sync_citations(Entity.EVENT, "event_id", events.citations)
    for entity, synced in (
        (Entity.PROGRAMME, programmes),
        (Entity.MONEY_RECORD, money),
        (Entity.PARTICIPANT_COUNT, counts),
        (Entity.GOVERNANCE_CHANGE, governance),
    ):
        await sync.sync_citations(entity, f"{entity.value}_id", synced.citations)
    await sync.sync_citations(
        Entity.PLEDGE, "pledge_id", await _by_id(session, pledges, Pledge.key, Pledge.id)
    )
    rate_ids = {
        (r.currency, r.period_start): r.id
        for r in await session.scalars(select(ExchangeRate).where(CITED_RATE))
    }
    await sync.sync_citations(
        Entity.EXCHANGE_RATE,
        "exchange_rate_id",
        {rate_ids[key]: wanted for key, wanted in rates.citations.items()},
    )
    # Sources last: a citation of a dropped source goes with the citation sync above.
    await sync.delete_missing(Entity.SOURCE, sources)
    # The day first, so that the version the load makes carries it.
    day_moved = await _store_curated_day(session, dataset.updated)
    await sync.record_changes(even_if_empty=day_moved)
    return report


async def _store_curated_day(session: AsyncSession, day: dt.date | None) -> bool:
    """Store the dataset's ``updated`` day with the data it dates; True if it moved. A
    day that moved with no row changing still makes a new data version
    (``record_changes``), so no answer cached for the old version (``/v1/meta``, the
    front door) goes on showing the old day."""
    row = DataVersion.__table__.c
    stored = await session.scalar(select(row.curated_updated).where(row.id == 1))
    if stored == day:
        return False
    await session.execute(update(DataVersion).where(row.id == 1).values(curated_updated=day))
    return True


async def _by_id(
    session: AsyncSession, synced: Synced[str, Any], key: Any, id_column: Any
) -> dict[int, CitationSet]:
    """``synced.citations`` keyed by the rows' ids instead of their natural keys."""
    ids = {row.key: row.id for row in await session.execute(select(key, id_column))}
    return {ids[natural]: wanted for natural, wanted in synced.citations.items()}


async def _sync_sources(
    sync: Syncer, entries: Sequence[SourceEntry], dates: dict[str, periods.SourceDates]
) -> Synced[str, Source]:
    """Sources with the days each may date from (``services.periods``)."""
    synced = Synced(await sync.rows(Source, "id"))
    if ecb_rates.SOURCE_ID in synced.before:
        # Cited by the ECB-derived rates, which are stored as amounts need them, not loaded.
        synced.kept.add(ecb_rates.SOURCE_ID)
    for entry in entries:
        synced.kept.add(entry.id)
        sync.apply(
            Entity.SOURCE,
            synced.before.get(entry.id),
            Source,
            {
                "id": entry.id,
                "title": entry.title,
                "publisher": entry.publisher,
                **dated("published", entry.published),
                "published_earliest": dates[entry.id].earliest,
                "published_latest": dates[entry.id].latest,
                "url": entry.url,
                "language": entry.language,
                "availability": entry.availability,
                "description": entry.description,
                "terms": entry.terms,
                "inferred": inferred_json(entry),
            },
        )
    await sync.session.flush()
    return synced


async def _sync_forums(sync: Syncer, entries: Sequence[ForumEntry]) -> Synced[str, Forum]:
    """Insert without parents, then link, so the order of the file does not matter."""
    synced = Synced(await sync.rows(Forum, "code"))
    for entry in entries:
        synced.kept.add(entry.code)
        synced.citations[entry.code] = citation_set(entry.citations)
        sync.apply(
            Entity.FORUM,
            synced.before.get(entry.code),
            Forum,
            {
                "code": entry.code,
                "name": entry.name,
                "name_es": entry.name_es,
                "aliases": list(entry.aliases),
                "kind": entry.kind.value,
                "scope": entry.scope.value,
                "region": entry.region,
                "description": entry.description,
                "description_es": entry.description_es,
                **dated("founded", entry.founded),
                **dated("ended", entry.ended),
                "website": entry.website,
                "inferred": inferred_json(entry),
            },
        )
    await sync.session.flush()
    rows = await sync.rows(Forum, "code")
    for entry in entries:
        row = rows[entry.code]
        if (row.parent_code, row.predecessor_code) != (entry.parent, entry.predecessor):
            row.parent_code, row.predecessor_code = entry.parent, entry.predecessor
            sync.touched(Entity.FORUM, row)
    return synced


async def _sync_actors(sync: Syncer, entries: Sequence[ActorEntry]) -> Synced[str, Actor]:
    """A state's names come from ISO 3166 (pycountry), an organisation's from the file; a
    person's name is the same in Spanish unless the file says otherwise."""
    synced = Synced(await sync.rows(Actor, "id"))
    for entry in entries:
        synced.kept.add(entry.id)
        synced.citations[entry.id] = citation_set(entry.citations)
        if entry.kind == ActorKind.STATE:
            name, state_name_es = country_names(entry.id)
            name_es: str | None = state_name_es
            iso3: str | None = entry.id
        else:
            name, name_es, iso3 = entry.name or entry.id, entry.name_es, None
            if entry.kind == ActorKind.PERSON and name_es is None:
                name_es = name
        sync.apply(
            Entity.ACTOR,
            synced.before.get(entry.id),
            Actor,
            {
                "id": entry.id,
                "iso3": iso3,
                "name": name,
                "name_es": name_es,
                "short_name": entry.short_name,
                "kind": entry.kind.value,
                "forum_code": entry.forum,
                "website": entry.website,
            },
        )
    await sync.session.flush()
    return synced


async def _sync_participations(
    sync: Syncer, dataset: Dataset, source_dates: dict[str, periods.SourceDates]
) -> Synced[str, Participation]:
    """One row per holder of each claim, keyed by ``participation_key``, with its bounds.

    A vacant or undecided office is one row with no actor.
    """
    forum_entries = {f.code: f for f in dataset.forums}
    synced = Synced(await sync.rows(Participation, "key"))
    for entry in dataset.participations:
        period = participation_period(entry, forum_entries.get(entry.forum), source_dates)
        for actor_id in holders(entry):
            key = participation_key(entry, actor_id)
            synced.kept.add(key)
            synced.citations[key] = citation_set(entry.citations)
            sync.apply(
                Entity.PARTICIPATION,
                synced.before.get(key),
                Participation,
                {
                    "key": key,
                    "forum_code": entry.forum,
                    "actor_id": actor_id,
                    "holder_status": entry.holder.value,
                    "role": entry.role.value,
                    **dated("start", entry.start),
                    **dated("end", entry.end),
                    "start_earliest": period.start_earliest,
                    "start_latest": period.start_latest,
                    "end_earliest": period.end_earliest,
                    "end_latest": period.end_latest,
                    "last_confirmed": period.last_confirmed,
                    "last_confirmed_source_id": period.last_confirmed_source,
                    "bounds": [bound.as_json() for bound in period.bounds],
                    "dispute": entry.dispute,
                    "note": entry.note,
                    "theme": entry.theme,
                    "objectives": list(entry.objectives),
                    "departments": list(entry.departments),
                    "inferred": inferred_json(entry),
                },
            )
    return synced


async def _sync_funding_shares(
    sync: Syncer, entries: Sequence[FundingShareEntry]
) -> Synced[str, FundingShare]:
    """One row per actor of each table of shares, keyed by ``funding_share_key``."""
    synced = Synced(await sync.rows(FundingShare, "key"))
    for entry in entries:
        for actor_id, pct in entry.shares.items():
            key = funding_share_key(entry.forum, entry.basis, entry.period_start, actor_id)
            synced.kept.add(key)
            synced.citations[key] = citation_set(entry.citations)
            sync.apply(
                Entity.FUNDING_SHARE,
                synced.before.get(key),
                FundingShare,
                {
                    "key": key,
                    "forum_code": entry.forum,
                    "actor_id": actor_id,
                    "share_pct": pct,
                    "basis": entry.basis,
                    **dated("period_start", entry.period_start),
                    **dated("period_end", entry.period_end),
                    **dated("reported", entry.reported),
                    "dispute": entry.dispute,
                    "note": entry.note,
                    "inferred": inferred_json(entry),
                },
            )
    return synced


RateKey = tuple[str, dt.date]
# The files hold the cited rates only; ECB-derived ones are stored as amounts need them.
CITED_RATE = ExchangeRate.provider == ExchangeRateProvider.CITED


async def _sync_exchange_rates(
    sync: Syncer, entries: Sequence[ExchangeRateEntry]
) -> tuple[Synced[RateKey, ExchangeRate], list[ExchangeRate]]:
    """The rates, keyed by (currency, first day); also the rows the files still list."""
    before = await sync.rows(ExchangeRate, "id", where=CITED_RATE)
    synced = Synced({(r.currency, r.period_start): r for r in before.values()})
    for entry in entries:
        key = (entry.currency, entry.period_start.date)
        synced.kept.add(key)
        synced.citations[key] = citation_set(entry.citations)
        sync.apply(
            Entity.EXCHANGE_RATE,
            synced.before.get(key),
            ExchangeRate,
            {
                "currency": entry.currency,
                "period_start": entry.period_start.date,
                "period_end": entry.period_end.last_day(),
                "usd_per_unit": entry.usd_per_unit,
                "basis": entry.basis,
            },
        )
    await sync.session.flush()
    rows = {
        (r.currency, r.period_start): r
        for r in await sync.session.scalars(select(ExchangeRate).where(CITED_RATE))
    }
    # Only the rates the files still list: the others are deleted later in the load.
    return synced, [rows[key] for key in synced.citations]


async def _sync_pledges(
    sync: Syncer, entries: Sequence[PledgeEntry], rates: Sequence[ExchangeRate]
) -> Synced[str, Pledge]:
    """Curated pledges (``key`` set) with their pledgers and objectives; submitted ones stay."""
    synced = Synced(
        await sync.rows(
            Pledge,
            "key",
            selectinload(Pledge.pledgers),
            selectinload(Pledge.objectives),
            where=Pledge.key.is_not(None),
        )
    )
    for entry in entries:
        synced.kept.add(entry.key)
        synced.citations[entry.key] = citation_set(entry.citations)
        existing = synced.before.get(entry.key)
        values = await _pledge_values(sync.session, entry, rates)
        row = sync.apply(Entity.PLEDGE, existing, Pledge, values)
        wanted_pledgers = list(entry.pledgers)
        wanted_objectives = sorted(set(entry.gcm_objectives))
        if existing is None or [p.actor_id for p in row.pledgers] != wanted_pledgers:
            row.pledgers = [
                PledgePledger(actor_id=actor_id, position=position)
                for position, actor_id in enumerate(wanted_pledgers)
            ]
            sync.touched(Entity.PLEDGE, row)
        if existing is None or [o.objective for o in row.objectives] != wanted_objectives:
            row.objectives = [PledgeObjective(objective=o) for o in wanted_objectives]
            sync.touched(Entity.PLEDGE, row)
    return synced


async def _sync_disputes(sync: Syncer, entries: Sequence[DisputeEntry]) -> Synced[str, Dispute]:
    """Each recorded dispute with its claims, each claim with its citations."""
    synced = Synced(await sync.rows(Dispute, "id"))
    for entry in entries:
        synced.kept.add(entry.id)
        sync.apply(
            Entity.DISPUTE,
            synced.before.get(entry.id),
            Dispute,
            {
                "id": entry.id,
                "subject_entity": entry.subject.entity.value,
                "subject_id": entry.subject.id,
                "subject_field": entry.subject.field,
                "summary": entry.summary,
                "claims": [
                    {
                        "value": claim.value,
                        "note": claim.note,
                        "citations": [citation_json(c) for c in claim.citations],
                    }
                    for claim in entry.claims
                ],
            },
        )
    await sync.session.flush()
    return synced


async def _pledge_values(
    session: AsyncSession, entry: PledgeEntry, rates: Sequence[ExchangeRate]
) -> dict[str, Any]:
    amount = entry.amount
    usd = await rates_service.convert(
        session,
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
        "currency_assumed": amount.currency_assumed if amount else False,
        "amount_usd": usd.amount_usd,
        "exchange_rate_id": usd.exchange_rate_id,
        "amount_usd_note": usd.note,
        **dated("announced", entry.announced),
        "title": entry.title,
        "description": entry.description,
        "inferred": inferred_json(entry),
    }


async def sync_events(
    sync: Syncer, entries: Sequence[EventEntry], terms: Mapping[TermKey, Term]
) -> Synced[str, Event]:
    """Events, their hosts and GCM objectives, in the order the file lists them; an
    occurrence is linked to its series after all are in. An event falls within its own
    dates or, undated, within its bounds, its series' and its term's
    (``fact_bounds.event_window``); a bound taken from the series or the term is stored
    among its inferred values, with the reasoning."""
    synced = Synced(
        await sync.rows(Event, "id", selectinload(Event.hosts), selectinload(Event.objectives))
    )
    by_id = {e.id: e for e in entries}
    for entry in entries:
        synced.kept.add(entry.id)
        synced.citations[entry.id] = citation_set(entry.citations)
        total = entry.announced_total
        window = event_window(entry, by_id, terms)
        row = sync.apply(
            Entity.EVENT,
            synced.before.get(entry.id),
            Event,
            {
                "id": entry.id,
                "forum_code": entry.forum,
                "name": entry.name,
                "name_es": entry.name_es,
                "kind": entry.kind.value,
                **dated("start", entry.start),
                **dated("end", entry.end),
                "place": entry.place,
                "country_iso3": entry.country,
                "virtual": entry.virtual,
                "announced_total_amount": total.amount if total else None,
                "announced_total_currency": total.currency if total else None,
                "announced_total_qualifier": total.qualifier.value if total else None,
                "description": entry.description,
                "description_es": entry.description_es,
                "status": entry.status.value,
                "topic": entry.topic,
                "earliest": window.earliest,
                "latest": window.latest,
                "bounds": [bound.as_json() for bound in window.bounds],
                "inferred": inferred_json(entry, window.derived),
            },
        )
        wanted = [(h.actor, h.role.value, h.dispute) for h in entry.hosts]
        have = (
            [(h.actor_id, h.role, h.dispute) for h in row.hosts]
            if entry.id in synced.before
            else []
        )
        if wanted != have:
            row.hosts = [
                EventHost(actor_id=actor_id, role=role, position=position, dispute=dispute)
                for position, (actor_id, role, dispute) in enumerate(wanted)
            ]
            sync.touched(Entity.EVENT, row)
        objectives = sorted(set(entry.gcm_objectives))
        have_objectives = [o.objective for o in row.objectives] if entry.id in synced.before else []
        if objectives != have_objectives:
            row.objectives = [EventObjective(objective=o) for o in objectives]
            sync.touched(Entity.EVENT, row)
    await sync.session.flush()
    rows = await sync.rows(Event, "id")
    parents = {entry.parent for entry in entries if entry.parent}
    for entry in entries:
        derived = {
            "parent_id": entry.parent,
            "series": entry.id in parents,
            "organizers_from_id": _organizers_from(entry, by_id),
        }
        row = rows[entry.id]
        for name, value in derived.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                sync.touched(Entity.EVENT, row)
    await sync.session.flush()
    return synced


def _organizers_from(entry: EventEntry, by_id: Mapping[str, EventEntry]) -> str | None:
    """The event whose hosts ran ``entry``: itself when it names hosts, else the nearest
    series or whole above it that does (None when none does)."""
    seen: set[str] = set()
    current: EventEntry | None = entry
    while current is not None and current.id not in seen:
        if current.hosts:
            return current.id
        seen.add(current.id)
        current = by_id.get(current.parent) if current.parent else None
    return None


async def sync_programmes(
    sync: Syncer, entries: Sequence[ProgrammeEntry], forums: Mapping[str, ForumEntry]
) -> Synced[str, Any]:
    synced: Synced[str, Any] = Synced(await sync.rows(Programme, "id"))
    by_id = {e.id: e for e in entries}
    for entry in entries:
        bounds = programme_bounds(entry, by_id, forums)
        synced.kept.add(entry.id)
        synced.citations[entry.id] = citation_set(entry.citations)
        sync.apply(
            Entity.PROGRAMME,
            synced.before.get(entry.id),
            Programme,
            {
                "id": entry.id,
                "name": entry.name,
                "name_es": entry.name_es,
                "aliases": list(entry.aliases),
                "kind": entry.kind.value,
                "owner_actor_id": entry.owner_actor,
                "owner_forum_code": entry.owner_forum,
                "forum_code": entry.forum,
                **dated("start", entry.start),
                **dated("end", entry.end),
                **bounds.columns(),
                "description": entry.description,
                "description_es": entry.description_es,
                "details": entry.details,
                "note": entry.note,
                "inferred": inferred_json(entry, bounds.derived),
            },
        )
    await sync.session.flush()
    rows = await sync.rows(Programme, "id")
    positions: dict[str | None, int] = {}
    for entry in entries:
        position = positions.get(entry.parent, 0) if entry.parent else 0
        positions[entry.parent] = position + 1
        row = rows[entry.id]
        wanted = (entry.parent, entry.predecessor, position)
        if (row.parent_id, row.predecessor_id, row.position) != wanted:
            row.parent_id, row.predecessor_id, row.position = wanted
            sync.touched(Entity.PROGRAMME, row)
    await sync.session.flush()
    return synced


async def sync_money_records(sync: Syncer, entries: Sequence[MoneyRecordEntry]) -> Synced[str, Any]:
    synced: Synced[str, Any] = Synced(await sync.rows(MoneyRecord, "id"))
    for entry in entries:
        synced.kept.add(entry.id)
        synced.citations[entry.id] = citation_set(entry.citations)
        sync.apply(
            Entity.MONEY_RECORD,
            synced.before.get(entry.id),
            MoneyRecord,
            {
                "id": entry.id,
                "kind": entry.kind.value,
                "payer_actor_id": entry.payer,
                "recipient_actor_id": entry.recipient,
                "recipient_forum_code": entry.recipient_forum,
                "recipient_description": entry.recipient_description,
                "forum_code": entry.forum,
                "programme_id": entry.programme,
                "purpose": entry.purpose,
                "amount": entry.amount,
                "currency": entry.currency,
                "currency_assumed": entry.currency_assumed,
                "qualifier": entry.qualifier.value if entry.qualifier else None,
                "share_pct": entry.share_pct,
                **dated("period_start", entry.period_start),
                **dated("period_end", entry.period_end),
                "duration_months": entry.duration_months,
                **dated("reported", entry.reported),
                "description": entry.description,
                "note": entry.note,
                "inferred": inferred_json(entry),
            },
        )
    await sync.session.flush()
    return synced


async def sync_participant_counts(
    sync: Syncer, entries: Sequence[ParticipantCountEntry]
) -> Synced[str, Any]:
    synced: Synced[str, Any] = Synced(await sync.rows(ParticipantCount, "id"))
    for entry in entries:
        synced.kept.add(entry.id)
        synced.citations[entry.id] = citation_set(entry.citations)
        sync.apply(
            Entity.PARTICIPANT_COUNT,
            synced.before.get(entry.id),
            ParticipantCount,
            {
                "id": entry.id,
                "forum_code": entry.forum,
                "event_id": entry.event,
                "role": entry.role.value,
                "actor_kind": entry.actor_kind.value if entry.actor_kind else None,
                "count": entry.count,
                **dated("reported", entry.reported),
                "description": entry.description,
                "inferred": inferred_json(entry),
            },
        )
    await sync.session.flush()
    return synced


async def sync_governance_changes(
    sync: Syncer, entries: Sequence[GovernanceChangeEntry]
) -> Synced[str, Any]:
    synced: Synced[str, Any] = Synced(await sync.rows(GovernanceChange, "id"))
    for entry in entries:
        synced.kept.add(entry.id)
        synced.citations[entry.id] = citation_set(entry.citations)
        introduced = entry.introduced
        earliest = introduced.date if introduced else None
        latest = introduced.last_day() if introduced else None
        sync.apply(
            Entity.GOVERNANCE_CHANGE,
            synced.before.get(entry.id),
            GovernanceChange,
            {
                "id": entry.id,
                "forum_code": entry.forum,
                "name": entry.name,
                **dated("introduced", introduced),
                "earliest": entry.not_before.date if entry.not_before else earliest,
                "latest": entry.not_after.last_day() if entry.not_after else latest,
                "introduced_by_actor_id": entry.introduced_by,
                "duties": [{"role": d.role.value, "duty": d.duty} for d in entry.duties],
                "description": entry.description,
                "inferred": inferred_json(entry),
            },
        )
    await sync.session.flush()
    return synced
