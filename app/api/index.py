"""GET /v1: a machine-readable index of the API's resources."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app import __version__
from app.api.deps import reject_unknown_query_params
from app.schemas.index import ApiIndex, ResourceLink

router = APIRouter(prefix="/v1", tags=["meta"], dependencies=[Depends(reject_unknown_query_params)])

RESOURCES = (
    ("forums", "/v1/forums", "Forums, with aliases, kind, founding date, parent and citations."),
    (
        "participants",
        "/v1/forums/{code}/participants",
        "Who holds which role in one forum, on a day (`as_of`) or over time.",
    ),
    ("actors", "/v1/actors", "States (ISO 3166-1 alpha-3) and organisations (slugs)."),
    ("participations", "/v1/participations", "Every actor's roles in every forum."),
    ("funding-shares", "/v1/funding-shares", "Shares of forum budgets, with their true sum."),
    ("events", "/v1/events", "Meetings and pledging events, with announced totals."),
    ("pledges", "/v1/pledges", "Pledges in their own currency, with a USD equivalent."),
    ("pledge-summary", "/v1/pledges/summary", "Pledge totals grouped by forum, year, kind..."),
    ("sources", "/v1/sources", "The cited documents and how many facts cite each."),
    ("disputes", "/v1/disputes", "Where sources disagree: each dispute and its claims."),
    ("meta", "/v1/meta", "Dataset version, last change, counts and source coverage."),
    ("changes", "/v1/changes", "Every change in commit order, for mirrors."),
    ("download", "/v1/download", "The whole dataset as a Data Package (zip) or SQLite file."),
)

LINKS = {
    "graphql": "/graphql",
    "openapi": "/openapi.json",
    "docs": "/docs",
    "redoc": "/redoc",
    "dashboard": "/dashboard",
    "home": "/",
}


@router.get("", operation_id="get_api_index")
async def get_api_index() -> ApiIndex:
    """Where each resource lives, and the other entry points (GraphQL, docs, dashboard)."""
    return ApiIndex(
        name="migov",
        version=__version__,
        resources=[
            ResourceLink(name=name, href=href, description=description)
            for name, href, description in RESOURCES
        ],
        links=LINKS,
    )
