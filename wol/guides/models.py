"""Translations edited in the browser: a layer in the database over the shipped guide files.

A ``GuideText`` row holds one part (a section, the title, the summary, the introduction or the
agenda) of one week in one language: the text readers get once it is published, and a working
copy (draft or waiting for review). Every change leaves a ``GuideTextRevision``. The shipped
Markdown stays the source for a fresh install; ``GuideLayerState`` holds a token that changes
with every publish, so every worker and host knows when its cached pages are stale.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wol.auth.models import User
from wol.extensions import db
from wol.timestamps import UTCDateTime, utcnow

DRAFT, NEEDS_REVIEW = "draft", "needs_review"
# What a revision records: a saved draft, a request for review, a publish (direct or by an
# approving second translator), a restored older text, or text brought in with `import`.
ACTIONS = ("draft", "review", "publish", "approve", "restore", "import")


class GuideText(db.Model):
    """One translated part of one week: the published text and the working copy."""

    __tablename__ = "guide_texts"
    __table_args__ = (UniqueConstraint("lang", "week", "part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(12))
    week: Mapped[int]
    part: Mapped[str] = mapped_column(String(64))
    # Published: what readers get instead of the file's text. `published_source` is the hash
    # of the English it was synced to and `published_english` that English text, for diffs.
    published_title: Mapped[str | None] = mapped_column(String(200))
    published_body: Mapped[str | None] = mapped_column(Text)
    published_source: Mapped[str | None] = mapped_column(String(16))
    published_english: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Working copy: None when there is nothing unpublished.
    draft_state: Mapped[str | None] = mapped_column(String(16))
    draft_title: Mapped[str | None] = mapped_column(String(200))
    draft_body: Mapped[str | None] = mapped_column(Text)
    draft_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    draft_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    draft_by: Mapped[User | None] = relationship(foreign_keys=[draft_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    review_requested_by: Mapped[User | None] = relationship(foreign_keys=[review_requested_by_id])

    @property
    def is_published(self) -> bool:
        """True when readers get this row's text."""
        return self.published_body is not None

    def __repr__(self) -> str:
        return f"<GuideText {self.lang} week {self.week} {self.part}>"


class GuideTextRevision(db.Model):
    """One change to a GuideText: who, when, what, and the text it left."""

    __tablename__ = "guide_text_revisions"
    __table_args__ = (Index("ix_guide_text_revisions_text_id_at", "text_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    text_id: Mapped[int] = mapped_column(ForeignKey("guide_texts.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(16))  # English hash when it was saved
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<GuideTextRevision {self.id} {self.action} text={self.text_id}>"


class GuideLayerState(db.Model):
    """Single rows of shared state: ``layer`` holds a token that changes with every publish;
    ``english`` the English hashes last seen by the tick (to tell translators of changes)."""

    __tablename__ = "guide_layer_state"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    data: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<GuideLayerState {self.name} {self.token}>"
