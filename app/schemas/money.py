"""Money record read shapes, and their totals by forum, programme, kind and currency."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from app.models import MoneyRecord
from app.models.enums import DatePrecision, MoneyKind, MoneyQualifier
from app.schemas.common import CitationRead, InferredRead, ReadModel, inferred_reads
from app.schemas.dates import format_partial
from app.schemas.descriptions import DATE_DOC, EXACT_DECIMAL, INFERRED, ISO_4217

CURRENCY_ASSUMED = (
    "`true` when the source writes only '$' and the currency is read from context (see `note`)."
)
QUALIFIER = (
    "How the source states the amount or share: `exact`, `approximately`, `at_least`, "
    "`over` or `under`."
)


class MoneyRecordRead(ReadModel):
    id: str
    kind: MoneyKind
    payer: str | None = Field(description="Actor id of who pays, where named.")
    recipient: str | None = Field(description="Actor id of who receives, where named.")
    recipient_forum: str | None = Field(description="Forum receiving it, where named.")
    recipient_description: str | None = Field(
        description="Who receives it, in words, when no actor or forum is named."
    )
    forum: str | None = Field(description="The forum the record is about.")
    programme: str | None = Field(description="The programme the record is about.")
    purpose: str | None
    amount: Decimal | None = Field(description=EXACT_DECIMAL)
    currency: str | None = Field(description=ISO_4217)
    currency_assumed: bool = Field(description=CURRENCY_ASSUMED)
    qualifier: MoneyQualifier | None = Field(description=QUALIFIER)
    share_pct: Decimal | None = Field(
        description="A share of someone's money, in percent, where the source gives one "
        "instead of an amount."
    )
    period_start: str | None = Field(description=DATE_DOC)
    period_start_precision: DatePrecision | None
    period_end: str | None = Field(description=DATE_DOC)
    period_end_precision: DatePrecision | None
    duration_months: int | None = Field(
        description="How long the amount is spread over, when the source gives a length."
    )
    reported: str | None = Field(
        description="The date the figure stands as of ('recorded by 1994'), at its precision."
    )
    reported_precision: DatePrecision | None
    description: str
    note: str | None
    citations: list[CitationRead]
    inferred: list[InferredRead] = Field(description=INFERRED)

    @classmethod
    def from_model(cls, record: MoneyRecord) -> MoneyRecordRead:
        return cls.trusted(
            id=record.id,
            kind=MoneyKind(record.kind),
            payer=record.payer_actor_id,
            recipient=record.recipient_actor_id,
            recipient_forum=record.recipient_forum_code,
            recipient_description=record.recipient_description,
            forum=record.forum_code,
            programme=record.programme_id,
            purpose=record.purpose,
            amount=record.amount,
            currency=record.currency,
            currency_assumed=record.currency_assumed,
            qualifier=None if record.qualifier is None else MoneyQualifier(record.qualifier),
            share_pct=record.share_pct,
            period_start=format_partial(record.period_start_date, record.period_start_precision),
            period_start_precision=record.period_start_precision,
            period_end=format_partial(record.period_end_date, record.period_end_precision),
            period_end_precision=record.period_end_precision,
            duration_months=record.duration_months,
            reported=format_partial(record.reported_date, record.reported_precision),
            reported_precision=record.reported_precision,
            description=record.description,
            note=record.note,
            citations=[CitationRead.from_model(c) for c in record.citations],
            inferred=inferred_reads(record.inferred),
        )


class MoneyTotalRead(ReadModel):
    """Money records of one forum (or programme), kind and currency, summed."""

    forum: str | None = Field(description="Forum the records are about (null: none).")
    programme: str | None = Field(description="Programme the records are about (null: none).")
    kind: MoneyKind
    currency: str | None = Field(description="ISO 4217; null for records with no amount.")
    count: int = Field(description="Records in the group.")
    total: Decimal | None = Field(
        description="Sum of their amounts in `currency`; null when none has an amount. "
        "Amounts stated as approximate or as floors are summed as stated."
    )
    currency_assumed: bool = Field(description="`true` when any record's currency is assumed.")
    total_currency_assumed: Decimal | None = Field(
        default=None,
        description="Of `total`, what rests on an assumed currency (records with "
        "`currency_assumed`); null exactly when `total` is.",
    )


class MoneySummary(ReadModel):
    groups: list[MoneyTotalRead] = Field(
        description="One row per forum, programme, kind and currency, in that order."
    )
