"""Account rules: registration, authentication with rate limits, and password resets."""

import functools
import hashlib
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from wol import ratelimits
from wol.auth.models import ROLES, PasswordReset, Registration, User, UserSession
from wol.errors import DomainError, TooManyAttempts
from wol.extensions import db
from wol.forms import text_problem
from wol.i18n import LANGUAGES, is_timezone
from wol.i18n import gettext as _
from wol.mail.service import queue_mail
from wol.ratelimits import counter_key
from wol.timestamps import utcnow
from wol.tokens import find_by_token, looks_like_token, new_token
from wol.urls import external_url

# A real hash to compare against when the account does not exist, so that the answer takes as
# long for an unknown address as for a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")
# As long as Flask-Login's remember cookie lives.
SESSION_LIFETIME = timedelta(days=366)


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
    """Create an account at once (command line, demo data); DomainError for a taken address."""
    return _create_account(email, display_name, hash_password(password), language, timezone)


def _create_account(
    email: str,
    display_name: str,
    password_hash: str,
    language: str,
    timezone: str,
    organisation: str | None = None,
) -> User:
    """Create an account with an already hashed password; DomainError for bad values."""
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
        password_hash=password_hash,
        language=language,
        timezone=timezone,
        organisation=organisation,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:
        # The same address registered at the same instant (a double click on the link).
        raise DomainError(
            _("There is already an account with this address."), field="email"
        ) from exc
    return user


def request_registration(
    email: str,
    display_name: str,
    password: str,
    *,
    language: str,
    timezone: str,
    next_path: str | None,
    organisation: str | None = None,
    now: datetime | None = None,
) -> None:
    """Mail a link that creates the account, or tell the address's owner they have one.

    The person registering sees the same answer either way, and it takes as long (the password
    is hashed in both cases), so the form tells nobody which addresses have an account.
    """
    now = now or utcnow()
    email = email.strip()
    limit = current_app.config["REGISTRATIONS_PER_HOUR"]
    if not ratelimits.take(counter_key("register", email), limit, timedelta(hours=1), now):
        raise TooManyAttempts(
            _(
                "We mailed %(email)s %(count)d times in the last hour. Look for our mail in that "
                "mailbox (and its spam folder), or try again in an hour.",
                email=email,
                count=limit,
            )
        )
    password_hash = hash_password(password)
    db.session.execute(delete(Registration).where(Registration.expires_at <= now))
    owner = find_user_by_email(email)
    if owner is not None:
        links = {"login": external_url("auth.login"), "reset": external_url("auth.forgot_password")}
        with force_locale(owner.language):
            subject = _("You already have a wol account")
            body = render_template("mail/account_exists.txt", user=owner, **links)
        queue_mail(owner.email, subject, body, to_name=owner.display_name, kind="account_exists")
        return
    if language not in LANGUAGES:
        raise DomainError(_("Choose Dutch or English."), field="language")
    organisation = (organisation or "").strip() or None
    if organisation and (len(organisation) > 120 or text_problem(organisation, name=True)):
        raise DomainError(
            _(
                "Give an organisation or department of at most 120 characters, "
                "without control or invisible characters."
            ),
            field="organisation",
        )
    # The browser's zone when it sent a known one; the default otherwise.
    if not is_timezone(timezone):
        timezone = current_app.config["WOL_DEFAULT_TIMEZONE"]
    token = new_token()
    hours = current_app.config["REGISTRATION_HOURS"]
    db.session.add(
        Registration(
            email=email,
            display_name=display_name.strip(),
            password_hash=password_hash,
            language=language,
            timezone=timezone,
            organisation=organisation,
            next_path=next_path[:500] if next_path else None,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    link = external_url("auth.confirm_registration", token=token)
    with force_locale(language):
        subject = _("Confirm your address to finish your wol account")
        body = render_template(
            "mail/register_confirm.txt", name=display_name.strip(), link=link, hours=hours
        )
    queue_mail(email, subject, body, to_name=display_name.strip(), kind="register_confirm")
    db.session.flush()


def find_registration(token: str, now: datetime | None = None) -> Registration | None:
    """The registration waiting behind ``token``, unless it expired."""
    now = now or utcnow()
    registration = find_by_token(Registration.token_hash, token, stored=_token_hash(token))
    if registration is None or registration.expires_at <= now:
        return None
    return registration


def complete_registration(token: str, now: datetime | None = None) -> tuple[User, str | None]:
    """Create the account of a confirmed registration; return it and where to go next."""
    registration = find_registration(token, now)
    if registration is None:
        raise DomainError(_("This link has expired or was already used."))
    done = db.session.execute(
        delete(Registration)
        .where(Registration.id == registration.id)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise DomainError(_("This link has expired or was already used."))
    user = _create_account(
        registration.email,
        registration.display_name,
        registration.password_hash,
        registration.language,
        registration.timezone,
        registration.organisation,
    )
    return user, registration.next_path


LOGIN_ACCOUNT_FAILURES = "login-account"


def _login_window() -> timedelta:
    """The period in which failed sign-ins are counted."""
    return timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def _login_keys(email: str, ip: str) -> tuple[str, str, str]:
    """Counter keys: this account from this address, this address, this account."""
    key = email_key(email)
    return (
        counter_key("login-pair", key, ip),
        counter_key("login-ip", ip),
        counter_key(LOGIN_ACCOUNT_FAILURES, key),
    )


def reserve_login_attempt(email: str, ip: str, now: datetime | None = None) -> None:
    """Count a sign-in attempt before its password is checked; TooManyAttempts if over a limit.

    Three limits, each exact under concurrency (see wol.ratelimits): failures for one account
    from one address, failures from one address, and a slowdown for an account under attack
    that applies only to addresses that already failed for it. Someone guessing can lock out
    their own address, never the owner: the right password from an address without failures
    always gets checked. The route commits the reservation before the password is checked, so
    requests arriving at the same instant see each other's attempts.
    """
    now = now or utcnow()
    config = current_app.config
    window = _login_window()
    minutes = config["LOGIN_WINDOW_MINUTES"]
    pair, address, account = _login_keys(email, ip)
    if not ratelimits.take(pair, config["LOGIN_MAX_FAILURES_ACCOUNT"], window, now):
        raise TooManyAttempts(
            _(
                "Too many failed attempts for this account. Wait %(minutes)d minutes, or reset "
                "your password.",
                minutes=minutes,
            )
        )
    if not ratelimits.take(address, config["LOGIN_MAX_FAILURES_IP"], window, now):
        ratelimits.give_back(pair)
        raise TooManyAttempts(
            _(
                "Too many failed attempts from your network. Wait %(minutes)d minutes.",
                minutes=minutes,
            )
        )
    under_attack = ratelimits.used(account, window, now) >= config["LOGIN_SLOWDOWN_AFTER"]
    failed_here = ratelimits.used(pair, window, now) > 1
    if under_attack and failed_here:
        seconds = config["LOGIN_SLOWDOWN_SECONDS"]
        pace = counter_key("login-pace", email_key(email))
        if not ratelimits.take(pace, 1, timedelta(seconds=seconds), now):
            ratelimits.give_back(pair)
            ratelimits.give_back(address)
            raise TooManyAttempts(
                _(
                    "This account had many failed sign-ins. Wait %(seconds)d seconds before you "
                    "try again, or reset your password.",
                    seconds=seconds,
                )
            )
    db.session.flush()


def authenticate(email: str, password: str, ip: str, now: datetime | None = None) -> User | None:
    """Return the user for a correct email and password (after reserve_login_attempt)."""
    now = now or utcnow()
    pair, address, account = _login_keys(email, ip)
    user = find_user_by_email(email)
    if user is None or user.password_hash is None:
        # No account, or one that signs in only through single sign-on: as slow either way.
        check_password_hash(_DUMMY_HASH, password)
    elif check_password_hash(user.password_hash, password):
        # A success does not count: the address's own failures for this account are forgiven.
        ratelimits.forget(pair)
        ratelimits.give_back(address)
        db.session.flush()
        return user
    ratelimits.take(account, 10**9, _login_window(), now)
    db.session.flush()
    return None


def start_session(user: User, now: datetime | None = None) -> None:
    """Open a browser session for ``user``: its secret goes into the session cookies."""
    now = now or utcnow()
    token = new_token()
    db.session.add(UserSession(user_id=user.id, token_hash=_token_hash(token), created_at=now))
    # Sessions outlive no remember cookie; older ones are dropped as new ones begin.
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.created_at < now - SESSION_LIFETIME
        )
    )
    db.session.flush()
    user.session_token = token


def end_session(user: User) -> None:
    """Close the browser session ``user`` was loaded for; its cookies stop working."""
    if user.session_token:
        db.session.execute(
            delete(UserSession).where(UserSession.token_hash == _token_hash(user.session_token))
        )
        db.session.flush()


def end_all_sessions(user: User) -> None:
    """Sign ``user`` out on every device (after a password reset)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.flush()


@functools.cache
def _session_user_query():
    """The user of an open session (built once: every signed-in request runs it)."""
    return (
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == bindparam("user_id"), UserSession.token_hash == bindparam("token_hash"))
    )


def session_key(session_id: str | None) -> tuple[int, str, str] | None:
    """The user id, secret and the secret's stored hash of a session id from a cookie
    (``user id:secret``); None when it cannot be one."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or len(user_id) > 9 or not looks_like_token(token):
        return None
    return int(user_id), token, _token_hash(token)


def load_session_user(session_id: str) -> User | None:
    """The user of a session id from a cookie (``user id:secret``), if that session is open."""
    key = session_key(session_id)
    if key is None:
        return None
    user_id, token, token_hash = key
    user = db.session.scalar(_session_user_query(), {"user_id": user_id, "token_hash": token_hash})
    if user is not None:
        user.session_token = token
    return user


def _token_hash(token: str) -> str:
    """Only the hash of a reset token is stored; a database leak gives no usable links."""
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset(email: str, now: datetime | None = None) -> None:
    """Mail a reset link when the address has an account; say nothing either way.

    Raises TooManyAttempts after PASSWORD_RESETS_PER_HOUR requests for one address.
    """
    now = now or utcnow()
    # Counted per address whether or not it has an account, so the limit tells nothing.
    limit = current_app.config["PASSWORD_RESETS_PER_HOUR"]
    if not ratelimits.take(counter_key("password-reset", email), limit, timedelta(hours=1), now):
        raise TooManyAttempts(
            _(
                "A link for this address was asked for %(count)d times in the last hour. Look for "
                "it in your mailbox (and its spam folder), or try again in an hour.",
                count=limit,
            )
        )
    user = find_user_by_email(email)
    if user is None:
        db.session.flush()
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
    end_all_sessions(user)
    # Every other link for this account stops working too.
    for other in db.session.scalars(
        select(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    ):
        other.used_at = now
    ratelimits.forget(counter_key(LOGIN_ACCOUNT_FAILURES, user.email_key))
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
