"""Pages for people: the front door, offline API docs, and the reference dashboard.

Everything a page needs is served from ``static/`` (the browser libraries are vendored
from the npm registry at pinned versions, see ``static/vendor/README.md``), so the
pages work on a closed network. Scripts and styles live in files, never inline, so a
strict Content-Security-Policy holds. The dashboard reads only the public GraphQL API.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import pages

STATIC = Path(__file__).parent / "static"
router = pages.router  # its templates label the pages' metrics (``app.http.stack``)


def install(app: FastAPI) -> None:
    """Serve /static, the front door, /docs, /redoc and /dashboard."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)


graphiql_page = pages.graphiql_page
