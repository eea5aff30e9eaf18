"""Participation and funding-share read shapes."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from app.models import FundingShare, Participation
from app.models.enums import DatePrecision, Role
from app.schemas.actor import ActorRef
from app.schemas.common import CitationRead, Page, ReadModel, precision
from app.schemas.dates import format_partial

DATE_DOC = "ISO 8601 cut to its precision (`2017`, `2021-07`, `2022-09-21`); null when unknown."


class ParticipationRead(ReadModel):
    id: int
    forum: str = Field(description="Forum code.")
    actor: ActorRef
    role: Role
    start: str | None = Field(description=f"First day in the role. {DATE_DOC}")
    start_precision: DatePrecision | None
    end: str | None = Field(description=f"Day the role ended (exclusive). {DATE_DOC}")
    end_precision: DatePrecision | None
    disputed: bool = Field(description="Sources disagree about this fact; see `dispute`.")
    dispute: str | None = Field(description="Key shared by the competing claims of one dispute.")
    note: str | None
    citations: list[CitationRead]

    @classmethod
    def from_model(cls, row: Participation, *, lang: str = "en") -> ParticipationRead:
        return cls.trusted(
            id=row.id,
            forum=row.forum_code,
            actor=ActorRef.from_model(row.actor, lang=lang),
            role=Role(row.role),
            start=format_partial(row.start_date, row.start_precision),
            start_precision=precision(row.start_precision),
            end=format_partial(row.end_date, row.end_precision),
            end_precision=precision(row.end_precision),
            disputed=row.dispute is not None,
            dispute=row.dispute,
            note=row.note,
            citations=[CitationRead.from_model(c) for c in row.citations],
        )


class FundingShareRead(ReadModel):
    id: int
    forum: str
    actor: ActorRef
    share_pct: Decimal = Field(description="Percent of the forum's budget, exact decimal string.")
    basis: str = Field(description="What budget the share is of.")
    period_start: str | None = Field(description=DATE_DOC)
    period_start_precision: DatePrecision | None
    period_end: str | None = Field(description=DATE_DOC)
    period_end_precision: DatePrecision | None
    reported: str | None = Field(description=f"When the source reported the share. {DATE_DOC}")
    reported_precision: DatePrecision | None
    disputed: bool
    note: str | None
    citations: list[CitationRead]

    @classmethod
    def from_model(cls, row: FundingShare, *, lang: str = "en") -> FundingShareRead:
        return cls.trusted(
            id=row.id,
            forum=row.forum_code,
            actor=ActorRef.from_model(row.actor, lang=lang),
            share_pct=row.share_pct,
            basis=row.basis,
            period_start=format_partial(row.period_start_date, row.period_start_precision),
            period_start_precision=precision(row.period_start_precision),
            period_end=format_partial(row.period_end_date, row.period_end_precision),
            period_end_precision=precision(row.period_end_precision),
            reported=format_partial(row.reported_date, row.reported_precision),
            reported_precision=precision(row.reported_precision),
            disputed=row.dispute is not None,
            note=row.note,
            citations=[CitationRead.from_model(c) for c in row.citations],
        )


class FundingSharePage(Page[FundingShareRead]):
    total_pct: Decimal = Field(
        description="Sum of `share_pct` over every matching row (all pages). The sources' "
        "shares need not add up to 100 and are not adjusted."
    )
