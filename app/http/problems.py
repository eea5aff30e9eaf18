"""RFC 9457 problem details for every error the REST API returns.

Domain errors, FastAPI's request validation errors, Starlette's HTTP errors
(unknown routes, wrong methods) and anything unexpected all leave as
``application/problem+json`` with ``type``, ``title``, ``status``, ``detail``,
``instance`` and the stable ``code`` shared with GraphQL. The ``type`` is the
absolute URI of the code's page on this server (``/problems/{code}``, see
``app.http.problem_types``), built from the request's own base URL so it
resolves wherever migov is served (behind a proxy too, with ``--proxy-headers``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import errors
from app.db.faults import database_fault
from app.http.problem_types import describe
from app.http.ratelimit import rate_limit_headers
from app.http.routes import rest_routes
from app.telemetry.logs import current_request_id

logger = logging.getLogger("migov.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEMS_PATH = "problems/"
# Codes of Starlette's HTTP errors (unknown routes, wrong methods); any other is http_<status>.
HTTP_ERROR_CODES = {404: "route_not_found", 405: "method_not_allowed", 406: "not_acceptable"}

STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PreconditionFailed: 412,
    errors.PreconditionRequired: 428,
    errors.InvalidInput: 400,
    errors.InvalidPayload: 422,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.PayloadTooLarge: 413,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
}


class ProblemDetail(BaseModel):
    type: str = Field(
        description="URI of a page describing the problem type: `<server>/problems/<code>` "
        "(HTML, or JSON with `Accept: application/json`)."
    )
    title: str = Field(
        description="The title of the `type` page: the same for every problem with this `code`."
    )
    status: int
    detail: str
    instance: str = Field(description="The request path that failed.")
    code: str = Field(description="Stable machine-readable code, shared with GraphQL.")
    errors: list[dict[str, Any]] | None = Field(
        default=None,
        description="Per-field problems, each naming its `field` and its `detail`. A "
        "parameter that only means something beside another also carries `requires`: "
        "parameters (`as_of`) or settings (`format=csv`), any one of which makes the "
        "request valid; one that may not be given beside another carries `excluded_by` "
        "(`limit` beside `all=true`).",
    )


def problem_response(
    request: Request,
    *,
    status: int,
    code: str,
    detail: str,
    title: str | None = None,
    errors_: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    # The title is the one the code's page gives (``/problems/{code}``), whatever the
    # raiser called it, so a body and the page its ``type`` names never disagree.
    described = describe(code)
    body: dict[str, Any] = {
        "type": f"{request.base_url}{PROBLEMS_PATH}{code}",
        "title": described.title if described else title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
    }
    if errors_:
        body["errors"] = errors_
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def status_for(error: errors.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)
    return domain_error_response(request, exc)


# Fields the services name that REST sends elsewhere than in the body: the idempotency
# key travels as the Idempotency-Key header.
REST_FIELDS = {"idempotency_key": "Idempotency-Key"}


def _in_rest_terms(item: dict[str, Any]) -> dict[str, Any]:
    field = item.get("field")
    return {**item, "field": REST_FIELDS[field]} if field in REST_FIELDS else item


def domain_error_response(request: Request, exc: errors.DomainError) -> JSONResponse:
    """The problem a ``DomainError`` answers with, headers (Retry-After, ...) included."""
    headers = None
    if isinstance(exc, errors.RateLimited | errors.Unavailable):
        headers = {"Retry-After": str(exc.retry_after)}
        if isinstance(exc, errors.RateLimited) and exc.limit:
            headers |= rate_limit_headers(
                limit=exc.limit,
                window_seconds=exc.window_seconds,
                remaining=0,
                reset_seconds=exc.retry_after,
            )
    elif isinstance(exc, errors.Unauthorized):
        headers = {"WWW-Authenticate": 'Bearer realm="migov"'}
    errors_ = [_in_rest_terms(item) for item in exc.errors or []]
    if exc.field and not errors_:
        errors_ = [{"field": REST_FIELDS.get(exc.field, exc.field), "detail": exc.detail}]
    return problem_response(
        request,
        status=status_for(exc),
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        errors_=errors_ or None,
        headers=headers,
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    if loc[:1] in (("query",), ("path",), ("header",)) and len(loc) > 1:
        return str(loc[1])  # a parameter, even when the bad value is one of a list
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "field": _field_name(tuple(err.get("loc", ()))),
            "detail": str(err.get("msg", "invalid")).removeprefix("Value error, "),
        }
        for err in exc.errors()
    ]
    in_body = any(tuple(err.get("loc", ()))[:1] == ("body",) for err in exc.errors())
    status = 422 if in_body else 400
    summary = errors.summarize_problems(problems)
    return problem_response(
        request,
        status=status,
        code="validation_failed" if in_body else "invalid_parameter",
        title="Request validation failed",
        detail=summary,
        errors_=problems,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(
        request,
        status=exc.status_code,
        code=HTTP_ERROR_CODES.get(exc.status_code, f"http_{exc.status_code}"),
        detail=str(exc.detail),
        headers=headers or None,
    )


def record_methods(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Remember which methods each REST path serves, for the ``Allow`` header of a 405.

    Starlette's 405 names only the methods of the first route matching the path;
    a path served by several routes (GET and POST /v1/pledges) needs them all.
    """
    app.state.route_methods = [
        (route.path_regex, frozenset(route.methods or ())) for route in rest_routes(routers)
    ]


def methods_at(app: FastAPI, path: str) -> frozenset[str]:
    """The methods the REST routes of ``app`` serve at ``path`` (none for a path none serves)."""
    table: list[tuple[re.Pattern[str], frozenset[str]]] = getattr(app.state, "route_methods", [])
    return frozenset(m for regex, served in table if regex.match(path) for m in served)


def _allowed_methods(request: Request) -> list[str]:
    methods = set(methods_at(request.app, request.url.path))
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database that is down, saturated or too slow: 503 with Retry-After (``app.db.faults``)."""
    fault = database_fault(exc)
    if fault is None:
        return await _unexpected(request, exc)
    logger.warning(
        "%s on %s %s: %s", fault.code, request.method, request.url.path, type(exc).__name__
    )
    return await _domain_error(request, fault)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        request,
        status=500,
        code="internal_error",
        detail="The server failed to handle the request; it has been logged.",
        # This answer leaves through Starlette's outermost error middleware, past
        # the request-id middleware, so it names the id itself.
        headers={"X-Request-ID": current_request_id() or ""},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Registered by class so they are handled like domain errors; a bare Exception
    # handler would also make Starlette re-raise after answering.
    app.add_exception_handler(SQLAlchemyError, _database_error)
    app.add_exception_handler(OSError, _database_error)
    app.add_exception_handler(Exception, _unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries documenting problem+json bodies for the given statuses."""
    return {
        status: {
            "model": ProblemDetail,
            "description": HTTPStatus(status).phrase,
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
            },
        }
        for status in statuses
    }
