"""Touches FastAPI's generated OpenAPI document needs to describe this API truthfully.

* Every ``/v1`` operation can answer 400 (unknown or malformed parameters), so each
  documents it, as problem+json.
* Everything but ``/healthz`` can answer 503 when the database fails or the
  request passes its deadline (docs/reliability.md).
* Reads answer 304 to a matching ``If-None-Match``/``If-Modified-Since``.
* FastAPI documents a 422 ``HTTPValidationError`` on every operation with
  parameters; here 422 is only for request bodies, so reads drop it, and bodies
  get the problem+json shape instead.
* Response headers, so that generated clients can read them (``describe_headers``):
  ``X-Request-ID`` on every answer; ``ETag``/``Last-Modified``/``Cache-Control`` on
  reads; ``Link`` (next page) on paged lists; ``Content-Disposition`` where CSV is
  offered; ``Location``/``ETag``/``Idempotent-Replayed`` on writes; ``RateLimit``
  and ``RateLimit-Policy`` on every counted request (the client's ``"requests"``
  quota, and a counted write's ``"writes"``); ``Retry-After`` on 429 and 503.
* Every operation but the health checks can answer 429 (the client's quota of
  requests, ``app.http.ratelimit``).
  They are defined once under ``components/headers`` and referenced.
* A request header is present or absent, never ``null``: an optional header's
  schema keeps only its value's type (``present_or_absent``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from app.api.conditional import conditional_get
from app.http.problems import PROBLEM_MEDIA_TYPE
from app.http.ratelimit import UNCOUNTED  # paths no quota counts

PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDetail"}
UNAVAILABLE = (
    "The database is unavailable, busy or too slow (`database_unavailable`, "
    "`database_busy`, `database_timeout`), or the request passed its deadline "
    "(`request_timeout`). Retry after the `Retry-After` seconds."
)


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}}


def _header(description: str, example: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if example is not None:
        schema["examples"] = [example]
    return {"description": description, "schema": schema}


HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": _header(
        "The request's id (yours if you sent a well-formed `X-Request-ID`); quote it when "
        "reporting a problem.",
        "0b6f1c1e5b6c4f0e9d573a8b1b7c2d10",
    ),
    "ETag": _header(
        "Validator of this answer: send it back in `If-None-Match` for a 304 while the data "
        "is unchanged. On one pledge, its version, for `If-Match` on update.",
        '"v42-3f1c0d2a9b8e7f6a"',
    ),
    "Last-Modified": _header(
        "When the data last changed (any committed write or load).",
        "Mon, 30 Nov 2026 08:00:00 GMT",
    ),
    "Cache-Control": _header("How long shared caches may keep the answer."),
    "Link": _header(
        'Links of the answer (RFC 8288). On every read, `rel="cite-as"` (RFC 8574): this '
        "same request pinned to the data version it shows (`version=N`), relative to the "
        "request's URL; it answers the same bytes for as long as the service runs, so it is "
        'the link to cite. On a list, the next page as `rel="next"`; absent on the last '
        "page. The same URL as `next_cursor` gives, and the only pointer in CSV.",
        '</v1/pledges?forum=MIRPS&version=42>; rel="cite-as", '
        '<https://migov.example.org/v1/pledges?cursor=abc>; rel="next"',
    ),
    "Content-Disposition": _header(
        "With `format=csv`, and on a dataset file: `attachment` and a file name.",
        'attachment; filename="pledges.csv"',
    ),
    "Location": _header("The pledge's own URL.", "/v1/pledges/17"),
    "Idempotent-Replayed": _header(
        "`true` when this is the stored answer to an earlier request with the same "
        "`Idempotency-Key`; nothing was stored again.",
        "true",
    ),
    "RateLimit-Policy": _header(
        "The quotas this request counted against (IETF draft httpapi-ratelimit-headers), "
        'token buckets of `q` per `w` seconds: the client\'s `"requests"` (by API key, '
        'else by address), and on a write the key\'s `"writes"` (each pledge of a batch '
        "counts).",
        '"requests";q=1200;w=60, "writes";q=3000;w=60',
    ),
    "RateLimit": _header(
        "What is left of each quota: `r` now, and `t` seconds until it is full again.",
        '"requests";r=1187;t=1, "writes";r=2999;t=1',
    ),
    "Retry-After": _header("Seconds to wait before retrying.", "2"),
    "Migov-Data-Version": _header(
        "On a read, the data version the answer shows (`version=N` on the same request "
        "answers it again, byte for byte). On a write, the version it committed: send it "
        "back as the `Migov-Min-Version` request header on reads that must see the write "
        "(behind a read replica, they are served from data at least that new).",
        "1234",
    ),
    "Migov-Data-Version-Ignored": _header(
        "On a write that named a data version (`version` or `Migov-Data-Version`): that "
        "version. Writes always apply to the current version; the one named was ignored.",
        "1200",
    ),
}

TOO_MANY = (
    "Over a quota (`rate_limited`): the client's requests, or on a write the API key's "
    "writes. Retry after the `Retry-After` seconds."
)


def present_or_absent(parameter: dict[str, Any]) -> None:
    """An optional header parameter's ``anyOf [T, null]`` schema, as ``T``."""
    schema = parameter.get("schema", {})
    kept = [branch for branch in schema.get("anyOf", []) if branch.get("type") != "null"]
    if parameter.get("in") == "header" and len(kept) == 1 and len(schema["anyOf"]) == 2:
        rest = {key: value for key, value in schema.items() if key != "anyOf"}
        parameter["schema"] = {**kept[0], **rest}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def conditional_operations(routers: Sequence[APIRouter]) -> set[str]:
    """Operation ids of the routes that answer with the data-version validators
    (``conditional_get`` among their dependencies, directly or on their router)."""
    found: set[str] = set()
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute) or not route.operation_id:
                continue
            pending = [route.dependant]
            while pending:
                dependant = pending.pop()
                if dependant.call is conditional_get:
                    found.add(route.operation_id)
                    break
                pending.extend(dependant.dependencies)
    return found


def _enum_values(schema: Any) -> set[Any]:
    """Every value an ``enum`` lists anywhere in ``schema`` (its ``anyOf`` branches too)."""
    if isinstance(schema, dict):
        found = set(schema.get("enum", ()))
        for value in schema.values():
            found |= _enum_values(value)
        return found
    if isinstance(schema, list):
        return {value for item in schema for value in _enum_values(item)}
    return set()


def offers_csv(operation: dict[str, Any]) -> bool:
    """Whether the operation's ``format`` parameter offers CSV (sent as an attachment)."""
    return any(
        p.get("name") == "format" and "csv" in _enum_values(p.get("schema"))
        for p in operation.get("parameters", [])
    )


def describe_headers(document: dict[str, Any], conditional: set[str]) -> None:
    """Document the response headers each operation sends (see the module docstring).

    ``conditional``: the operations answering ETag, Last-Modified and Cache-Control
    from the data version; a read documenting its own ETag (one pledge) gets
    Cache-Control beside it.
    """
    document.setdefault("components", {})["headers"] = HEADERS
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            params = {p.get("name") for p in operation.get("parameters", [])}
            write = method in ("post", "patch") and bool(operation.get("security"))
            validated = operation.get("operationId") in conditional
            own_etag = "ETag" in operation.get("responses", {}).get("200", {}).get("headers", {})
            for status, response in operation.get("responses", {}).items():
                names = ["X-Request-ID"]
                if method == "get" and (validated or own_etag):
                    if status == "200":
                        names += ["ETag", "Cache-Control"]
                        if validated:
                            names.append("Last-Modified")
                    elif status == "304":
                        names.append("ETag")
                if method == "get" and status == "200" and (validated or own_etag):
                    names += ["Migov-Data-Version", "Link"]
                if method == "get" and status == "200":
                    if "cursor" in params:
                        names.append("Link")
                    if offers_csv(operation):
                        names.append("Content-Disposition")
                if write and status in ("200", "201") and path != "/v1/pledges/batch":
                    names += ["Location", "ETag"]
                if write and status in ("200", "201"):
                    names += [
                        "Idempotent-Replayed",
                        "Migov-Data-Version",
                        "Migov-Data-Version-Ignored",
                    ]
                if path not in UNCOUNTED:
                    names += ["RateLimit-Policy", "RateLimit"]
                if status in ("429", "503"):
                    names.append("Retry-After")
                headers = response.setdefault("headers", {})
                for name in names:
                    headers.setdefault(name, _ref(name))


def summary_of(description: str) -> str:
    """An operation's summary in its own words: the first sentence of its docstring
    ("List actors, ordered by id"), not FastAPI's title-cased function name ("Get Api
    Index"); empty when it has no docstring."""
    first = " ".join(description.strip().split("\n\n")[0].split())
    sentence = first.split(". ")[0].removesuffix(".")
    return sentence if 0 < len(sentence) <= 120 else ""


def install(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    conditional = conditional_operations(routers)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
            license_info=app.license_info,
        )
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                if summary := summary_of(operation.get("description", "")):
                    operation["summary"] = summary
                for parameter in operation.get("parameters", []):
                    present_or_absent(parameter)
                responses = operation.setdefault("responses", {})
                if method in ("get", "head"):
                    responses.pop("422", None)
                elif "422" in responses:
                    responses["422"] = _problem("The request body failed validation.")
                if path != "/healthz":
                    responses.setdefault("503", _problem(UNAVAILABLE))
                if path not in UNCOUNTED:
                    responses.setdefault("429", _problem(TOO_MANY))
                if path.startswith("/v1"):
                    responses.setdefault("400", _problem("Bad Request"))
                    if method == "get":
                        responses.setdefault(
                            "304", {"description": "Not modified since the given validator."}
                        )
        describe_headers(document, conditional)
        schemas = document.get("components", {}).get("schemas", {})
        text = str(document.get("paths"))
        for unused in ("HTTPValidationError", "ValidationError"):
            if unused in schemas and f"/schemas/{unused}'" not in text:
                del schemas[unused]
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
