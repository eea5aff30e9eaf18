"""Domain errors, raised by services and rendered by each adapter.

    DomainError                (code, title, detail, field)
    ├── NotFound               REST 404
    ├── Conflict               REST 409
    ├── PreconditionFailed     REST 412
    ├── PreconditionRequired   REST 428
    ├── InvalidInput           REST 400 (query parameters, cursors)
    │   └── UnknownReference   REST 400 (a code or id that matches nothing; suggestions)
    ├── InvalidPayload         REST 422 (a request body the service refuses; names each field;
    │                          unknown_reference with suggestions when it names what matches nothing)
    ├── Unauthorized           REST 401
    ├── Forbidden              REST 403
    ├── PayloadTooLarge        REST 413
    ├── RateLimited            REST 429 (retry_after seconds)
    └── Unavailable            REST 503

The ``code`` is stable and shared by REST problem bodies and GraphQL
``extensions.code``; partners may switch on it. This module imports nothing from
the web frameworks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    code: str = "error"
    title: str = "Error"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        field: str | None = None,
        errors: list[dict[str, object]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.field = field
        self.errors = errors


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict"


class PreconditionFailed(DomainError):
    code = "precondition_failed"
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    code = "precondition_required"
    title = "Precondition required"


class InvalidInput(DomainError):
    code = "invalid_input"
    title = "Invalid input"


class UnknownReference(InvalidInput):
    """A code or id in a filter that matches nothing: loud, never an empty answer.

    ``errors`` holds one ``{field, value, detail, suggestions}`` per unmatched value.
    """

    code = "unknown_reference"
    title = "Unknown reference"


class InvalidPayload(DomainError):
    """A request body that parses but that the service refuses (unknown actor, bad currency...)."""

    code = "validation_failed"
    title = "Request validation failed"

    @classmethod
    def from_problems(
        cls,
        problems: list[dict[str, object]],
        *,
        detail: str | None = None,
        code: str | None = None,
    ) -> InvalidPayload:
        """``validation_failed`` (or ``code``: ``unknown_reference`` for a body naming a
        forum, actor or event that matches nothing) naming each ``{field, detail}``;
        ``detail`` sums up the first five."""
        return cls(detail or summarize_problems(problems), errors=problems, code=code)


def summarize_problems(problems: Sequence[Mapping[str, object]]) -> str:
    """The first five ``{field, detail}`` problems on one line: a refusal's ``detail``."""
    return "; ".join(f"{p['field']}: {p['detail']}" for p in problems[:5])


class Unauthorized(DomainError):
    code = "unauthorized"
    title = "Unauthorized"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Forbidden"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    title = "Payload too large"


class RateLimited(DomainError):
    """Over a quota of ``limit`` requests per ``window_seconds``; the next window opens in
    ``retry_after`` seconds."""

    code = "rate_limited"
    title = "Too many requests"

    def __init__(
        self, detail: str, *, retry_after: int, limit: int = 0, window_seconds: int = 0
    ) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.limit = limit
        self.window_seconds = window_seconds


class Unavailable(DomainError):
    code = "unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str, *, code: str | None = None, retry_after: int = 1) -> None:
        super().__init__(detail, code=code)
        self.retry_after = retry_after
