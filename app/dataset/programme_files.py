"""File formats of the curated facts beyond forums, actors and pledges (``data/*.yaml``).

Programmes (``programmes.yaml``), money records that are not pledges
(``money_records.yaml``), counts of unnamed participants (``participant_counts.yaml``)
and governance changes (``governance_changes.yaml``). Same rules as
``dataset.files``: dates keep their precision, money is a quoted decimal, every
fact cites at least one source.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from app.dataset.base import (
    Citations,
    DecimalString,
    Fact,
    Record,
    is_decimal_string,
)
from app.models.enums import ActorKind, MoneyKind, MoneyQualifier, ProgrammeKind, Role
from app.schemas.codes import ActorId, CurrencyCode, ForumCode, Slug, Text
from app.schemas.dates import PartialDateField


class ProgrammeEntry(Fact):
    """A fund, programme, initiative, plan, campaign or tool; ``parent`` for a plan's parts.

    ``start_not_before`` / ``start_not_after`` bound a start the documents only place
    ("a 27-year-old organisation" in a 2021 report), ``end_not_before`` /
    ``end_not_after`` an end. ``proposed`` is when it was first called for: it is not in
    effect before then. A part with no dates of its own lies within its plan's.
    """

    id: Slug
    name: Text
    name_es: Text | None = None
    aliases: list[Text] = Field(default_factory=list)
    kind: ProgrammeKind
    owner_actor: ActorId | None = None
    owner_forum: ForumCode | None = None
    forum: ForumCode | None = None
    parent: Slug | None = None
    predecessor: Slug | None = None
    start: PartialDateField | None = None
    start_not_before: PartialDateField | None = None
    start_not_after: PartialDateField | None = None
    end: PartialDateField | None = None
    end_not_before: PartialDateField | None = None
    end_not_after: PartialDateField | None = None
    proposed: PartialDateField | None = None
    description: Text
    description_es: Text | None = None
    details: dict[str, Any] | None = None
    note: Text | None = None
    citations: Citations


class MoneyRecordEntry(Fact):
    """Money that is neither a pledge nor a share of a forum's budget.

    ``currency_assumed: true`` when the source writes only "$" and the currency is read
    from context. A record may have no amount (a contribution stated in words) or a
    ``share_pct`` of someone's money instead.
    """

    id: Slug
    kind: MoneyKind
    payer: ActorId | None = None
    recipient: ActorId | None = None
    recipient_forum: ForumCode | None = None
    recipient_description: Text | None = None
    forum: ForumCode | None = None
    programme: Slug | None = None
    purpose: Text | None = None
    amount: Annotated[DecimalString, Field(gt=0)] | None = None
    currency: CurrencyCode | None = None
    currency_assumed: bool = False
    qualifier: MoneyQualifier | None = None
    share_pct: Annotated[DecimalString, Field(ge=0, le=100)] | None = None
    period_start: PartialDateField | None = None
    period_end: PartialDateField | None = None
    duration_months: int | None = None
    reported: PartialDateField | None = None
    description: Text
    note: Text | None = None
    citations: Citations

    @field_validator("amount", "share_pct", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        return is_decimal_string(value)


class ParticipantCountEntry(Fact):
    """How many actors of a kind held a role, as reported on a date; ``count`` omitted
    when the source says only "many"."""

    id: Slug
    forum: ForumCode | None = None
    event: Slug | None = None
    role: Role
    actor_kind: ActorKind | None = None
    count: int | None = None
    reported: PartialDateField | None = None
    description: Text
    citations: Citations


class DutyEntry(Record):
    role: Role
    duty: Text


class GovernanceChangeEntry(Fact):
    """A change in how a forum is run, dated or only bounded (``not_before`` / ``not_after``)."""

    id: Slug
    forum: ForumCode
    name: Text
    introduced: PartialDateField | None = None
    not_before: PartialDateField | None = None
    not_after: PartialDateField | None = None
    introduced_by: ActorId | None = None
    duties: list[DutyEntry] = Field(default_factory=list)
    description: Text
    citations: Citations
