"""Sources and the citations that tie every curated fact to one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, InferredMixin, TimestampMixin, dated, enum_column
from app.models.enums import DatePrecision

# The fact tables a citation may point at; exactly one of these columns is set.
CITED_COLUMNS = (
    "forum_code",
    "actor_id",
    "participation_id",
    "funding_share_id",
    "event_id",
    "pledge_id",
    "exchange_rate_id",
    "programme_id",
    "money_record_id",
    "participant_count_id",
    "governance_change_id",
)


class Source(InferredMixin, TimestampMixin, Base):
    __tablename__ = "source"
    __table_args__ = (*dated("published"),)

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    publisher: Mapped[str] = mapped_column(Text)
    published_date: Mapped[dt.date | None]
    published_precision: Mapped[DatePrecision | None] = enum_column(DatePrecision)
    # The days the document may date from: its stated date narrowed by what its own
    # text shows (a page that reports July 2021 as past was written after it).
    published_earliest: Mapped[dt.date | None]
    published_latest: Mapped[dt.date | None]
    url: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    availability: Mapped[str | None] = mapped_column(
        Text,
        doc="Where the document is published (its url, when the document or the source "
        "archive gives one), or that it is not: our words. The file of its plain text is "
        "named only in data/sources.yaml, for the validator.",
    )
    description: Mapped[str | None] = mapped_column(Text)
    terms: Mapped[str | None] = mapped_column(
        Text, doc="The document's own terms of use as it states them; NULL where it states none."
    )

    citations: Mapped[list[Citation]] = relationship(
        back_populates="source", lazy="raise", viewonly=True
    )


def _exactly_one_cited() -> CheckConstraint:
    count = " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in CITED_COLUMNS)
    return CheckConstraint(f"{count} = 1", name="exactly_one_fact")


class Citation(Base):
    """One fact's reliance on one source, with where in the source to look.

    ``passage_start`` .. ``passage_end`` is the span of the source's text the fact rests
    on (code point offsets, end exclusive, at most 600 characters) and
    ``passage_sha256`` the hex SHA-256 of that slice as UTF-8 (``dataset.passages``);
    all three are set or none is (a source with no text at hand).
    """

    __tablename__ = "citation"
    __table_args__ = (
        _exactly_one_cited(),
        CheckConstraint(
            "(passage_start IS NULL) = (passage_end IS NULL) "
            "AND (passage_start IS NULL) = (passage_sha256 IS NULL)",
            name="passage_complete",
        ),
        CheckConstraint(
            "passage_start IS NULL OR (passage_start >= 0 AND passage_end > passage_start "
            "AND passage_end - passage_start <= 600)",
            name="passage_span",
        ),
        *(Index(f"ix_citation_{c}", c) for c in CITED_COLUMNS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("source.id", ondelete="RESTRICT"), index=True)
    locator: Mapped[str | None] = mapped_column(
        Text, doc="Where in the source: a page, section or heading."
    )
    passage_start: Mapped[int | None] = mapped_column(
        doc="First character of the passage in the source's text (Unicode code points)."
    )
    passage_end: Mapped[int | None] = mapped_column(
        doc="One past the passage's last character (Unicode code points)."
    )
    passage_sha256: Mapped[str | None] = mapped_column(
        String(64), doc="Hex SHA-256 of the passage, encoded as UTF-8."
    )
    forum_code: Mapped[str | None] = mapped_column(
        ForeignKey("forum.code", ondelete="CASCADE", onupdate="CASCADE")
    )
    actor_id: Mapped[str | None] = mapped_column(
        ForeignKey("actor.id", ondelete="CASCADE", onupdate="CASCADE")
    )
    participation_id: Mapped[int | None] = mapped_column(
        ForeignKey("participation.id", ondelete="CASCADE")
    )
    funding_share_id: Mapped[int | None] = mapped_column(
        ForeignKey("funding_share.id", ondelete="CASCADE")
    )
    event_id: Mapped[str | None] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE", onupdate="CASCADE")
    )
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledge.id", ondelete="CASCADE"))
    exchange_rate_id: Mapped[int | None] = mapped_column(
        ForeignKey("exchange_rate.id", ondelete="CASCADE")
    )
    programme_id: Mapped[str | None] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE", onupdate="CASCADE")
    )
    money_record_id: Mapped[str | None] = mapped_column(
        ForeignKey("money_record.id", ondelete="CASCADE", onupdate="CASCADE")
    )
    participant_count_id: Mapped[str | None] = mapped_column(
        ForeignKey("participant_count.id", ondelete="CASCADE", onupdate="CASCADE")
    )
    governance_change_id: Mapped[str | None] = mapped_column(
        ForeignKey("governance_change.id", ondelete="CASCADE", onupdate="CASCADE")
    )

    source: Mapped[Source] = relationship(back_populates="citations", lazy="raise", viewonly=True)
