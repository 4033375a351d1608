"""Saved directory searches (alerts) and the admin's edits of the quiet periods."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wol.auth.models import User
from wol.circles.models import Circle
from wol.extensions import db
from wol.timestamps import UTCDateTime, utcnow


class CircleAlert(db.Model):
    """A person's saved directory filter: they hear when a newly listed circle matches it."""

    __tablename__ = "circle_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The directory's query string, canonical (wol/directory/filters.py).
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Circles listed after this moment are news for the alert; moved on only by the tick that
    # claims the alert with a conditional UPDATE, so two ticks never mail it twice.
    seen_until: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<CircleAlert {self.id} user={self.user_id} {self.query!r}>"


class QuietPeriodsVersion(db.Model):
    """One saved edit of the quiet-periods list; the newest applies over the shipped file."""

    __tablename__ = "quiet_periods_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    saved_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<QuietPeriodsVersion {self.id} {self.saved_at:%Y-%m-%d %H:%M}>"


class DirectoryVersion(db.Model):
    """A counter raised by every transaction that changes what the directory shows (one row).

    Processes keep the directory's open circles under the number they read; a new number means
    their copy is out of date (wol/directory/changes.py).
    """

    __tablename__ = "directory_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<DirectoryVersion {self.n}>"


# The place suggestions of the directory group the places of the listed circles that have not
# ended: with this index, from the index alone (at 20,000 circles, 3 ms instead of 50 ms on
# SQLite). Declared here, with the directory that reads it (migration 0017).
Index(
    "ix_circles_listed_ended_at_place",
    Circle.__table__.c.listed,
    Circle.__table__.c.ended_at,
    Circle.__table__.c.place,
)
