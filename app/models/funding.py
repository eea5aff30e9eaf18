"""Funding shares: the part of a forum's budget an actor provides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.actor import Actor
from app.models.base import Base, InferredMixin, Percent, TimestampMixin, dated, enum_column
from app.models.enums import DatePrecision
from app.models.forum import Forum
from app.models.source import Citation


class FundingShare(InferredMixin, TimestampMixin, Base):
    __tablename__ = "funding_share"
    __table_args__ = (
        CheckConstraint("share_pct >= 0 AND share_pct <= 100", name="share_range"),
        *dated("period_start"),
        *dated("period_end"),
        *dated("reported"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    forum_code: Mapped[str] = mapped_column(
        ForeignKey("forum.code", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    actor_id: Mapped[str] = mapped_column(
        ForeignKey("actor.id", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    share_pct: Mapped[Decimal] = mapped_column(Percent)
    basis: Mapped[str] = mapped_column(Text, doc="What budget the share is of, e.g. total budget.")
    period_start_date: Mapped[dt.date | None]
    period_start_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    period_end_date: Mapped[dt.date | None]
    period_end_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    reported_date: Mapped[dt.date | None] = mapped_column(
        doc="When the source reported the share as current."
    )
    reported_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    dispute: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)

    forum: Mapped[Forum] = relationship(lazy="raise", viewonly=True)
    actor: Mapped[Actor] = relationship(lazy="raise", viewonly=True)

    citations: Mapped[list[Citation]] = relationship(
        lazy="raise", viewonly=True, order_by="Citation.id"
    )
