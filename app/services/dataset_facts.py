"""The loader's sync functions for events, programmes, money records, participant counts
and governance changes (``services.dataset`` runs them; same shape as its own).

Each matches rows by id, applies what the files say and returns a ``Synced`` whose
citations ``load_dataset`` then syncs. Programmes are inserted without their parent
and predecessor and linked after, so the order of the file does not matter. A
programme's bounds follow its dates at their precision (or the explicit
``start_not_before`` / ``start_not_after``); its end bounds are exclusive, as a
participation's are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import selectinload

from app.models import (
    Event,
    EventHost,
    EventObjective,
    GovernanceChange,
    MoneyRecord,
    ParticipantCount,
    Programme,
)
from app.models.enums import Entity
from app.schemas.dataset import EventEntry, ForumEntry
from app.schemas.dataset_facts import (
    GovernanceChangeEntry,
    MoneyRecordEntry,
    ParticipantCountEntry,
    ProgrammeEntry,
)
from app.services.dataset_sync import Synced, Syncer, citation_set, dated, inferred_json
from app.services.fact_bounds import Term, TermKey, event_window, programme_bounds


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
