"""Assemble the GraphQL schema and its FastAPI router."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaskErrors
from strawberry.fastapi import GraphQLRouter

from app.config import Settings
from app.graphql.context import Context, get_context
from app.graphql.types.forum import ForumQuery


@strawberry.type
class Query(ForumQuery):
    pass


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    debug = settings.debug if settings else False
    extensions = [] if debug else [MaskErrors]
    return strawberry.Schema(query=Query, extensions=extensions)


def build_router(settings: Settings) -> GraphQLRouter[Context, None]:
    return GraphQLRouter(
        build_schema(settings),
        context_getter=get_context,
        graphql_ide="graphiql" if settings.graphql_ide else None,
    )
