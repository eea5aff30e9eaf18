"""Forums: the processes, platforms and bodies through which migration is governed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, InferredMixin, TimestampMixin, dated, enum_check, enum_column
from app.models.enums import DatePrecision, ForumKind, ForumScope
from app.models.source import Citation


class Forum(InferredMixin, TimestampMixin, Base):
    __tablename__ = "forum"
    __table_args__ = (
        enum_check("kind", ForumKind),
        enum_check("scope", ForumScope),
        *dated("founded"),
        *dated("ended"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_es: Mapped[str | None] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    kind: Mapped[ForumKind] = enum_column(ForumKind, index=True)
    scope: Mapped[ForumScope] = enum_column(ForumScope)
    region: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    description_es: Mapped[str | None] = mapped_column(Text)
    founded_date: Mapped[dt.date | None]
    founded_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    ended_date: Mapped[dt.date | None]
    ended_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("forum.code", ondelete="SET NULL", onupdate="CASCADE"), index=True
    )
    predecessor_code: Mapped[str | None] = mapped_column(
        ForeignKey("forum.code", ondelete="SET NULL", onupdate="CASCADE")
    )
    website: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    children: Mapped[list[Forum]] = relationship(
        lazy="raise",
        foreign_keys=[parent_code],
        viewonly=True,
        order_by=lambda: Forum.code,
    )
    parent: Mapped[Forum | None] = relationship(
        lazy="raise", remote_side=[code], foreign_keys=[parent_code], viewonly=True
    )
    citations: Mapped[list[Citation]] = relationship(
        lazy="raise", viewonly=True, order_by="Citation.id"
    )
