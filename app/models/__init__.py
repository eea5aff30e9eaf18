"""ORM models, one module per aggregate. Importing this package registers them all."""

from app.models.access import (
    ApiKey,
    ApiKeyPledger,
    AuditEntry,
    IdempotencyRecord,
    RateLimitBucket,
)
from app.models.actor import Actor
from app.models.base import Base
from app.models.change import Change, DataVersion, RowImage
from app.models.dispute import Dispute
from app.models.event import Event, EventHost, EventObjective
from app.models.forum import Forum
from app.models.funding import FundingShare
from app.models.governance import GovernanceChange, ParticipantCount
from app.models.money import MoneyRecord
from app.models.participation import Participation
from app.models.pledge import ExchangeRate, Pledge, PledgeObjective, PledgePledger
from app.models.programme import Programme
from app.models.source import Citation, Source

__all__ = [
    "Actor",
    "ApiKey",
    "ApiKeyPledger",
    "AuditEntry",
    "Base",
    "Change",
    "Citation",
    "DataVersion",
    "Dispute",
    "Event",
    "EventHost",
    "EventObjective",
    "ExchangeRate",
    "Forum",
    "FundingShare",
    "GovernanceChange",
    "IdempotencyRecord",
    "MoneyRecord",
    "ParticipantCount",
    "Participation",
    "Pledge",
    "PledgeObjective",
    "PledgePledger",
    "Programme",
    "RateLimitBucket",
    "RowImage",
    "Source",
]
