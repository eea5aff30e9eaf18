"""Events held by or for a forum, with their hosts and any announced total."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.actor import Actor
from app.models.base import (
    Base,
    InferredMixin,
    Money,
    TimestampMixin,
    dated,
    enum_check,
    enum_column,
)
from app.models.enums import AmountQualifier, DatePrecision, EventKind, EventStatus, HostRole
from app.models.source import Citation


class Event(InferredMixin, TimestampMixin, Base):
    __tablename__ = "event"
    __table_args__ = (
        enum_check("kind", EventKind),
        enum_check("status", EventStatus),
        enum_check("announced_total_qualifier", AmountQualifier, nullable=True),
        *dated("start"),
        *dated("end"),
        CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR end_date >= start_date",
            name="period_order",
        ),
        CheckConstraint(
            "(announced_total_amount IS NULL) = (announced_total_currency IS NULL)",
            name="announced_total_currency",
        ),
        Index("ix_event_forum_start", "forum_code", "start_date"),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    forum_code: Mapped[str | None] = mapped_column(
        ForeignKey("forum.code", ondelete="SET NULL", onupdate="CASCADE")
    )
    name: Mapped[str] = mapped_column(Text)
    name_es: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[EventKind] = enum_column(EventKind, index=True)
    start_date: Mapped[dt.date | None] = mapped_column(index=True)
    start_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    end_date: Mapped[dt.date | None]
    end_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    place: Mapped[str | None] = mapped_column(Text)
    country_iso3: Mapped[str | None] = mapped_column(String(3))
    virtual: Mapped[bool] = mapped_column(default=False)
    announced_total_amount: Mapped[Decimal | None] = mapped_column(Money)
    announced_total_currency: Mapped[str | None] = mapped_column(String(3))
    announced_total_qualifier: Mapped[AmountQualifier | None] = enum_column(AmountQualifier)
    description: Mapped[str | None] = mapped_column(Text)
    description_es: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("event.id", ondelete="SET NULL", onupdate="CASCADE"),
        index=True,
        doc="The series this event is one occurrence of.",
    )
    status: Mapped[EventStatus] = enum_column(
        EventStatus, default=EventStatus.ANNOUNCED, server_default=EventStatus.ANNOUNCED.value
    )
    topic: Mapped[str | None] = mapped_column(Text)
    # The days the event may fall in: its own dates at their precision, or, for an
    # occurrence the documents do not date, its series' (derived by the loader).
    earliest: Mapped[dt.date | None]
    latest: Mapped[dt.date | None]
    # Derived by the loader: whether other events are this one's occurrences or parts,
    # and the event whose hosts ran this one (itself when it names hosts, else the nearest
    # series or whole above it that does; null when no document says who ran it).
    series: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The bounds ``earliest`` and ``latest`` are judged on, each with its basis and the
    # passages it rests on (``services.periods.Bound.as_json``), derived by the loader.
    bounds: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    organizers_from_id: Mapped[str | None] = mapped_column(
        ForeignKey("event.id", ondelete="SET NULL", onupdate="CASCADE"), index=True
    )

    hosts: Mapped[list[EventHost]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="EventHost.position"
    )

    objectives: Mapped[list[EventObjective]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="EventObjective.objective"
    )
    citations: Mapped[list[Citation]] = relationship(
        lazy="raise", viewonly=True, order_by="Citation.id"
    )


class EventObjective(Base):
    """A Global Compact for Migration objective (1-23) an event addresses."""

    __tablename__ = "event_objective"
    __table_args__ = (CheckConstraint("objective BETWEEN 1 AND 23", name="objective_range"),)

    event_id: Mapped[str] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE", onupdate="CASCADE"), primary_key=True
    )
    objective: Mapped[int] = mapped_column(primary_key=True, index=True)


class EventHost(Base):
    __tablename__ = "event_host"
    __table_args__ = (enum_check("role", HostRole),)

    event_id: Mapped[str] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE", onupdate="CASCADE"), primary_key=True
    )
    actor_id: Mapped[str] = mapped_column(
        ForeignKey("actor.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
        index=True,
    )
    role: Mapped[HostRole] = enum_column(HostRole, default=HostRole.HOST)
    position: Mapped[int] = mapped_column(default=0)
    dispute: Mapped[str | None] = mapped_column(
        String(120), index=True, doc="Set when the documents disagree about this host's part."
    )

    actor: Mapped[Actor] = relationship(lazy="raise", viewonly=True)
