"""Break-glass sign-in: one-time login links printed by `flask wol user login-link`."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, update

from wol.auth.models import User
from wol.errors import DomainError
from wol.extensions import db
from wol.i18n import gettext as _
from wol.sso.models import LoginLink
from wol.sso.service import digest
from wol.timestamps import utcnow
from wol.tokens import find_by_token, new_token


def create_login_link(user: User, now: datetime | None = None) -> str:
    """A single-use sign-in link for ``user``, valid for SSO_LOGIN_LINK_MINUTES."""
    now = now or utcnow()
    token = new_token()
    minutes = current_app.config["SSO_LOGIN_LINK_MINUTES"]
    db.session.execute(delete(LoginLink).where(LoginLink.expires_at <= now))
    db.session.add(
        LoginLink(
            user_id=user.id,
            token_hash=digest(token),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    db.session.flush()
    return token


def find_login_link(token: str, now: datetime | None = None) -> LoginLink | None:
    """The unused, unexpired login link behind ``token``."""
    now = now or utcnow()
    link = find_by_token(LoginLink.token_hash, token, stored=digest(token))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link


def use_login_link(token: str, now: datetime | None = None) -> User:
    """Spend a login link (once, even when two requests race) and return its account."""
    now = now or utcnow()
    link = find_login_link(token, now)
    if link is None:
        raise DomainError(_("This link has expired or was already used."), field=None)
    spent = db.session.execute(
        update(LoginLink)
        .where(LoginLink.id == link.id, LoginLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise DomainError(_("This link has expired or was already used."))
    db.session.flush()
    return db.session.get(User, link.user_id)
