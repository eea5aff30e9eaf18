"""The change log: one row per created, updated or deleted record, in write order.

It drives the change feed for mirrors and the data version behind ETags.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, enum_check, enum_column, utcnow
from app.models.enums import ChangeAction, ChangeOrigin, Entity


class Change(Base):
    __tablename__ = "change"
    __table_args__ = (
        enum_check("entity", Entity),
        enum_check("action", ChangeAction),
        enum_check("origin", ChangeOrigin),
        Index("ix_change_entity_entity_id", "entity", "entity_id"),
    )

    # BIGINT on PostgreSQL; SQLite autoincrements only an INTEGER primary key.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    entity: Mapped[Entity] = enum_column(Entity)
    entity_id: Mapped[str] = mapped_column(String(200))
    action: Mapped[ChangeAction] = enum_column(ChangeAction)
    origin: Mapped[ChangeOrigin] = enum_column(ChangeOrigin)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
