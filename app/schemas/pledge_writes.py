"""What a batch of pledge writes answers, and a pledge's history of changes.

The shapes of ``services.pledge_writes`` and ``services.pledge_updates`` beyond the
pledge itself (``schemas.pledge``): per-field problems, a batch and its per-item
results, and the audit trail of one pledge.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
)

from app.models.enums import (
    AuditAction,
    PledgeStatus,
)
from app.schemas.pledge import PledgeRead

MAX_BATCH = 1000


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the field, e.g. `pledgers.1` or `amount`.")
    detail: str
    value: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="With `unknown_reference`: the value that names nothing.",
    )
    suggestions: list[str] | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="With `unknown_reference`: up to three of the closest known codes.",
    )


def field_errors(error: ValidationError, prefix: str = "") -> list[dict[str, Any]]:
    """Pydantic errors as ``{field, detail}`` items, named like the REST 422 problems."""
    return [
        {
            "field": prefix + (".".join(str(part) for part in item["loc"]) or "body"),
            "detail": item["msg"].removeprefix("Value error, "),
        }
        for item in error.errors()
    ]


class PledgeBatch(BaseModel):
    """Up to 1,000 pledges, each shaped like the body of `POST /v1/pledges`."""

    model_config = ConfigDict(extra="forbid")

    # Items are validated one by one by the service, so one bad item is reported
    # in its own result instead of refusing the whole batch. The document says so:
    # an item is any object (a `PledgeCreate` to be stored), since an item that is
    # not a valid PledgeCreate is answered in its result, not by refusing the request.
    pledges: list[
        Annotated[
            dict[str, Any],
            WithJsonSchema(
                {
                    "type": "object",
                    "description": "A pledge shaped like `PledgeCreate` (the body of "
                    "`POST /v1/pledges`). Each item is checked on its own: one that is not "
                    "a valid `PledgeCreate` is `rejected` in its result (or, with "
                    "`atomic=true`, refuses the batch with 422).",
                }
            ),
        ]
    ] = Field(min_length=1, max_length=MAX_BATCH)


BatchOutcome = Literal["created", "existing", "rejected"]


class PledgeBatchItem(BaseModel):
    index: int = Field(description="Position of the pledge in the request, from 0.")
    outcome: BatchOutcome = Field(
        description="`created`; `existing` (its `external_ref` was already stored: that pledge "
        "is returned); or `rejected` (see `code` and `errors`; nothing was stored): "
        "`validation_failed` (422), `unknown_reference` (422: a pledger, forum or event "
        "that matches nothing; `errors` carry `suggestions`), or `pledger_not_granted` "
        "(403) for a pledger the API key may not pledge for."
    )
    status: int = Field(description="The status `POST /v1/pledges` would have answered.")
    pledge: PledgeRead | None = None
    code: str | None = Field(default=None, description="Problem code when rejected.")
    errors: list[FieldError] | None = None

    # ``status`` is part of the published body: what ``POST /v1/pledges`` answers for
    # the same outcome (201 stored, 200 already stored, 422 refused).
    @classmethod
    def stored(cls, index: int, pledge: PledgeRead, *, created: bool) -> PledgeBatchItem:
        return cls(
            index=index,
            outcome="created" if created else "existing",
            status=201 if created else 200,
            pledge=pledge,
        )

    @classmethod
    def forbidden(cls, index: int, problems: list[dict[str, Any]]) -> PledgeBatchItem:
        """An item pledging for an actor the key was not granted: 403, as POST answers."""
        return cls.model_validate(
            {
                "index": index,
                "outcome": "rejected",
                "status": 403,
                "code": "pledger_not_granted",
                "errors": problems,
            }
        )

    @classmethod
    def rejected(
        cls, index: int, problems: list[dict[str, Any]], *, code: str = "validation_failed"
    ) -> PledgeBatchItem:
        return cls.model_validate(
            {
                "index": index,
                "outcome": "rejected",
                "status": 422,
                "code": code,
                "errors": problems,
            }
        )


class PledgeBatchResult(BaseModel):
    atomic: bool
    created: int
    existing: int
    rejected: int
    results: list[PledgeBatchItem]


class FieldChange(BaseModel):
    field: str
    before: Any = None
    after: Any = None


class PledgeHistoryEntry(BaseModel):
    version: int | None = Field(description="The pledge's version after this write.")
    action: AuditAction
    at: dt.datetime
    api_key: str | None = Field(description="Public prefix of the API key that wrote it.")
    status: PledgeStatus | None = Field(description="Status after this write.")
    note: str | None = Field(description="Progress note sent with the write.")
    changes: list[FieldChange] = Field(
        description="Fields this write changed; empty for the creation."
    )


class PledgeHistory(BaseModel):
    pledge_id: int
    items: list[PledgeHistoryEntry] = Field(description="Oldest first.")


# --- totals ---------------------------------------------------------------------------
