"""Time: stored in UTC, shown and reasoned about (deadlines) in America/New_York."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BOSTON = ZoneInfo("America/New_York")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Boston: deadlines are Boston dates."""
    return now().astimezone(BOSTON).date()


def local(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(BOSTON)
