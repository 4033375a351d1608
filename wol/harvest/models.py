"""Harvests (what a member takes away from a finished circle) and follow-up circles."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wol.auth.models import User
from wol.circles.models import Circle
from wol.extensions import db
from wol.timestamps import UTCDateTime, utcnow

# Who reads a harvest: its author alone, the circle's members, or every signed-in person on
# the stories page (the circle's members too).
PRIVATE = "private"
CIRCLE = "circle"
STORIES = "stories"
AUDIENCES = (PRIVATE, CIRCLE, STORIES)
MAX_TEXT = 2000


class Harvest(db.Model):
    """One member's harvest of one circle: three optional texts and who may read them."""

    __tablename__ = "harvests"
    __table_args__ = (
        UniqueConstraint("circle_id", "user_id", name="uq_harvests_circle_user"),
        Index("ix_harvests_shared_at", "shared_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    aim: Mapped[str | None] = mapped_column(Text)
    happened: Mapped[str | None] = mapped_column(Text)
    learned: Mapped[str | None] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(10), default=CIRCLE)
    anonymous: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # When it went on the stories page (newest first); empty while it is not a story.
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    circle: Mapped[Circle] = relationship()
    user: Mapped[User] = relationship()

    @property
    def is_story(self) -> bool:
        """True while the harvest is on the stories page."""
        return self.audience == STORIES

    @property
    def is_empty(self) -> bool:
        """True when none of the three texts holds anything."""
        return not (self.aim or self.happened or self.learned)

    def __repr__(self) -> str:
        return f"<Harvest circle={self.circle_id} user={self.user_id} {self.audience}>"


class FollowUp(db.Model):
    """A circle started from a finished one: the whole circle going on, or one member's own.

    One per finished circle and starter, so a second click finds the circle the first made.
    """

    __tablename__ = "circle_follow_ups"
    __table_args__ = (
        UniqueConstraint("from_circle_id", "started_by_id", name="uq_circle_follow_ups_starter"),
        # The whole circle goes on once: a second "go on together" finds the first one's circle.
        Index(
            "uq_circle_follow_ups_together",
            "from_circle_id",
            unique=True,
            sqlite_where=text("together"),
            postgresql_where=text("together"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    started_by_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Empty for the instant between claiming the follow-up and creating its circle.
    circle_id: Mapped[int | None] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), unique=True
    )
    together: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    circle: Mapped[Circle | None] = relationship(foreign_keys=[circle_id])
    from_circle: Mapped[Circle] = relationship(foreign_keys=[from_circle_id])

    def __repr__(self) -> str:
        return f"<FollowUp from={self.from_circle_id} circle={self.circle_id}>"


class FollowUpInvitation(db.Model):
    """A member of the finished circle asked to join its follow-up; a member once they confirm."""

    __tablename__ = "follow_up_invitations"
    __table_args__ = (
        UniqueConstraint("circle_id", "user_id", name="uq_follow_up_invitations_circle_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    circle: Mapped[Circle] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    def __repr__(self) -> str:
        return f"<FollowUpInvitation circle={self.circle_id} user={self.user_id}>"
