"""The change log and the data version.

Every write transaction ends by bumping the single ``data_version`` row and
stamping its change-log rows with the new version. The bump takes that row's
lock until commit, so versions become visible strictly in commit order: a mirror
following the change feed by version never misses a transaction that commits
late. The version also drives ETags and ``Last-Modified``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, enum_check, enum_column, utcnow
from app.models.enums import ChangeAction, ChangeOrigin, Entity

# BIGINT on PostgreSQL; SQLite autoincrements only an INTEGER primary key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Change(Base):
    __tablename__ = "change"
    __table_args__ = (
        enum_check("entity", Entity),
        enum_check("action", ChangeAction),
        enum_check("origin", ChangeOrigin),
        Index("ix_change_entity_entity_id", "entity", "entity_id"),
        Index("ix_change_version_id", "version", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(BigInteger)
    entity: Mapped[Entity] = enum_column(Entity)
    entity_id: Mapped[str] = mapped_column(String(200))
    action: Mapped[ChangeAction] = enum_column(ChangeAction)
    origin: Mapped[ChangeOrigin] = enum_column(ChangeOrigin)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The parts of the record's table family it was in before and after the change, as
    # [name, value] pairs (a pledge's forum and announced year): the response cache keeps
    # answers that read other parts. Null on rows written before parts were kept.
    parts: Mapped[list[list[str]] | None] = mapped_column(JSON, nullable=True)


class DataVersion(Base):
    """One row (id 1): the version of the last committed write and when it happened."""

    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[dt.datetime]
    # The day the curated dataset last changed (``updated`` in data/dataset.yaml), as the
    # last `migov data load` found it; None before any load, or for a dataset without it.
    curated_updated: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # The oldest version whose data can still be read (``app.db.history``): the version
    # that was current when row images began to be kept.
    history_from: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class RowImage(Base):
    """A row of a versioned table as one write left it (``app.db.history``).

    Database triggers add one for every insert and update (the row's new values) and
    every delete (``image`` null), with ``version`` null until ``services.changes.record``
    stamps the transaction's images with the version it creates. The rows of a table at
    version N are the newest image of each key stamped N or earlier, less deleted ones.
    """

    __tablename__ = "row_image"
    __table_args__ = (
        Index("ix_row_image_table_name_row_key", "table_name", "row_key", "version", "id"),
        Index("ix_row_image_version", "version"),
        Index(
            "ix_row_image_pending",
            "id",
            postgresql_where=text("version IS NULL"),
            sqlite_where=text("version IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    version: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    table_name: Mapped[str] = mapped_column(String(63))
    # The row's primary key as a JSON array, in the key's column order.
    row_key: Mapped[str] = mapped_column(String(400))
    image: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
