"""GET /v1: a machine-readable index of the API's resources.

The index is built from the app's router list (``app.main.ROUTERS``, recorded on the
app by ``record_collections``), so a new collection is listed the day it is routed: every GET route under ``/v1`` whose path does not end in a parameter
(``/v1/money-records``, ``/v1/money-records/summary``, ``/v1/forums/{code}/participants``,
not ``/v1/money-records/{record_id}``). ``/v1/meta`` lists the same collections with
their counts.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from app import __version__
from app.api.deps import reject_unknown_query_params
from app.schemas.index import ApiIndex, ResourceLink

router = APIRouter(prefix="/v1", tags=["meta"], dependencies=[Depends(reject_unknown_query_params)])

# The names and words the index has always given; other collections are named from their
# path and described by the first line of their endpoint's docstring.
KNOWN = {
    "/v1/forums": (
        "forums",
        "Forums, with aliases, kind, founding date, parent and citations.",
    ),
    "/v1/forums/{code}/participants": (
        "participants",
        "Who holds which role in one forum, on a day (`as_of`) or over time.",
    ),
    "/v1/actors": ("actors", "States (ISO 3166-1 alpha-3) and organisations (slugs)."),
    "/v1/participations": ("participations", "Every actor's roles in every forum."),
    "/v1/funding-shares": ("funding-shares", "Shares of forum budgets, with their true sum."),
    "/v1/events": ("events", "Meetings and pledging events, with announced totals."),
    "/v1/pledges": ("pledges", "Pledges in their own currency, with a USD equivalent."),
    "/v1/pledges/summary": ("pledge-summary", "Pledge totals grouped by forum, year, kind..."),
    "/v1/sources": ("sources", "The cited documents and how many facts cite each."),
    "/v1/disputes": ("disputes", "Where sources disagree: each dispute and its claims."),
    "/v1/meta": ("meta", "Dataset version, last change, counts and source coverage."),
    "/v1/changes": ("changes", "Every change in commit order, for mirrors."),
    "/v1/download": ("download", "The whole dataset as a Data Package (zip) or SQLite file."),
    "/v1/pledges/{pledge_id}/history": (
        "pledge-history",
        "Every version of a submitted pledge: who wrote it, when, what changed.",
    ),
}
CONVERTOR = re.compile(r"\{(\w+):[^}]+\}")

LINKS = {
    "graphql": "/graphql",
    "openapi": "/openapi.json",
    "docs": "/docs",
    "redoc": "/redoc",
    "dashboard": "/dashboard",
    "home": "/",
}


def is_collection(route: BaseRoute) -> bool:
    """A GET route under /v1 whose path does not end in a parameter (not the index)."""
    if not isinstance(route, APIRoute) or "GET" not in (route.methods or ()):
        return False
    path = route.path
    return path.startswith("/v1/") and not path.rstrip("/").endswith("}")


def record_collections(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Remember the app's collections, for ``/v1`` and ``/v1/meta``."""
    app.state.collections = collections(routers)


def served_collections(request: Request) -> list[ResourceLink]:
    """The collections of the app serving ``request``."""
    found: list[ResourceLink] = getattr(request.app.state, "collections", [])
    return found


def collections(routers: Sequence[APIRouter]) -> list[ResourceLink]:
    """Every GET collection of ``routers``, in routing order."""
    found: dict[str, ResourceLink] = {}
    for route in (route for router in routers for route in router.routes):
        if not is_collection(route):
            continue
        assert isinstance(route, APIRoute)
        path = CONVERTOR.sub(r"{\1}", route.path)  # as OpenAPI writes it
        name, description = KNOWN.get(path, (None, None))
        if name is None:
            name = path.removeprefix("/v1/").replace("/", "-")
        if description is None:
            doc = inspect.getdoc(route.endpoint) or route.summary or name
            description = doc.split("\n\n", 1)[0].replace("\n", " ")
        found.setdefault(path, ResourceLink(name=name, href=path, description=description))
    return list(found.values())


@router.get("", operation_id="get_api_index")
async def get_api_index(request: Request) -> ApiIndex:
    """Where each resource lives, and the other entry points (GraphQL, docs, dashboard)."""
    return ApiIndex(
        name="migov",
        version=__version__,
        resources=served_collections(request),
        links=LINKS,
    )
