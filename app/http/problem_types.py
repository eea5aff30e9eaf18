"""Problem types: one page per ``code`` at ``/problems/{code}``, which each ``type`` URI names.

Every problem+json body has ``type: <base>/problems/<code>``; that URI answers
here, as HTML for a browser or JSON (``Accept: application/json``) for a
program. ``/problems`` lists them all. GraphQL errors carry the same codes in
``extensions.code`` (GraphQL-only codes are listed too), so a partner looks up
either in one place. ``tests/api/test_problem_types.py`` checks that every code
the app can produce has an entry.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.errors import NotFound


@dataclass(frozen=True)
class ProblemType:
    status: int  # the REST status; 200 for GraphQL-only codes, which arrive in a 200 answer
    title: str
    meaning: str  # what happened
    remedy: str  # what the client can do about it


def _p(status: int, title: str, meaning: str, remedy: str) -> ProblemType:
    return ProblemType(status, title, meaning, remedy)


CATALOGUE: dict[str, ProblemType] = {
    # Requests the API cannot read.
    "invalid_parameter": _p(400, "Invalid parameter", "A query or path parameter has a value "
        "of the wrong type, outside its range, or holds a NUL character.",
        "Fix the parameter named in `errors[].field`."),
    "unknown_parameter": _p(400, "Unknown parameter", "The query string names a parameter this "
        "endpoint does not take (often a typo).", "Drop or correct the parameters listed in `errors`."),
    "invalid_version": _p(400, "Invalid data version", "`version` (or the "
        "`Migov-Data-Version` header) is not a whole number from 1, or the two name different "
        "versions.", "Send the number a `Migov-Data-Version` header or a cite-as link gave, once."),
    "unknown_version": _p(400, "Unknown data version", "The data version asked for is older "
        "than the oldest one kept or newer than the current one; `detail` names both.",
        "Ask for a version in that range, or leave `version` out for the current data."),
    "repeated_parameter": _p(400, "Repeated parameter", "A parameter that takes one value was "
        "given more than once.", "Give it once."),
    "invalid_cursor": _p(400, "Invalid cursor", "The `cursor` is not one this list handed out, "
        "or belongs to another list or ordering.", "Start again without a cursor, or use the "
        "`next_cursor` (or `Link: rel=next`) of the previous page unchanged."),
    "unknown_reference": _p(400, "Unknown reference", "A filter names a code or id that matches "
        "nothing; the answer would otherwise be silently empty. A submitted pledge naming a "
        "pledger, forum or event that matches nothing is refused the same way, with status "
        "422 (in a batch, in that item's result).",
        "Use one of the `suggestions` in `errors`, or look codes up in the matching list."),
    "invalid_input": _p(400, "Invalid input", "The request cannot be served as asked: most "
        "often a parameter that means something only beside another, such as `certainty` "
        "without the day or range it judges.", "Read `detail`; add one of the parameters "
        "`errors[].requires` names, or drop the one in `errors[].field`."),
    "uncitable_request": _p(400, "Uncitable request", "The `request` to cite is not an answer "
        "of this API that can be pinned: it must be a path under `/v1/` (no scheme, host or "
        "fragment) that a GET route serves, other than `/v1/cite`. `detail` says which rule "
        "it broke.", "Give the path and query of a GET request, e.g. "
        "`request=/v1/forums/RCM?lang=es` (URL-encoded)."),
    "unstorable_value": _p(400, "Unstorable value", "A value is beyond what the database stores "
        "(a number out of range, a NUL character in text).", "Send a value within range."),
    "total_out_of_range": _p(400, "Total out of range", "A total the answer needs is past "
        "what the database adds up exactly (on SQLite, 2^63 cents in one group); no rounded "
        "total is answered instead.", "Narrow the filters or group more finely, so that each "
        "total is smaller."),
    "invalid_idempotency_key": _p(400, "Invalid Idempotency-Key", "The `Idempotency-Key` "
        "header is empty or longer than 255 characters.", "Send 1-255 characters, e.g. a UUID."),
    "invalid_scope": _p(400, "Invalid scope", "An API key was asked for with a scope that "
        "does not exist.", "Use `pledges:write` or `pledges:admin`."),
    "dataset_invalid": _p(400, "Dataset invalid", "The curated dataset files failed their "
        "checks; nothing was loaded.", "Run `migov data validate` and fix what it lists."),
    "validation_failed": _p(422, "Request validation failed", "The request body is not a "
        "valid pledge (or batch, or update): each refused field is named in `errors`.",
        "Fix each field in `errors` and send the body again."),
    "request_header_too_large": _p(431, "Request header too large", "The request line and "
        "headers are longer than the server reads (`MIGOV_MAX_HEADER_BYTES`, 64 KiB by "
        "default); the connection was closed.", "Send shorter headers (long values belong "
        "in the body)."),
    "batch_over_quota": _p(413, "Batch over quota", "The batch holds more pledges than the "
        "API key may write in a whole window, so waiting would never admit it.",
        "Send at most the quota (`RateLimit-Policy`, `\"writes\"`) at a time."),
    "payload_too_large": _p(413, "Payload too large", "The request body is over the server's "
        "limit (1 MiB by default).", "Split it: a batch holds at most 1,000 pledges."),
    "not_acceptable": _p(406, "Not acceptable", "No representation of this resource matches "
        "the `Accept` header.", "Accept `application/json` (or `text/csv` where offered)."),
    # Routing.
    "route_not_found": _p(404, "Route not found", "No endpoint has this path.",
        "Check the path against `/openapi.json` or the index at `/v1`."),
    "method_not_allowed": _p(405, "Method not allowed", "The path exists but not with this "
        "method.", "Use a method listed in the `Allow` header."),
    # Missing things.
    "not_found": _p(404, "Not found", "The resource does not exist.", "Check the id or code."),
    "forum_not_found": _p(404, "Forum not found", "No forum has this code (nor alias).",
        "Use one of the `suggestions` in `errors`, or list forums at `/v1/forums`."),
    "actor_not_found": _p(404, "Actor not found", "No actor (state or organisation) has this "
        "id.", "Use one of the `suggestions` in `errors`, or list actors at `/v1/actors`; "
        "states use ISO 3166-1 alpha-3 codes."),
    "event_not_found": _p(404, "Event not found", "No event has this id.",
        "Use one of the `suggestions` in `errors`, or list events at `/v1/events`."),
    "participation_not_found": _p(404, "Participation not found", "No participation has this "
        "id.", "List participations at `/v1/participations`; ids are integers."),
    "pledge_not_found": _p(404, "Pledge not found", "No pledge has this id.",
        "List pledges at `/v1/pledges`."),
    "source_not_found": _p(404, "Source not found", "No source document has this id.",
        "List sources at `/v1/sources`."),
    "dispute_not_found": _p(404, "Dispute not found", "No recorded dispute has this id.",
        "Use one of the `suggestions` in `errors`, or list disputes at `/v1/disputes`."),
    "programme_not_found": _p(404, "Programme not found", "No programme has this id.",
        "Use one of the `suggestions` in `errors`, or list programmes at `/v1/programmes`."),
    "money_record_not_found": _p(404, "Money record not found", "No money record has this id.",
        "Use one of the `suggestions` in `errors`, or list money records at "
        "`/v1/money-records`."),
    "export_not_found": _p(404, "Export not found", "No dataset file has this name: files are "
        "named by data version, and only the current version's are kept.",
        "Ask `/v1/download` for the current names."),
    "api_key_not_found": _p(404, "API key not found", "No API key has this id.",
        "List keys with `migov keys list`."),
    # Keys and permissions.
    "unauthorized": _p(401, "Unauthorized", "The request needs valid credentials.",
        "Send `Authorization: Bearer <secret>`."),
    "api_key_missing": _p(401, "API key missing", "A write or admin request came without an "
        "`Authorization: Bearer` header.", "Send your API key as a bearer token."),
    "api_key_invalid": _p(401, "API key invalid", "The key is unknown, malformed or revoked.",
        "Ask the operator for a new key; do not retry with this one."),
    "forbidden": _p(403, "Forbidden", "The key may not do this.", "Use a key with the scope needed."),
    "scope_missing": _p(403, "Scope missing", "The key lacks the scope this request needs "
        "(`pledges:write` for writes, `pledges:admin` for the audit log).",
        "Ask the operator for a key with that scope."),
    "pledger_not_granted": _p(403, "Pledger not granted", "The API key may pledge only in the "
        "name of the actors it was granted, and a pledger of this pledge is not one of them "
        "(`errors` names each).", "Pledge for your own actors, or ask the operator for a key "
        "granted this one (`migov keys create --pledger ACTOR`)."),
    "pledger_grant_missing": _p(400, "Pledger grant missing", "An API key was asked for "
        "without saying whom it may pledge for.", "Give `--pledger ACTOR` for each actor, or "
        "`--any-pledger`."),
    "pledger_grant_conflict": _p(400, "Pledger grant conflict", "An API key was asked for "
        "with both `--pledger` and `--any-pledger`.", "Give one or the other."),
    "pledge_not_owned": _p(403, "Pledge not owned", "Only the key that submitted a pledge (or "
        "an admin key) may update it.", "Update your own pledges, or ask an admin."),
    # Conflicts and preconditions.
    "conflict": _p(409, "Conflict", "The request conflicts with the resource's state.",
        "Read the resource again and decide."),
    "export_conflict": _p(409, "Export conflict", "The data changed while the dataset file "
        "was being built, so the file would have mixed two versions; it was not kept.",
        "Ask `/v1/download` for the new version's name and fetch that."),
    "idempotency_key_in_flight": _p(409, "Idempotency key in flight", "A request with this "
        "`Idempotency-Key` is still being served.", "Retry shortly with the same key and body."),
    "idempotency_key_reused": _p(422, "Idempotency key reused", "This `Idempotency-Key` was "
        "used with a different body.", "Use a new key for a new request."),
    "pledge_curated": _p(409, "Curated pledge", "Curated pledges change through the dataset "
        "files, not the API.", "Propose the change to the dataset's maintainers."),
    "pledge_withdrawn": _p(409, "Pledge withdrawn", "A withdrawn pledge is final.",
        "Submit a new pledge instead."),
    "invalid_status_transition": _p(409, "Invalid status transition", "Status moves only "
        "forward (announced, in_progress, fulfilled); withdrawn is final.",
        "Send a status later than the current one."),
    "precondition_failed": _p(412, "Precondition failed", "A precondition header did not hold.",
        "Read the resource again for its current validator."),
    "pledge_version_conflict": _p(412, "Pledge changed", "`If-Match` names an older version: "
        "the pledge changed since you read it.", "GET it again, reapply your change, and send "
        "the new ETag in `If-Match`."),
    "precondition_required": _p(428, "Precondition required", "This update needs a "
        "precondition header.", "Send `If-Match` with the ETag you read."),
    "pledge_version_required": _p(428, "If-Match required", "Updating a pledge needs "
        "`If-Match` with its ETag, so two writers cannot overwrite each other unseen.",
        "GET the pledge and send its `ETag` as `If-Match`."),
    # Load and faults.
    "rate_limited": _p(429, "Too many requests", "The client used up its quota of requests, "
        "or the API key its quota of writes (each pledge of a batch counts); see the "
        "`RateLimit` and `RateLimit-Policy` headers.", "Wait the `Retry-After` seconds, and "
        "send requests at the pace `RateLimit` shows."),
    "unavailable": _p(503, "Service unavailable", "The service cannot answer now.",
        "Retry after the `Retry-After` seconds."),
    "database_unavailable": _p(503, "Database unavailable", "The database refused or dropped "
        "the connection (restarting, unreachable).", "Retry after the `Retry-After` seconds."),
    "database_busy": _p(503, "Database busy", "No database connection came free in time, or a "
        "write lock stayed taken.", "Retry after the `Retry-After` seconds."),
    "database_timeout": _p(503, "Database timeout", "A query ran past its time limit and was "
        "cancelled.", "Retry later, or ask for less (filters, a smaller `limit`)."),
    "too_many_streams": _p(503, "Too many streams", "The server is sending as many streamed "
        "answers (`all=true` CSV, dataset files) as it sends at once.", "Retry after "
        "`Retry-After`, or page through the list with `cursor`."),
    "database_budget_spent": _p(503, "Database time spent", "The request's statements "
        "together ran longer than the database time one request may use "
        "(`MIGOV_DB_REQUEST_BUDGET`, 4 s by default), so it was stopped.",
        "Ask for less in one request (fewer aliases or nested lists, smaller pages, "
        "narrower filters), or retry after `Retry-After`."),
    "request_timeout": _p(503, "Request timed out", "The request took longer than the server's "
        "deadline and was cancelled.", "Retry shortly, or ask for less."),
    "schema_not_at_head": _p(503, "Schema not migrated", "The database schema is behind the "
        "code (`/readyz`).", "Operators: run `migov migrate`."),
    "internal_error": _p(500, "Internal error", "The server failed; the failure is logged with "
        "the request's `X-Request-ID`.", "Retry once; if it persists, report the X-Request-ID."),
    # GraphQL only (answered with 200 and the code in `errors[].extensions.code`).
    "graphql_parse_failed": _p(200, "GraphQL syntax error", "The document does not parse.",
        "Fix the syntax at the reported location."),
    "graphql_validation_failed": _p(200, "GraphQL validation failed", "The document names "
        "fields or arguments the schema does not have, or misuses them.",
        "Check it against the schema (`/graphql` introspection or openapi/schema.graphql)."),
    "query_too_deep": _p(200, "Query too deep", "The selections nest deeper than the server "
        "allows.", "Flatten the query, or run several."),
    "too_many_aliases": _p(200, "Too many aliases", "The document uses more field aliases than "
        "allowed.", "Use fewer aliases, or several requests."),
    "too_many_tokens": _p(200, "Too many tokens", "The document has more tokens than "
        "allowed.", "Send a shorter document."),
    "document_too_long": _p(200, "Document too long", "The document has more characters "
        "(comments and strings included) than the server parses (32 KiB by default).",
        "Send a shorter document; pass long values as variables."),
    "query_too_costly": _p(200, "Query too costly", "The estimated number of objects the query "
        "may resolve is over the limit.", "Ask for fewer items (`first`) or fewer nested lists."),
    "introspection_disabled": _p(200, "Introspection disabled", "This server does not answer "
        "schema introspection.", "Use the published schema (openapi/schema.graphql)."),
    # GraphQL requests refused before an operation is read from them (HTTP 400, JSON).
    "invalid_json": _p(400, "Body is not JSON", "The body of a GraphQL POST is not JSON, or "
        "nests deeper than 1,024 levels.", "Send `{\"query\": ..., \"variables\": {...}}` as JSON."),
    "graphql_batching_disabled": _p(400, "Batching disabled", "The body is a list of "
        "operations; this server runs one operation per request.", "Send one request per operation."),
    "unsupported_media_type": _p(400, "Unsupported content type", "A GraphQL POST must be "
        "`application/json`.", "Send `Content-Type: application/json`."),
    "mutation_over_get": _p(400, "Mutation over GET", "A GET request to /graphql asked for "
        "a mutation; writes go over POST only.", "Send the mutation as a POST."),
    "graphql_bad_request": _p(400, "Bad GraphQL request", "The request holds no operation "
        "this server can read (no `query`, or `variables` that are not an object).",
        "Read `message`, correct the request and send it again."),
}  # fmt: skip

# Starlette's other HTTP errors are answered as ``http_<status>``.
HTTP_CODE = re.compile(r"^http_(?P<status>[1-5][0-9]{2})$")

router = APIRouter(prefix="/problems", tags=["problems"])
CodePath = Annotated[str, Path(max_length=64, description="A problem `code`.")]


def describe(code: str) -> ProblemType | None:
    known = CATALOGUE.get(code)
    if known is not None:
        return known
    match = HTTP_CODE.match(code)
    if match is None:
        return None
    status = int(match["status"])
    return _p(status, f"HTTP {status}", "An HTTP error without a more specific code.",
              "See the `detail` of the problem.")  # fmt: skip


def _as_json(code: str, problem: ProblemType) -> dict[str, object]:
    return {
        "code": code,
        "status": problem.status,
        "title": problem.title,
        "meaning": problem.meaning,
        "remedy": problem.remedy,
        "graphql_only": problem.status == 200,
    }


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f"</title></head><body><main>{body}</main></body></html>"
    )


@router.get("", operation_id="list_problem_types", include_in_schema=False)
async def list_problem_types(request: Request) -> Response:
    """Every problem code, with its status and meaning."""
    if _wants_json(request):
        return JSONResponse([_as_json(code, p) for code, p in CATALOGUE.items()])
    items = "".join(
        f'<li><a href="/problems/{code}"><code>{code}</code></a> ({p.status}): '
        f"{html.escape(p.title)}</li>"
        for code, p in CATALOGUE.items()
    )
    return _page("migov problem types", f"<h1>Problem types</h1><ul>{items}</ul>")


@router.get("/{code}", operation_id="get_problem_type", include_in_schema=False)
async def get_problem_type(request: Request, code: CodePath) -> Response:
    """What one problem code means and what to do about it."""
    problem = describe(code)
    if problem is None:
        raise NotFound(f"No problem type has the code {code!r}.", code="not_found")
    if _wants_json(request):
        return JSONResponse(_as_json(code, problem))
    where = (
        "GraphQL answers it with 200 and this code in `errors[].extensions.code`."
        if problem.status == 200
        else f"REST answers it with status {problem.status}; GraphQL puts the code in "
        "`errors[].extensions.code`."
    )
    body = (
        f"<h1>{html.escape(problem.title)}</h1><p><code>{code}</code></p>"
        f"<p>{html.escape(problem.meaning)}</p><h2>What to do</h2>"
        f"<p>{html.escape(problem.remedy)}</p><p>{html.escape(where)}</p>"
        '<p><a href="/problems">All problem types</a></p>'
    )
    return _page(f"{problem.title} ({code})", body)
