"""Pledges (curated and submitted), their pledgers, GCM objectives, and exchange rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.actor import Actor
from app.models.base import (
    Base,
    InferredMixin,
    Money,
    Rate,
    TimestampMixin,
    dated,
    enum_check,
    enum_column,
)
from app.models.enums import (
    AmountQualifier,
    DatePrecision,
    ExchangeRateProvider,
    PledgeKind,
    PledgeScope,
    PledgeStatus,
)
from app.models.source import Citation


class ExchangeRate(Base):
    """USD per unit of a currency over a period, from a cited source."""

    __tablename__ = "exchange_rate"
    __table_args__ = (
        enum_check("provider", ExchangeRateProvider),
        UniqueConstraint("currency", "period_start", "period_end", "provider"),
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("usd_per_unit > 0", name="positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    usd_per_unit: Mapped[Decimal] = mapped_column(Rate)
    basis: Mapped[str] = mapped_column(Text, doc="E.g. annual average of daily rates.")
    provider: Mapped[ExchangeRateProvider] = enum_column(
        ExchangeRateProvider,
        default=ExchangeRateProvider.CITED,
        server_default=ExchangeRateProvider.CITED.value,
    )

    citations: Mapped[list[Citation]] = relationship(
        lazy="raise", viewonly=True, order_by="Citation.id"
    )


# Indexes that migrations create on PostgreSQL only, outside the model because SQLite has no
# equivalent (see each migration); the models-match-migrations test knows to expect them.
POSTGRESQL_ONLY_INDEXES = frozenset({"ix_pledge_forum_newest"})


class Pledge(InferredMixin, TimestampMixin, Base):
    __tablename__ = "pledge"
    __table_args__ = (
        enum_check("kind", PledgeKind),
        enum_check("scope", PledgeScope, nullable=True),
        enum_check("status", PledgeStatus),
        enum_check("amount_qualifier", AmountQualifier, nullable=True),
        *dated("announced"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint("(amount IS NULL) = (currency IS NULL)", name="amount_currency"),
        CheckConstraint("kind <> 'financial' OR amount IS NOT NULL", name="financial_amount"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_pledge_forum_id", "forum_code", "id"),
        Index("ix_pledge_announced_id", "announced_date", "id"),
        # A summary over a date range (``services.pledges.summarize_pledges``) reads these
        # columns only: from this index alone on both engines, without visiting the table.
        # A year of the benchmark's 200,000 pledges: 21 ms of PostgreSQL time → 6-8 ms.
        Index(
            "ix_pledge_announced_summary",
            "announced_date",
            "forum_code",
            "currency",
            "amount",
            "amount_usd",
            "api_key_id",
            "currency_assumed",
            "id",
        ),
        # A submitter's own id names one pledge per key. NULLs never collide on either
        # engine, so curated pledges (no key) and pledges without a ref are unaffected.
        UniqueConstraint("api_key_id", "external_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(
        String(200), unique=True, doc="Stable key of a curated pledge; null for submitted ones."
    )
    forum_code: Mapped[str | None] = mapped_column(
        ForeignKey("forum.code", ondelete="RESTRICT", onupdate="CASCADE")
    )
    event_id: Mapped[str | None] = mapped_column(
        ForeignKey("event.id", ondelete="RESTRICT", onupdate="CASCADE"), index=True
    )
    kind: Mapped[PledgeKind] = enum_column(PledgeKind, index=True)
    scope: Mapped[PledgeScope | None] = enum_column(PledgeScope)
    status: Mapped[PledgeStatus] = enum_column(PledgeStatus, default=PledgeStatus.ANNOUNCED)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    amount_qualifier: Mapped[AmountQualifier | None] = enum_column(AmountQualifier)
    currency: Mapped[str | None] = mapped_column(String(3), index=True)
    amount_usd: Mapped[Decimal | None] = mapped_column(Money)
    exchange_rate_id: Mapped[int | None] = mapped_column(
        ForeignKey("exchange_rate.id", ondelete="SET NULL")
    )
    amount_usd_note: Mapped[str | None] = mapped_column(
        Text, doc="Why an amount has no USD equivalent (null when it has one)."
    )
    announced_date: Mapped[dt.date | None]
    announced_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    external_ref: Mapped[str | None] = mapped_column(String(200))
    api_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_key.id", ondelete="RESTRICT"),
        doc="The key that submitted the pledge; null for curated ones.",
    )
    version: Mapped[int] = mapped_column(default=1)
    currency_assumed: Mapped[bool] = mapped_column(
        default=False,
        server_default=false(),
        doc="The source writes only '$' and the currency is read from context.",
    )

    pledgers: Mapped[list[PledgePledger]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PledgePledger.position"
    )
    objectives: Mapped[list[PledgeObjective]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PledgeObjective.objective"
    )

    citations: Mapped[list[Citation]] = relationship(
        lazy="raise", viewonly=True, order_by="Citation.id"
    )
    exchange_rate: Mapped[ExchangeRate | None] = relationship(lazy="raise", viewonly=True)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PledgePledger(Base):
    """One pledger of a pledge; position 0 is the lead of a joint pledge."""

    __tablename__ = "pledge_pledger"

    pledge_id: Mapped[int] = mapped_column(
        ForeignKey("pledge.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[str] = mapped_column(
        ForeignKey("actor.id", ondelete="RESTRICT", onupdate="CASCADE"),
        primary_key=True,
        index=True,
    )
    position: Mapped[int] = mapped_column(default=0)

    actor: Mapped[Actor] = relationship(lazy="raise", viewonly=True)


class PledgeObjective(Base):
    """A Global Compact for Migration objective (1-23) a pledge addresses."""

    __tablename__ = "pledge_objective"
    __table_args__ = (CheckConstraint("objective BETWEEN 1 AND 23", name="objective_range"),)

    pledge_id: Mapped[int] = mapped_column(
        ForeignKey("pledge.id", ondelete="CASCADE"), primary_key=True
    )
    objective: Mapped[int] = mapped_column(primary_key=True, index=True)
