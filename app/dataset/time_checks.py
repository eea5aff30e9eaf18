"""Cross-file checks of programmes, money records, participant counts, governance changes
and event series (``migov data validate``); ``dataset.check`` runs them.

Each problem names the file, the line and the entry, and says what is wrong: an unknown
reference, a citation of an unknown source, a period that ends before it starts, a
negative count, a series that contains itself, and the time rules of
``dataset.bounds``: an event or a part dated outside its series, plan or term; an
event ``held`` that no cited passage reports held (or that its reporting document
predates); a programme in effect before it was first proposed; a start whose bounds
lie after its end's.
A kind outside the vocabulary or a missing citation is refused earlier, when the file
is read (``dataset.programme_files``), with its file and line too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.dataset.bounds import (
    DAY,
    Term,
    TermKey,
    Window,
    event_window,
    own_event_window,
    own_programme_bounds,
    programme_bounds,
    term_key,
)
from app.dataset.checker import Checker, Where
from app.dataset.files import Dataset, EventEntry
from app.models.enums import EventStatus
from app.services.periods import SourceDates
from app.standards.iso import is_currency


@dataclass(frozen=True)
class TimeContext:
    """What the time rules need beyond the entry: the terms items are listed under, how
    many claims each term key matches, and the days each source may date from."""

    terms: Mapping[TermKey, Term]
    claims: Mapping[TermKey, int]
    sources: Mapping[str, SourceDates]


def check_facts(checker: Checker, dataset: Dataset, where: Where, time: TimeContext) -> None:
    _check_event_series(checker, dataset, where)
    _check_event_times(checker, dataset, where, time)
    _check_programmes(checker, dataset, where)
    _check_programme_times(checker, dataset, where)
    _check_money_records(checker, dataset, where)
    _check_participant_counts(checker, dataset, where)
    _check_governance_changes(checker, dataset, where)


def _check_event_series(checker: Checker, dataset: Dataset, where: Where) -> None:
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


def _outside(own: Window, outer: Window) -> bool:
    """Whether a bound the entry itself gives lies outside ``outer`` (an unbounded side of
    the entry is not a problem: the rules then bound it by ``outer``)."""
    for day in (own.earliest, own.latest):
        if day is None:
            continue
        if outer.earliest is not None and day < outer.earliest:
            return True
        if outer.latest is not None and day > outer.latest:
            return True
    return False


def _span(window: Window) -> str:
    return f"{window.earliest or '…'} to {window.latest or '…'}"


def _check_event_times(checker: Checker, dataset: Dataset, where: Where, time: TimeContext) -> None:
    """An event lies within its series and its term; its bounds are ordered; it is held
    only when a cited passage reports it held, by a document that may postdate it."""
    events = {e.id: e for e in dataset.events}
    for index, event in enumerate(dataset.events):
        own = own_event_window(event)
        dated = "start" if event.start is not None else "not_before"
        if event.start is not None and (event.not_before or event.not_after):
            checker.problem(
                f"{where(dataset, 'events', index, 'not_before' if event.not_before else 'not_after')}"
                f" ({event.id}): give a start or its bounds, not both"
            )
        if own.earliest and own.latest and own.latest < own.earliest:
            checker.problem(
                f"{where(dataset, 'events', index, dated)} ({event.id}): its bounds contradict "
                f"each other ({_span(own)})"
            )
        parent = events.get(event.parent) if event.parent else None
        if parent is not None:
            outer = event_window(parent, events, time.terms, frozenset({event.id}))
            if _outside(own, outer):
                checker.problem(
                    f"{where(dataset, 'events', index, dated)} ({event.id}): dated "
                    f"{_span(own)}, outside its series {parent.id} ({_span(outer)})"
                )
        if event.term is not None:
            key = term_key(event.term)
            place = f"{where(dataset, 'events', index, 'term')} ({event.id})"
            matches = time.claims.get(key, 0)
            if matches != 1:
                checker.problem(
                    f"{place}: its term {'/'.join(key)} matches {matches} participation "
                    "claims, not one"
                )
            else:
                term = time.terms[key]
                outer = Window(term.earliest, term.latest)
                if _outside(own, outer):
                    checker.problem(
                        f"{where(dataset, 'events', index, dated)} ({event.id}): dated "
                        f"{_span(own)}, outside {term.describe(key)}, under which it is listed"
                    )
        if event.status is EventStatus.HELD:
            _check_held(checker, dataset, where, index, event, events, time)


def _check_held(
    checker: Checker,
    dataset: Dataset,
    where: Where,
    index: int,
    event: EventEntry,
    events: Mapping[str, EventEntry],
    time: TimeContext,
) -> None:
    place = f"{where(dataset, 'events', index, 'status')} ({event.id})"
    reporting = [c for c in event.citations if "status" in c.states]
    if not reporting:
        checker.problem(
            f"{place}: held, but no cited passage reports it held (mark the citation whose "
            "passage does with states: [status], or make it announced)"
        )
        return
    window = event_window(event, events, time.terms)
    if window.earliest is None:
        return
    for citation in reporting:
        dates = time.sources.get(citation.source)
        if dates is not None and dates.latest is not None and dates.latest < window.earliest:
            checker.problem(
                f"{place}: held, but {citation.source}, which reports it, dates from "
                f"{dates.latest} at the latest, before the event's earliest day "
                f"({window.earliest}): a document cannot report as held what had not begun"
            )


def _check_programme_times(checker: Checker, dataset: Dataset, where: Where) -> None:
    """A part lies within its plan; nothing is in effect before it was first proposed; a
    start's bounds never lie after its end's."""
    programmes = {p.id: p for p in dataset.programmes}
    forums = {f.code: f for f in dataset.forums}
    for index, entry in enumerate(dataset.programmes):
        own = own_programme_bounds(entry)
        place = f"{where(dataset, 'programmes', index, '')} ({entry.id})"
        if entry.end is not None and (entry.end_not_before or entry.end_not_after):
            checker.problem(f"{place}: give an end or its bounds, not both")
        if own.start_latest and own.end_latest and own.start_latest >= own.end_latest:
            checker.problem(
                f"{place}: its start may be as late as {own.start_latest}, but it has ended "
                f"by {own.end_latest - DAY}: a start's bounds never lie after its end's"
            )
        if entry.proposed is not None:
            first = own.start_earliest
            if first is not None and first < entry.proposed.date:
                checker.problem(
                    f"{where(dataset, 'programmes', index, 'proposed')} ({entry.id}): it may "
                    f"start {first}, before it was first proposed ({entry.proposed}): a "
                    "programme is not in effect before it is proposed"
                )
        parent = programmes.get(entry.parent) if entry.parent else None
        if parent is None:
            continue
        outer = programme_bounds(parent, programmes, forums, frozenset({entry.id}))
        if (
            outer.start_earliest is not None
            and own.start_earliest is not None
            and own.start_earliest < outer.start_earliest
        ) or (
            outer.end_latest is not None
            and own.end_latest is not None
            and own.end_latest > outer.end_latest
        ):
            checker.problem(
                f"{place}: its dates ({own.start_earliest or '…'} to "
                f"{own.end_latest - DAY if own.end_latest else '…'}) reach outside the plan it "
                f"is part of, {parent.id} ({outer.start_earliest or '…'} to "
                f"{outer.end_latest - DAY if outer.end_latest else '…'})"
            )


def _check_programmes(checker: Checker, dataset: Dataset, where: Where) -> None:
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


def _check_money_records(checker: Checker, dataset: Dataset, where: Where) -> None:
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


def _check_participant_counts(checker: Checker, dataset: Dataset, where: Where) -> None:
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


def _check_governance_changes(checker: Checker, dataset: Dataset, where: Where) -> None:
    checker.duplicates("governance changes", (g.id for g in dataset.governance_changes))
    for index, entry in enumerate(dataset.governance_changes):
        place = f"{where(dataset, 'governance_changes', index, '')} ({entry.id})"
        checker.cited(place, entry.citations)
        checker.forum_ref(place, entry.forum)
        if entry.introduced_by is not None:
            checker.actor_ref(place, entry.introduced_by)
        checker.ordered(place, entry.not_before, entry.not_after)
