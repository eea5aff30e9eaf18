"""The days an event or a programme may fall in, from what the files say and the rules
that bound what they leave open. The loader stores these bounds; the validator
(``dataset.time_checks``) checks the files against the same rules.

Rules (each bound is a day, inclusive; ``None`` is unbounded):

* An event's own dates bound it (an end with no start bounds it too); an undated event
  lies within its ``not_before`` / ``not_after``, within its series' days (a part or occurrence inherits its parent's
  bounds when it has none), and within the term it is listed under (the holder's
  participation, from its earliest start to its latest end, the handover day included).
* A programme's start and end come from its dates or their explicit bounds; it is not
  in effect before it was first ``proposed``; a part with no dates of its own lies
  within its plan's bounds; a programme of a forum (``forum``) neither starts before
  the forum was founded nor outlives it, where it gives no bound of its own on that
  side. End bounds are exclusive, as a participation's are.

A bound taken from a series, a plan, a term or a proposal is not stated by the cited
passage: each comes with the field it sets and a one-line reasoning, which the loader
stores among the row's inferred values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.dataset.base import CitationEntry
from app.dataset.files import EventEntry, ForumEntry, TermEntry
from app.dataset.programme_files import ProgrammeEntry
from app.models.enums import BoundBasis
from app.services.periods import Bound, CitationPair

DAY = dt.timedelta(days=1)
TermKey = tuple[str, str, str]  # forum, actor, role
Derived = tuple[tuple[str, str], ...]  # (read-shape field, reasoning)


def term_key(term: TermEntry) -> TermKey:
    return term.forum, term.actor, term.role.value


@dataclass(frozen=True)
class Term:
    """A term an item is listed under: its holder's participation, start to end."""

    earliest: dt.date | None
    latest: dt.date | None
    citations: tuple[CitationPair, ...] = ()

    def describe(self, key: TermKey) -> str:
        forum, actor, role = key
        span = f"{self.earliest or '?'} to {self.latest or '?'}"
        return f"the term of {actor} as {role.replace('_', ' ')} of {forum} ({span})"


@dataclass(frozen=True)
class Window:
    earliest: dt.date | None
    latest: dt.date | None
    derived: Derived = ()
    # The binding bound on each side, with why it holds and the passages it rests on.
    bounds: tuple[Bound, ...] = ()


# (day, reasoning when not stated by the event's own passages, basis, citations)
Candidate = tuple[dt.date, str | None, BoundBasis, tuple[CitationPair, ...]]


def citation_pairs(citations: Iterable[CitationEntry]) -> tuple[CitationPair, ...]:
    """Citations as bounds name them: source, locator and passage."""
    return tuple(
        (c.source, c.locator, (c.passage.start, c.passage.end, c.passage.sha256))
        if c.passage
        else (c.source, c.locator)
        for c in citations
    )


def _stating(event: EventEntry, field: str) -> tuple[CitationPair, ...]:
    marked = [c for c in event.citations if field in c.states]
    return citation_pairs(marked or event.citations)


def _pick(candidates: list[Candidate], latest: bool) -> Candidate:
    """The binding bound (the latest lower one, the earliest upper one); on a tie the
    first listed wins, so the file's own bound is named before a derived one."""
    best = (min if latest else max)(c[0] for c in candidates)
    return next(c for c in candidates if c[0] == best)


def event_window(
    event: EventEntry,
    events: Mapping[str, EventEntry],
    terms: Mapping[TermKey, Term],
    _seen: frozenset[str] = frozenset(),
) -> Window:
    """The days ``event`` may fall in (see the module docstring), each bound with the
    passages it rests on: a stated date or explicit bound the event's own citations, a
    series' bound the series' passages, a term the passages of the holder's claim."""
    if event.start is not None:
        first, last = event.start.date, (event.end or event.start).last_day()
        return Window(
            first,
            last,
            bounds=(
                Bound("start", "not_before", first, BoundBasis.STATED, _stating(event, "start")),
                Bound(
                    "end",
                    "not_after",
                    last,
                    BoundBasis.STATED,
                    _stating(event, "end" if event.end else "start"),
                ),
            ),
        )
    lows: list[Candidate] = []
    highs: list[Candidate] = []
    own = citation_pairs(event.citations)
    if event.not_before is not None:
        lows.append((event.not_before.date, None, BoundBasis.EXPLICIT, own))
    if event.not_after is not None:
        highs.append((event.not_after.last_day(), None, BoundBasis.EXPLICIT, own))
    if event.end is not None:  # an end with no start still bounds the event
        highs.append((event.end.last_day(), None, BoundBasis.STATED, _stating(event, "end")))
    seen = _seen | {event.id}
    parent = events.get(event.parent) if event.parent else None
    if parent is not None and parent.id not in seen:
        window = event_window(parent, events, terms, seen)
        why = f"within its series {parent.id}: the documents do not date this occurrence"
        by_side = {b.side: b.citations for b in window.bounds}
        if window.earliest is not None:
            cites = by_side.get("not_before", ())
            lows.append((window.earliest, why, BoundBasis.SERIES, cites))
        if window.latest is not None:
            cites = by_side.get("not_after", ())
            highs.append((window.latest, why, BoundBasis.SERIES, cites))
    if event.term is not None:
        key = term_key(event.term)
        term = terms.get(key)
        if term is not None:
            why = f"within {term.describe(key)}, under which the document lists it"
            if term.earliest is not None:
                lows.append((term.earliest, why, BoundBasis.TERM, term.citations))
            if term.latest is not None:
                highs.append((term.latest, why, BoundBasis.TERM, term.citations))
    derived: list[tuple[str, str]] = []
    bounds: list[Bound] = []
    earliest: dt.date | None = None
    latest: dt.date | None = None
    if lows:
        low, low_why, basis, cites = _pick(lows, latest=False)
        earliest = low
        bounds.append(Bound("start", "not_before", low, basis, cites))
        if low_why is not None:
            derived.append(("earliest", low_why))
    if highs:
        high, high_why, basis, cites = _pick(highs, latest=True)
        latest = high
        bounds.append(Bound("end", "not_after", high, basis, cites))
        if high_why is not None:
            derived.append(("latest", high_why))
    return Window(earliest, latest, tuple(derived), tuple(bounds))


def own_event_window(event: EventEntry) -> Window:
    """The days the file itself gives the event (its dates, else its explicit bounds)."""
    if event.start is not None:
        return Window(event.start.date, (event.end or event.start).last_day())
    highs = [d.last_day() for d in (event.not_after, event.end) if d is not None]
    return Window(event.not_before.date if event.not_before else None, min(highs, default=None))


@dataclass(frozen=True)
class ProgrammeBounds:
    start_earliest: dt.date | None
    start_latest: dt.date | None
    end_earliest: dt.date | None
    end_latest: dt.date | None
    derived: Derived = ()

    def columns(self) -> dict[str, dt.date | None]:
        return {
            "start_earliest": self.start_earliest,
            "start_latest": self.start_latest,
            "end_earliest": self.end_earliest,
            "end_latest": self.end_latest,
        }


def own_programme_bounds(entry: ProgrammeEntry) -> ProgrammeBounds:
    """The bounds the file itself gives (dates and explicit bounds), nothing derived."""
    start_earliest = entry.start.date if entry.start else None
    start_latest = entry.start.last_day() if entry.start else None
    if entry.start_not_before is not None:
        start_earliest = entry.start_not_before.date
    if entry.start_not_after is not None:
        start_latest = entry.start_not_after.last_day()
    end_earliest = entry.end.date + DAY if entry.end else None
    end_latest = entry.end.last_day() + DAY if entry.end else None
    if entry.end_not_before is not None:
        end_earliest = entry.end_not_before.date + DAY
    if entry.end_not_after is not None:
        end_latest = entry.end_not_after.last_day() + DAY
    return ProgrammeBounds(start_earliest, start_latest, end_earliest, end_latest)


def programme_bounds(
    entry: ProgrammeEntry,
    programmes: Mapping[str, ProgrammeEntry],
    forums: Mapping[str, ForumEntry],
    _seen: frozenset[str] = frozenset(),
) -> ProgrammeBounds:
    """The bounds ``entry`` is stored with (see the module docstring)."""
    own = own_programme_bounds(entry)
    parent = programmes.get(entry.parent) if entry.parent else None
    undated = all(day is None for day in own.columns().values())
    if undated and parent is not None and parent.id not in _seen:
        inherited = programme_bounds(parent, programmes, forums, _seen | {entry.id})
        why = f"within the plan it is part of, {parent.id}: the documents do not date this part"
        own = ProgrammeBounds(
            **inherited.columns(),
            derived=tuple((name, why) for name, day in inherited.columns().items() if day),
        )
    own = _within_forum(entry, own, forums)
    if entry.proposed is not None and (
        own.start_earliest is None or own.start_earliest < entry.proposed.date
    ):
        own = ProgrammeBounds(
            entry.proposed.date,
            own.start_latest,
            own.end_earliest,
            own.end_latest,
            (
                *(d for d in own.derived if d[0] != "start_earliest"),
                (
                    "start_earliest",
                    f"not in effect before it was first proposed ({entry.proposed})",
                ),
            ),
        )
    return own


def _within_forum(
    entry: ProgrammeEntry, own: ProgrammeBounds, forums: Mapping[str, ForumEntry]
) -> ProgrammeBounds:
    """A programme of a forum starts no earlier than the forum and does not outlive it."""
    forum = forums.get(entry.forum) if entry.forum else None
    if forum is None:
        return own
    start_earliest, end_latest, derived = own.start_earliest, own.end_latest, list(own.derived)
    if start_earliest is None and forum.founded is not None:
        start_earliest = forum.founded.date
        derived.append(
            ("start_earliest", f"not before its forum {forum.code} was founded ({forum.founded})")
        )
    if end_latest is None and forum.ended is not None:
        end_latest = forum.ended.last_day() + DAY
        derived.append(
            ("end_latest", f"does not outlive its forum {forum.code}, which ended in {forum.ended}")
        )
    return ProgrammeBounds(
        start_earliest, own.start_latest, own.end_earliest, end_latest, tuple(derived)
    )
