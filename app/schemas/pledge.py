"""Pledge shapes: what a submitter sends, the pledge as read, and what a summary answers
(a batch's results and a pledge's history are in ``schemas.pledge_writes``).

``PledgeCreate`` is the one validation of a submitted pledge: REST takes it as
the body of ``POST /v1/pledges`` and GraphQL's ``submitPledge`` builds the same
model from its input, so both refuse the same things with the same field names.
Checks that need the database (does the actor exist?) run in
``services.pledge_writes`` and name their field the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from app.models import ExchangeRate, Pledge
from app.models.enums import (
    AmountQualifier,
    DatePrecision,
    ExchangeRateProvider,
    PledgeKind,
    PledgeScope,
    PledgeStatus,
)
from app.schemas.actor import ActorRef
from app.schemas.common import CitationRead, InferredRead, ReadModel, inferred_reads
from app.schemas.dates import PartialDate, PartialDateField
from app.schemas.descriptions import (
    AMOUNT_ASSUMED,
    AMOUNT_USD_ASSUMED,
    AMOUNT_USD_NOTE,
    CURATED,
    DATE_DOC,
    EXACT_DECIMAL,
    EXTERNAL_REF,
    GCM_OBJECTIVES,
    GCM_OBJECTIVES_ADDRESSED,
    INFERRED,
    ISO_4217,
    PARTIAL_DATE_INPUT,
    PLEDGE_AMOUNT,
    PLEDGE_AMOUNT_USD,
    PLEDGE_CURRENCY,
    PLEDGE_CURRENCY_ASSUMED,
    PLEDGE_PLEDGERS,
    RATE_BASIS,
    RATE_PROVIDER,
    USD_CONVERSION,
    USD_PER_UNIT,
)
from app.standards.iso import is_currency

# Characters free text may not hold: C0 controls but tab, line feed and carriage return
# (NUL among them, which PostgreSQL refuses and SQLite stores), DEL and the C1 controls,
# the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069),
# which make a title read otherwise than it is stored ("\u202etxt.exe"), and lone
# surrogates, which no UTF-8 database stores. Refused on both engines, per field.
DECEPTIVE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _plain_text(value: str) -> str:
    found = DECEPTIVE.search(value)
    if found is not None:
        raise _rule(
            f"holds the character U+{ord(found.group()):04X} at position {found.start()}: "
            "free text takes no control characters (tab and line breaks aside) and no "
            "bidirectional overrides"
        )
    return value


PlainText = AfterValidator(_plain_text)
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), PlainText
]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000), PlainText
]
# A forum, actor or event as a submitter names it: a code in any case, an alias or a name
# (``rcm``, ``Puebla Process``, ``Canada``), resolved by ``services.references`` as the
# read filters are and stored in its canonical form; one that names nothing is refused
# with ``unknown_reference`` and suggestions.
Reference = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), PlainText
]
ExternalRef = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), PlainText
]


def _currency_code(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError(
            f"expected an ISO 4217 currency code of three capital letters (e.g. USD, CAD), "
            f"not {value!r}"
        )
    return value


CurrencyCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),  # the JSON schema; the words come from:
    BeforeValidator(_currency_code),
    Field(description="ISO 4217 code, e.g. `USD`, `CAD`, `EUR`.", examples=["CAD"]),
]
# The one form an amount takes on the wire, as the document states it: ASCII digits, at
# most two decimals, no sign, exponent, separator, space or other script's digits. At
# most 13 digits before the point (just under ten trillion): 15 significant digits is
# what both engines store exactly, since SQLite keeps a NUMERIC this long as a double
# (999999999999999999.99 came back as 1000000000000000000.00).
MAX_WHOLE_DIGITS = 13
AMOUNT_PATTERN = re.compile(rf"^[0-9]{{1,{MAX_WHOLE_DIGITS}}}(\.[0-9]{{1,2}})?$")


def _amount_text(value: Any) -> Any:
    if isinstance(value, str) and not AMOUNT_PATTERN.fullmatch(value):
        raise _rule(
            "expected a decimal string of ASCII digits with at most two decimals, e.g. "
            '"1500000.00" (no sign, exponent, thousands separator or spaces; at most '
            f"{MAX_WHOLE_DIGITS} digits before the point)"
        )
    return value


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount_text),
    Field(gt=0, max_digits=MAX_WHOLE_DIGITS + 2, decimal_places=2, allow_inf_nan=False),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AMOUNT_PATTERN.pattern,
            "description": "A decimal string greater than zero, at most two decimals.",
            "examples": ["13150000.00"],
        }
    ),
]
Objective = Annotated[int, Field(ge=1, le=23)]

AMOUNT_DOC = (
    'Exact decimal string (`"1500000.00"`), greater than zero; JSON numbers are refused '
    "because binary floats lose cents. Required for financial pledges."
)


def _rule(message: str) -> PydanticCustomError:
    return PydanticCustomError("pledge_rule", message)


def _decimal_string(value: Any) -> Any:
    if isinstance(value, float | int):  # bool too; JSON numbers, even whole ones
        raise _rule('send the amount as a decimal string, e.g. "1500000.00"')
    return value


def _known_currency(value: str | None) -> str | None:
    if value is not None and not is_currency(value):
        raise _rule(f"{value!r} is not an ISO 4217 currency code")
    return value


def _unique(values: list[Any], what: str) -> list[Any]:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise _rule(f"{what} {value!r} is listed twice")
        seen.add(value)
    return values


class PledgeCreate(BaseModel):
    """A pledge as a partner submits it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "pledgers": ["CAN"],
                    "forum": "MIRPS-SP",
                    "event": "mirps-sp-solidarity-event-2022",
                    "kind": "financial",
                    "scope": "regional",
                    "amount": "13150000.00",
                    "currency": "CAD",
                    "announced_on": "2022-09-21",
                    "title": "Humanitarian assistance for MIRPS countries",
                    "gcm_objectives": [2, 23],
                    "external_ref": "gac-2022-0917",
                }
            ]
        },
    )

    pledgers: list[Reference] = Field(
        min_length=1,
        max_length=50,
        description="Actor ids (see /v1/actors); several for a joint pledge, the lead first. "
        "An id in any case or an actor's name or short name is read as reads read it "
        "(`mex`, `Mexico`, `UNHCR`) and stored as the id.",
    )
    forum: Reference | None = Field(
        default=None,
        description="Forum code (see /v1/forums). A forum, an event, or both. A code in "
        "any case, an alias or a name (`rcm`, `Puebla Process`) is stored as the code.",
    )
    event: Reference | None = Field(
        default=None,
        validate_default=True,
        description="Event id (see /v1/events), in any case, or the event's name; it must "
        "belong to `forum` when both are given.",
    )
    kind: PledgeKind
    scope: PledgeScope | None = None
    amount: Amount | None = Field(default=None, validate_default=True, description=AMOUNT_DOC)
    currency: CurrencyCode | None = Field(
        default=None, validate_default=True, description="ISO 4217 code; required with `amount`."
    )
    amount_qualifier: AmountQualifier | None = Field(
        default=None, description="How exact the amount is; `exact` when left out."
    )
    announced_on: PartialDateField | None = Field(default=None, description=PARTIAL_DATE_INPUT)
    title: Title
    description: LongText | None = None
    gcm_objectives: list[Objective] = Field(
        default_factory=list,
        max_length=23,
        description=GCM_OBJECTIVES_ADDRESSED,
    )
    external_ref: ExternalRef | None = Field(
        default=None,
        description=EXTERNAL_REF,
    )

    @field_validator("pledgers")
    @classmethod
    def _distinct_pledgers(cls, value: list[str]) -> list[str]:
        return _unique(value, "pledger")

    @field_validator("gcm_objectives")
    @classmethod
    def _distinct_objectives(cls, value: list[int]) -> list[int]:
        return _unique(value, "objective")

    @field_validator("event")
    @classmethod
    def _forum_or_event(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("forum") is None and "forum" in info.data:
            raise _rule("a pledge needs a forum, an event, or both")
        return value

    @field_validator("amount", mode="before")
    @classmethod
    def _amount_is_a_string(cls, value: Any) -> Any:
        return _decimal_string(value)

    @field_validator("amount")
    @classmethod
    def _financial_needs_amount(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        if value is None and info.data.get("kind") == PledgeKind.FINANCIAL:
            raise _rule("a financial pledge needs an amount")
        return value

    @field_validator("currency")
    @classmethod
    def _currency_goes_with_amount(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "amount" not in info.data:
            return _known_currency(value)  # the amount itself failed; say nothing more
        amount = info.data["amount"]
        if amount is not None and value is None:
            raise _rule("an amount needs its ISO 4217 currency")
        if amount is None and value is not None:
            raise _rule("a currency needs an amount")
        return _known_currency(value)

    def canonical(self) -> dict[str, Any]:
        """The pledge as plain JSON values, for idempotency hashes."""
        return self.model_dump(mode="json")


class PledgeUpdate(BaseModel):
    """Changes to a pledge. Fields left out stay as they are; `null` clears an optional one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"status": "in_progress", "progress_note": "First tranche disbursed."}]
        },
    )

    status: PledgeStatus | None = Field(
        default=None,
        description="Moves only forward: announced → in_progress → fulfilled; `withdrawn` "
        "from any status. A withdrawn pledge no longer changes.",
    )
    title: Title | None = None
    description: LongText | None = None
    scope: PledgeScope | None = None
    amount: Amount | None = Field(default=None, description=AMOUNT_DOC)
    currency: CurrencyCode | None = Field(
        default=None, description="ISO 4217 code; send it with a new `amount` in another currency."
    )
    amount_qualifier: AmountQualifier | None = None
    announced_on: PartialDateField | None = None
    gcm_objectives: list[Objective] | None = Field(
        default=None, max_length=23, description="Replaces the pledge's objectives."
    )
    progress_note: LongText | None = Field(
        default=None,
        description="What happened (a disbursement, a delay). Kept in the pledge's history, "
        "with the version it produced.",
    )

    @field_validator("status", "title", "gcm_objectives")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Runs only for fields the body names: these cannot be cleared.
        if value is None:
            raise _rule("cannot be null")
        return value

    @field_validator("amount", mode="before")
    @classmethod
    def _amount_is_a_string(cls, value: Any) -> Any:
        return _decimal_string(value)

    @field_validator("currency")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        return _known_currency(value)

    @field_validator("gcm_objectives")
    @classmethod
    def _distinct_objectives(cls, value: list[int] | None) -> list[int] | None:
        return None if value is None else _unique(value, "objective")

    def changes(self) -> dict[str, Any]:
        """Only the fields the body named, with their new values."""
        return {name: getattr(self, name) for name in self.model_fields_set}

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class UsdConversionRead(ReadModel):
    """The rate that gave a pledge its USD equivalent, with its provenance."""

    currency: str = Field(description="ISO 4217 code converted from.")
    usd_per_unit: Decimal = Field(description=USD_PER_UNIT)
    period_start: dt.date = Field(description="First day the rate covers.")
    period_end: dt.date = Field(description="Last day the rate covers.")
    basis: str = Field(description=RATE_BASIS)
    provider: ExchangeRateProvider = Field(description=RATE_PROVIDER)
    citations: list[CitationRead]

    @classmethod
    def from_model(cls, rate: ExchangeRate) -> UsdConversionRead:
        return cls.trusted(
            currency=rate.currency,
            usd_per_unit=rate.usd_per_unit,
            period_start=rate.period_start,
            period_end=rate.period_end,
            basis=rate.basis,
            provider=ExchangeRateProvider(rate.provider),
            citations=[CitationRead.from_model(c) for c in rate.citations],
        )


class PledgeRead(ReadModel):
    id: int
    pledgers: list[ActorRef] = Field(description=PLEDGE_PLEDGERS)
    forum: str | None
    event: str | None
    kind: PledgeKind
    scope: PledgeScope | None
    amount: Decimal | None = Field(description=PLEDGE_AMOUNT)
    amount_qualifier: AmountQualifier | None
    currency: str | None = Field(description=PLEDGE_CURRENCY)
    amount_usd: Decimal | None = Field(description=PLEDGE_AMOUNT_USD)
    usd_conversion: UsdConversionRead | None = Field(default=None, description=USD_CONVERSION)
    amount_usd_note: str | None = Field(default=None, description=AMOUNT_USD_NOTE)
    # A PartialDate in Python (its date and precision, for GraphQL's ``announcedDate``);
    # the cut ISO string in JSON.
    announced_on: PartialDateField | None = Field(title="Announced On", description=DATE_DOC)
    announced_precision: DatePrecision | None
    status: PledgeStatus
    gcm_objectives: list[int] = Field(description=GCM_OBJECTIVES)
    title: str
    description: str | None
    external_ref: str | None
    curated: bool = Field(description=CURATED)
    version: int
    citations: list[CitationRead]
    inferred: list[InferredRead] = Field(description=INFERRED)
    # Last: a CSV gains its new column at the end (docs/versioning.md).
    currency_assumed: bool = Field(default=False, description=PLEDGE_CURRENCY_ASSUMED)

    @classmethod
    def from_model(cls, pledge: Pledge, *, lang: str = "en") -> PledgeRead:
        return cls.trusted(
            id=pledge.id,
            pledgers=[ActorRef.from_model(p.actor, lang=lang) for p in pledge.pledgers],
            forum=pledge.forum_code,
            event=pledge.event_id,
            kind=PledgeKind(pledge.kind),
            scope=None if pledge.scope is None else PledgeScope(pledge.scope),
            amount=pledge.amount,
            amount_qualifier=(
                None
                if pledge.amount_qualifier is None
                else AmountQualifier(pledge.amount_qualifier)
            ),
            currency=pledge.currency,
            amount_usd=pledge.amount_usd,
            usd_conversion=(
                None
                if pledge.exchange_rate is None
                else UsdConversionRead.from_model(pledge.exchange_rate)
            ),
            amount_usd_note=pledge.amount_usd_note,
            announced_on=PartialDate.of(pledge.announced_date, pledge.announced_precision),
            announced_precision=pledge.announced_precision,
            status=PledgeStatus(pledge.status),
            gcm_objectives=[o.objective for o in pledge.objectives],
            title=pledge.title,
            description=pledge.description,
            external_ref=pledge.external_ref,
            curated=pledge.key is not None,
            version=pledge.version,
            citations=[CitationRead.from_model(c) for c in pledge.citations],
            inferred=inferred_reads(pledge.inferred),
            currency_assumed=pledge.currency_assumed,
        )


class SummaryKey(StrEnum):
    FORUM = "forum"
    YEAR = "year"
    KIND = "kind"
    STATUS = "status"
    PLEDGER = "pledger"
    CURRENCY = "currency"


SUBMITTED = (
    "submitted pledges (sent through the API with a partner's key, not curated from cited "
    "documents)"
)


class CurrencyAmount(ReadModel):
    currency: str = Field(description=ISO_4217)
    amount: Decimal = Field(description=EXACT_DECIMAL)
    amount_submitted: Decimal = Field(
        default=Decimal("0.00"), description=f"Of `amount`, what {SUBMITTED} add."
    )
    amount_currency_assumed: Decimal = Field(default=Decimal("0.00"), description=AMOUNT_ASSUMED)


class PledgeSummaryRow(ReadModel):
    forum: str | None = None
    year: int | None = None
    kind: str | None = None
    status: str | None = None
    pledger: str | None = None
    currency: str | None = None
    count: int = Field(description="Pledges in the group.")
    amounts: list[CurrencyAmount] = Field(description="Total per original currency.")
    amount_usd: Decimal | None = Field(
        description="Sum of the USD equivalents that are known; null when no pledge of the "
        "group has one (unknown, not zero)."
    )
    count_without_usd: int = Field(
        description="Pledges in the group with no USD equivalent (no amount, or no rate "
        "for its currency and date): `amount_usd` leaves them out."
    )
    count_submitted: int = Field(default=0, description=f"Of `count`, the {SUBMITTED}.")
    amount_usd_submitted: Decimal | None = Field(
        default=None,
        description=f"Of `amount_usd`, what {SUBMITTED} add; null exactly when `amount_usd` is.",
    )
    count_currency_assumed: int = Field(
        default=0,
        description="Of `count`, the pledges whose currency is assumed (`currency_assumed`): "
        "the source writes only '$'.",
    )
    amount_usd_currency_assumed: Decimal | None = Field(
        default=None,
        description=AMOUNT_USD_ASSUMED + " Null exactly when `amount_usd` is.",
    )


class PledgeSummary(BaseModel):
    group_by: list[SummaryKey]
    groups: list[PledgeSummaryRow]
