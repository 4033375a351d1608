"""Account rules: registration, authentication with rate limits, and password resets."""

import hashlib
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from wol.auth.models import ROLES, LoginFailure, PasswordReset, User
from wol.errors import DomainError, TooManyAttempts
from wol.extensions import db
from wol.i18n import LANGUAGES, is_timezone
from wol.mail.service import queue_mail
from wol.timestamps import utcnow
from wol.tokens import find_by_token, new_token
from wol.urls import external_url

# A real hash to compare against when the account does not exist, so that the answer takes as
# long for an unknown address as for a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def email_key(email: str) -> str:
    """The case-insensitive form of an address, used for uniqueness and look-ups."""
    return email.strip().lower()


def hash_password(password: str) -> str:
    """Hash a password with scrypt (cost from PASSWORD_HASH_METHOD; tests use a cheaper one)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user_by_email(email: str) -> User | None:
    """Return the user with this address, whatever its capitals."""
    return db.session.scalar(select(User).where(User.email_key == email_key(email)))


def register_user(
    email: str,
    display_name: str,
    password: str,
    *,
    language: str = "nl",
    timezone: str = "Europe/Brussels",
) -> User:
    """Create an account; raise DomainError for a taken address or bad settings."""
    email = email.strip()
    if find_user_by_email(email) is not None:
        raise DomainError(_("There is already an account with this address."), field="email")
    if language not in LANGUAGES:
        raise DomainError(_("Choose Dutch or English."), field="language")
    if not is_timezone(timezone):
        raise DomainError(_("Choose a time zone from the list."), field="timezone")
    user = User(
        email=email,
        email_key=email_key(email),
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        language=language,
        timezone=timezone,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _window_start(now: datetime) -> datetime:
    """The start of the period in which failed log-ins are counted."""
    return now - timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def check_login_allowed(email: str, ip: str, now: datetime) -> None:
    """Raise TooManyAttempts when this account or this address failed too often lately."""
    since = _window_start(now)
    per_account = db.session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.email_key == email_key(email), LoginFailure.at >= since)
    )
    per_ip = db.session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.ip == ip, LoginFailure.at >= since)
    )
    minutes = current_app.config["LOGIN_WINDOW_MINUTES"]
    if per_account >= current_app.config["LOGIN_MAX_FAILURES_ACCOUNT"]:
        raise TooManyAttempts(
            _(
                "Too many failed attempts for this account. Wait %(minutes)d minutes, or reset "
                "your password.",
                minutes=minutes,
            )
        )
    if per_ip >= current_app.config["LOGIN_MAX_FAILURES_IP"]:
        raise TooManyAttempts(
            _("Too many failed attempts from your network. Wait %(minutes)d minutes.",
              minutes=minutes)
        )


def authenticate(email: str, password: str, ip: str, now: datetime | None = None) -> User | None:
    """Return the user for a correct email and password; record a failure otherwise."""
    now = now or utcnow()
    check_login_allowed(email, ip, now)
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    elif check_password_hash(user.password_hash, password):
        db.session.execute(delete(LoginFailure).where(LoginFailure.email_key == user.email_key))
        return user
    db.session.add(LoginFailure(email_key=email_key(email)[:254], ip=ip[:64], at=now))
    # Old failures only matter inside the window; clean up as we go.
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(days=1)))
    db.session.flush()
    return None


def _token_hash(token: str) -> str:
    """Only the hash of a reset token is stored; a database leak gives no usable links."""
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset(email: str, now: datetime | None = None) -> None:
    """Mail a reset link when the address has an account; say nothing either way."""
    now = now or utcnow()
    user = find_user_by_email(email)
    if user is None:
        return
    token = new_token()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(
        PasswordReset(
            user=user,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    link = external_url("auth.reset_password", token=token)
    with force_locale(user.language):
        subject = _("Choose a new password for wol")
        body = render_template("mail/password_reset.txt", user=user, link=link, hours=hours)
    queue_mail(user.email, subject, body, to_name=user.display_name, kind="password_reset")
    db.session.flush()


def find_reset(token: str, now: datetime | None = None) -> PasswordReset | None:
    """Return the unused, unexpired reset for ``token``, compared by hash in constant time."""
    now = now or utcnow()
    reset = find_by_token(PasswordReset.token_hash, token, stored=_token_hash(token))
    if reset is None:
        return None
    if reset.used_at is not None or reset.expires_at <= now:
        return None
    return reset


def reset_password(token: str, password: str, now: datetime | None = None) -> User:
    """Set a new password from a reset link; the link then stops working."""
    now = now or utcnow()
    reset = find_reset(token, now)
    if reset is None:
        raise DomainError(_("This link has expired or was already used. Ask for a new one."))
    reset.used_at = now
    user = reset.user
    user.password_hash = hash_password(password)
    user.session_version += 1
    # Every other link for this account stops working too.
    for other in db.session.scalars(
        select(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    ):
        other.used_at = now
    db.session.execute(delete(LoginFailure).where(LoginFailure.email_key == user.email_key))
    db.session.flush()
    return user


def set_roles(user: User, roles: set[str]) -> None:
    """Give ``user`` exactly the listed roles."""
    unknown = roles - set(ROLES)
    if unknown:
        raise DomainError(_("Unknown role: %(role)s", role=", ".join(sorted(unknown))))
    user.is_organiser = "organiser" in roles
    user.is_translator = "translator" in roles
    user.is_admin = "admin" in roles
    db.session.flush()
