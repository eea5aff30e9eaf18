"""The REST routes as one table, walked once for every layer that needs it: metrics
label an answer with the template it matches, and a 405 names every method its path
serves."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter
from fastapi.routing import APIRoute


def rest_routes(routers: Sequence[APIRouter]) -> list[APIRoute]:
    """Every route of ``routers``, in the order they are matched."""
    return [route for router in routers for route in router.routes if isinstance(route, APIRoute)]
