"""Declarative base, naming convention, column types and shared helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    MetaData,
    Numeric,
    String,
    TypeDecorator,
    func,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeEngine

# Stable constraint names on both engines, so migrations can name what they drop.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware timestamp on every engine (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


Money = Numeric(20, 2)
Percent = Numeric(9, 4)
Rate = Numeric(20, 10)


class MoneyTotal(TypeDecorator[Decimal]):
    """What ``money_sum`` answers: an exact Decimal on both engines, from a NUMERIC on
    PostgreSQL and from a count of cents (an INTEGER) on SQLite."""

    impl = Numeric(38, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(38, 2))

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            # asyncpg gives the NUMERIC as a Decimal already: no call per value (a summary
            # reads about 5,000 of them).
            return super().result_processor(dialect, coltype)
        return _decimal_of_cents


def _decimal_of_cents(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value).scaleb(-2)


class money_sum(FunctionElement[Decimal]):  # noqa: N801 (a SQL function, named like one)
    """SUM of a ``Money`` column, exact to the cent on both engines; NULL over no values.

    SQLite keeps a NUMERIC as a double and adds doubles: twenty amounts of thirteen
    digits came to 120493827116049.22 (.19 in another order) instead of .20. On SQLite
    each value is turned into its cents first, whole units and fraction apart, so that
    no product leaves the double's exact range: exact for every value below 7e13 (any
    amount a pledge may state, and its USD equivalent while a unit is worth under 7
    USD). Adding integers is exact, and past 2**63 cents (about 92 quadrillion) SQLite
    stops the statement rather than give a wrong total (``db.faults``:
    ``total_out_of_range``). ``.filter()`` applies as to ``func.sum``.
    """

    type = MoneyTotal()
    name = "money_sum"
    inherit_cache = True


@compiles(money_sum)
def _money_sum(element: money_sum, compiler: Any, **kw: Any) -> str:
    return f"sum({compiler.process(element.clauses, **kw)})"


@compiles(money_sum, "sqlite")
def _money_sum_sqlite(element: money_sum, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    whole = f"CAST({value} AS INTEGER)"  # truncates; amounts are positive
    return f"sum({whole} * 100 + CAST(round(({value} - {whole}) * 100) AS INTEGER))"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)
        dt.datetime: UTCDateTime(),
        Decimal: Money,
    }


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(
        default=utcnow, server_default=func.current_timestamp()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.current_timestamp()
    )


class InferredMixin:
    """A curated fact's values that no cited passage states but that follow from others:
    ``[{"field": <read-shape field>, "reasoning": <one line>}]``; every other value is
    stated by a cited passage. Empty for submitted rows."""

    inferred: Mapped[list[dict[str, str]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )


def enum_check(column: str, enum: type[StrEnum], *, nullable: bool = False) -> CheckConstraint:
    values = ", ".join(f"'{member.value}'" for member in enum)
    condition = f"{column} IN ({values})"
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return CheckConstraint(condition, name=f"{column}_enum")


class EnumText(TypeDecorator[StrEnum]):
    """Text in the database, the ``StrEnum`` member in Python (a CHECK guards the values)."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__(max(len(member.value) for member in enum))
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        """``process_result_value`` as one dictionary lookup per value: enum columns are on
        every row of every read. A value outside the enum is a ``KeyError``, as
        ``self.enum(value)`` would be a ``ValueError``: never a silent ``None``."""
        members: dict[Any, StrEnum | None] = {member.value: member for member in self.enum}
        members[None] = None
        return members.__getitem__


def enum_column(enum: type[StrEnum], **kwargs: Any) -> Any:
    """A text column sized for the longest value of ``enum``, read back as the enum."""
    return mapped_column(EnumText(enum), **kwargs)


def dated(prefix: str) -> list[CheckConstraint]:
    """Constraints for a ``<prefix>_date`` + ``<prefix>_precision`` pair.

    The precision is present exactly when the date is, and a month- or
    year-precision date is stored as the first day of its month or year.
    """
    date, precision = f"{prefix}_date", f"{prefix}_precision"
    return [
        CheckConstraint(
            f"({date} IS NULL) = ({precision} IS NULL)", name=f"{prefix}_precision_present"
        ),
        CheckConstraint(
            f"{precision} IS NULL OR {precision} IN ('day', 'month', 'year')",
            name=f"{precision}_enum",
        ),
    ]
