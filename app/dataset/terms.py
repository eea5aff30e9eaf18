"""A curated claim's time bounds as the checks judge them and the loader stores them
(``services.periods``, docs/time.md): each source's dates, a participation's explicit
bounds, and the windows of terms that bound other facts.
"""

from __future__ import annotations

from collections import defaultdict

from app.dataset.bounds import Term, TermKey, citation_pairs
from app.dataset.files import BoundEntry, Dataset, ForumEntry, ParticipationEntry
from app.services import periods


def all_source_dates(dataset: Dataset) -> dict[str, periods.SourceDates]:
    return {
        s.id: periods.source_dates(s.published, s.published_not_before, s.published_not_after)
        for s in dataset.sources
    }


def _explicit(bound: BoundEntry | None) -> periods.ExplicitBound | None:
    if bound is None:
        return None
    return periods.ExplicitBound(bound.date, citation_pairs(bound.citations))


def stating(entry: ParticipationEntry, field: str) -> tuple[periods.CitationPair, ...]:
    """The citations a stated ``start`` or ``end`` rests on: those whose passage says it
    states the field (``states``), else every citation of the claim."""
    marked = [c for c in entry.citations if field in c.states]
    return citation_pairs(marked or entry.citations)


def participation_period(
    entry: ParticipationEntry,
    forum: ForumEntry | None,
    sources: dict[str, periods.SourceDates],
) -> periods.Period:
    """The bounds of one claim (``services.periods``), from the files alone."""
    return periods.derive_period(
        start=entry.start,
        end=entry.end,
        start_citations=stating(entry, "start"),
        end_citations=stating(entry, "end"),
        start_not_before=_explicit(entry.start_not_before),
        start_not_after=_explicit(entry.start_not_after),
        end_not_before=_explicit(entry.end_not_before),
        end_not_after=_explicit(entry.end_not_after),
        forum_founded=forum.founded if forum else None,
        forum_ended=forum.ended if forum else None,
        forum_citations=[(c.source, c.locator) for c in forum.citations] if forum else (),
        cited={c.source: sources[c.source] for c in entry.citations if c.source in sources},
        confirmed_current=not entry.spoken_of_as_past,
    )


def term_claims(dataset: Dataset) -> dict[TermKey, list[ParticipationEntry]]:
    """Every participation claim, under each (forum, actor, role) it makes."""
    claims: dict[TermKey, list[ParticipationEntry]] = defaultdict(list)
    for entry in dataset.participations:
        for actor_id in entry.actors:
            claims[(entry.forum, actor_id, entry.role.value)].append(entry)
    return claims


def term_windows(dataset: Dataset, sources: dict[str, periods.SourceDates]) -> dict[TermKey, Term]:
    """The terms items may be listed under: each (forum, actor, role) that one claim
    makes, from the earliest day it may start to the latest day it may end."""
    forums = {f.code: f for f in dataset.forums}
    terms = {}
    for key, claims in term_claims(dataset).items():
        if len(claims) == 1:
            period = participation_period(claims[0], forums.get(key[0]), sources)
            terms[key] = Term(
                period.start_earliest, period.end_latest, citation_pairs(claims[0].citations)
            )
    return terms
