"""The write path's bookkeeping: API keys, idempotency records, the audit log, rate windows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_check, enum_column, utcnow
from app.models.enums import AuditAction, AuditEntity, IdempotencyStatus

# BIGINT on PostgreSQL; SQLite autoincrements only an INTEGER primary key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class ApiKey(Base):
    """A key scripts write with. Only a hash of the secret is stored.

    The secret is ``migov_<prefix>_<random>``; the prefix is public, unique, and
    how a key is found and shown (in listings and in the audit log).
    """

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), doc="SHA-256 of the secret, hex.")
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None] = mapped_column(
        doc="Refreshed at most once a minute, so using a key costs no extra write per request."
    )
    any_pledger: Mapped[bool] = mapped_column(
        default=False,
        server_default=false(),
        doc="True: the key may pledge in the name of any actor (an operator's choice, made "
        "on purpose); false: only for the actors of its grants (api_key_pledger).",
    )

    grants: Mapped[list[ApiKeyPledger]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ApiKeyPledger.actor_id"
    )


class ApiKeyPledger(Base):
    """An actor an API key may pledge for: a ministry's key is granted its own state."""

    __tablename__ = "api_key_pledger"

    api_key_id: Mapped[int] = mapped_column(
        ForeignKey("api_key.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[str] = mapped_column(
        ForeignKey("actor.id", ondelete="CASCADE", onupdate="CASCADE"), primary_key=True
    )


class IdempotencyRecord(Base):
    """The answer given to one (API key, Idempotency-Key) pair.

    Inserted ``in_flight`` in the same transaction as the write it guards and
    completed (``done``, with the response) before that transaction commits, so a
    failed write leaves no record and can be retried with the same key.
    """

    __tablename__ = "idempotency_record"
    __table_args__ = (
        UniqueConstraint("api_key_id", "key"),
        enum_check("status", IdempotencyStatus),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[IdempotencyStatus] = enum_column(IdempotencyStatus)
    # Whether the first request created its resource (REST answered it 201, else 200);
    # null while the request is in flight.
    created: Mapped[bool | None]
    response_body: Mapped[str | None] = mapped_column(Text, doc="The response body, JSON text.")
    resource_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class AuditEntry(Base):
    """One write: who (API key; NULL for the operator CLI), when, what, before and after."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        enum_check("action", AuditAction),
        enum_check("entity", AuditEntity),
        Index("ix_audit_entry_entity_entity_id_id", "entity", "entity_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    api_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_key.id", ondelete="RESTRICT"), index=True
    )
    action: Mapped[AuditAction] = enum_column(AuditAction)
    entity: Mapped[AuditEntity] = enum_column(AuditEntity)
    entity_id: Mapped[str] = mapped_column(String(200))
    entity_version: Mapped[int | None] = mapped_column(doc="The record's version after the write.")
    note: Mapped[str | None] = mapped_column(Text, doc="A progress note sent with the write.")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    api_key: Mapped[ApiKey | None] = relationship(lazy="raise", viewonly=True)


class RateLimitBucket(Base):
    """One API key's write quota as a token bucket (GCRA), shared by every worker process:
    the moment the bucket is full again. Each write pushes it later by its cost (a batch
    by its pledges); a write that would push it more than a window ahead is refused."""

    __tablename__ = "rate_limit_bucket"

    api_key_id: Mapped[int] = mapped_column(
        ForeignKey("api_key.id", ondelete="CASCADE"), primary_key=True
    )
    full_at_ms: Mapped[int] = mapped_column(
        BigInteger, doc="Unix time, in milliseconds, when the bucket is full again."
    )
