"""Column types shared by the models: UTC timestamps and money."""
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric
from sqlalchemy.types import TypeDecorator

MONEY = Numeric(12, 2, asdecimal=True)
CENTS = Decimal("0.01")


def utcnow() -> datetime:
    """Column default for timestamps: the app's clock (so one clock governs every stored time)."""
    from app.core import clock

    return clock.now()


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes in UTC; gives back aware UTC datetimes on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times as aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def to_money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENTS)
