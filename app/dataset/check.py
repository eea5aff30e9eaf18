"""The curated files checked together, without a database (``migov data validate``).

``check_dataset`` runs the cross-file checks on what ``dataset.read`` parsed: every
reference resolves, every fact cites a known source (and its passage, where the
source's text is at hand: ``dataset.citations``), periods end after they start,
natural keys (``dataset.keys``) are unique, a dispute has claims from two sources,
every actor is mentioned by a cited fact, and a participation's time bounds
(``dataset.terms``, ``services.periods``, docs/time.md) agree with each other, its
forum and its documents. It never stops at the first problem: the report lists them
all, with file and line where known.

Apart from the problems, the report lists the entries with no Spanish name (or no
Spanish description beside an English one): the API then serves them in English and
says so, which is honest but not what the curated files promise. ``migov data
validate`` prints them, and a test keeps the curated files free of them; a small or
partial dataset (a test's, a partner's draft) still loads without them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from app.dataset.checker import Checker, CheckReport, ShareSum, place
from app.dataset.citations import check_inferred, check_passages
from app.dataset.files import (
    ActorEntry,
    Dataset,
    EventEntry,
    ExchangeRateEntry,
    ForumEntry,
    FundingShareEntry,
    ParticipationEntry,
    PledgeEntry,
)
from app.dataset.keys import funding_share_key, holders, participation_key
from app.dataset.passages import SourceTexts
from app.dataset.terms import all_source_dates, participation_period, term_claims, term_windows
from app.dataset.time_checks import TimeContext, check_facts
from app.models.enums import ActorKind
from app.schemas.codes import ISO3
from app.services import periods
from app.standards.iso import is_country, is_currency


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
    start_highs = [
        day
        for day in (
            entry.start.last_day() if entry.start else None,
            entry.start_not_after.date.last_day() if entry.start_not_after else None,
        )
        if day is not None
    ]
    end_highs = [
        day
        for day in (
            periods.end_range(entry.end)[1] if entry.end else None,
            periods.end_range(entry.end_not_after.date)[1] if entry.end_not_after else None,
        )
        if day is not None
    ]
    if start_highs and end_highs and min(start_highs) > min(end_highs):
        problems.append(
            f"{'start_not_after' if entry.start_not_after else 'start'}: its start may be as "
            f"late as {min(start_highs)}, after the latest day it may end ({min(end_highs)}): "
            "a start's bounds never lie after its end's"
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


def check_dataset(
    dataset: Dataset, texts: SourceTexts | None = None, *, today: dt.date | None = None
) -> CheckReport:
    """Cross-file checks: references resolve, dates are ordered, nothing is duplicated,
    every citation names its passage, the day the data last changed is not after
    ``today`` (UTC by default); with ``texts``, every passage's digest is recomputed."""
    report = CheckReport()
    checker = Checker(dataset, report)
    today = today or dt.datetime.now(dt.UTC).date()
    if dataset.updated is not None and dataset.updated > today:
        # The front door shows this day as the data's last change: it cannot be ahead.
        report.problems.append(
            f"dataset.yaml: updated {dataset.updated.isoformat()} is in the future "
            f"(today is {today.isoformat()})"
        )
    checker.duplicates("sources", (s.id for s in dataset.sources))
    checker.duplicates("forums", (f.code for f in dataset.forums))
    checker.duplicates("actors", (a.id for a in dataset.actors))
    checker.duplicates("events", (e.id for e in dataset.events))
    checker.duplicates("pledges", (p.key for p in dataset.pledges))
    _check_forums(checker, dataset.forums)
    _check_actors(checker, dataset.actors)
    source_dates = _check_sources(checker, dataset)
    participations = _check_participations(checker, dataset, source_dates)
    _check_disputes(checker, dataset)
    shares = _check_funding_shares(checker, dataset.funding_shares)
    _check_events(checker, dataset.events)
    _check_pledges(checker, dataset.pledges)
    _check_exchange_rates(checker, dataset.exchange_rates)
    report.untranslated = untranslated(dataset)
    check_facts(
        checker,
        dataset,
        place,
        TimeContext(
            terms=term_windows(dataset, source_dates),
            claims={key: len(claims) for key, claims in term_claims(dataset).items()},
            sources=source_dates,
        ),
    )
    passage_report = check_passages(checker, dataset, place, texts)
    check_inferred(checker, dataset, place)
    report.passages_checked = passage_report.checked
    report.passages_note = passage_report.note
    for actor in dataset.actors:
        if actor.id not in checker.referenced_actors:
            report.problems.append(
                f"actor {actor.id}: no cited fact mentions it (cite it or remove it)"
            )
    report.counts = {
        "sources": len(dataset.sources),
        "forums": len(dataset.forums),
        "actors": len(dataset.actors),
        "participations": participations,
        "funding_shares": shares,
        "events": len(dataset.events),
        "pledges": len(dataset.pledges),
        "exchange_rates": len(dataset.exchange_rates),
        "disputes": len(dataset.disputes),
        "programmes": len(dataset.programmes),
        "money_records": len(dataset.money_records),
        "participant_counts": len(dataset.participant_counts),
        "governance_changes": len(dataset.governance_changes),
    }
    return report


def _check_forums(checker: Checker, forums: Sequence[ForumEntry]) -> None:
    for forum in forums:
        where = f"forum {forum.code}"
        checker.cited(where, forum.citations)
        checker.forum_ref(where, forum.parent)
        checker.forum_ref(where, forum.predecessor)
        checker.ordered(where, forum.founded, forum.ended)
        if forum.parent == forum.code:
            checker.problem(f"{where}: is its own parent")
    parents = {f.code: f.parent for f in forums}
    for code in parents:
        seen: set[str] = set()
        cursor: str | None = code
        while cursor is not None and cursor not in seen:
            seen.add(cursor)
            cursor = parents.get(cursor)
        if cursor is not None:
            checker.problem(f"forum {code}: parent chain loops")


def _check_actors(checker: Checker, actors: Sequence[ActorEntry]) -> None:
    for actor in actors:
        where = f"actor {actor.id}"
        checker.cited(where, actor.citations)
        checker.forum_ref(where, actor.forum)
        if actor.kind == ActorKind.STATE and not is_country(actor.id):
            checker.problem(f"{where}: not an ISO 3166-1 alpha-3 code")
        if actor.citations:
            checker.referenced_actors.add(actor.id)


def _check_sources(checker: Checker, dataset: Dataset) -> dict[str, periods.SourceDates]:
    """A source's date bounds must agree; returns the days each source may date from."""
    source_dates = all_source_dates(dataset)
    for index, source in enumerate(dataset.sources):
        dates = source_dates[source.id]
        if dates.earliest and dates.latest and dates.latest < dates.earliest:
            checker.problem(
                f"{place(dataset, 'sources', index)} ({source.id}): its date bounds contradict "
                f"each other ({dates.earliest} to {dates.latest})"
            )
    return source_dates


def _check_participations(
    checker: Checker, dataset: Dataset, source_dates: dict[str, periods.SourceDates]
) -> int:
    """Checks each claim and its time bounds; returns how many participation rows they make."""
    forum_entries = {f.code: f for f in dataset.forums}
    keys: list[str] = []
    for index, entry in enumerate(dataset.participations):
        where = f"{place(dataset, 'participations', index)} ({entry.forum} {entry.role.value})"
        checker.cited(where, entry.citations)
        for bound in (
            entry.start_not_before,
            entry.start_not_after,
            entry.end_not_before,
            entry.end_not_after,
        ):
            if bound is not None:
                checker.cited(where, bound.citations)
        checker.forum_ref(where, entry.forum)
        checker.ordered(where, entry.start, entry.end)
        checker.duplicates(f"{where} actors", entry.actors)
        forum_entry = forum_entries.get(entry.forum)
        period = participation_period(entry, forum_entry, source_dates)
        for text in periods.period_problems(period) + _bound_problems(
            entry, forum_entry, source_dates
        ):
            checker.problem(f"{where}: {text}")
        for actor_id in entry.actors:
            checker.actor_ref(where, actor_id)
        if entry.departments and any(not ISO3.match(a) for a in entry.actors):
            checker.problem(f"{where}: only a state's role names the departments that acted for it")
        keys.extend(participation_key(entry, a) for a in holders(entry))
    checker.duplicates("participations", keys)
    return len(keys)


def _check_disputes(checker: Checker, dataset: Dataset) -> None:
    """A dispute needs claims from two sources at least, and a record in disputes.yaml;
    every recorded dispute flags some row, and its claims differ."""
    disputes: dict[str, list[str]] = defaultdict(list)
    for entry in dataset.participations:
        if entry.dispute:
            disputes[entry.dispute].extend(c.source for c in entry.citations)
    for dispute, dispute_sources in disputes.items():
        if len(set(dispute_sources)) < 2:
            checker.problem(
                f"dispute {dispute!r}: a dispute needs claims from at least two sources"
            )
    recorded = {d.id for d in dataset.disputes}
    checker.duplicates("disputes", (d.id for d in dataset.disputes))
    for index, dispute_entry in enumerate(dataset.disputes):
        where = f"{place(dataset, 'disputes', index)} ({dispute_entry.id})"
        for claim in dispute_entry.claims:
            checker.cited(where, claim.citations)
        if len({claim.value for claim in dispute_entry.claims}) < len(dispute_entry.claims):
            checker.problem(f"{where}: two claims say the same thing")
    linked = {
        *disputes,
        *(s.dispute for s in dataset.funding_shares if s.dispute),
        *(h.dispute for e in dataset.events for h in e.hosts if h.dispute),
    }
    for dispute in sorted(linked - recorded):
        checker.problem(f"dispute {dispute!r}: not recorded in disputes.yaml")
    for dispute in sorted(recorded - linked):
        checker.problem(f"dispute {dispute!r}: no row is flagged with it")


def _check_funding_shares(checker: Checker, entries: Sequence[FundingShareEntry]) -> int:
    """Checks each table of shares and sums it up; returns how many share rows they make."""
    keys: list[str] = []
    for index, share in enumerate(entries):
        where = f"funding_shares entry {index} ({share.forum})"
        checker.cited(where, share.citations)
        checker.forum_ref(where, share.forum)
        checker.ordered(where, share.period_start, share.period_end)
        for actor_id in share.shares:
            checker.actor_ref(where, actor_id)
            keys.append(funding_share_key(share.forum, share.basis, share.period_start, actor_id))
        checker.report.share_sums.append(
            ShareSum(
                share.forum, share.basis, sum(share.shares.values(), Decimal(0)), len(share.shares)
            )
        )
    checker.duplicates("funding shares", keys)
    return len(keys)


def untranslated(dataset: Dataset) -> list[str]:
    """The forums, organisations, events and programmes whose name, or description, has
    no Spanish form. A state's Spanish name comes from ISO 3166 (pycountry), and a
    person's is their name (``dataset.load``), not from the file."""
    rows: list[tuple[str, str | None, str | None, str | None]] = [
        (f"forum {f.code}", f.name_es, f.description, f.description_es) for f in dataset.forums
    ]
    rows += [
        (f"actor {a.id}", a.name_es, None, None)
        for a in dataset.actors
        if a.kind not in (ActorKind.STATE, ActorKind.PERSON)
    ]
    rows += [(f"event {e.id}", e.name_es, e.description, e.description_es) for e in dataset.events]
    rows += [
        (f"programme {p.id}", p.name_es, p.description, p.description_es)
        for p in dataset.programmes
    ]
    missing = []
    for where, name_es, description, description_es in rows:
        if not name_es:
            missing.append(f"{where}: no name_es (its name in Spanish)")
        if description and not description_es:
            missing.append(f"{where}: no description_es (its description in Spanish)")
    return missing


def _check_events(checker: Checker, events: Sequence[EventEntry]) -> None:
    for event in events:
        where = f"event {event.id}"
        checker.cited(where, event.citations)
        checker.forum_ref(where, event.forum)
        checker.ordered(where, event.start, event.end)
        if event.country is not None and not is_country(event.country):
            checker.problem(f"{where}: country {event.country!r} is not ISO 3166-1 alpha-3")
        if event.announced_total and not is_currency(event.announced_total.currency):
            checker.problem(f"{where}: {event.announced_total.currency!r} is not ISO 4217")
        checker.duplicates(f"{where} hosts", (h.actor for h in event.hosts))
        for host in event.hosts:
            checker.actor_ref(where, host.actor)


def _check_pledges(checker: Checker, pledges: Sequence[PledgeEntry]) -> None:
    for pledge in pledges:
        where = f"pledge {pledge.key}"
        checker.cited(where, pledge.citations)
        checker.forum_ref(where, pledge.forum)
        if pledge.event is not None and pledge.event not in checker.events:
            checker.problem(f"{where}: unknown event {pledge.event!r}")
        if pledge.forum is None and pledge.event is None:
            checker.problem(f"{where}: needs a forum or an event")
        checker.duplicates(f"{where} pledgers", pledge.pledgers)
        for actor_id in pledge.pledgers:
            checker.actor_ref(where, actor_id)
        if pledge.kind == "financial" and pledge.amount is None:
            checker.problem(f"{where}: a financial pledge needs an amount")
        if pledge.amount and not is_currency(pledge.amount.currency):
            checker.problem(f"{where}: {pledge.amount.currency!r} is not ISO 4217")


def _check_exchange_rates(checker: Checker, rates: Sequence[ExchangeRateEntry]) -> None:
    keys = []
    for rate in rates:
        where = f"exchange rate {rate.currency} {rate.period_start.date}"
        checker.cited(where, rate.citations)
        if not is_currency(rate.currency):
            checker.problem(f"{where}: {rate.currency!r} is not ISO 4217")
        if rate.period_end.last_day() < rate.period_start.date:
            checker.problem(f"{where}: period ends before it starts")
        keys.append(f"{rate.currency}/{rate.period_start.date}")
    checker.duplicates("exchange rates", keys)
