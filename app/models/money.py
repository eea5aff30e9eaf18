"""Money records: budgets, fees, costs, recorded totals and contributions that are not pledges.

A record may name who pays and who receives (an actor, a forum or a programme on
each side, all optional), the forum or programme it concerns, and an amount in
its ISO 4217 currency, flagged ``currency_assumed`` when the source writes only
"$". A record with no amount keeps what the source states qualitatively, or a
share (``share_pct``) of someone's money.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import (
    Base,
    InferredMixin,
    Money,
    Percent,
    TimestampMixin,
    dated,
    enum_check,
    enum_column,
)
from app.models.enums import DatePrecision, MoneyKind, MoneyQualifier
from app.models.source import Citation


class MoneyRecord(InferredMixin, TimestampMixin, Base):
    __tablename__ = "money_record"
    __table_args__ = (
        enum_check("kind", MoneyKind),
        enum_check("qualifier", MoneyQualifier, nullable=True),
        *dated("period_start"),
        *dated("period_end"),
        *dated("reported"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint("(amount IS NULL) = (currency IS NULL)", name="amount_currency"),
        CheckConstraint(
            "share_pct IS NULL OR (share_pct >= 0 AND share_pct <= 100)", name="share_range"
        ),
        CheckConstraint("duration_months IS NULL OR duration_months > 0", name="duration_positive"),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[MoneyKind] = enum_column(MoneyKind, index=True)
    payer_actor_id: Mapped[str | None] = mapped_column(
        ForeignKey("actor.id", ondelete="SET NULL", onupdate="CASCADE"), index=True
    )
    recipient_actor_id: Mapped[str | None] = mapped_column(
        ForeignKey("actor.id", ondelete="SET NULL", onupdate="CASCADE")
    )
    recipient_forum_code: Mapped[str | None] = mapped_column(
        ForeignKey("forum.code", ondelete="SET NULL", onupdate="CASCADE")
    )
    recipient_description: Mapped[str | None] = mapped_column(
        Text, doc="Who receives it, in words, when no actor or forum is named."
    )
    forum_code: Mapped[str | None] = mapped_column(
        ForeignKey("forum.code", ondelete="SET NULL", onupdate="CASCADE"), index=True
    )
    programme_id: Mapped[str | None] = mapped_column(
        ForeignKey("programme.id", ondelete="SET NULL", onupdate="CASCADE"), index=True
    )
    purpose: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3), index=True)
    currency_assumed: Mapped[bool] = mapped_column(default=False)
    qualifier: Mapped[MoneyQualifier | None] = enum_column(MoneyQualifier)
    share_pct: Mapped[Decimal | None] = mapped_column(Percent)
    period_start_date: Mapped[dt.date | None]
    period_start_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    period_end_date: Mapped[dt.date | None]
    period_end_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    duration_months: Mapped[int | None] = mapped_column(
        doc="How long the amount is spread over, when the source gives a length, not dates."
    )
    reported_date: Mapped[dt.date | None] = mapped_column(
        doc="The day (at its precision) the figure stands as of, e.g. 'recorded by 1994'."
    )
    reported_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    description: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)

    citations: Mapped[list[Citation]] = relationship(
        lazy="raise", viewonly=True, order_by="Citation.id"
    )
