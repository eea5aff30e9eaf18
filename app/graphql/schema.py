"""Assemble the GraphQL schema, its request limits and error policy, and its endpoint."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

import orjson
import strawberry
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext
from strawberry.types.unset import UNSET

from app.config import Settings
from app.graphql.context import Context, get_context
from app.graphql.errors import (
    ErrorCodes,
    MaskUnexpectedErrors,
    refused_request,
    should_mask_error,
)
from app.graphql.execution import LeanExecutionContext
from app.graphql.limits import (
    CachedParse,
    CachedValidation,
    DocumentCache,
    NulVariables,
    QueryCostLimiter,
    TokenLimit,
    static_rules,
)
from app.graphql.types.actor import ActorQuery
from app.graphql.types.dispute import DisputeQuery
from app.graphql.types.event import EventQuery
from app.graphql.types.forum import ForumQuery
from app.graphql.types.funding import FundingShareQuery
from app.graphql.types.governance_change import GovernanceChangeQuery
from app.graphql.types.meta import MetaQuery
from app.graphql.types.money_record import MoneyRecordQuery
from app.graphql.types.participant_count import ParticipantCountQuery
from app.graphql.types.participation import ParticipationQuery
from app.graphql.types.pledge import PledgeMutation, PledgeQuery
from app.graphql.types.programme import ProgrammeQuery
from app.graphql.types.source import SourceQuery


@strawberry.type(
    description="Forums of migration governance, who takes part in them and how, their "
    "funding, events and pledges. Every curated fact cites its sources. A single object "
    "that does not exist is null; a list whose arguments are invalid is null, with an "
    "error whose `extensions.code` says why (the same code as the REST API's)."
)
class Query(
    ForumQuery,
    ActorQuery,
    ParticipationQuery,
    FundingShareQuery,
    EventQuery,
    PledgeQuery,
    SourceQuery,
    MetaQuery,
    DisputeQuery,
    ProgrammeQuery,
    MoneyRecordQuery,
    ParticipantCountQuery,
    GovernanceChangeQuery,
):
    pass


@strawberry.type(
    description="Writes, through the same services, checks and idempotency as the REST API. "
    "They need `Authorization: Bearer <secret>` and are refused over GET."
)
class Mutation(PledgeMutation):
    pass


ExtensionFactory = type[SchemaExtension] | Callable[[], SchemaExtension]


def schema_extensions(settings: Settings) -> list[ExtensionFactory]:
    """Classes or factories, so each request gets fresh extension instances."""
    extensions: list[ExtensionFactory] = [ErrorCodes]  # first, so it sees masked errors
    if not settings.debug:
        extensions.append(MaskUnexpectedErrors)
    # The depth, alias and introspection rules depend on the document alone: built once,
    # they let each distinct document be parsed and validated once per worker. The cost
    # depends on the variables too, so it is estimated per request, after validation.
    rules = static_rules(
        settings.graphql_max_depth, settings.graphql_max_aliases, settings.graphql_introspection
    )
    # Parsed and validated documents, kept within a byte budget of this app's own.
    documents = DocumentCache(settings.graphql_document_cache_mb * 1024 * 1024)
    extensions += [
        lambda: TokenLimit(
            max_token_count=settings.graphql_max_tokens,
            max_length=settings.graphql_max_document_length,
        ),
        lambda: CachedParse(documents),
        lambda: AddValidationRules(rules),
        lambda: CachedValidation(documents),
        NulVariables,
        lambda: QueryCostLimiter(
            max_cost=settings.graphql_max_cost, list_estimate=settings.graphql_list_estimate
        ),
    ]
    return extensions


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log server faults only; a client's mistakes are answered, not logged as errors."""
        super().process_errors([e for e in errors if should_mask_error(e)], execution_context)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with the request limits and error policy of ``settings``.

    Without settings (printing the SDL) the defaults apply; the SDL is the same.
    """
    settings = settings or Settings(_env_file=None)
    return Schema(
        query=Query,
        mutation=Mutation,
        extensions=schema_extensions(settings),
        # Without introspection, "did you mean" hints would leak the schema too.
        config=StrawberryConfig(disable_field_suggestions=not settings.graphql_introspection),
        execution_context_class=LeanExecutionContext,
    )


class GraphQLEndpoint(GraphQL[Context, None]):
    """/graphql: strawberry's ASGI app, as a route of the app's own (``graphql_route``).

    Not a FastAPI router: nothing here is a FastAPI dependency, and solving them (the
    session's generator among them) cost a small document more than executing it.
    """

    ide_page: str | None = None

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(self.ide_page or self.graphql_ide_html)

    def encode_json(self, data: object) -> bytes:
        # The same compact JSON as strawberry's ``json.dumps``, several times faster on a
        # page of a hundred nodes; non-ASCII text leaves as UTF-8, not ``\u`` escapes.
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        # orjson stops at 1,024 levels of nesting with a JSONDecodeError (a 400), where
        # the standard library recursed until RecursionError (a 500) on a body of
        # ``[[[[...`` well within the size limit.
        return orjson.loads(data)

    async def get_context(self, request: Any, response: Any) -> Context:
        return await get_context(request, response, request.state.graphql_resources)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """strawberry's ``run``, with its refusals (a body that is not JSON, a batch, a
        content type it does not read, a method) answered as GraphQL errors in JSON with
        an ``extensions.code``, not as strawberry's plain text.

        What the context opens (the request's session) is closed once the document is
        answered, and rolled back first if answering it failed, before the answer is
        sent."""
        async with AsyncExitStack() as resources:
            request.state.graphql_resources = resources
            try:
                return await super().run(request, context, root_value)
            except HTTPException as refused:
                return refused_request(refused.status_code, refused.reason)


def graphql_route(settings: Settings, ide_page: str | None = None) -> Route:
    """The /graphql route (GET and POST); ``ide_page`` replaces strawberry's GraphiQL
    page, which loads its scripts from a CDN, with one served from this app's own files."""
    endpoint = GraphQLEndpoint(
        build_schema(settings), graphql_ide="graphiql" if settings.graphql_ide else None
    )
    endpoint.ide_page = ide_page
    return Route("/graphql", endpoint, methods=["GET", "POST"], include_in_schema=False)
