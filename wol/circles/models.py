"""Circles, their members, the waiting list and the twelve meeting rows."""

from datetime import date, datetime, time

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wol.auth.models import User
from wol.circles.schedule import local_to_utc
from wol.extensions import db
from wol.guides.document import FOLLOW_UP_LAST, follow_up_key
from wol.timestamps import UTCDateTime, utcnow

MAX_MEMBERS = 5
FULL_WEEKS = 12
# A follow-up round's choices of length, longest first (wol/harvest/followup.py).
FOLLOW_UP_LENGTHS = (6, 4)
KINDS = ("in_person", "online", "hybrid")
LANGUAGES = ("nl", "en")


def guide_week_of(weeks: int, week: int) -> int:
    """The guide library's key for week ``week`` of a circle of ``weeks`` weeks (see
    Circle.guide_week)."""
    if weeks == FULL_WEEKS:
        return week
    return follow_up_key(FOLLOW_UP_LAST if week == weeks else week)


class Circle(db.Model):
    """A group of at most five peers meeting weekly for twelve weeks."""

    __tablename__ = "circles"
    __table_args__ = (
        Index("ix_circles_listed_first_day", "listed", "first_day"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= 5", name="seats_in_range"),
        CheckConstraint("duration_minutes BETWEEN 15 AND 240", name="duration_in_range"),
        CheckConstraint("weeks IN (4, 6, 12)", name="weeks_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    first_day: Mapped[date] = mapped_column(Date)
    local_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    kind: Mapped[str] = mapped_column(String(12), default="in_person")
    place: Mapped[str | None] = mapped_column(String(200))
    video_url: Mapped[str | None] = mapped_column(String(500))
    chat_url: Mapped[str | None] = mapped_column(String(500))
    # How many weekly meetings: 12 follow the guide from week 1; 4 or 6 follow the follow-up
    # guide (a circle that goes on after its twelve weeks, wol/harvest/followup.py).
    weeks: Mapped[int] = mapped_column(default=12, server_default="12")
    # In the directory (/circles) or reachable only by its invite link; listed_at is when it
    # last became listed, so that alerts tell people about circles that are new to them.
    listed: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Off: only the organiser sees and shares the invite link.
    members_may_invite: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    invite_token: Mapped[str] = mapped_column(String(64), unique=True)
    # Members plus seats held for a waiting-list offer; changed only by conditional UPDATEs
    # so that people joining at the same instant can never make it exceed five.
    seats_taken: Mapped[int] = mapped_column(default=0)
    # Raised on every change to the schedule; calendars carry it as SEQUENCE.
    calendar_sequence: Mapped[int] = mapped_column(default=0)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_reason: Mapped[str | None] = mapped_column(String(300))
    # Health as the tick last saw it (wol/health): a change of status nudges the members once.
    health_status: Mapped[str | None] = mapped_column(String(12))
    health_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When an organiser last sent the "friendly nudge" from the dashboard (at most weekly).
    organiser_nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organiser: Mapped[User] = relationship()
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="circle", order_by="Membership.joined_at", cascade="all, delete-orphan"
    )
    meetings: Mapped[list["Meeting"]] = relationship(
        back_populates="circle", order_by="Meeting.week", cascade="all, delete-orphan"
    )

    @property
    def active_memberships(self) -> list["Membership"]:
        """Memberships of people who are still in the circle."""
        return [m for m in self.memberships if m.left_at is None]

    @property
    def members(self) -> list[User]:
        """The people in the circle, in order of joining."""
        return [m.user for m in self.active_memberships]

    @property
    def is_ended(self) -> bool:
        """True when the circle was ended early."""
        return self.ended_at is not None

    @property
    def weekly_slot(self) -> datetime:
        """The circle's weekly day and time as an instant (the first date of its weekly grid),
        to show in a reader's zone; it follows a change of the weekly time (wol/circles/editing)."""
        return local_to_utc(self.first_day, self.local_time, self.timezone)

    @property
    def is_follow_up(self) -> bool:
        """True for a shorter follow-up schedule, which reads the follow-up guide."""
        return self.weeks != FULL_WEEKS

    def guide_week(self, week: int) -> int:
        """The guide library's key for this circle's meeting week (wol/guides/library.py):
        the week itself, or follow-up week ``week`` for a follow-up circle. The follow-up
        guide's last week closes the round: a 4-week follow-up reads weeks 1-3 and then the
        closing week (follow-up week 6); a 6-week one reads all six."""
        return guide_week_of(self.weeks, week)

    @property
    def seats_left(self) -> int:
        """Free seats, not counting seats held for a waiting-list offer."""
        return max(MAX_MEMBERS - self.seats_taken, 0)

    def __repr__(self) -> str:
        return f"<Circle {self.id} {self.name!r}>"


class Membership(db.Model):
    """A person's place in a circle; kept after leaving, for the history."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("circle_id", "user_id", name="uq_memberships_circle_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    circle: Mapped[Circle] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<Membership circle={self.circle_id} user={self.user_id}>"


class WaitlistEntry(db.Model):
    """Someone waiting for a seat in a full circle; may hold a time-limited offer."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        UniqueConstraint("circle_id", "user_id", name="uq_waitlist_entries_circle_user"),
        Index("ix_waitlist_entries_offer_expires_at", "offer_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    circle: Mapped[Circle] = relationship()
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<WaitlistEntry circle={self.circle_id} user={self.user_id}>"


class Meeting(db.Model):
    """One of the twelve weekly meetings, a concrete row that can be moved or skipped."""

    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("circle_id", "week", name="uq_meetings_circle_week"),
        CheckConstraint("week BETWEEN 1 AND 12", name="week_in_range"),
        # The directory finds the circles still open (week 2 not yet over) by this index,
        # instead of reading every listed circle's week 2.
        Index("ix_meetings_week_starts_at", "week", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    week: Mapped[int] = mapped_column()
    # Position on the circle's weekly grid (0 = the first meeting's date). A skipped week that
    # pushes the later ones back leaves an empty position: a date without a meeting.
    slot: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    moved: Mapped[bool] = mapped_column(default=False)
    skipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    held_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Check-ins (wol/checkins): a member records "not held" too; ``attended`` is a count only,
    # who attended is in meeting_attendances. ``checkin_version`` rises with every recording,
    # so a correction made on a stale page cannot silently overwrite a newer one.
    not_held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attended: Mapped[int | None] = mapped_column()
    checkin_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Claimed by the tick with a conditional UPDATE: each mail leaves once per meeting time.
    checkin_mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    circle: Mapped[Circle] = relationship(back_populates="meetings")

    @property
    def is_skipped(self) -> bool:
        """True when the circle decided not to meet this week."""
        return self.skipped_at is not None

    @property
    def is_recorded(self) -> bool:
        """True when a member recorded whether the meeting took place."""
        return self.held_at is not None or self.not_held_at is not None

    def rescheduled(self) -> None:
        """The meeting got a new time: it gets a new reminder and check-in mail, and a
        "not held" recorded for its old time no longer applies."""
        self.reminder_sent_at = None
        self.checkin_mailed_at = None
        self.not_held_at = None

    def __repr__(self) -> str:
        return f"<Meeting circle={self.circle_id} week={self.week} {self.starts_at:%Y-%m-%d %H:%M}>"


class CircleVersion(db.Model):
    """A number per circle, raised by every transaction that changes what its page shows; row
    0 by changes that cannot be told apart by circle (wol/circles/versions.py)."""

    __tablename__ = "circle_versions"

    circle_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger, default=0)

    def __repr__(self) -> str:
        return f"<CircleVersion {self.circle_id}: {self.n}>"
