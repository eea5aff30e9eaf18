"""Routes serving HTML: the front door, the offline docs, and the dashboard's pages.

The dashboard pages are one shell each; their data comes from the public GraphQL
API, fetched by ``static/js/dashboard.js``. The only query made here is the one a
page needs before any script runs: the front door's dataset version, whether a
forum code exists (so an unknown one answers 404 with a way back), and whether the
data version a pinned address names (``?version=N``) can be read.

A dashboard address may pin a data version, as the dashboard's own "link to this
view" does: ``version`` is a whole number from 1, else the page is a 400 saying so
with a way to the current data; a version the service cannot read (older than the
versions kept, or not yet written) is a 400 with the API's own ``detail``. A pinned
page hands the version to its script (``data-version``), which sends it as
``Migov-Data-Version`` on every GraphQL request and says which version it shows.
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
from app.adapters_common import MAX_VERSION, VERSION_PARAMETER, get_session, session_of
from app.errors import InvalidInput, NotFound
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


class _UnreadableVersion(Exception):
    """A dashboard address names a ``version`` that is not a data version."""

    def __init__(self, asked: str, detail: str) -> None:
        super().__init__(detail)
        self.asked = asked
        self.detail = detail


def _pinned_version(request: Request) -> int | None:
    """The data version the address pins (``?version=N``), or None when it names none.

    Checked as the API checks it (``adapters_common.requested_version``): a whole
    number from 1, given once.
    """
    given = request.query_params.getlist(VERSION_PARAMETER)
    if not given:
        return None
    asked = ", ".join(given)
    if len(given) > 1:
        raise _UnreadableVersion(asked, "version is given more than once; give one data version.")
    text = given[0].strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_VERSION:
        raise _UnreadableVersion(
            asked,
            "version must be a data version: a whole number from 1, as a pinned link or "
            "the Migov-Data-Version header of an answer gives it.",
        )
    return int(text)


def _without_version(request: Request) -> str:
    """This address without ``version``: the same view of the current data."""
    kept = request.url.remove_query_params(VERSION_PARAMETER)
    return f"{kept.path}?{kept.query}" if kept.query else kept.path


def _refused(request: Request, asked: str, detail: str) -> HTMLResponse:
    return HTMLResponse(
        render(
            "dashboard_refused.html",
            title="migov dashboard",
            page="dashboard",
            asked=asked,
            detail=detail,
            current=_without_version(request),
        ),
        status_code=400,
    )


def _shell(view: str, forum: str, version: int | None, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(
        render(
            "dashboard.html",
            title="migov dashboard",
            page="dashboard",
            view=view,
            forum=forum,
            version="" if version is None else str(version),
        ),
        status_code=status_code,
    )


async def _dashboard(request: Request, view: str, forum: str | None = None) -> HTMLResponse:
    """A dashboard page: its shell, once the address's version (if it pins one) is known
    to be readable and the forum (if it names one) exists at that version."""
    try:
        version = _pinned_version(request)
    except _UnreadableVersion as refused:
        return _refused(request, refused.asked, refused.detail)
    if version is None and forum is None:
        return _shell(view, "", None)
    try:
        # The request's session as the API gets it (a pinned address reads its version),
        # opened here so that a version it cannot read is this page's 400, not a problem
        # document in place of a page.
        async with session_of(request) as session:
            if forum is not None:
                await forum_service.forum_code_of(session, forum)
    except NotFound:
        return _shell("not-found", forum or "", version, status_code=404)
    except InvalidInput as refused:  # older than the versions kept, or not yet written
        asked = request.headers.get("Migov-Data-Version", "") if version is None else str(version)
        return _refused(request, asked, refused.detail)
    return _shell(view, forum or "", version)


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard_overview(request: Request) -> HTMLResponse:
    return await _dashboard(request, "overview")


@router.get("/dashboard/matrix", response_class=HTMLResponse)
async def dashboard_matrix(request: Request) -> HTMLResponse:
    return await _dashboard(request, "matrix")


@router.get("/dashboard/forums/{code}", response_class=HTMLResponse)
async def dashboard_forum(request: Request, code: str) -> HTMLResponse:
    return await _dashboard(request, "forum", forum=code)
