"""Touches FastAPI's generated OpenAPI document needs to describe this API truthfully.

* Every ``/v1`` operation can answer 400 (unknown or malformed parameters), so each
  documents it, as problem+json.
* Everything but ``/healthz`` can answer 503 when the database fails or the
  request passes its deadline (docs/reliability.md).
* Reads answer 304 to a matching ``If-None-Match``/``If-Modified-Since``.
* FastAPI documents a 422 ``HTTPValidationError`` on every operation with
  parameters; here 422 is only for request bodies, so reads drop it, and bodies
  get the problem+json shape instead.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.api.problems import PROBLEM_MEDIA_TYPE

PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDetail"}
UNAVAILABLE = (
    "The database is unavailable, busy or too slow (`database_unavailable`, "
    "`database_busy`, `database_timeout`), or the request passed its deadline "
    "(`request_timeout`). Retry after the `Retry-After` seconds."
)


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}}


def install(app: FastAPI) -> None:
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
                responses = operation.setdefault("responses", {})
                if method in ("get", "head"):
                    responses.pop("422", None)
                elif "422" in responses:
                    responses["422"] = _problem("The request body failed validation.")
                if path != "/healthz":
                    responses.setdefault("503", _problem(UNAVAILABLE))
                if path.startswith("/v1"):
                    responses.setdefault("400", _problem("Bad Request"))
                    if method == "get":
                        responses.setdefault(
                            "304", {"description": "Not modified since the given validator."}
                        )
        schemas = document.get("components", {}).get("schemas", {})
        text = str(document.get("paths"))
        for unused in ("HTTPValidationError", "ValidationError"):
            if unused in schemas and f"/schemas/{unused}'" not in text:
                del schemas[unused]
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
