"""What every ``<Noun>Filter`` is built from, so REST and GraphQL read filters alike.

A filter model is the one definition of what a list accepts: REST takes it as
query parameters, GraphQL builds it from its input type (``parse_filter``), and
both therefore accept and refuse exactly the same requests.

* A filter on codes or on a closed list takes several values, meaning "any of":
  repeated (``forum=RCM&forum=SICA``), comma-separated (``forum=RCM,SICA``) or a
  GraphQL list. Values are deduplicated, order kept.
* Codes are kept as written here; the services resolve them (case, aliases) and
  refuse the ones that match nothing (``services.references``). Closed lists
  (kinds, roles, statuses) match case-insensitively.
* Every field is a tuple and every model frozen, so a filter can key a cache or
  a GraphQL loader.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from app.errors import InvalidInput, summarize_problems
from app.models.enums import (
    ActorKind,
    Certainty,
    DatePrecision,
    EventKind,
    EventStatus,
    ForumKind,
    MoneyKind,
    PledgeKind,
    PledgeStatus,
    ProgrammeKind,
    Role,
)
from app.schemas.dates import PartialDate

F = TypeVar("F", bound="FilterModel")

MAX_VALUES = 50
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL = re.compile(r"[0-9]{1,18}(\.[0-9]{1,2})?")


class FilterModel(BaseModel):
    """Base of every ``<Noun>Filter``: frozen, so hashable.

    Other names are ignored here because REST hands a query-parameter model every
    parameter of the request (``limit``, ``cursor``...); the REST adapter refuses
    the names no part of the route takes.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")


def split_values(value: Any) -> Any:
    """``"RCM,SICA"`` and ``["RCM", "SICA,GCM"]`` alike become a tuple of single values."""
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple | set | frozenset) else [value]
    values: list[Any] = []
    for item in items:
        if isinstance(item, str):
            values.extend(part.strip() for part in item.split(",") if part.strip())
        else:
            values.append(item)
    return tuple(dict.fromkeys(values))


def _lower(value: Any) -> Any:
    return tuple(v.lower() if isinstance(v, str) else v for v in split_values(value))


Code = Annotated[str, Field(min_length=1, max_length=100)]


def _at_most_max_values(values: tuple[str, ...]) -> tuple[str, ...]:
    if len(values) > MAX_VALUES:
        raise ValueError(f"at most {MAX_VALUES} values, not {len(values)}")
    return values


Codes = Annotated[
    tuple[Code, ...],
    BeforeValidator(split_values),
    AfterValidator(_at_most_max_values),
    # Stated whole: a length constraint here would be documented as a string's maxLength.
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 100},
            "maxItems": MAX_VALUES,
        }
    ),
]
"""Codes or ids, any of them; resolved by the service."""

Lowered = BeforeValidator(_lower)
"""On a tuple of enum values: any of them, case-insensitive (``Annotated[tuple[Role, ...], Lowered]``)."""


def _iso_date(value: Any) -> Any:
    # Lax parsing would read `0` as 1970-01-01; a date is YYYY-MM-DD only.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date written YYYY-MM-DD, e.g. 2021-10-01")
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value} is not a day of the calendar") from None
    return value


Day = Annotated[dt.date, BeforeValidator(_iso_date)]


_PERIOD = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
# Stated exactly, so that every value the document allows is one the filter takes: a
# calendar date, or a year (0001-9999) with an optional month (01-12).
_YEAR = "([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
PERIOD_SCHEMA = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "pattern": f"^{_YEAR}(-(0[1-9]|1[0-2]))?$"},
    ],
    "examples": ["2022", "2022-09", "2022-09-21"],
}


def _period(value: Any) -> PartialDate | Any:
    if isinstance(value, dt.date):
        return PartialDate(value, DatePrecision.DAY)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and not _PERIOD.fullmatch(value):
        raise ValueError("expected YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2022, 2022-09 or 2022-09-21")
    if isinstance(value, str):
        try:
            return PartialDate.parse(value)
        except ValueError:
            raise ValueError(f"{value} is not a day, month or year of the calendar") from None
    return value


def _first_day(value: Any) -> Any:
    period = _period(value)
    return period.date if isinstance(period, PartialDate) else period


def _last_day(value: Any) -> Any:
    period = _period(value)
    return period.last_day() if isinstance(period, PartialDate) else period


FromDay = Annotated[dt.date, BeforeValidator(_first_day), WithJsonSchema(PERIOD_SCHEMA)]
"""The start of a date range: a day, or a month or year meaning its first day."""
ToDay = Annotated[dt.date, BeforeValidator(_last_day), WithJsonSchema(PERIOD_SCHEMA)]
"""The end of a date range (inclusive): a day, or a month or year meaning its last day."""


def _amount(value: Any) -> Any:
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value.strip()):
            raise ValueError(
                "expected a plain decimal amount, digits with at most two decimals "
                "(e.g. 1000 or 2500.50), no sign, exponent or thousands separator"
            )
        return Decimal(value.strip())
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Never raises: str() of an int or float is always a Decimal literal (NaN and
        # infinities included, which _non_negative then refuses).
        return Decimal(str(value))
    return value


def _non_negative(value: Decimal) -> Decimal:
    if value < 0 or not value.is_finite():
        raise ValueError("expected an amount of zero or more")
    return value


# Documented as the string it is on the wire: a query parameter is text, and an amount
# is exact digits (never a float), so the document states the one pattern accepted.
Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    AfterValidator(_non_negative),
    WithJsonSchema({"type": "string", "pattern": f"^{_DECIMAL.pattern}$", "examples": ["2500.50"]}),
]


def not_before(earlier: Any, later: Any, *, earlier_name: str, later_name: str) -> None:
    """Refuse a reversed range (``later`` before ``earlier``), naming both ends."""
    if earlier is not None and later is not None and later < earlier:
        raise ValueError(f"{later_name} ({later}) is before {earlier_name} ({earlier})")


def parse_filter(model: type[F], values: dict[str, Any], *, name_of: Any = None) -> F:
    """``values`` as ``model``; a refusal is ``InvalidInput`` naming each field.

    The adapters call this with what they parsed (GraphQL's input type, a CLI's
    options); REST gets the same model, and so the same refusals, from FastAPI.
    ``name_of`` renames fields into the caller's words (camelCase for GraphQL).
    """
    try:
        return model.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as error:
        rename = name_of or (lambda field: field)
        problems = [
            {
                "field": rename(".".join(str(p) for p in item["loc"][:1]) or "filter"),
                "detail": item["msg"].removeprefix("Value error, "),
            }
            for item in error.errors()
        ]
        raise InvalidInput(
            summarize_problems(problems), code="invalid_parameter", errors=problems
        ) from None


# --- one filter per resource ----------------------------------------------------------

SUBFORUMS_DOC = (
    "`true`: a `forum` also matches the forums under it (MIRPS includes MIRPS-SP, and any "
    "forum whose parent chain leads to a listed one)."
)
SUBPROGRAMMES_DOC = (
    "`true`: a `programme` also matches the programmes under it (IMCBP includes MCEE, and "
    "any programme whose parent chain leads to a listed one)."
)
ANY_OF = "Several values mean any of them (repeat the parameter or separate with commas)."
Q_DOC = (
    "Words to find in the English or Spanish name, short name or aliases, ignoring case "
    "and accents (`q=puebla`, `q=mexico` finds México)."
)
# The free-text filter every resource with names takes: one declaration, one refusal.
SearchText = Annotated[str | None, Field(min_length=1, max_length=100, description=Q_DOC)]


class ForumFilter(FilterModel):
    """Which forums a forum list returns."""

    kind: Annotated[tuple[ForumKind, ...], Lowered] = Field(
        default=(), description=f"Only forums of these kinds. {ANY_OF}"
    )
    parent: Codes = Field(default=(), description=f"Only forums under these forums. {ANY_OF}")
    q: SearchText = None


EVER: Literal["ever"] = "ever"
# A condition's own time: ``CIREFCA@ever`` (held at any time) or ``CIREFCA@1989-05-30``
# (held on that day); without one, the filter's ``as_of`` (today when absent).
When = dt.date | Literal["ever"]


def split_when(value: str) -> tuple[str, When | None]:
    """``"CIREFCA@1989-05-30"`` → ``("CIREFCA", date(1989, 5, 30))``; ``"RCM"`` → ``("RCM",
    None)``; ``"CIREFCA@ever"`` → ``("CIREFCA", "ever")``. Raises ``ValueError`` on any
    other time."""
    code, separator, when = value.rpartition("@")
    if not separator:
        return value, None
    code, when = code.strip(), when.strip()
    if not code:
        raise ValueError(f"expected CODE@ever or CODE@YYYY-MM-DD, not {value!r}")
    if when.lower() == EVER:
        return code, EVER
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", when):
            raise ValueError(when)
        return code, dt.date.fromisoformat(when)
    except ValueError:
        raise ValueError(
            f"{when!r} is not a time for one condition: write @ever (at any time) or a day, "
            "@YYYY-MM-DD"
        ) from None


def join_when(code: str, when: When | None) -> str:
    """The inverse of ``split_when``, canonical: ``CIREFCA@ever``, ``RCM``."""
    if when is None:
        return code
    return f"{code}@{when if isinstance(when, str) else when.isoformat()}"


def _timed_codes(values: tuple[str, ...]) -> tuple[str, ...]:
    """Each ``CODE[@when]`` checked, its time written canonically."""
    return tuple(join_when(*split_when(value)) for value in values)


def _role_claim(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    claim, when = split_when(value)
    forum, separator, role = claim.partition(":")
    if not separator or not forum.strip() or not role.strip():
        raise ValueError(f"expected FORUM:ROLE, e.g. GCM:champion, not {value!r}")
    try:
        parsed = Role(role.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ValueError(f"{role.strip()!r} is not a role; roles are {names}") from None
    return join_when(f"{forum.strip()}:{parsed.value}", when)


# A condition's time as the document states it: @ever, or a calendar day (a pattern
# cannot tell leap years, so 29 February is left out of it, though taken).
_DAY = (
    r"[0-9]{4}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)"
)
WHEN_PATTERN = rf"(?:@(?:ever|{_DAY}))?"

# The document states the canonical form; spaces around the parts and any case of the
# role are accepted too.
RoleClaim = Annotated[
    str,
    BeforeValidator(_role_claim),
    WithJsonSchema(
        {
            "type": "string",
            # No comma in the forum part: a comma separates values (`has_role=A:x,B:y`).
            "pattern": f"^[A-Za-z0-9][^:,@]*:({'|'.join(role.value for role in Role)})"
            f"{WHEN_PATTERN}$",
            "examples": ["GCM:champion", "CIREFCA:participant@ever"],
        }
    ),
]
TimedCodes = Annotated[
    Codes,
    AfterValidator(_timed_codes),
    WithJsonSchema(
        {
            "type": "array",
            "items": {
                "type": "string",
                "minLength": 1,
                "maxLength": 100,
                "pattern": f"^[^@,]+{WHEN_PATTERN}$",
            },
            "maxItems": MAX_VALUES,
        }
    ),
]

CONDITION_TIME = (
    "Each value may carry its own time: `@ever` (at any time) or `@YYYY-MM-DD` (on that "
    "day), e.g. `CIREFCA@ever`; a value without one is judged on `as_of`."
)


class ActorFilter(FilterModel):
    """Which actors an actor list returns; every condition must hold."""

    kind: Annotated[tuple[ActorKind, ...], Lowered] = Field(
        default=(), description=f"Only actors of these kinds. {ANY_OF}"
    )
    exclude_kind: Annotated[tuple[ActorKind, ...], Lowered] = Field(
        default=(), description="Leave out actors of these kinds (repeat or comma-separate)."
    )
    member_of: TimedCodes = Field(
        default=(),
        description="Only members of every listed forum on `as_of` (today by default): "
        "`member_of=RCM&member_of=MIRPS` is in both. " + CONDITION_TIME,
    )
    not_member_of: TimedCodes = Field(
        default=(),
        description="Only actors that are members of none of the listed forums on `as_of`. "
        + CONDITION_TIME,
    )
    has_role: Annotated[tuple[RoleClaim, ...], BeforeValidator(split_values)] = Field(
        default=(),
        max_length=MAX_VALUES,
        description="`FORUM:ROLE` (e.g. `GCM:champion`): only actors holding that role on "
        "`as_of`; repeat for several, all must hold. " + CONDITION_TIME + ' "Which '
        'CIREFCA states sit in the RCM today": `has_role=CIREFCA:participant@ever'
        "&member_of=RCM`.",
    )
    as_of: Day | None = Field(
        default=None,
        description="Day the forum conditions without a time of their own are checked "
        "on; today when not given.",
    )
    certainty: Certainty | None = Field(
        default=None,
        description="`certain`: only actors that surely meet every `member_of` and "
        "`has_role` condition on `as_of`. Needs `as_of`, and one of those conditions. Each "
        "actor's `certainty` is the weakest over the conditions; `certainty_set_by` names "
        "the ones that set it.",
    )
    q: SearchText = None


# A participation's conditions, declared once: the participations list and a forum's
# participants (`/v1/forums/{code}/participants`) take them alike.
AsOfCondition = Annotated[
    Day | None,
    Field(
        description="Only roles that may be in effect on this day (start inclusive, end "
        "exclusive), each labelled `certain` or `possible` in `certainty`. A date the "
        "documents state only roughly, or not at all, counts by its bounds "
        "(`start_earliest` ... `end_latest`), never by a guess. Disputed claims in effect "
        "are all returned, flagged `disputed`.",
    ),
]
RoleCondition = Annotated[
    tuple[Role, ...], Lowered, Field(description=f"Only these roles. {ANY_OF}")
]
CertaintyCondition = Annotated[
    Certainty | None,
    Field(
        description="`certain`: only rows surely in effect on `as_of`. Omit it to get both, "
        "each labelled. Needs `as_of`."
    ),
]
DisputedCondition = Annotated[
    bool | None,
    Field(description="`false`: only undisputed facts; `true`: only disputed claims."),
]


class ParticipationFilter(FilterModel):
    """Which participations (actor x forum x role over a period) a list returns."""

    forum: Codes = Field(default=(), description=f"Forum codes, e.g. `RCM`. {ANY_OF}")
    actor: Codes = Field(default=(), description=f"Actor ids, e.g. `CAN`, `unhcr`. {ANY_OF}")
    role: RoleCondition = ()
    as_of: AsOfCondition = None
    certainty: CertaintyCondition = None
    disputed: DisputedCondition = None
    include_subforums: bool = Field(default=False, description=SUBFORUMS_DOC)


class ParticipantFilter(FilterModel):
    """Which of one forum's participants a list returns: the participation filter's
    conditions, the forum being the one in the path."""

    as_of: AsOfCondition = None
    role: RoleCondition = ()
    certainty: CertaintyCondition = None
    disputed: DisputedCondition = None


def _objective(value: int) -> int:
    if not 1 <= value <= 23:
        raise ValueError(f"the Global Compact for Migration has objectives 1 to 23, not {value}")
    return value


GcmObjectives = Annotated[
    tuple[
        Annotated[
            int,
            AfterValidator(_objective),
            WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 23}),
        ],
        ...,
    ],
    BeforeValidator(split_values),
]
"""Global Compact for Migration objectives, any of them (1-23)."""


def gcm_objective_filter() -> Any:
    """The ``gcm_objective`` filter field, declared once for every resource that has it."""
    return Field(
        default=(),
        max_length=23,
        description=f"Addresses one of these Global Compact for Migration objectives (1-23). "
        f"{ANY_OF}",
    )


class FundingShareFilter(FilterModel):
    """Which funding shares a list returns (and `total_pct` sums)."""

    forum: Codes = Field(default=(), description=f"Forum codes, e.g. `RCM`. {ANY_OF}")
    actor: Codes = Field(default=(), description=f"Actor ids, e.g. `CAN`. {ANY_OF}")
    include_subforums: bool = Field(default=False, description=SUBFORUMS_DOC)


class EventFilter(FilterModel):
    """Which events a list returns."""

    forum: Codes = Field(default=(), description=f"Forum codes, e.g. `MIRPS`. {ANY_OF}")
    kind: Annotated[tuple[EventKind, ...], Lowered] = Field(
        default=(), description=f"Only events of these kinds. {ANY_OF}"
    )
    start_from: FromDay | None = Field(
        default=None,
        description="Only events that may start on or after this day: `2022-09-21`, or a "
        "month or year meaning its first day (`2022-09`, `2022`). An event whose start is "
        "known only to a month, a year or its series' dates matches when it may start in "
        "the range, labelled `certainty`.",
    )
    start_to: ToDay | None = Field(
        default=None,
        description="Only events that may start on or before this day: `2022-09-21`, or a "
        "month or year meaning its last day (`2022-09` is up to 2022-09-30, `2022` up to "
        "2022-12-31).",
    )
    host: Codes = Field(default=(), description=f"Only events one of these actors hosts. {ANY_OF}")
    organizer: Codes = Field(
        default=(),
        description="Only events run by one of these actors: named as the event's host, "
        "co-host, organizer or partner, or, when the event names none, its series' (see "
        f"`organizers_from`). The forum an event served is `forum`. {ANY_OF}",
    )
    not_organizer: Codes = Field(
        default=(),
        description="Leave out events run by one of these actors (as `organizer` reads it): "
        f"`forum=IMRF&not_organizer=iom` keeps the forum's own meetings. {ANY_OF}",
    )
    series: bool | None = Field(
        default=None,
        description="`false`: leave out events that other events are occurrences or parts of "
        "(count each meeting once); `true`: only those.",
    )
    parent: Codes = Field(
        default=(), description=f"Only occurrences of these series (event ids). {ANY_OF}"
    )
    status: Annotated[tuple[EventStatus, ...], Lowered] = Field(
        default=(), description=f"`held`, or `announced` (not reported held). {ANY_OF}"
    )
    gcm_objective: GcmObjectives = gcm_objective_filter()
    certainty: Certainty | None = Field(
        default=None,
        description="`certain`: only events surely starting in the `start_from`/`start_to` "
        "range. Omit it to get both, each labelled. Needs `start_from` or `start_to`.",
    )
    include_subforums: bool = Field(default=False, description=SUBFORUMS_DOC)
    q: SearchText = None

    @field_validator("start_to")
    @classmethod
    def _range(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        not_before(
            info.data.get("start_from"), value, earlier_name="start_from", later_name="start_to"
        )
        return value


class PledgeFilter(FilterModel):
    """Which pledges a list, a summary or a nested pledge field covers."""

    pledger: Codes = Field(
        default=(), description=f"Actor ids; matches any pledger of a joint pledge. {ANY_OF}"
    )
    forum: Codes = Field(default=(), description=f"Forum codes. {ANY_OF}")
    event: Codes = Field(default=(), description=f"Event ids. {ANY_OF}")
    kind: Annotated[tuple[PledgeKind, ...], Lowered] = Field(
        default=(), description=f"Pledge kinds. {ANY_OF}"
    )
    status: Annotated[tuple[PledgeStatus, ...], Lowered] = Field(
        default=(), description=f"Statuses. {ANY_OF}"
    )
    currency: Codes = Field(
        default=(), description=f"ISO 4217 codes, any case (`CAD`, `usd`). {ANY_OF}"
    )
    announced_from: FromDay | None = Field(
        default=None,
        description="Announced on or after this day: `2022-09-21`, or a month or year "
        "meaning its first day (`2022-09`, `2022`).",
    )
    announced_to: ToDay | None = Field(
        default=None,
        description="Announced on or before this day: `2022-09-21`, or a month or year "
        "meaning its last day (`2022-09` is up to 2022-09-30, `2022` up to 2022-12-31).",
    )
    gcm_objective: GcmObjectives = gcm_objective_filter()
    amount_min: Amount | None = Field(
        default=None, description="At least this amount, in its own currency (e.g. `1000.50`)."
    )
    amount_max: Amount | None = Field(
        default=None, description="At most this amount, in its own currency."
    )
    curated: bool | None = Field(
        default=None, description="`true`: curated pledges only; `false`: submitted only."
    )
    include_subforums: bool = Field(default=False, description=SUBFORUMS_DOC)

    @field_validator("announced_to")
    @classmethod
    def _dates(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        not_before(
            info.data.get("announced_from"),
            value,
            earlier_name="announced_from",
            later_name="announced_to",
        )
        return value

    @field_validator("amount_max")
    @classmethod
    def _amounts(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        low = info.data.get("amount_min")
        if low is not None and value is not None and value < low:
            raise ValueError(f"amount_max ({value}) is below amount_min ({low})")
        return value


class ProgrammeFilter(FilterModel):
    """Which programmes (funds, initiatives, plans, campaigns...) a list returns."""

    kind: Annotated[tuple[ProgrammeKind, ...], Lowered] = Field(
        default=(), description=f"Only programmes of these kinds. {ANY_OF}"
    )
    forum: Codes = Field(
        default=(),
        description=f"Forum codes: programmes a forum runs or that serve it. {ANY_OF}",
    )
    owner: Codes = Field(default=(), description=f"Actor ids of the owner. {ANY_OF}")
    parent: Codes = Field(
        default=(), description=f"Only the parts of these programmes (ids). {ANY_OF}"
    )
    as_of: Day | None = Field(
        default=None,
        description="Only programmes that may be running on this day, each labelled "
        "`certain` or `possible` in `certainty` by its bounds (an undated start or end is "
        "unbounded, never guessed).",
    )
    certainty: Certainty | None = Field(
        default=None, description="`certain`: only programmes surely running on `as_of`."
    )
    q: SearchText = None


class MoneyRecordFilter(FilterModel):
    """Which money records (budgets, fees, costs, recorded totals...) a list or summary covers."""

    kind: Annotated[tuple[MoneyKind, ...], Lowered] = Field(
        default=(), description=f"Only these kinds. {ANY_OF}"
    )
    forum: Codes = Field(
        default=(),
        description=f"Forum codes: records about or paid to these forums. {ANY_OF}",
    )
    programme: Codes = Field(default=(), description=f"Programme ids. {ANY_OF}")
    payer: Codes = Field(default=(), description=f"Actor ids of the payer. {ANY_OF}")
    currency: Codes = Field(
        default=(), description=f"ISO 4217 codes, any case (`CAD`, `usd`). {ANY_OF}"
    )
    include_subprogrammes: bool = Field(default=False, description=SUBPROGRAMMES_DOC)


class ParticipantCountFilter(FilterModel):
    """Which counts of unnamed participants a list returns."""

    forum: Codes = Field(default=(), description=f"Forum codes. {ANY_OF}")
    event: Codes = Field(default=(), description=f"Event ids. {ANY_OF}")
    role: Annotated[tuple[Role, ...], Lowered] = Field(
        default=(), description=f"Only these roles. {ANY_OF}"
    )


class GovernanceChangeFilter(FilterModel):
    """Which governance changes a list returns."""

    forum: Codes = Field(default=(), description=f"Forum codes. {ANY_OF}")
