"""Pledge summary shapes: the grouping keys and one total row per group."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field


class SummaryKey(StrEnum):
    FORUM = "forum"
    YEAR = "year"
    KIND = "kind"
    STATUS = "status"
    PLEDGER = "pledger"
    CURRENCY = "currency"


class CurrencyAmount(BaseModel):
    currency: str = Field(description="ISO 4217 code.")
    amount: Decimal = Field(description="Exact decimal string.")


class PledgeSummaryRow(BaseModel):
    forum: str | None = None
    year: int | None = None
    kind: str | None = None
    status: str | None = None
    pledger: str | None = None
    currency: str | None = None
    count: int = Field(description="Pledges in the group.")
    amounts: list[CurrencyAmount] = Field(description="Total per original currency.")
    amount_usd: Decimal = Field(description="Sum of the USD equivalents that are known.")
    count_without_usd: int = Field(description="Pledges in the group with no USD equivalent.")


class PledgeSummary(BaseModel):
    group_by: list[SummaryKey]
    groups: list[PledgeSummaryRow]
