"""Per-request GraphQL context: the request's session behind a lock, settings, loaders.

The loaders are created here, once per request, so their caches never outlive
it. Strawberry resolves sibling fields concurrently, and one ``AsyncSession`` cannot
serve two awaits at once, so resolvers borrow the session with
``async with info.context.db() as session:`` around one service call and never
hold it across ``loader.load()``.

A mutation holds the session for its whole write (``writer_key``, the service
call, the commit). Root mutation fields run one after another, so the only
transaction it can find open is the reads of an earlier mutation's selection;
``writer_key`` rolls those back (reads never commit) before the write begins, and
``reset_loaders`` drops what they cached, which a write may have made stale.

``get_context`` opens the request's session on the exit stack the endpoint
(``app.graphql.schema.GraphQLEndpoint``) closes once the document is answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from app.adapters_common import (
    admit_writer,
    bearer_secret,
    cite_as,
    reads_only,
    session_of,
)
from app.config import Settings
from app.graphql.loaders import Loaders
from app.models import ApiKey
from app.schemas.language import Lang, Language
from app.services import changes as change_service


class Context:
    def __init__(
        self,
        session: AsyncSession,
        settings: Settings,
        lang: Lang = "en",
        *,
        name_version: Callable[[int], None] | None = None,
        request: Request | None = None,
        response: Response | None = None,
    ) -> None:
        # The request (its key, for a write) and the response whose headers the answer
        # carries; none when a schema is executed outside HTTP (the tests do).
        self.request = request
        self.response = response
        self._session = session
        self._lock = asyncio.Lock()
        self.settings = settings
        self.lang = lang  # names' language unless a field's `lang` argument says otherwise
        self.loaders = Loaders(self.db)
        # Names the answer's data version: called by the first read (``get_context``).
        self._name_version = name_version

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            if self._name_version is not None:
                # Read inside the first resolver that reads, so that a database that
                # cannot answer is that field's GraphQL error, as for any other read.
                name, self._name_version = self._name_version, None
                name((await change_service.current_version(self._session)).version)
            yield self._session

    def reset_loaders(self) -> None:
        """Forget what the loaders cached: after a write it may be stale."""
        self.loaders = Loaders(self.db)

    async def writer_key(self, session: AsyncSession) -> ApiKey:
        """The request's key, admitted for a write (``adapters_common.admit_writer``).

        Call it with the session borrowed from ``db()``; reads of an earlier field
        of this operation are rolled back first.
        """
        header = self.request.headers.get("authorization") if self.request else None
        state = self.request.state if self.request else None
        return await admit_writer(session, bearer_secret(header), self.settings, state)


async def get_context(request: Request, response: Response, resources: AsyncExitStack) -> Context:
    """The context, its language chosen as REST chooses it: ``?lang=`` on the URL, else
    Accept-Language, else English (kept on the request for ``Content-Language``). A
    document that only reads names the data version it shows (``Migov-Data-Version``):
    the one it was pinned to, else the one the response cache found, else the current.

    The request's session is opened on ``resources`` (a version it cannot read is
    refused before the document runs), which the caller closes once it has answered."""
    session = await resources.enter_async_context(session_of(request))
    settings: Settings = request.app.state.settings
    lang = cast(
        Lang,
        Language.negotiate(
            request.query_params.get("lang"), request.headers.get("accept-language", "")
        ),
    )
    request.state.language = lang
    if not await reads_only(request):
        return Context(session, settings, lang, request=request, response=response)

    def name_version(version: int) -> None:
        response.headers["Migov-Data-Version"] = str(version)
        if request.method == "GET":  # a document in the URL can be cited by its URL
            link = cite_as(request.url.path, request.query_params.multi_items(), version)
            response.headers["Link"] = f'<{link}>; rel="cite-as"'

    known = getattr(request.state, "data_version", None)
    if known is None:  # no cache, no pin: the first read names it
        return Context(
            session, settings, lang, name_version=name_version, request=request, response=response
        )
    name_version(known.version)
    return Context(session, settings, lang, request=request, response=response)


Info = strawberry.Info[Context, None]
