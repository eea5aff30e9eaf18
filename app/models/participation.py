"""Participation: an actor holding a role in a forum over a period."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.actor import Actor
from app.models.base import Base, TimestampMixin, dated, enum_check, enum_column
from app.models.enums import DatePrecision, Role
from app.models.forum import Forum
from app.models.source import Citation


class Participation(TimestampMixin, Base):
    __tablename__ = "participation"
    __table_args__ = (
        enum_check("role", Role),
        *dated("start"),
        *dated("end"),
        CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR end_date >= start_date",
            name="period_order",
        ),
        Index("ix_participation_forum_role_start", "forum_code", "role", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    forum_code: Mapped[str] = mapped_column(
        ForeignKey("forum.code", ondelete="CASCADE", onupdate="CASCADE")
    )
    actor_id: Mapped[str] = mapped_column(
        ForeignKey("actor.id", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    role: Mapped[Role] = enum_column(Role)
    start_date: Mapped[dt.date | None]
    start_precision: Mapped[DatePrecision | None] = mapped_column(String(5))
    end_date: Mapped[dt.date | None]
    end_precision: Mapped[DatePrecision | None] = mapped_column(String(5))
    dispute: Mapped[str | None] = mapped_column(
        String(120),
        index=True,
        doc="Set on every claim of a fact the sources disagree about; claims sharing it compete.",
    )
    note: Mapped[str | None] = mapped_column(Text)

    forum: Mapped[Forum] = relationship(lazy="raise", viewonly=True)
    actor: Mapped[Actor] = relationship(lazy="raise", viewonly=True)

    citations: Mapped[list[Citation]] = relationship(
        lazy="raise", viewonly=True, order_by="Citation.id"
    )
