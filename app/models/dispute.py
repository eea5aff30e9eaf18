"""Disputes: where the documents disagree, with each claim and its citations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, enum_check, enum_column
from app.models.enums import Entity


class Dispute(TimestampMixin, Base):
    """One disagreement between documents about one field of one record.

    The competing rows elsewhere (participations, funding shares, event hosts) carry
    its id in their ``dispute`` column; the dispute itself keeps each claim's value
    and citations as the documents give them (``claims``: a JSON list of
    ``{value, note, citations: [{source_id, locator}]}``).
    """

    __tablename__ = "dispute"
    __table_args__ = (enum_check("subject_entity", Entity),)

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    subject_entity: Mapped[Entity] = enum_column(Entity)
    subject_id: Mapped[str] = mapped_column(String(200))
    subject_field: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text)
    claims: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
