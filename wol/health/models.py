"""The history of circle health as the tick saw it: what the weekly digest reports."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from wol.extensions import db
from wol.timestamps import UTCDateTime, utcnow


class CircleStatusChange(db.Model):
    """A circle moved from one health status to another."""

    __tablename__ = "circle_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<CircleStatusChange circle={self.circle_id} {self.from_status}->{self.to_status}>"
