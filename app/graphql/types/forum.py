"""GraphQL Forum type and its root fields."""

from __future__ import annotations

import strawberry

from app.graphql.context import Info
from app.models import Forum
from app.models.enums import DatePrecision, ForumKind
from app.schemas.dates import format_partial
from app.services import forums as forum_service

ForumKindEnum = strawberry.enum(ForumKind, name="ForumKind")
DatePrecisionEnum = strawberry.enum(DatePrecision, name="DatePrecision")


@strawberry.type(name="Citation")
class CitationType:
    source_id: str
    locator: str | None


@strawberry.type(name="Forum")
class ForumType:
    code: str
    name: str
    aliases: list[str]
    kind: ForumKindEnum  # type: ignore[valid-type]
    description: str | None
    founded: str | None
    founded_precision: DatePrecisionEnum | None  # type: ignore[valid-type]
    parent_code: str | None
    citations: list[CitationType]

    @classmethod
    def from_model(cls, forum: Forum) -> ForumType:
        return cls(
            code=forum.code,
            name=forum.name,
            aliases=list(forum.aliases or []),
            kind=ForumKind(forum.kind),
            description=forum.description,
            founded=format_partial(forum.founded_date, forum.founded_precision),
            founded_precision=DatePrecision(forum.founded_precision)
            if forum.founded_precision
            else None,
            parent_code=forum.parent_code,
            citations=[
                CitationType(source_id=c.source_id, locator=c.locator) for c in forum.citations
            ],
        )


@strawberry.type
class ForumQuery:
    @strawberry.field(description="One forum by code; null when no forum has it.")
    async def forum(self, info: Info, code: str) -> ForumType | None:
        from app.errors import NotFound

        async with info.context.db() as session:
            try:
                return ForumType.from_model(await forum_service.get_forum(session, code))
            except NotFound:
                return None

    @strawberry.field(description="All forums, ordered by code.")
    async def forums(self, info: Info) -> list[ForumType]:
        async with info.context.db() as session:
            page = await forum_service.list_forums(session, limit=500)
        return [ForumType.from_model(f) for f in page.items]
