"""Programmes: funds, programmes, initiatives, plans and campaigns that are not forums.

A programme has an owner (an actor or a forum, either optional), may relate to a
forum, may sit under another programme (an action plan's areas) and may follow
one (``predecessor_id``; the successor is the row naming it). Its start and end
are partial dates; ``*_earliest`` / ``*_latest`` bound them the way participations
are bounded (end bounds exclusive), so ``as_of`` says ``certain`` or ``possible``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, InferredMixin, TimestampMixin, dated, enum_check, enum_column
from app.models.enums import DatePrecision, ProgrammeKind
from app.models.source import Citation


class Programme(InferredMixin, TimestampMixin, Base):
    __tablename__ = "programme"
    __table_args__ = (
        enum_check("kind", ProgrammeKind),
        *dated("start"),
        *dated("end"),
        CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR end_date >= start_date",
            name="period_order",
        ),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_es: Mapped[str | None] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    kind: Mapped[ProgrammeKind] = enum_column(ProgrammeKind, index=True)
    owner_actor_id: Mapped[str | None] = mapped_column(
        ForeignKey("actor.id", ondelete="SET NULL", onupdate="CASCADE"), index=True
    )
    owner_forum_code: Mapped[str | None] = mapped_column(
        ForeignKey("forum.code", ondelete="SET NULL", onupdate="CASCADE"), index=True
    )
    forum_code: Mapped[str | None] = mapped_column(
        ForeignKey("forum.code", ondelete="SET NULL", onupdate="CASCADE"),
        index=True,
        doc="The forum the programme serves or belongs to, when the documents tie it to one.",
    )
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("programme.id", ondelete="SET NULL", onupdate="CASCADE"), index=True
    )
    predecessor_id: Mapped[str | None] = mapped_column(
        ForeignKey("programme.id", ondelete="SET NULL", onupdate="CASCADE")
    )
    position: Mapped[int] = mapped_column(default=0, doc="Order among its parent's parts.")
    start_date: Mapped[dt.date | None]
    start_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    end_date: Mapped[dt.date | None]
    end_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    start_earliest: Mapped[dt.date | None]
    start_latest: Mapped[dt.date | None]
    end_earliest: Mapped[dt.date | None] = mapped_column(doc="Exclusive end, earliest day.")
    end_latest: Mapped[dt.date | None] = mapped_column(doc="Exclusive end, latest day.")
    description: Mapped[str] = mapped_column(Text)
    description_es: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, doc="Facts with no column of their own: who may take part, kinds of support."
    )
    note: Mapped[str | None] = mapped_column(Text)

    citations: Mapped[list[Citation]] = relationship(
        lazy="raise", viewonly=True, order_by="Citation.id"
    )
