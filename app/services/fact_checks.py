"""Cross-file checks of programmes, money records, participant counts, governance changes
and event series (``migov data validate``); ``services.dataset_checks`` runs them.

Each problem names the file, the line and the entry, and says what is wrong: an unknown
reference, a citation of an unknown source, a period that ends before it starts, a
negative count, a child event dated outside its series, a series that contains itself.
A kind outside the vocabulary or a missing citation is refused earlier, when the file
is read (``schemas.dataset_facts``), with its file and line too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from app.iso import is_currency
from app.schemas.dataset import Dataset, EventEntry
from app.schemas.dataset_base import CitationEntry
from app.schemas.dates import PartialDate


class _Checker(Protocol):
    """What ``services.dataset_checks``' checker offers the checks here."""

    events: set[str]

    def problem(self, text: str) -> None: ...
    def duplicates(self, kind: str, keys: Iterable[str]) -> None: ...
    def cited(self, where: str, citations: Sequence[CitationEntry]) -> None: ...
    def forum_ref(self, where: str, code: str | None) -> None: ...
    def actor_ref(self, where: str, actor_id: str) -> None: ...
    def ordered(self, where: str, start: PartialDate | None, end: PartialDate | None) -> None: ...


Where = Callable[[Dataset, str, int, str], str]


def check_facts(checker: _Checker, dataset: Dataset, where: Where) -> None:
    _check_event_series(checker, dataset, where)
    _check_programmes(checker, dataset, where)
    _check_money_records(checker, dataset, where)
    _check_participant_counts(checker, dataset, where)
    _check_governance_changes(checker, dataset, where)


def event_window(
    event: EventEntry, events: dict[str, EventEntry]
) -> tuple[PartialDate | None, PartialDate | None]:
    """The dates an event falls within: its own, else its series' (nearest dated ancestor)."""
    seen: set[str] = set()
    cursor: EventEntry | None = event
    while cursor is not None and cursor.id not in seen:
        if cursor.start is not None:
            return cursor.start, cursor.end or cursor.start
        seen.add(cursor.id)
        cursor = events.get(cursor.parent) if cursor.parent else None
    return None, None


def _check_event_series(checker: _Checker, dataset: Dataset, where: Where) -> None:
    events = {e.id: e for e in dataset.events}
    for index, event in enumerate(dataset.events):
        if event.parent is None:
            continue
        place = f"{where(dataset, 'events', index, 'parent')} ({event.id})"
        parent = events.get(event.parent)
        if parent is None:
            checker.problem(f"{place}: unknown parent event {event.parent!r}")
            continue
        cursor: EventEntry | None = parent
        seen = {event.id}
        while cursor is not None and cursor.parent is not None:
            if cursor.id in seen:
                checker.problem(f"{place}: its series contains itself")
                break
            seen.add(cursor.id)
            cursor = events.get(cursor.parent)
        if event.start is None:
            continue
        first, last = event_window(parent, events)
        if first is None or last is None:
            continue
        own_last = (event.end or event.start).last_day()
        if event.start.date < first.date or own_last > last.last_day():
            checker.problem(
                f"{where(dataset, 'events', index, 'start')} ({event.id}): dated "
                f"{event.start} to {event.end or event.start}, outside its series "
                f"{parent.id} ({first} to {last})"
            )


def _check_programmes(checker: _Checker, dataset: Dataset, where: Where) -> None:
    ids = {p.id for p in dataset.programmes}
    checker.duplicates("programmes", (p.id for p in dataset.programmes))
    parents = {p.id: p.parent for p in dataset.programmes}
    for index, entry in enumerate(dataset.programmes):
        place = f"{where(dataset, 'programmes', index, '')} ({entry.id})"
        checker.cited(place, entry.citations)
        checker.forum_ref(place, entry.owner_forum)
        checker.forum_ref(place, entry.forum)
        if entry.owner_actor is not None:
            checker.actor_ref(place, entry.owner_actor)
        for name, ref in (("parent", entry.parent), ("predecessor", entry.predecessor)):
            if ref is not None and ref not in ids:
                checker.problem(f"{place}: unknown {name} programme {ref!r}")
            if ref == entry.id:
                checker.problem(f"{place}: is its own {name}")
        checker.ordered(place, entry.start, entry.end)
        if entry.start is not None and (entry.start_not_before or entry.start_not_after):
            checker.problem(f"{place}: give a start or its bounds, not both")
        seen: set[str] = set()
        cursor: str | None = entry.id
        while cursor is not None and cursor not in seen:
            seen.add(cursor)
            cursor = parents.get(cursor)
        if cursor is not None:
            checker.problem(f"{place}: parent chain loops")


def _check_money_records(checker: _Checker, dataset: Dataset, where: Where) -> None:
    programmes = {p.id for p in dataset.programmes}
    checker.duplicates("money records", (m.id for m in dataset.money_records))
    for index, entry in enumerate(dataset.money_records):
        place = f"{where(dataset, 'money_records', index, '')} ({entry.id})"
        checker.cited(place, entry.citations)
        checker.forum_ref(place, entry.forum)
        checker.forum_ref(place, entry.recipient_forum)
        for actor in (entry.payer, entry.recipient):
            if actor is not None:
                checker.actor_ref(place, actor)
        if entry.programme is not None and entry.programme not in programmes:
            checker.problem(f"{place}: unknown programme {entry.programme!r}")
        if (entry.amount is None) != (entry.currency is None):
            checker.problem(f"{place}: an amount needs its currency, and a currency an amount")
        if entry.currency is not None and not is_currency(entry.currency):
            checker.problem(f"{place}: {entry.currency!r} is not ISO 4217")
        if entry.duration_months is not None and entry.duration_months <= 0:
            checker.problem(f"{place}: duration_months must be above zero")
        if entry.forum is None and entry.programme is None and entry.recipient_forum is None:
            checker.problem(f"{place}: needs a forum, a recipient forum or a programme")
        checker.ordered(place, entry.period_start, entry.period_end)


def _check_participant_counts(checker: _Checker, dataset: Dataset, where: Where) -> None:
    checker.duplicates("participant counts", (c.id for c in dataset.participant_counts))
    for index, entry in enumerate(dataset.participant_counts):
        place = f"{where(dataset, 'participant_counts', index, '')} ({entry.id})"
        checker.cited(place, entry.citations)
        checker.forum_ref(place, entry.forum)
        if entry.event is not None and entry.event not in checker.events:
            checker.problem(f"{place}: unknown event {entry.event!r}")
        if entry.forum is None and entry.event is None:
            checker.problem(f"{place}: needs a forum or an event")
        if entry.count is not None and entry.count < 0:
            checker.problem(
                f"{where(dataset, 'participant_counts', index, 'count')} ({entry.id}): "
                f"count {entry.count} is below zero"
            )


def _check_governance_changes(checker: _Checker, dataset: Dataset, where: Where) -> None:
    checker.duplicates("governance changes", (g.id for g in dataset.governance_changes))
    for index, entry in enumerate(dataset.governance_changes):
        place = f"{where(dataset, 'governance_changes', index, '')} ({entry.id})"
        checker.cited(place, entry.citations)
        checker.forum_ref(place, entry.forum)
        if entry.introduced_by is not None:
            checker.actor_ref(place, entry.introduced_by)
        checker.ordered(place, entry.not_before, entry.not_after)
