"""GraphQL error shapes: every error carries a stable ``extensions.code``.

* A ``DomainError`` raised by a service keeps its message and its REST ``code``
  (``invalid_cursor``, ``invalid_input``, ...), plus ``field`` when it names one,
  ``errors`` (``[{field, detail}]``) when it names several, and ``retryAfter``
  (seconds) when it is ``rate_limited``. It is never masked: it says nothing the
  client may not know. Errors travel in a 200 response, as GraphQL over HTTP does;
  the code, not the HTTP status, says what went wrong.
* A request refused before it runs keeps its message: ``graphql_parse_failed``,
  ``graphql_validation_failed``, or the code of the limit it broke
  (``query_too_deep``, ``too_many_aliases``, ``too_many_tokens``,
  ``query_too_costly``, ``introspection_disabled``; see ``graphql.limits``).
* A database fault (``app.db.faults``: unavailable, busy, timed out, a value it
  refuses) answers its code and the fault's own ``detail`` as ``message``, the
  same words as REST's problem, never the driver's text (which holds the SQL).
* Anything else is a fault of the server: ``internal_error``, and outside debug
  its message is replaced (``MaskErrors``) after strawberry has logged it.

A root lookup that finds nothing (``forum(code: "RMC")``) resolves to ``null`` with an
error coded ``not_found``, as GitHub's GraphQL API answers: ``extensions.suggestions``
holds up to three close codes, and ``errors`` the one problem naming the argument. A
related record that is absent (a pledge's forum) is ``null`` without an error.

A mutation's errors name fields in the words of its arguments (``input_field``):
``gcmObjectives.1`` where REST says ``gcm_objectives.1``, ``idempotencyKey`` where
REST names the ``Idempotency-Key`` header. Paths start inside ``input``.

A domain error's message, ``field``, ``errors[].field``, ``detail`` and ``requires``
name filter arguments as GraphQL spells them (``in_graphql_words``): the services
word their refusals with the filter models' field names (``member_of``, ``as_of``),
which are REST's parameters, and a GraphQL client reads ``memberOf``, ``asOf``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any, cast

from graphql import GraphQLError, GraphQLSyntaxError
from pydantic import ValidationError
from starlette.responses import JSONResponse
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.utils.str_converters import to_camel_case

from app.db.faults import database_fault
from app.errors import DomainError, InvalidPayload, NotFound, RateLimited, Unavailable
from app.schemas.filters import FilterModel
from app.schemas.pledge_writes import field_errors

INTERNAL_ERROR = "internal_error"
MASKED_MESSAGE = "The server failed to handle the request; it has been logged."


def input_field(field: str) -> str:
    """A field path as REST names it, in GraphQL's words: ``gcm_objectives.1`` → ``gcmObjectives.1``.

    The idempotency key (REST's Idempotency-Key header) is the ``idempotencyKey``
    argument. Names already in camelCase stay as they are.
    """
    return ".".join(to_camel_case(part) for part in field.split("."))


def in_input_terms(error: DomainError) -> DomainError:
    """``error`` (changed in place) with every field it names renamed by ``input_field``."""
    if error.field:
        error.field = input_field(error.field)
    if error.errors:
        error.errors = [_renamed(item) for item in error.errors]
    return error


def _renamed(item: dict[str, object]) -> dict[str, object]:
    """One ``{field, detail, requires?}`` problem with its parameter names in GraphQL's words."""
    renamed = {**item, "field": input_field(str(item["field"]))}
    if isinstance(requires := item.get("requires"), list):
        renamed["requires"] = [input_field(str(name)) for name in requires]
    return renamed


@functools.cache
def _filter_names() -> re.Pattern[str]:
    """Every filter field whose GraphQL argument is spelled otherwise (``as_of``), as one regex."""
    models: list[type[FilterModel]] = [FilterModel]
    names: set[str] = set()
    while models:
        model = models.pop()
        models.extend(model.__subclasses__())
        names.update(name for name in model.model_fields if to_camel_case(name) != name)
    alternatives = "|".join(sorted(names, key=len, reverse=True))
    # A quoted stretch is the client's own value, echoed: matched first and kept.
    return re.compile(rf"'[^']*'|\b(?:{alternatives})\b")


def in_graphql_words(text: str) -> str:
    """``text`` with each filter field it names as its GraphQL argument: ``member_of`` →
    ``memberOf``. Only those names change (a whole word each), never values such as
    ``solidarity_event`` or a quoted value the client sent."""

    def rename(match: re.Match[str]) -> str:
        word = match[0]
        return word if word.startswith("'") else to_camel_case(word)

    return _filter_names().sub(rename, text)


def _in_graphql_words(value: Any) -> Any:
    if isinstance(value, str):
        return in_graphql_words(value)
    if isinstance(value, list):
        return [_in_graphql_words(item) for item in value]
    if isinstance(value, dict):
        return {
            key: value if key in ("value", "suggestions") else _in_graphql_words(value)
            for key, value in value.items()
        }
    return value


def refused_input(error: ValidationError) -> InvalidPayload:
    """A mutation input the shared pydantic model refused: ``validation_failed``, as REST's 422.

    Each of pydantic's errors becomes one ``{field, detail}`` in ``errors``; the
    message lists the first five, as REST's ``detail`` does.
    """
    problems = [{**item, "field": input_field(item["field"])} for item in field_errors(error)]
    return InvalidPayload.from_problems(problems)


def should_mask_error(error: GraphQLError) -> bool:
    """Mask a resolver's unexpected failure, never a domain error or a refused request.

    Only errors raised while fields resolve have a ``path``; the others refuse the
    request as written (syntax, validation, a variable of the wrong type). A
    database fault is told as one (``database_unavailable`` ...), not masked.
    """
    return (
        error.path is not None
        and not isinstance(error.original_error, DomainError)
        and fault_of(error) is None
    )


def fault_of(error: GraphQLError) -> DomainError | None:
    """The database fault behind ``error``, if that is what it is (``app.db.faults``)."""
    original = error.original_error
    if original is None or isinstance(original, DomainError):
        return None
    return database_fault(original)


class MaskUnexpectedErrors(MaskErrors):
    """strawberry's ``MaskErrors`` with migov's mask rule and a code on what it hides."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask_error, error_message=MASKED_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": INTERNAL_ERROR}
        return masked


def error_extensions(error: GraphQLError) -> dict[str, Any]:
    """The ``extensions`` an error leaves with, ``code`` always included."""
    extensions = dict(error.extensions or {})
    original: BaseException | None = fault_of(error) or error.original_error
    if isinstance(original, DomainError):
        extensions["code"] = original.code
        if original.field:
            extensions["field"] = in_graphql_words(original.field)
        if original.errors:
            extensions["errors"] = _in_graphql_words(original.errors)
        if isinstance(original, NotFound):
            extensions["suggestions"] = [
                code
                for item in original.errors or []
                for code in cast(list[str], item.get("suggestions") or [])
            ]
        if isinstance(original, RateLimited | Unavailable):
            extensions["retryAfter"] = original.retry_after
    elif "code" in extensions:
        pass
    elif isinstance(error, GraphQLSyntaxError):
        extensions["code"] = "graphql_parse_failed"
    elif error.path is None:
        extensions["code"] = "graphql_validation_failed"
    else:
        extensions["code"] = INTERNAL_ERROR
    return extensions


# strawberry's refusals of a request it cannot read, by the start of its reason.
REFUSAL_CODES = {
    "Unable to parse request body as JSON": "invalid_json",
    "Batching is not enabled": "graphql_batching_disabled",
    "Unsupported content type": "unsupported_media_type",
    "GraphQL only supports GET and POST": "method_not_allowed",
    "Not Found": "route_not_found",
    "mutations are not allowed when using GET": "mutation_over_get",
}
GRAPHQL_BAD_REQUEST = "graphql_bad_request"


def refused_request(status: int, reason: str) -> JSONResponse:
    """A request strawberry refused before reading an operation from it, as a GraphQL
    error with a code (``REFUSAL_CODES``), in JSON like every other answer of /graphql."""
    code = next(
        (code for start, code in REFUSAL_CODES.items() if reason.startswith(start)),
        GRAPHQL_BAD_REQUEST,
    )
    return JSONResponse(
        {"errors": [{"message": reason, "extensions": {"code": code}}]}, status_code=status
    )


def unavailable_response(fault: Unavailable) -> JSONResponse:
    """A request refused before execution because the database failed (the response
    cache could not read the data version): what ``ErrorCodes`` answers when a field
    fails the same way, a 503 with Retry-After and the fault's code, but no ``data``,
    since nothing was executed."""
    error = GraphQLError(fault.detail, original_error=fault)
    return JSONResponse(
        {"errors": [{"message": fault.detail, "extensions": error_extensions(error)}]},
        status_code=503,
        headers={"Retry-After": str(fault.retry_after)},
    )


class ErrorCodes(SchemaExtension):
    """Give every error of the response its ``extensions.code`` (see the module docstring).

    List it before ``MaskUnexpectedErrors``: strawberry leaves operation hooks in
    reverse order, so this one sees the errors after masking.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        retry_after = 0
        for error in errors:
            error.extensions = error_extensions(error)
            if (told := fault_of(error)) is not None:
                # The fault's own words: the driver's message holds the statement and
                # its parameters (``SELECT ...``, an INSERT echoing the input).
                error.message = told.detail
            elif isinstance(error.original_error, DomainError):
                error.message = in_graphql_words(error.message)
            fault = fault_of(error) or error.original_error
            if isinstance(fault, Unavailable):
                retry_after = max(retry_after, fault.retry_after)
        response = getattr(self.execution_context.context, "response", None)
        if retry_after and response is not None:
            # The database failed the request, not the client: 503 and Retry-After,
            # as REST answers, with the GraphQL body saying which fields failed.
            response.status_code = 503
            response.headers["Retry-After"] = str(retry_after)
