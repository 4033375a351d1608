"""What wol remembers about each personal feed: the version it last served, and since when."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from wol.extensions import db
from wol.timestamps import UTCDateTime


class FeedState(db.Model):
    """The ETag a person's feed last had and when it first had it (its Last-Modified).

    Last-Modified cannot be read off the remaining circles: when a member leaves or a circle
    ends, the newest change left in the feed is older than the one the client holds, and a
    client that sends only If-Modified-Since would keep the vanished meetings. So every new
    ETag gets a Last-Modified later than the one before it.
    """

    __tablename__ = "feed_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    etag: Mapped[str] = mapped_column(String(64))
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<FeedState user={self.user_id} {self.etag[:8]} {self.modified_at:%Y-%m-%d %H:%M}>"
