"""Who attended a meeting (seen by the circle's members only) and the check-in history."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from wol.extensions import db
from wol.timestamps import UTCDateTime, utcnow


class MeetingAttendance(db.Model):
    """One person who was at a held meeting; organisers only ever see the count."""

    __tablename__ = "meeting_attendances"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )

    def __repr__(self) -> str:
        return f"<MeetingAttendance meeting={self.meeting_id} user={self.user_id}>"


class CheckinRecord(db.Model):
    """One recording or correction of a meeting: who said what, when, and how."""

    __tablename__ = "checkin_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    held: Mapped[bool] = mapped_column()
    # Ids of the people ticked as present, comma-separated ("" when not held).
    attendee_ids: Mapped[str] = mapped_column(String(200), default="")
    # "link" (the mail), "page" (a button on the site) or "correction".
    via: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = mapped_column()

    def __repr__(self) -> str:
        return f"<CheckinRecord meeting={self.meeting_id} v{self.version} held={self.held}>"
