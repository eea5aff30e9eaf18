"""Forum read shapes: the full record, and the short one embedded elsewhere."""

from __future__ import annotations

from pydantic import Field

from app.models import Forum
from app.models.enums import DatePrecision, ForumKind, ForumScope
from app.schemas.common import CitationRead, InferredRead, ReadModel, inferred_reads
from app.schemas.dates import format_partial
from app.schemas.descriptions import (
    FORUM_ALIASES,
    FORUM_CODE,
    FORUM_DESCRIPTION,
    FORUM_PARENT,
    FORUM_PREDECESSOR,
    INFERRED,
)
from app.schemas.language import localized


class ForumRead(ReadModel):
    code: str = Field(description=FORUM_CODE, examples=["RCM"])
    name: str = Field(description="Name in the requested language (English by default).")
    aliases: list[str] = Field(description=FORUM_ALIASES)
    kind: ForumKind
    scope: ForumScope
    region: str | None
    description: str | None = Field(description=FORUM_DESCRIPTION)
    founded: str | None = Field(
        description="Founding date, ISO 8601 cut to its precision: `1996-02`, `2017`.",
        examples=["1996-02"],
    )
    founded_precision: DatePrecision | None
    ended: str | None = Field(description="End date for historical forums, like `founded`.")
    ended_precision: DatePrecision | None
    parent: str | None = Field(description=FORUM_PARENT)
    children: list[str] = Field(description="Codes of the forums that belong to this one.")
    predecessor: str | None = Field(description=FORUM_PREDECESSOR)
    website: str | None
    citations: list[CitationRead]
    inferred: list[InferredRead] = Field(description=INFERRED)

    @classmethod
    def from_model(cls, forum: Forum, *, lang: str = "en") -> ForumRead:
        return cls.trusted(
            code=forum.code,
            name=localized(forum.name, forum.name_es, lang),
            aliases=list(forum.aliases or []),
            kind=ForumKind(forum.kind),
            scope=ForumScope(forum.scope),
            region=forum.region,
            description=(
                None
                if forum.description is None
                else localized(forum.description, forum.description_es, lang)
            ),
            founded=format_partial(forum.founded_date, forum.founded_precision),
            founded_precision=forum.founded_precision,
            ended=format_partial(forum.ended_date, forum.ended_precision),
            ended_precision=forum.ended_precision,
            parent=forum.parent_code,
            children=[child.code for child in forum.children],
            predecessor=forum.predecessor_code,
            website=forum.website,
            citations=[CitationRead.from_model(c) for c in forum.citations],
            inferred=inferred_reads(forum.inferred),
        )


class ForumRef(ReadModel):
    code: str
    name: str
    kind: ForumKind
    parent: str | None

    @classmethod
    def from_model(cls, forum: Forum, *, lang: str = "en") -> ForumRef:
        return cls.trusted(
            code=forum.code,
            name=localized(forum.name, forum.name_es, lang),
            kind=ForumKind(forum.kind),
            parent=forum.parent_code,
        )
