"""API keys and audit entries as operators and admins see them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from app.models import ApiKey, AuditEntry
from app.models.enums import AuditAction, AuditEntity
from app.schemas.common import ReadModel


class ApiKeyRef(ReadModel):
    """An API key as shown next to what it did; never its secret."""

    id: int
    prefix: str = Field(description="Public part of the key, e.g. `a1b2c3d4`.")
    name: str


class ApiKeyRead(ApiKeyRef):
    scopes: list[str]
    any_pledger: bool = Field(description="May pledge in the name of any actor.")
    pledgers: list[str] = Field(
        description="The actors the key may pledge for (empty with `any_pledger`)."
    )
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None = Field(description="Accurate to about a minute.")

    @classmethod
    def from_model(cls, key: ApiKey) -> ApiKeyRead:
        """``key`` with its grants loaded (``services.api_keys`` loads them)."""
        return cls(
            id=key.id,
            prefix=key.prefix,
            name=key.name,
            scopes=list(key.scopes),
            any_pledger=key.any_pledger,
            pledgers=[grant.actor_id for grant in key.grants],
            created_at=key.created_at,
            revoked_at=key.revoked_at,
            last_used_at=key.last_used_at,
        )

    @property
    def grant(self) -> str:
        """Whom the key pledges for, in a word: ``any pledger`` or ``pledges for CAN, MEX``."""
        return "any pledger" if self.any_pledger else f"pledges for {', '.join(self.pledgers)}"


class AuditEntryRead(ReadModel):
    id: int
    at: dt.datetime
    action: AuditAction
    entity: AuditEntity
    entity_id: str
    entity_version: int | None = Field(description="The record's version after the write.")
    api_key: ApiKeyRef | None = Field(
        description="The key that wrote; null for operator commands (the CLI)."
    )
    note: str | None
    before: dict[str, Any] | None = Field(description="The record before the write.")
    after: dict[str, Any] | None = Field(description="The record after the write.")

    @classmethod
    def from_model(cls, entry: AuditEntry) -> AuditEntryRead:
        return cls(
            id=entry.id,
            at=entry.at,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            entity_version=entry.entity_version,
            api_key=ApiKeyRef.model_validate(entry.api_key) if entry.api_key else None,
            note=entry.note,
            before=entry.before,
            after=entry.after,
        )


class AuditEntryPage(ReadModel):
    items: list[AuditEntryRead] = Field(description="Oldest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
