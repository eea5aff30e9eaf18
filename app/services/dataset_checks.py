"""The curated dataset's files, read and checked without a database (``migov data validate``).

* ``read_dataset`` parses ``data/*.yaml`` into a ``Dataset`` (``schemas.dataset``
  holds each file's format); errors name the file and the entry's position.
* ``check_dataset`` runs the cross-file checks: every reference resolves, every
  fact cites a known source, periods end after they start, natural keys are
  unique, a dispute has claims from two sources, every actor is mentioned by a
  cited fact, and a participation's time bounds (``services.periods``, docs/time.md)
  agree with each other, its forum and its documents. It never stops at the
  first problem: the report lists them all, with file and line where known.
* ``participation_key`` and ``funding_share_key`` are the natural keys the
  loader (``services.dataset``) matches rows by; ``holders`` and
  ``participation_period`` give it a claim's rows and bounds, as checked here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.errors import InvalidInput
from app.iso import is_country, is_currency
from app.models.enums import ActorKind, HolderStatus
from app.schemas.dataset import (
    DATASET_FILES,
    ActorEntry,
    BoundEntry,
    Dataset,
    EventEntry,
    ExchangeRateEntry,
    ForumEntry,
    FundingShareEntry,
    ParticipationEntry,
    PledgeEntry,
)
from app.schemas.dataset_base import ISO3, CitationEntry
from app.schemas.dates import PartialDate
from app.services import periods
from app.services.citation_checks import check_inferred, check_passages
from app.services.fact_bounds import Term, TermKey, citation_pairs
from app.services.fact_checks import TimeContext, check_facts
from app.services.passages import SourceTexts

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"


EntryLines = list[dict[str, int]]


def _entry_lines(text: str) -> EntryLines:
    """For each entry of a YAML list: its first line (key ``""``) and the line of each key,
    nested ones by their dotted path (``citations.1.passage``)."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.SequenceNode):
        return []
    lines: EntryLines = []
    for node in root.value:
        entry = {"": node.start_mark.line + 1}
        _node_lines(node, "", entry)
        lines.append(entry)
    return lines


def _node_lines(node: yaml.Node, prefix: str, into: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}{key.value}"
            into[path] = key.start_mark.line + 1
            _node_lines(value, f"{path}.", into)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            path = f"{prefix}{position}"
            into[path] = item.start_mark.line + 1
            _node_lines(item, f"{path}.", into)


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
    # How many passage digests were recomputed, and a sentence saying so (or that the
    # texts were not at hand and the digests went unchecked).
    passages_checked: int = 0
    passages_note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


class _Checker:
    """Collects problems; the helpers every entity's checks share."""

    def __init__(self, dataset: Dataset, report: CheckReport) -> None:
        self.report = report
        self.problem = report.problems.append
        self.sources = {s.id for s in dataset.sources}
        self.forums = {f.code for f in dataset.forums}
        self.actors = {a.id for a in dataset.actors}
        self.events = {e.id for e in dataset.events}
        # Actors some cited fact mentions; an actor no fact mentions is a problem.
        self.referenced_actors: set[str] = set()

    def duplicates(self, kind: str, keys: Iterable[str]) -> None:
        for key, count in Counter(keys).items():
            if count > 1:
                self.problem(f"{kind}: {key!r} appears {count} times")

    def cited(self, where: str, citations: Sequence[CitationEntry]) -> None:
        for citation in citations:
            if citation.source not in self.sources:
                self.problem(f"{where}: cites unknown source {citation.source!r}")
        keys = [(c.source, c.locator, c.passage) for c in citations]
        if len(set(keys)) != len(keys):
            self.problem(f"{where}: the same citation is listed twice")

    def forum_ref(self, where: str, code: str | None) -> None:
        if code is not None and code not in self.forums:
            self.problem(f"{where}: unknown forum {code!r}")

    def actor_ref(self, where: str, actor_id: str) -> None:
        if actor_id not in self.actors:
            self.problem(f"{where}: unknown actor {actor_id!r}")
        self.referenced_actors.add(actor_id)

    def ordered(self, where: str, start: PartialDate | None, end: PartialDate | None) -> None:
        if start is not None and end is not None and end.date < start.date:
            self.problem(f"{where}: ends ({end.date}) before it starts ({start.date})")


def check_dataset(dataset: Dataset, texts: SourceTexts | None = None) -> CheckReport:
    """Cross-file checks: references resolve, dates are ordered, nothing is duplicated,
    every citation names its passage; with ``texts``, every passage's digest is recomputed."""
    report = CheckReport()
    checker = _Checker(dataset, report)
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
    check_facts(
        checker,
        dataset,
        _where,
        TimeContext(
            terms=term_windows(dataset, source_dates),
            claims={key: len(claims) for key, claims in term_claims(dataset).items()},
            sources=source_dates,
        ),
    )
    passage_report = check_passages(checker, dataset, _where, texts)
    check_inferred(checker, dataset, _where)
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


def _check_forums(checker: _Checker, forums: Sequence[ForumEntry]) -> None:
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


def _check_actors(checker: _Checker, actors: Sequence[ActorEntry]) -> None:
    for actor in actors:
        where = f"actor {actor.id}"
        checker.cited(where, actor.citations)
        checker.forum_ref(where, actor.forum)
        if actor.kind == ActorKind.STATE and not is_country(actor.id):
            checker.problem(f"{where}: not an ISO 3166-1 alpha-3 code")
        if actor.citations:
            checker.referenced_actors.add(actor.id)


def _check_sources(checker: _Checker, dataset: Dataset) -> dict[str, periods.SourceDates]:
    """A source's date bounds must agree; returns the days each source may date from."""
    source_dates = all_source_dates(dataset)
    for index, source in enumerate(dataset.sources):
        dates = source_dates[source.id]
        if dates.earliest and dates.latest and dates.latest < dates.earliest:
            checker.problem(
                f"{_where(dataset, 'sources', index)} ({source.id}): its date bounds contradict "
                f"each other ({dates.earliest} to {dates.latest})"
            )
    return source_dates


def _check_participations(
    checker: _Checker, dataset: Dataset, source_dates: dict[str, periods.SourceDates]
) -> int:
    """Checks each claim and its time bounds; returns how many participation rows they make."""
    forum_entries = {f.code: f for f in dataset.forums}
    keys: list[str] = []
    for index, entry in enumerate(dataset.participations):
        where = f"{_where(dataset, 'participations', index)} ({entry.forum} {entry.role.value})"
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


def _check_disputes(checker: _Checker, dataset: Dataset) -> None:
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
        where = f"{_where(dataset, 'disputes', index)} ({dispute_entry.id})"
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


def _check_funding_shares(checker: _Checker, entries: Sequence[FundingShareEntry]) -> int:
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


def _check_events(checker: _Checker, events: Sequence[EventEntry]) -> None:
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


def _check_pledges(checker: _Checker, pledges: Sequence[PledgeEntry]) -> None:
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


def _check_exchange_rates(checker: _Checker, rates: Sequence[ExchangeRateEntry]) -> None:
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


def funding_share_key(forum: str, basis: str, start: PartialDate | None, actor_id: str) -> str:
    slug = "-".join(basis.lower().split())
    return f"{forum}/{actor_id}/{slug}/{start.date.isoformat() if start else '-'}"
