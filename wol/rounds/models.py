"""Sign-up rounds, the people who signed up, and the circles a confirmed round created."""

import json
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wol.auth.models import User
from wol.circles.models import Circle
from wol.extensions import db
from wol.timestamps import UTCDateTime, utcnow

OPEN, CONFIRMED = "open", "confirmed"


class Round(db.Model):
    """An organiser's sign-up round: people sign up, wol proposes circles, the organiser
    confirms once."""

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Space-separated language codes ("nl en") and slot codes ("1@12:00 3@08:30": weekday
    # with Monday = 0, local time in ``timezone``).
    languages: Mapped[str] = mapped_column(String(40))
    slots: Mapped[str] = mapped_column(String(400))
    timezone: Mapped[str] = mapped_column(String(64))
    first_week: Mapped[date] = mapped_column(Date)  # the Monday of the circles' first week
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(12), default="online")
    place: Mapped[str | None] = mapped_column(String(200))
    video_url: Mapped[str | None] = mapped_column(String(500))
    signup_token: Mapped[str] = mapped_column(String(64), unique=True)
    # OPEN, then CONFIRMED by exactly one conditional UPDATE.
    state: Mapped[str] = mapped_column(String(12), default=OPEN)
    # Raised on every change to the sign-ups: a proposal formed from an older version is stale.
    version: Mapped[int] = mapped_column(default=0)
    proposal: Mapped[str | None] = mapped_column(Text)  # JSON, see wol/rounds/service.py
    proposal_version: Mapped[int | None] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organiser: Mapped[User] = relationship()
    signups: Mapped[list["Signup"]] = relationship(
        back_populates="round", order_by="Signup.id", cascade="all, delete-orphan"
    )

    @property
    def language_list(self) -> list[str]:
        """The languages offered, in the organiser's order."""
        return self.languages.split()

    @property
    def slot_list(self) -> list[str]:
        """The slot codes offered, in the organiser's order."""
        return self.slots.split()

    @property
    def is_confirmed(self) -> bool:
        """True once the organiser confirmed the circles."""
        return self.state == CONFIRMED

    def proposal_data(self) -> dict | None:
        """The stored proposal, or None."""
        return json.loads(self.proposal) if self.proposal else None

    def __repr__(self) -> str:
        return f"<Round {self.id} {self.title!r}>"


class Signup(db.Model):
    """One person's sign-up: what they can do and whom they would (not) like to be with.

    ``not_with`` is shown to nobody but the person; ``user_id`` is empty for a row imported
    from a spreadsheet whose address has no account yet.
    """

    __tablename__ = "round_signups"
    __table_args__ = (
        UniqueConstraint("round_id", "email_key", name="uq_round_signups_round_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(80))
    department: Mapped[str] = mapped_column(String(120))
    languages: Mapped[str] = mapped_column(String(40))
    slots: Mapped[str] = mapped_column(String(400))
    be_with: Mapped[str | None] = mapped_column(String(254))
    not_with: Mapped[str | None] = mapped_column(Text)  # addresses, one per line
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    round: Mapped[Round] = relationship(back_populates="signups")
    user: Mapped[User | None] = relationship()

    @property
    def not_with_list(self) -> list[str]:
        """The addresses this person should not be with."""
        return (self.not_with or "").split()

    def __repr__(self) -> str:
        return f"<Signup round={self.round_id} {self.email_key}>"


class RoundCircle(db.Model):
    """A circle created by confirming a round."""

    __tablename__ = "round_circles"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    circle_id: Mapped[int] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), unique=True
    )
    slot: Mapped[str] = mapped_column(String(12))

    circle: Mapped[Circle] = relationship()

    def __repr__(self) -> str:
        return f"<RoundCircle round={self.round_id} circle={self.circle_id}>"
