"""Accounts: users, their browser sessions, pending registrations and password resets."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, func
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wol.extensions import db
from wol.timestamps import UTCDateTime, utcnow
from wol.tokens import new_token

ROLES = ("organiser", "translator", "admin")
DELIVERIES = ("email", "feed")


def new_feed_token() -> str:
    """A random feed token of 256 bits, safe in a URL."""
    return new_token()


class User(db.Model):
    """A person using wol; everyone is a participant, some also have roles."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    # Lower-cased copy with a unique index: the address is unique regardless of case.
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    # None for an account made by single sign-on: no password signs in to it (wol/sso).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(5), default="nl")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Brussels")
    organisation: Mapped[str | None] = mapped_column(String(120))
    is_organiser: Mapped[bool] = mapped_column(default=False)
    is_translator: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    # "email": meetings arrive as invitations (RFC 6047); "feed": only the personal feed.
    # One or the other, so the same meeting never shows twice in a calendar.
    calendar_delivery: Mapped[str] = mapped_column(
        String(8), default="email", server_default="email"
    )
    # Secret part of the personal calendar feed URL; rotatable in settings.
    feed_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_feed_token)
    # A reminder mail the day before each meeting (switch in settings); the organisers'
    # weekly digest is claimed through digest_sent_at so two ticks send it once.
    meeting_reminders: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the person deleted their account (wol/personal/erase.py): the row stays, emptied
    # of everything personal, so circles they organised or recorded keep their counts.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    is_active = True
    is_authenticated = True
    is_anonymous = False

    # The secret of the browser session this object was loaded for (see UserSession).
    session_token = None

    def get_id(self) -> str:
        """Return the id Flask-Login keeps in the session and remember cookies."""
        return f"{self.id}:{self.session_token}"

    def has_role(self, role: str) -> bool:
        """Tell whether the user holds ``role`` (admins hold every role)."""
        if role == "participant":
            return True
        if self.is_admin:
            return True
        return bool(getattr(self, f"is_{role}", False))

    @property
    def first_name(self) -> str:
        """The first word of the display name, shown to people outside a circle."""
        return self.display_name.split()[0] if self.display_name.strip() else ""

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email_key}>"


class UserSession(db.Model):
    """One signed-in browser; signing out there deletes it, and its cookies stop working."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only a hash of the secret in the session and remember cookies is kept.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id}>"


class Registration(db.Model):
    """An account waiting for its owner to confirm the address; only the token's hash is kept.

    Registering answers "check your mailbox" whether or not the address has an account, so
    the form tells nobody who has one; the account is made when the mailed link is used.
    """

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    # Optional organisation or department, copied to users.organisation with the account.
    organisation: Mapped[str | None] = mapped_column(String(120))
    next_path: Mapped[str | None] = mapped_column(String(500))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    def __repr__(self) -> str:
        return f"<Registration {self.id}>"


class PasswordReset(db.Model):
    """A single-use, time-limited password-reset token; only its hash is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<PasswordReset {self.id} user={self.user_id}>"


def organisation_suggestions(limit: int = 200) -> list[str]:
    """Distinct organisation names already in use, for the settings suggestions list."""
    rows = db.session.scalars(
        db.select(User.organisation)
        .where(User.organisation.is_not(None), User.organisation != "")
        .group_by(User.organisation)
        .order_by(func.count().desc(), User.organisation)
        .limit(limit)
    )
    return list(rows)
