"""A member's private notes and exercise ticks for a meeting: seen by that member only."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wol.extensions import db
from wol.timestamps import UTCDateTime, utcnow

# Long enough for a page of notes, short enough that a pasted book is refused with a message.
MAX_NOTE_CHARS = 10_000


class PrivateNote(db.Model):
    """What one member wrote for themselves on one meeting's page."""

    __tablename__ = "private_notes"
    __table_args__ = (
        UniqueConstraint("user_id", "meeting_id", name="uq_private_notes_user_meeting"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<PrivateNote user={self.user_id} meeting={self.meeting_id}>"


class ExerciseTick(db.Model):
    """One exercise of the guide that a member ticked as done for one meeting.

    ``exercise_id`` is the guide's stable `{.exercise #id}`, so a tick survives edits of the
    wording and is the same box in every language.
    """

    __tablename__ = "exercise_ticks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    exercise_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<ExerciseTick user={self.user_id} meeting={self.meeting_id} {self.exercise_id}>"
