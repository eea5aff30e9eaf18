"""Routes serving HTML: the front door, the offline docs, and the dashboard's pages.

The dashboard pages are one shell each; their data comes from the public GraphQL
API, fetched by ``static/js/dashboard.js``. The only query made here is the one a
page needs before any script runs: the front door's dataset version, and whether a
forum code exists (so an unknown one answers 404 with a way back).
"""

from __future__ import annotations

import datetime as dt
import html
from functools import cache
from pathlib import Path
from string import Template
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app import __version__
from app.adapters_common import get_session
from app.errors import NotFound
from app.services import changes as change_service
from app.services import forums as forum_service
from app.services import meta as meta_service

TEMPLATES = Path(__file__).parent / "templates"

router = APIRouter(include_in_schema=False)
UNAVAILABLE = "the database does not answer right now; the docs below still work"
Session = Annotated[AsyncSession, Depends(get_session)]


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def render(name: str, **values: str) -> str:
    """Fill ``templates/<name>`` with ``values``, escaped; the chrome comes from layout.html."""
    escaped = {key: html.escape(value) for key, value in values.items()}
    body = _template(name).substitute(escaped)
    return _template("layout.html").substitute(
        title=escaped.get("title", "migov"), page=escaped.get("page", "page"), body=body
    )


def _last_change(changed: meta_service.DataChanged) -> tuple[str, str]:
    """The ``datetime`` attribute and the text of "Last change": the curated dataset's day
    (a day is all it states), or a write's commit time to the minute."""
    if changed.at is None:
        return "", "—"
    if changed.curated_day is not None:
        day = changed.curated_day.isoformat()
        return day, day
    at = changed.at.astimezone(dt.UTC)
    return at.isoformat(timespec="seconds"), at.strftime("%Y-%m-%d %H:%M UTC")


@router.get("/", response_class=HTMLResponse)
async def front_door(request: Request, session: Session) -> HTMLResponse:
    """The page a person opens first. "Last change" is when the data itself last changed,
    as /v1/meta's ``data_changed_at`` says, not when it was loaded. With the database down
    it still leads to the docs, says the data cannot be read, and answers 503."""
    try:
        version = await change_service.current_version(session)
        changed = await meta_service.data_changed(session)
    except (SQLAlchemyError, OSError):
        dataset_version, last_changed, last_changed_text, status = "?", "", UNAVAILABLE, 503
    else:
        dataset_version = str(version.version)
        last_changed, last_changed_text = _last_change(changed)
        status = 200
    return HTMLResponse(
        render(
            "index.html",
            title="migov",
            page="home",
            app_version=__version__,
            dataset_version=dataset_version,
            last_changed=last_changed,
            last_changed_text=last_changed_text,
            base_url=str(request.base_url).rstrip("/"),
        ),
        status_code=status,
    )


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui() -> HTMLResponse:
    return HTMLResponse(_template("swagger.html").substitute())


@router.get("/redoc", response_class=HTMLResponse)
async def redoc() -> HTMLResponse:
    return HTMLResponse(_template("redoc.html").substitute())


def graphiql_page() -> str:
    """The GraphiQL page /graphql serves to browsers, from this app's own files."""
    return _template("graphiql.html").substitute()


def _dashboard(view: str, forum: str = "", status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(
        render("dashboard.html", title="migov dashboard", page="dashboard", view=view, forum=forum),
        status_code=status_code,
    )


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard_overview() -> HTMLResponse:
    return _dashboard("overview")


@router.get("/dashboard/matrix", response_class=HTMLResponse)
async def dashboard_matrix() -> HTMLResponse:
    return _dashboard("matrix")


@router.get("/dashboard/forums/{code}", response_class=HTMLResponse)
async def dashboard_forum(code: str, session: Session) -> HTMLResponse:
    try:
        await forum_service.forum_code_of(session, code)
    except NotFound:
        return _dashboard("not-found", forum=code, status_code=404)
    return _dashboard("forum", forum=code)
