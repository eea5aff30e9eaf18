"""Participation: an actor holding a role in a forum over a period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    and_,
    case,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.models.actor import Actor
from app.models.base import Base, InferredMixin, TimestampMixin, dated, enum_check, enum_column
from app.models.enums import ROLE_RANKS, Certainty, DatePrecision, HolderStatus, Role
from app.models.forum import Forum
from app.models.source import Citation


def certainty(
    day: dt.date,
    start_earliest: dt.date | None,
    start_latest: dt.date | None,
    end_earliest: dt.date | None,
    end_latest: dt.date | None,
) -> Certainty | None:
    """How surely a period with these bounds covers ``day``; ``None`` when it surely does not.

    ``certain`` when ``start_latest <= day < end_earliest`` (every reading of the
    bounds covers the day), ``possible`` when ``start_earliest <= day < end_latest``
    (some reading does); a missing bound is unbounded. ``possible_on`` and
    ``certain_on`` below are the same rule in SQL.
    """
    if start_latest is not None and end_earliest is not None and start_latest <= day < end_earliest:
        return Certainty.CERTAIN
    if (start_earliest is None or start_earliest <= day) and (
        end_latest is None or day < end_latest
    ):
        return Certainty.POSSIBLE
    return None


class Participation(InferredMixin, TimestampMixin, Base):
    __tablename__ = "participation"
    __table_args__ = (
        enum_check("role", Role),
        enum_check("holder_status", HolderStatus),
        # A named holder is an actor; a vacant or undecided office has none.
        CheckConstraint(
            "(holder_status = 'named') = (actor_id IS NOT NULL)", name="holder_named_iff_actor"
        ),
        *dated("start"),
        *dated("end"),
        CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR end_date >= start_date",
            name="period_order",
        ),
        CheckConstraint(
            "start_earliest IS NULL OR start_latest IS NULL OR start_latest >= start_earliest",
            name="start_bounds_order",
        ),
        CheckConstraint(
            "end_earliest IS NULL OR end_latest IS NULL OR end_latest >= end_earliest",
            name="end_bounds_order",
        ),
        Index("ix_participation_forum_role_start", "forum_code", "role", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    forum_code: Mapped[str] = mapped_column(
        ForeignKey("forum.code", ondelete="CASCADE", onupdate="CASCADE")
    )
    actor_id: Mapped[str | None] = mapped_column(
        ForeignKey("actor.id", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    holder_status: Mapped[HolderStatus] = enum_column(
        HolderStatus, default=HolderStatus.NAMED, server_default=HolderStatus.NAMED.value
    )
    role: Mapped[Role] = enum_column(Role)
    start_date: Mapped[dt.date | None]
    start_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    end_date: Mapped[dt.date | None]
    end_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    # Derived by the loader from the dates, explicit bounds, the forum and the cited
    # sources' dates (services.periods); every as_of answer is judged on these.
    start_earliest: Mapped[dt.date | None]
    start_latest: Mapped[dt.date | None]
    end_earliest: Mapped[dt.date | None] = mapped_column(doc="Exclusive end, earliest day.")
    end_latest: Mapped[dt.date | None] = mapped_column(doc="Exclusive end, latest day.")
    last_confirmed: Mapped[dt.date | None] = mapped_column(
        doc="Open roles: earliest day the latest document stating the role may date from."
    )
    last_confirmed_source_id: Mapped[str | None] = mapped_column(
        ForeignKey("source.id", ondelete="SET NULL", onupdate="CASCADE")
    )
    bounds: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    dispute: Mapped[str | None] = mapped_column(
        String(120),
        index=True,
        doc="Set on every claim of a fact the sources disagree about; claims sharing it compete.",
    )
    note: Mapped[str | None] = mapped_column(Text)
    theme: Mapped[str | None] = mapped_column(Text, doc="A chair's theme for its term.")
    objectives: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default=text("'[]'"), doc="A chair's objectives for its term."
    )
    departments: Mapped[list[str]] = mapped_column(
        JSON,
        default=list,
        server_default=text("'[]'"),
        doc="The government departments that acted for a state in this role, as the documents "
        "name them.",
    )
    # Computed in SQL so lists (and their cursors) can order roles by seniority.
    role_rank: Mapped[int] = column_property(
        case(
            {role.value: rank for rank, role in enumerate(ROLE_RANKS)},
            value=role,
            else_=len(ROLE_RANKS),
        )
    )

    forum: Mapped[Forum] = relationship(lazy="raise", viewonly=True)
    actor: Mapped[Actor | None] = relationship(lazy="raise", viewonly=True)

    citations: Mapped[list[Citation]] = relationship(
        lazy="raise", viewonly=True, order_by="Citation.id"
    )

    def certainty_on(self, day: dt.date) -> Certainty | None:
        return certainty(
            day, self.start_earliest, self.start_latest, self.end_earliest, self.end_latest
        )


# The same rule in SQL, for the class or an alias of it (``aliased(Participation)``).
def possible_on(day: dt.date, claim: Any = Participation) -> ColumnElement[bool]:
    """Rows that may be in effect on ``day`` (the ``possible`` rule of ``certainty``)."""
    return and_(
        or_(claim.start_earliest.is_(None), claim.start_earliest <= day),
        or_(claim.end_latest.is_(None), claim.end_latest > day),
    )


def certain_on(day: dt.date, claim: Any = Participation) -> ColumnElement[bool]:
    """Rows surely in effect on ``day`` (the ``certain`` rule of ``certainty``)."""
    return and_(
        claim.start_latest.is_not(None),
        claim.start_latest <= day,
        claim.end_earliest.is_not(None),
        claim.end_earliest > day,
    )
