"""Governance changes of a forum, and counts of participants the documents do not name.

A governance change (a new model of leadership, say) has a date at its precision,
or only bounds (``earliest`` .. ``latest``, inclusive) when the documents place it
within a term, and the duties it gives each role. A participant count is an
aggregate row: how many actors of a kind held a role in a forum or at an event,
as reported on a date; ``count`` NULL means the source says only "many".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, InferredMixin, TimestampMixin, dated, enum_check, enum_column
from app.models.enums import ActorKind, DatePrecision, Role
from app.models.source import Citation


class GovernanceChange(InferredMixin, TimestampMixin, Base):
    __tablename__ = "governance_change"
    __table_args__ = (
        *dated("introduced"),
        CheckConstraint(
            "earliest IS NULL OR latest IS NULL OR latest >= earliest", name="bounds_order"
        ),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    forum_code: Mapped[str] = mapped_column(
        ForeignKey("forum.code", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    introduced_date: Mapped[dt.date | None]
    introduced_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    earliest: Mapped[dt.date | None] = mapped_column(doc="First day it may have been introduced.")
    latest: Mapped[dt.date | None] = mapped_column(doc="Last day it may have been introduced.")
    introduced_by_actor_id: Mapped[str | None] = mapped_column(
        ForeignKey("actor.id", ondelete="SET NULL", onupdate="CASCADE")
    )
    duties: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, doc="[{role, duty}]: what the change asks of each role."
    )
    description: Mapped[str] = mapped_column(Text)

    citations: Mapped[list[Citation]] = relationship(
        lazy="raise", viewonly=True, order_by="Citation.id"
    )


class ParticipantCount(InferredMixin, TimestampMixin, Base):
    __tablename__ = "participant_count"
    __table_args__ = (
        enum_check("role", Role),
        enum_check("actor_kind", ActorKind, nullable=True),
        *dated("reported"),
        CheckConstraint("count IS NULL OR count >= 0", name="count_non_negative"),
        CheckConstraint("forum_code IS NOT NULL OR event_id IS NOT NULL", name="forum_or_event"),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    forum_code: Mapped[str | None] = mapped_column(
        ForeignKey("forum.code", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    event_id: Mapped[str | None] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    role: Mapped[Role] = enum_column(Role)
    actor_kind: Mapped[ActorKind | None] = enum_column(ActorKind)
    count: Mapped[int | None] = mapped_column(doc="NULL when the source says only 'many'.")
    reported_date: Mapped[dt.date | None]
    reported_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    description: Mapped[str] = mapped_column(Text)

    citations: Mapped[list[Citation]] = relationship(
        lazy="raise", viewonly=True, order_by="Citation.id"
    )
