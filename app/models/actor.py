"""Actors: states (ISO 3166-1 alpha-3) and organisations (slugs) that take part in forums."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, enum_check, enum_column
from app.models.enums import ActorKind
from app.models.source import Citation


class Actor(TimestampMixin, Base):
    __tablename__ = "actor"
    __table_args__ = (
        enum_check("kind", ActorKind),
        # A state's id is its ISO code; nothing else carries one.
        CheckConstraint(
            "(kind = 'state' AND iso3 IS NOT NULL AND iso3 = id) "
            "OR (kind <> 'state' AND iso3 IS NULL)",
            name="state_iso3",
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    iso3: Mapped[str | None] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(Text)
    name_es: Mapped[str | None] = mapped_column(Text)
    short_name: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[ActorKind] = enum_column(ActorKind, index=True)
    forum_code: Mapped[str | None] = mapped_column(
        ForeignKey("forum.code", ondelete="SET NULL", onupdate="CASCADE"),
        doc="The forum this actor also is (SICA the organisation is the SICA forum).",
    )
    website: Mapped[str | None] = mapped_column(Text)

    citations: Mapped[list[Citation]] = relationship(
        lazy="raise", viewonly=True, order_by="Citation.id"
    )
