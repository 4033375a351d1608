"""Timezone-aware UTC timestamps, stored the same way on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def today_in(tz: str) -> date:
    """Today's date in the IANA time zone ``tz`` (a person's own today)."""
    return utcnow().astimezone(ZoneInfo(tz)).date()


class UTCDateTime(TypeDecorator):
    """A DateTime column that only accepts aware datetimes and always returns aware UTC.

    SQLite has no time zone type, so values are stored as naive UTC everywhere and the zone is
    put back on the way out; this keeps comparisons identical on both databases.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Convert an aware datetime to naive UTC for storage."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """Attach UTC to the stored naive value."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
