"""The curated dataset's file format (``data/*.yaml``), validated before anything is loaded.

Each file is a YAML list. Dates are ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` and keep
that precision. Money and shares are decimal strings. Every fact lists at least one
citation: ``{source: <source id>, locator: <page or section>}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.dataset.base import (
    CitationEntry,
    Citations,
    DecimalString,
    Fact,
    PassageEntry,
    Record,
    is_decimal_string,
)
from app.dataset.programme_files import (
    GovernanceChangeEntry,
    MoneyRecordEntry,
    ParticipantCountEntry,
    ProgrammeEntry,
)
from app.models.enums import (
    ActorKind,
    AmountQualifier,
    Entity,
    EventKind,
    EventStatus,
    ForumKind,
    ForumScope,
    HolderStatus,
    HostRole,
    PledgeKind,
    PledgeScope,
    PledgeStatus,
    Role,
)
from app.schemas.codes import ISO3, ActorId, CurrencyCode, ForumCode, Slug, Text
from app.schemas.dates import PartialDateField


class SourceEntry(Fact):
    """``published_not_before`` / ``published_not_after`` bound an undated document by what
    its own text shows (a page reporting July 2021 as past was written after it).

    ``text`` names the file of the document's plain text in the folder of source texts
    (``Settings.source_texts``); every citation of such a source names its passage, and
    each of its dates names the passage of its own text it comes from
    (``published_passage`` ...)."""

    id: Slug
    title: Text
    publisher: Text
    published: PartialDateField | None = None
    published_passage: PassageEntry | None = None
    published_not_before: PartialDateField | None = None
    published_not_before_passage: PassageEntry | None = None
    published_not_after: PartialDateField | None = None
    published_not_after_passage: PassageEntry | None = None
    url: str | None = None
    language: str = "en"
    # Where a partner can find the document, or that no address is known (our words).
    availability: Text | None = None
    text: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+$")] | None = None
    description: Text | None = None
    # The document's own terms of use, only as the document states them.
    terms: Text | None = None


class ForumEntry(Fact):
    code: ForumCode
    name: Text
    name_es: Text | None = None
    aliases: list[Text] = Field(default_factory=list)
    kind: ForumKind
    scope: ForumScope
    region: Text | None = None
    founded: PartialDateField | None = None
    ended: PartialDateField | None = None
    parent: ForumCode | None = None
    predecessor: ForumCode | None = None
    website: str | None = None
    description: Text
    description_es: Text | None = None
    citations: Citations


class ActorEntry(Record):
    """A state gives only its ISO 3166-1 alpha-3 ``id``; names come from pycountry."""

    id: ActorId
    kind: ActorKind
    name: Text | None = None
    name_es: Text | None = None
    short_name: Text | None = None
    forum: ForumCode | None = None
    website: str | None = None
    citations: list[CitationEntry] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name_rules(cls, name: str | None, info: Any) -> str | None:
        kind = info.data.get("kind")
        actor_id = info.data.get("id", "")
        if kind == ActorKind.STATE:
            if name is not None:
                raise ValueError("a state's name comes from ISO 3166 (pycountry); leave it out")
            if not ISO3.match(actor_id):
                raise ValueError("a state's id is its ISO 3166-1 alpha-3 code")
        elif name is None:
            raise ValueError("an organisation needs a name")
        return name


class BoundEntry(Record):
    """A date the documents bound without stating it: ``{date: "2021-07", citations: [...]}``.

    ``not_before`` means on or after the first day of ``date``; ``not_after`` on or
    before its last day (for an end: see docs/time.md).
    """

    date: PartialDateField
    citations: Citations


class ParticipationEntry(Fact):
    """One claim shared by one or more actors: same forum, role, period and sources.

    An office recorded as empty or undecided has ``holder: vacant`` or ``holder:
    undecided`` and no ``actors``.
    """

    forum: ForumCode
    role: Role
    actors: list[ActorId] = Field(default_factory=list)
    holder: HolderStatus = HolderStatus.NAMED
    start: PartialDateField | None = None
    start_not_before: BoundEntry | None = None
    start_not_after: BoundEntry | None = None
    end: PartialDateField | None = None
    end_not_before: BoundEntry | None = None
    end_not_after: BoundEntry | None = None
    dispute: Slug | None = None
    note: Text | None = None
    theme: Text | None = None
    objectives: list[Text] = Field(default_factory=list)
    # The government departments that acted for a state in this role, as named.
    departments: list[Text] = Field(default_factory=list)
    # The documents speak of the role only as past ("in the 1980s"): they do not confirm
    # it as current at their own date (no last_confirmed bound; docs/time.md).
    spoken_of_as_past: bool = False
    citations: Citations

    @model_validator(mode="after")
    def _holder_or_actors(self) -> ParticipationEntry:
        if self.holder is HolderStatus.NAMED and not self.actors:
            raise ValueError("list the actors, or set holder: vacant or holder: undecided")
        if self.holder is not HolderStatus.NAMED and self.actors:
            raise ValueError(f"a {self.holder.value} office has no actors")
        return self


class FundingShareEntry(Fact):
    forum: ForumCode
    basis: Text
    shares: Annotated[
        dict[ActorId, Annotated[DecimalString, Field(ge=0, le=100)]], Field(min_length=1)
    ]
    period_start: PartialDateField | None = None
    period_end: PartialDateField | None = None
    reported: PartialDateField | None = None
    dispute: Slug | None = None
    note: Text | None = None
    citations: Citations

    @field_validator("shares", mode="before")
    @classmethod
    def _no_float_shares(cls, shares: Any) -> Any:
        if isinstance(shares, dict):
            for value in shares.values():
                is_decimal_string(value)
        return shares


class HostEntry(Record):
    actor: ActorId
    role: HostRole = HostRole.HOST
    dispute: Slug | None = None


class AmountEntry(Record):
    amount: Annotated[DecimalString, Field(gt=0)]
    currency: CurrencyCode
    qualifier: AmountQualifier = AmountQualifier.EXACT

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        return is_decimal_string(value)


class PledgeAmountEntry(AmountEntry):
    """A pledge's amount; ``currency_assumed: true`` when the source writes only "$" and
    the currency is read from context (an ``inferred`` note on ``amount`` says why)."""

    currency_assumed: bool = False


class TermEntry(Record):
    """A term the documents list an item under: the one participation claim of ``actor``
    as ``role`` of ``forum`` ("activities conducted under Canada as Chair")."""

    forum: ForumCode
    actor: ActorId
    role: Role


class EventEntry(Fact):
    """``parent`` makes the event one occurrence of a series (another event); ``term`` says
    the documents list it under someone's term. An event the documents do not date lies
    within its own ``not_before`` / ``not_after``, its series' dates and its term.

    ``status`` is ``held`` only when a cited passage reports the event held: that
    citation says so with ``states: [status]``. Otherwise it is ``announced``, however
    long ago its date."""

    id: Slug
    forum: ForumCode | None = None
    name: Text
    name_es: Text | None = None
    kind: EventKind
    start: PartialDateField | None = None
    end: PartialDateField | None = None
    place: Text | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    virtual: bool = False
    hosts: list[HostEntry] = Field(default_factory=list)
    announced_total: AmountEntry | None = None
    description: Text | None = None
    description_es: Text | None = None
    parent: Slug | None = None
    term: TermEntry | None = None
    not_before: PartialDateField | None = None
    not_after: PartialDateField | None = None
    status: EventStatus = EventStatus.ANNOUNCED
    topic: Text | None = None
    gcm_objectives: list[Annotated[int, Field(ge=1, le=23)]] = Field(default_factory=list)
    citations: Citations


class PledgeEntry(Fact):
    key: Slug
    pledgers: Annotated[list[ActorId], Field(min_length=1)]
    forum: ForumCode | None = None
    event: Slug | None = None
    kind: PledgeKind
    scope: PledgeScope | None = None
    amount: PledgeAmountEntry | None = None
    announced: PartialDateField | None = None
    status: PledgeStatus = PledgeStatus.ANNOUNCED
    gcm_objectives: list[Annotated[int, Field(ge=1, le=23)]] = Field(default_factory=list)
    title: Text
    description: Text | None = None
    citations: Citations


class ExchangeRateEntry(Record):
    currency: CurrencyCode
    period_start: PartialDateField
    period_end: PartialDateField
    usd_per_unit: Annotated[DecimalString, Field(gt=0)]
    basis: Text
    citations: Citations

    @field_validator("usd_per_unit", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        return is_decimal_string(value)


class DisputeSubjectEntry(Record):
    entity: Entity
    id: Text
    field: Text


class ClaimEntry(Record):
    value: Text
    note: Text | None = None
    citations: Citations


class DisputeEntry(Record):
    """A disagreement between documents; the disputed rows name it as their ``dispute``."""

    id: Slug
    subject: DisputeSubjectEntry
    summary: Text
    claims: Annotated[list[ClaimEntry], Field(min_length=2)]


class Dataset(BaseModel):
    """All curated files, parsed. Cross-file checks live in ``dataset.check``."""

    sources: list[SourceEntry]
    forums: list[ForumEntry]
    actors: list[ActorEntry]
    participations: list[ParticipationEntry] = Field(default_factory=list)
    funding_shares: list[FundingShareEntry] = Field(default_factory=list)
    events: list[EventEntry] = Field(default_factory=list)
    pledges: list[PledgeEntry] = Field(default_factory=list)
    exchange_rates: list[ExchangeRateEntry] = Field(default_factory=list)
    disputes: list[DisputeEntry] = Field(default_factory=list)
    programmes: list[ProgrammeEntry] = Field(default_factory=list)
    money_records: list[MoneyRecordEntry] = Field(default_factory=list)
    participant_counts: list[ParticipantCountEntry] = Field(default_factory=list)
    governance_changes: list[GovernanceChangeEntry] = Field(default_factory=list)
    # The day the curated data last changed (data/dataset.yaml, ``updated``).
    updated: dt.date | None = None
    # Where each entry (and each of its keys) starts in its file, when read from files:
    # file name -> one {key: line} per entry, "" being the entry's own line.
    _lines: dict[str, list[dict[str, int]]] = PrivateAttr(default_factory=dict)

    @property
    def lines(self) -> dict[str, list[dict[str, int]]]:
        return self._lines

    @lines.setter
    def lines(self, value: dict[str, list[dict[str, int]]]) -> None:
        self._lines = value


# The list files, one per entity; ``updated`` comes from dataset.yaml, the dataset's own metadata.
DATASET_FILES = tuple(name for name in Dataset.model_fields if name != "updated")
