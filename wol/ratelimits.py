"""Counters with a time window, exact when many requests arrive at once.

Sign-in attempts, reset links and invitations by mail are limited here. A counter is one row,
changed only by a conditional UPDATE: when 40 requests race for the last of 5 tries, the
database lets exactly 5 of them through, whatever the number of workers or hosts. Keys are
stored as hashes, so the table holds no addresses.
"""

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import String, case, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from wol.extensions import db
from wol.timestamps import UTCDateTime

# Rows idle this long are deleted as new ones arrive; the longest window is a day.
FORGET_AFTER = timedelta(days=2)


class RateCounter(db.Model):
    """How much of one limit was used in the current window."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<RateCounter {self.key[:8]} used={self.used} since {self.window_started_at}>"


def counter_key(kind: str, *parts: str) -> str:
    """The stored key of a limit: a hash of its kind and subject (an address, an account...)."""
    text = "\x1f".join((kind, *(part.strip().lower() for part in parts)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _ensure_row(key: str, now: datetime) -> None:
    """Create the counter row if it does not exist yet (concurrent creators do not clash)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    result = db.session.execute(
        insert(RateCounter)
        .values(key=key, window_started_at=now, used=0)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    if result.rowcount:
        db.session.execute(
            delete(RateCounter).where(RateCounter.window_started_at < now - FORGET_AFTER)
        )


def take(key: str, limit: int, window: timedelta, now: datetime, amount: int = 1) -> bool:
    """Use ``amount`` of the limit; False (and nothing used) when it would go over ``limit``.

    A window starts with its first use and lasts ``window``; after it, the count starts again.
    """
    if amount > limit:
        return False
    _ensure_row(key, now)
    expired = RateCounter.window_started_at <= now - window
    result = db.session.execute(
        update(RateCounter)
        .where(RateCounter.key == key, or_(expired, RateCounter.used + amount <= limit))
        .values(
            used=case((expired, amount), else_=RateCounter.used + amount),
            window_started_at=case((expired, now), else_=RateCounter.window_started_at),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def give_back(key: str, amount: int = 1) -> None:
    """Return ``amount`` taken earlier (the attempt turned out not to count)."""
    db.session.execute(
        update(RateCounter)
        .where(RateCounter.key == key, RateCounter.used >= amount)
        .values(used=RateCounter.used - amount)
        .execution_options(synchronize_session=False)
    )


def used(key: str, window: timedelta, now: datetime) -> int:
    """How much of the limit is used in the current window."""
    row = db.session.execute(
        select(RateCounter.used, RateCounter.window_started_at).where(RateCounter.key == key)
    ).first()
    if row is None or row.window_started_at <= now - window:
        return 0
    return row.used


def forget(key: str) -> None:
    """Start the count again (after a successful sign-in, for instance)."""
    db.session.execute(
        delete(RateCounter)
        .where(RateCounter.key == key)
        .execution_options(synchronize_session=False)
    )
