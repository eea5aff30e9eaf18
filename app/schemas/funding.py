"""Funding-share read shapes: each actor's percent of a forum's budget."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from app.models import FundingShare
from app.models.enums import DatePrecision
from app.schemas.actor import ActorRef
from app.schemas.common import CitationRead, InferredRead, Page, ReadModel, inferred_reads
from app.schemas.dates import format_partial
from app.schemas.descriptions import (
    DATE_DOC,
    DISPUTE_KEY,
    DISPUTED,
    INFERRED,
    SHARE_BASIS,
    SHARE_PCT,
    SHARE_REPORTED,
)


class FundingShareRead(ReadModel):
    id: int
    forum: str
    actor: ActorRef
    share_pct: Decimal = Field(description=SHARE_PCT)
    basis: str = Field(description=SHARE_BASIS)
    period_start: str | None = Field(description=DATE_DOC)
    period_start_precision: DatePrecision | None
    period_end: str | None = Field(description=DATE_DOC)
    period_end_precision: DatePrecision | None
    reported: str | None = Field(description=SHARE_REPORTED)
    reported_precision: DatePrecision | None
    disputed: bool = Field(description=DISPUTED)
    dispute: str | None = Field(description=DISPUTE_KEY)
    note: str | None
    citations: list[CitationRead]
    inferred: list[InferredRead] = Field(description=INFERRED)

    @classmethod
    def from_model(cls, row: FundingShare, *, lang: str = "en") -> FundingShareRead:
        return cls.trusted(
            id=row.id,
            forum=row.forum_code,
            actor=ActorRef.from_model(row.actor, lang=lang),
            share_pct=row.share_pct,
            basis=row.basis,
            period_start=format_partial(row.period_start_date, row.period_start_precision),
            period_start_precision=row.period_start_precision,
            period_end=format_partial(row.period_end_date, row.period_end_precision),
            period_end_precision=row.period_end_precision,
            reported=format_partial(row.reported_date, row.reported_precision),
            reported_precision=row.reported_precision,
            disputed=row.dispute is not None,
            dispute=row.dispute,
            note=row.note,
            citations=[CitationRead.from_model(c) for c in row.citations],
            inferred=inferred_reads(row.inferred),
        )


class FundingSharePage(Page[FundingShareRead]):
    total_pct: Decimal = Field(
        description="Sum of `share_pct` over every matching row (all pages). The sources' "
        "shares need not add up to 100 and are not adjusted."
    )
