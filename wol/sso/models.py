"""Single sign-on: who is who at the provider, sign-ins under way, links, break-glass links."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wol.auth.models import User
from wol.extensions import db
from wol.timestamps import UTCDateTime, utcnow


class SsoIdentity(db.Model):
    """A person at an identity provider (issuer + subject), bound to one wol account.

    The subject never changes for a person at a provider, their address may: the account is
    found by this pair, and a changed address updates the account instead of making a second.
    """

    __tablename__ = "sso_identities"
    __table_args__ = (
        UniqueConstraint("issuer", "subject", name="uq_sso_identities_issuer_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<SsoIdentity {self.id} user={self.user_id}>"


class SsoAttempt(db.Model):
    """A sign-in sent to the provider and not yet back: its state, nonce and PKCE verifier.

    Kept in the database (not in one worker's memory) and bound to the browser that started it
    by a hash of a secret in that browser's session; it is deleted when it comes back, so a
    state works once.
    """

    __tablename__ = "sso_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    next_path: Mapped[str | None] = mapped_column(String(500))
    # Set when a signed-in person confirms who they are again (before deleting their account):
    # the provider's answer must then be this account's identity, and signs nobody in.
    confirm_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    def __repr__(self) -> str:
        return f"<SsoAttempt {self.id}>"


class SsoPendingLink(db.Model):
    """A provider identity waiting to be linked to the password account with its address.

    Linked only when the person proves the account is theirs (its password, or a mailed link
    opened in the same browser); the claims are kept to update the account then.
    """

    __tablename__ = "sso_pending_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    # The secret of the mailed link, another than the one in the browser's address bar.
    mail_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    claims: Mapped[str] = mapped_column(Text)
    next_path: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<SsoPendingLink {self.id} user={self.user_id}>"


class LoginLink(db.Model):
    """A one-time, short-lived sign-in link printed by `flask wol user login-link` (break-glass
    access when passwords are off); only its hash is kept."""

    __tablename__ = "login_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<LoginLink {self.id} user={self.user_id}>"
