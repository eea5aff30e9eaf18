"""Honest time: the days a role may have started and ended, and how surely it covers a day.

This module is the one place that turns what the documents say about a period into
bounds, and bounds into a certainty for an ``as_of`` day. The dataset loader stores
the bounds it derives (``derive_period``) on each participation; every ``as_of``
answer (participants, participations, actors' ``member_of``, GraphQL) filters with
``possible_on`` / ``certain_on`` and labels rows with ``Participation.certainty_on``:
one rule, kept in ``models.participation`` beside the columns it reads, in SQL and in
Python. docs/time.md explains the model with examples.

Conventions (all bounds are days, inclusive; ``None`` means unbounded):

* The start ``S`` is the first day in the role. A partial start ``P`` (a year or a
  month) says ``S`` lies in ``P``: ``2019`` gives ``2019-01-01 ≤ S ≤ 2019-12-31``.
* The end ``E`` is the first day no longer in the role (exclusive), as before. A
  day-precision end is that day (a handover day belongs to the successor). A month-
  or year-precision end says the role ended in the course of that period, possibly
  at its close: ``2020`` gives ``2020-01-01 ≤ E ≤ 2021-01-01``, so a chairmanship
  "for 2019 to 2020" is possibly held on 2020-12-31 and surely over in 2021.
* Explicit ``not_before`` / ``not_after`` bounds from the documents narrow these.
* A start is no earlier than its forum's founding, no later than the latest day the
  earliest document stating the role may date from, and no later than its forum's end.
* A start is no later than the latest day its end may fall on.
* An open end (none stated, no ``not_after`` bound) is no earlier than the day after
  the earliest day the latest citing document may date from (``last_confirmed``: the
  role was current then) and no later than its forum's end, if it has one.
* On day ``D`` a period is ``certain`` when ``start_latest ≤ D < end_earliest`` and
  ``possible`` when ``start_earliest ≤ D < end_latest``; otherwise it is not in
  effect. Certainty is judged per claim: competing claims of a dispute each get their
  own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, not_, or_, select, true
from sqlalchemy.orm import aliased

from app.models import Participation
from app.models.enums import BoundBasis, Certainty, DatePrecision
from app.models.participation import certain_on, certainty, possible_on
from app.schemas.dates import PartialDate

ONE_DAY = dt.timedelta(days=1)
# (source id, locator), or with the passage: (source id, locator, (start, end, sha256) | None)
CitationPair = tuple[str, str | None] | tuple[str, str | None, tuple[int, int, str] | None]


@dataclass(frozen=True)
class SourceDates:
    """The days a document may date from (``None``: unbounded on that side)."""

    earliest: dt.date | None
    latest: dt.date | None


def source_dates(
    published: PartialDate | None,
    not_before: PartialDate | None = None,
    not_after: PartialDate | None = None,
) -> SourceDates:
    lows = [d for d in (published and published.date, not_before and not_before.date) if d]
    highs = [
        d for d in (published and published.last_day(), not_after and not_after.last_day()) if d
    ]
    return SourceDates(max(lows) if lows else None, min(highs) if highs else None)


@dataclass(frozen=True)
class ExplicitBound:
    """A not-before / not-after bound the documents give, with its citations."""

    date: PartialDate
    citations: tuple[CitationPair, ...]


@dataclass(frozen=True)
class Bound:
    """One bound an answer was judged on, and why it holds."""

    edge: str  # "start" | "end"
    side: str  # "not_before" | "not_after"
    day: dt.date
    basis: BoundBasis
    citations: tuple[CitationPair, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "edge": self.edge,
            "side": self.side,
            "day": self.day.isoformat(),
            "basis": self.basis.value,
            "citations": [_citation_json(c) for c in self.citations],
        }


def _citation_json(citation: CitationPair) -> dict[str, Any]:
    passage = citation[2] if len(citation) > 2 else None
    return {
        "source_id": citation[0],
        "locator": citation[1],
        "passage": (
            None
            if passage is None
            else {"start": passage[0], "end": passage[1], "sha256": passage[2]}
        ),
    }


@dataclass(frozen=True)
class Period:
    start_earliest: dt.date | None
    start_latest: dt.date | None
    end_earliest: dt.date | None
    end_latest: dt.date | None
    last_confirmed: dt.date | None = None
    last_confirmed_source: str | None = None
    bounds: tuple[Bound, ...] = field(default=())

    def certainty_on(self, day: dt.date) -> Certainty | None:
        return certainty(
            day, self.start_earliest, self.start_latest, self.end_earliest, self.end_latest
        )


def end_range(value: PartialDate) -> tuple[dt.date, dt.date]:
    """The days an exclusive end stated as ``value`` may fall on (see the module docstring)."""
    if value.precision is DatePrecision.DAY:
        return value.date, value.date
    return value.date, value.last_day() + ONE_DAY


def derive_period(
    *,
    start: PartialDate | None,
    end: PartialDate | None,
    start_citations: Sequence[CitationPair] = (),
    end_citations: Sequence[CitationPair] = (),
    start_not_before: ExplicitBound | None = None,
    start_not_after: ExplicitBound | None = None,
    end_not_before: ExplicitBound | None = None,
    end_not_after: ExplicitBound | None = None,
    forum_founded: PartialDate | None = None,
    forum_ended: PartialDate | None = None,
    forum_citations: Sequence[CitationPair] = (),
    cited: Mapping[str, SourceDates],
    confirmed_current: bool = True,
) -> Period:
    """The bounds of a role's start and end, from everything the documents give.

    ``cited`` maps each source the role cites to its dates; ``start_citations`` and
    ``end_citations`` are the passages a stated start and end rest on, which the bounds
    they give name. Each of the four bounds
    keeps the reason that binds it, so an answer can say what it was judged on.
    ``confirmed_current`` is false for a role the documents speak of only as past ("in
    the 1980s"): they do not confirm it at their own date, so no ``last_confirmed``.
    """
    forum_sources = tuple(dict.fromkeys((c[0], None) for c in forum_citations))
    start_lows: list[Bound] = []
    start_highs: list[Bound] = []
    end_lows: list[Bound] = []
    end_highs: list[Bound] = []

    def low(into: list[Bound], edge: str, day: dt.date, basis: BoundBasis, cites: Any = ()) -> None:
        into.append(Bound(edge, "not_before", day, basis, tuple(cites)))

    def high(
        into: list[Bound], edge: str, day: dt.date, basis: BoundBasis, cites: Any = ()
    ) -> None:
        into.append(Bound(edge, "not_after", day, basis, tuple(cites)))

    if start is not None:
        low(start_lows, "start", start.date, BoundBasis.STATED, start_citations)
        high(start_highs, "start", start.last_day(), BoundBasis.STATED, start_citations)
    if start_not_before is not None:
        low(
            start_lows,
            "start",
            start_not_before.date.date,
            BoundBasis.EXPLICIT,
            start_not_before.citations,
        )
    if start_not_after is not None:
        high(
            start_highs,
            "start",
            start_not_after.date.last_day(),
            BoundBasis.EXPLICIT,
            start_not_after.citations,
        )
    if forum_founded is not None:
        low(start_lows, "start", forum_founded.date, BoundBasis.FORUM_FOUNDED, forum_sources)
    first_document = _first_document(cited)
    if first_document is not None:
        source_id, latest = first_document
        high(start_highs, "start", latest, BoundBasis.FIRST_DOCUMENT, [(source_id, None)])
    if forum_ended is not None:
        high(start_highs, "start", forum_ended.last_day(), BoundBasis.FORUM_ENDED, forum_sources)

    last_confirmed: tuple[str, dt.date] | None = None
    if end is not None:
        end_low, end_high = end_range(end)
        low(end_lows, "end", end_low, BoundBasis.STATED, end_citations)
        high(end_highs, "end", end_high, BoundBasis.STATED, end_citations)
    if end_not_before is not None:
        low(
            end_lows,
            "end",
            end_range(end_not_before.date)[0],
            BoundBasis.EXPLICIT,
            end_not_before.citations,
        )
    if end_not_after is not None:
        high(
            end_highs,
            "end",
            end_range(end_not_after.date)[1],
            BoundBasis.EXPLICIT,
            end_not_after.citations,
        )
    if end is None and end_not_after is None and confirmed_current:
        # A document written after the forum ended tells its history; it cannot
        # confirm a role as current.
        last_confirmed = _last_document(
            {
                source: dates
                for source, dates in cited.items()
                if forum_ended is None
                or (dates.earliest is not None and dates.earliest < end_range(forum_ended)[1])
            }
        )
        if last_confirmed is not None:
            source_id, earliest = last_confirmed
            low(end_lows, "end", earliest + ONE_DAY, BoundBasis.LAST_CONFIRMED, [(source_id, None)])
    if forum_ended is not None:
        high(end_highs, "end", end_range(forum_ended)[1], BoundBasis.FORUM_ENDED, forum_sources)

    start_earliest = _binding(start_lows, max)
    start_latest = _binding(start_highs, min)
    end_earliest = _binding(end_lows, max)
    end_latest = _binding(end_highs, min)
    # An end is never before the earliest start: say so rather than report E < S.
    if start_earliest and (end_earliest is None or end_earliest.day < start_earliest.day):
        end_earliest = Bound("end", "not_before", start_earliest.day, BoundBasis.START)
    # Nor a start after the latest end: a bound derived from a document's date must not
    # leave a start possible after the role is known to have ended.
    if end_latest and (start_latest is None or start_latest.day > end_latest.day):
        start_latest = Bound("start", "not_after", end_latest.day, BoundBasis.END)
    bounds = tuple(b for b in (start_earliest, start_latest, end_earliest, end_latest) if b)
    return Period(
        start_earliest=start_earliest.day if start_earliest else None,
        start_latest=start_latest.day if start_latest else None,
        end_earliest=end_earliest.day if end_earliest else None,
        end_latest=end_latest.day if end_latest else None,
        last_confirmed=last_confirmed[1] if last_confirmed else None,
        last_confirmed_source=last_confirmed[0] if last_confirmed else None,
        bounds=bounds,
    )


def _binding(candidates: list[Bound], pick: Any) -> Bound | None:
    """The bound that binds (the latest lower bound, the earliest upper bound).

    On a tie the first listed wins, so a stated date is named before a derived one.
    """
    if not candidates:
        return None
    best = pick(b.day for b in candidates)
    return next(b for b in candidates if b.day == best)


def _first_document(cited: Mapping[str, SourceDates]) -> tuple[str, dt.date] | None:
    dated = sorted((d.latest, source) for source, d in cited.items() if d.latest is not None)
    return (dated[0][1], dated[0][0]) if dated else None


def _last_document(cited: Mapping[str, SourceDates]) -> tuple[str, dt.date] | None:
    dated = sorted((d.earliest, source) for source, d in cited.items() if d.earliest is not None)
    return (dated[-1][1], dated[-1][0]) if dated else None


def period_problems(period: Period) -> list[str]:
    """Contradictions between bounds: a claim no day can satisfy."""
    problems = []
    if (
        period.start_earliest
        and period.start_latest
        and period.start_latest < period.start_earliest
    ):
        problems.append(_clash(period, "start"))
    if period.end_earliest and period.end_latest and period.end_latest < period.end_earliest:
        problems.append(_clash(period, "end"))
    if period.start_earliest and period.end_latest and period.end_latest <= period.start_earliest:
        problems.append(
            f"ends by {period.end_latest} but cannot start before {period.start_earliest}"
        )
    return problems


def _clash(period: Period, edge: str) -> str:
    reasons = ", ".join(
        f"{b.side.replace('_', ' ')} {b.day} ({b.basis.value})"
        for b in period.bounds
        if b.edge == edge
    )
    return f"its {edge} bounds contradict each other: {reasons}"


# --- the rule applied to stored participations ---------------------------------------


def in_effect_on(day: dt.date, certainty_: Certainty | None = None) -> ColumnElement[bool]:
    """The ``as_of`` filter: possible (the default, certain included) or certain only."""
    return certain_on(day) if certainty_ is Certainty.CERTAIN else possible_on(day)


def settled_rank(day: dt.date, claim: Any = Participation) -> ColumnElement[int]:
    """2 when ``claim`` surely holds on ``day``, 1 when it may, 0 when it does not.

    A claim of a dispute counts as sure only when every competing claim about the
    same actor, forum and role is sure too: where documents disagree, no single
    claim can make an answer certain.
    """
    rival = aliased(Participation)
    unsettled = exists(
        select(rival.id).where(
            rival.dispute == claim.dispute,
            rival.actor_id == claim.actor_id,
            rival.forum_code == claim.forum_code,
            rival.role == claim.role,
            not_(certain_on(day, rival)),
        )
    )
    sure = and_(certain_on(day, claim), or_(claim.dispute.is_(None), not_(unsettled)))
    return case((sure, 2), (possible_on(day, claim), 1), else_=0)


RANKED: dict[int, Certainty | None] = {2: Certainty.CERTAIN, 1: Certainty.POSSIBLE, 0: None}


def weakest(values: Iterable[Certainty | None]) -> Certainty | None:
    order = {Certainty.CERTAIN: 2, Certainty.POSSIBLE: 1, None: 0}
    return min(values, key=lambda v: order[v], default=None)


# --- a date range judged against a start known only within bounds ---------------------
#
# Date-range filters (an event's ``start_from``/``start_to``) ask whether a start falls in
# ``[low, high]``. A start known to the day is a point; one known to a month or a year,
# or only within bounds (an undated occurrence within its series' dates), is an interval
# of days ``[earliest, latest]``: ``certain`` when the whole interval lies in the range,
# ``possible`` when part of it does, otherwise outside. A missing bound is unbounded, so
# a start the documents do not date at all is possible in every range.


def range_certainty(
    earliest: dt.date | None,
    latest: dt.date | None,
    low: dt.date | None,
    high: dt.date | None,
) -> Certainty | None:
    """How surely a day in ``[earliest, latest]`` falls in ``[low, high]`` (all inclusive;
    ``None`` is unbounded); ``None`` when it surely does not."""
    if (low is None or (earliest is not None and earliest >= low)) and (
        high is None or (latest is not None and latest <= high)
    ):
        return Certainty.CERTAIN
    if (low is None or latest is None or latest >= low) and (
        high is None or earliest is None or earliest <= high
    ):
        return Certainty.POSSIBLE
    return None


def partial_reaches(date: Any, precision: Any, day: dt.date) -> ColumnElement[bool]:
    """SQL: the period stored as ``date`` (its first day) at ``precision`` has a day on or
    after ``day``. Its last day is on or after ``day`` exactly when its first day is on or
    after the first day of the period of that precision holding ``day``."""
    return or_(
        and_(precision == DatePrecision.YEAR, date >= dt.date(day.year, 1, 1)),
        and_(precision == DatePrecision.MONTH, date >= day.replace(day=1)),
        and_(or_(precision == DatePrecision.DAY, precision.is_(None)), date >= day),
    )


def partial_ends_by(date: Any, precision: Any, day: dt.date) -> ColumnElement[bool]:
    """SQL: every day of the period stored as ``date`` at ``precision`` is on or before
    ``day``: its first day is before the period of that precision holding the day after."""
    if day == dt.date.max:
        return true()
    after = day + ONE_DAY
    return or_(
        and_(precision == DatePrecision.YEAR, date < dt.date(after.year, 1, 1)),
        and_(precision == DatePrecision.MONTH, date < after.replace(day=1)),
        and_(or_(precision == DatePrecision.DAY, precision.is_(None)), date <= day),
    )
