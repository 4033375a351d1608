"""Single sign-on rules: send a person to their provider, check what comes back (with
wol/sso/provider.py), find or make their account, and link an existing one only after proof."""

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from authlib.common.security import generate_token
from flask import current_app, render_template, request
from flask_babel import force_locale
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from wol.auth.models import User
from wol.auth.service import email_key, find_user_by_email, set_roles
from wol.errors import DomainError
from wol.extensions import db
from wol.i18n import LANGUAGES
from wol.i18n import gettext as _
from wol.mail.service import queue_mail
from wol.sso.models import SsoAttempt, SsoIdentity, SsoPendingLink
from wol.sso.provider import (
    CLOCK_LEEWAY_SECONDS,
    SignInRefused,
    oauth_client,
    provider_logout_url,
    provider_metadata,
    unreachable,
    untrusted_answer,
    verify_id_token,
)
from wol.timestamps import utcnow
from wol.tokens import find_by_token, looks_like_token, new_token
from wol.urls import external_url

log = logging.getLogger(__name__)

# A sign-in must come back from the provider within this time.
ATTEMPT_LIFETIME = timedelta(minutes=15)
PENDING_LINK_LIFETIME = timedelta(hours=1)
# A confirmation with the provider counts this long for a sensitive action.
CONFIRM_SECONDS = 300
CONFIRMED_KEY = "sso_confirmed"
# Kept in the session instead of an ID token too big for its cookie.
NO_HINT = "-"


@dataclass
class SignInOutcome:
    """Where a sign-in ended: a signed-in account, or a link waiting for proof."""

    next_path: str | None
    user: User | None = None
    pending_token: str | None = None
    created: bool = False
    id_token: str | None = None
    # A signed-in person confirmed who they are (nobody is signed in by it).
    confirmed_user_id: int | None = None


def mode() -> str:
    """passwords, both or sso (see wol/sso/config.py)."""
    return current_app.config.get("SSO_MODE", "passwords")


def sso_enabled() -> bool:
    """True when people can sign in with their organisation's account."""
    return mode() in {"both", "sso"}


def passwords_enabled() -> bool:
    """True when password forms, registration and reset links work."""
    return mode() in {"passwords", "both"}


def digest(secret: str) -> str:
    """Only hashes of secrets are stored: a database leak gives no usable state or link."""
    return hashlib.sha256(secret.encode()).hexdigest()


def callback_url() -> str:
    """The address the provider sends people back to (registered at the provider)."""
    return external_url("sso.callback")


def begin_sign_in(
    browser_key: str,
    next_path: str | None,
    language: str,
    now: datetime | None = None,
    *,
    confirm_user: User | None = None,
) -> str:
    """Record a sign-in for this browser and return the provider's address to send it to.

    With ``confirm_user``, the signed-in person confirms who they are: the provider is asked
    to sign them in afresh (prompt=login, max_age=0), and the answer signs nobody in.
    """
    now = now or utcnow()
    db.session.execute(delete(SsoAttempt).where(SsoAttempt.expires_at <= now))
    metadata = provider_metadata()
    state, nonce, verifier = new_token(), new_token(), generate_token(64)
    db.session.add(
        SsoAttempt(
            state_hash=digest(state),
            browser_hash=digest(browser_key),
            nonce=nonce,
            code_verifier=verifier,
            next_path=next_path[:500] if next_path else None,
            created_at=now,
            expires_at=now + ATTEMPT_LIFETIME,
            confirm_user_id=confirm_user.id if confirm_user else None,
        )
    )
    db.session.flush()
    fresh = {"prompt": "login", "max_age": "0"} if confirm_user else {}
    url, _state = oauth_client(callback_url()).create_authorization_url(
        metadata["authorization_endpoint"],
        state=state,
        nonce=nonce,
        code_verifier=verifier,
        ui_locales=language,
        **fresh,
    )
    return url


def _claim_attempt(state: str | None, browser_key: str | None, now: datetime) -> SsoAttempt:
    """Take the sign-in this state belongs to, once, in the browser that started it."""
    refused = SignInRefused(
        "state",
        _(
            "This sign-in link has expired or was already used. Please start again from the "
            "sign-in page."
        ),
    )
    if not looks_like_token(state) or not browser_key:
        raise refused
    attempt = find_by_token(SsoAttempt.state_hash, state, stored=digest(state))
    if attempt is None or attempt.expires_at <= now:
        raise refused
    if not hmac.compare_digest(attempt.browser_hash, digest(browser_key)):
        raise refused
    # Deleting it is the claim: of two requests with the same state, one wins.
    taken = db.session.execute(
        delete(SsoAttempt)
        .where(SsoAttempt.id == attempt.id)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise refused
    return attempt


def finish_sign_in(params, browser_key: str | None, now: datetime | None = None) -> SignInOutcome:
    """Check the provider's answer (query ``params``) and sign in, create or propose a link."""
    now = now or utcnow()
    config = current_app.config
    attempt = _claim_attempt(params.get("state"), browser_key, now)
    if params.get("error"):
        log.info("single sign-on: the provider answered %s", params.get("error"))
        raise SignInRefused(
            "provider_error",
            _("Your organisation's sign-in service did not sign you in. Please try again."),
        )
    # RFC 9207: where the provider names itself in the answer, it must be our provider.
    if params.get("iss") and params["iss"].rstrip("/") != config["SSO_ISSUER"]:
        raise untrusted_answer("iss_parameter")
    code = params.get("code")
    if not code or len(code) > 2000:
        raise untrusted_answer("code")
    metadata = provider_metadata()
    try:
        token = oauth_client(callback_url()).fetch_token(
            metadata["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            code_verifier=attempt.code_verifier,
            timeout=config["SSO_HTTP_TIMEOUT"],
        )
    except requests.RequestException as exc:
        log.warning("single sign-on: token endpoint unreachable: %s", exc)
        raise unreachable() from exc
    except Exception as exc:  # noqa: BLE001 - any refusal by the token endpoint
        log.warning("single sign-on refused: token endpoint: %s", exc)
        raise untrusted_answer("token_endpoint") from exc
    if not token.get("id_token"):
        raise untrusted_answer("no_id_token")
    claims = verify_id_token(token["id_token"], attempt.nonce, token.get("access_token"))
    if attempt.confirm_user_id is not None:
        return _confirmed(claims, attempt, now)
    outcome = _account_for(claims, attempt.next_path, browser_key, now)
    outcome.id_token = token["id_token"]
    return outcome


def _confirmed(claims: dict, attempt: SsoAttempt, now: datetime) -> SignInOutcome:
    """The provider signed the person in afresh as the account that asked: say so."""
    identity = db.session.scalar(
        select(SsoIdentity).where(
            SsoIdentity.issuer == current_app.config["SSO_ISSUER"],
            SsoIdentity.subject == claims["sub"],
        )
    )
    wrong = SignInRefused(
        "confirm_other_person",
        _("You signed in as someone else at your organisation. Nothing was confirmed."),
        status=403,
    )
    if identity is None or identity.user_id != attempt.confirm_user_id:
        raise wrong
    # Where the provider says when the person signed in, it must be now, not earlier.
    auth_time = claims.get("auth_time")
    started = attempt.created_at.timestamp() - CLOCK_LEEWAY_SECONDS
    if isinstance(auth_time, int | float) and auth_time < started:
        raise untrusted_answer("confirm_not_fresh")
    return SignInOutcome(attempt.next_path, confirmed_user_id=identity.user_id)


def confirmed_recently(
    session, user: User, now: float | None = None, max_age: int = CONFIRM_SECONDS
) -> bool:
    """True when ``user`` confirmed who they are with the provider in this browser just now.

    For actions that ask a password again (deleting an account): an account without a
    password confirms through /sso/confirm instead, and the action then calls this.
    """
    mark = session.get(CONFIRMED_KEY) or {}
    now = time.time() if now is None else now
    return mark.get("user") == user.id and 0 <= now - float(mark.get("at", 0)) <= max_age


def _text_claim(claims: dict, name: str, limit: int) -> str | None:
    """A claim as a trimmed string of at most ``limit`` characters, or None."""
    value = claims.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:limit] or None


def claimed_email(claims: dict) -> str:
    """The person's address from the configured claim; SignInRefused if there is none."""
    email = _text_claim(claims, current_app.config["SSO_EMAIL_CLAIM"], 254)
    if not email or "@" not in email.strip("@") or claims.get("email_verified") is False:
        raise SignInRefused(
            "no_email",
            _(
                "Your organisation's account did not give us a confirmed e-mail address, so we "
                "cannot make your wol account. Please ask your wol administrator."
            ),
        )
    return email


def _language(claims: dict, fallback: str) -> str:
    """nl or en from the ``locale`` claim (nl-BE, en_GB...), else ``fallback``."""
    locale = (_text_claim(claims, "locale", 20) or "").replace("_", "-").split("-")[0].lower()
    return locale if locale in LANGUAGES else fallback


def roles_from_groups(claims: dict) -> set[str] | None:
    """wol roles from the groups claim through WOL_SSO_ROLES; None when no mapping is set."""
    mapping = current_app.config.get("SSO_ROLES") or {}
    if not mapping:
        return None
    groups = claims.get(current_app.config["SSO_GROUPS_CLAIM"]) or []
    if isinstance(groups, str):
        groups = [groups]
    return {mapping[group] for group in groups if isinstance(group, str) and group in mapping}


def _apply_claims(user: User, claims: dict) -> None:
    """Bring the account in line with the provider: a changed address, roles from groups."""
    email = claimed_email(claims)
    if email_key(email) != user.email_key:
        other = find_user_by_email(email)
        if other is None:
            user.email, user.email_key = email, email_key(email)
        else:
            log.warning(
                "single sign-on: %s changed address to one of account %s; kept the old",
                user.id,
                other.id,
            )
    roles = roles_from_groups(claims)
    if roles is not None:
        set_roles(user, roles)


def _account_for(
    claims: dict, next_path: str | None, browser_key: str | None, now: datetime
) -> SignInOutcome:
    """Sign in the identity's account, make one, or propose linking the one with the address."""
    issuer = current_app.config["SSO_ISSUER"]
    identity = db.session.scalar(
        select(SsoIdentity).where(
            SsoIdentity.issuer == issuer, SsoIdentity.subject == claims["sub"]
        )
    )
    if identity is not None:
        _apply_claims(identity.user, claims)
        identity.last_sign_in_at = now
        db.session.flush()
        return SignInOutcome(next_path, user=identity.user)
    email = claimed_email(claims)
    owner = find_user_by_email(email)
    if owner is not None:
        token = new_token()
        db.session.execute(delete(SsoPendingLink).where(SsoPendingLink.expires_at <= now))
        db.session.add(
            SsoPendingLink(
                token_hash=digest(token),
                browser_hash=digest(browser_key or ""),
                user_id=owner.id,
                issuer=issuer,
                subject=claims["sub"],
                claims=json.dumps(claims),
                next_path=next_path,
                created_at=now,
                expires_at=now + PENDING_LINK_LIFETIME,
            )
        )
        db.session.flush()
        return SignInOutcome(next_path, pending_token=token)
    fallback = (
        request.accept_languages.best_match(LANGUAGES) or current_app.config["WOL_DEFAULT_LANGUAGE"]
    )
    name = (
        _text_claim(claims, "name", 80)
        or " ".join(
            filter(
                None,
                (_text_claim(claims, "given_name", 40), _text_claim(claims, "family_name", 40)),
            )
        )
        or email.split("@")[0][:80]
    )
    user = User(
        email=email,
        email_key=email_key(email),
        display_name=name,
        password_hash=None,
        language=_language(claims, fallback),
        timezone=current_app.config["WOL_DEFAULT_TIMEZONE"],
        organisation=_text_claim(claims, current_app.config["SSO_ORGANISATION_CLAIM"], 120),
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
            db.session.add(
                SsoIdentity(
                    user_id=user.id,
                    issuer=issuer,
                    subject=claims["sub"],
                    created_at=now,
                    last_sign_in_at=now,
                )
            )
            db.session.flush()
    except IntegrityError as exc:
        # The same person's two tabs came back at the same instant: the other one made it.
        raise SignInRefused(
            "race",
            _("You are being signed in already in another tab. Please reload the page."),
            status=409,
        ) from exc
    roles = roles_from_groups(claims)
    if roles:
        set_roles(user, roles)
    return SignInOutcome(next_path, user=user, created=True)


# -- Linking a provider identity to the password account with the same address ------------


def find_pending_link(
    token: str | None,
    browser_key: str | None,
    now: datetime | None = None,
    *,
    by_mail: bool = False,
) -> SsoPendingLink | None:
    """The pending link behind ``token`` (the page's or the mailed one), in this browser only."""
    now = now or utcnow()
    if not looks_like_token(token) or not browser_key:
        return None
    column = SsoPendingLink.mail_token_hash if by_mail else SsoPendingLink.token_hash
    link = find_by_token(column, token, stored=digest(token))
    if link is None or link.expires_at <= now:
        return None
    if not hmac.compare_digest(link.browser_hash, digest(browser_key)):
        return None
    return link


def mail_pending_link(link: SsoPendingLink, now: datetime | None = None) -> None:
    """Mail the account's owner a link that proves the address is theirs."""
    token = new_token()
    link.mail_token_hash = digest(token)
    owner = link.user
    url = external_url("sso.confirm_link_by_mail", token=token)
    label = button_label()
    with force_locale(owner.language):
        subject = _("Link your wol account to your organisation's account")
        body = render_template("mail/sso_link.txt", user=owner, link=url, provider=label)
    queue_mail(owner.email, subject, body, to_name=owner.display_name, kind="sso_link")
    db.session.flush()


def complete_link(link: SsoPendingLink, now: datetime | None = None) -> SignInOutcome:
    """Bind the pending identity to its account (the person proved it), and sign it in."""
    now = now or utcnow()
    taken = db.session.execute(
        delete(SsoPendingLink)
        .where(SsoPendingLink.id == link.id)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise DomainError(_("This link has expired or was already used."))
    user = db.session.get(User, link.user_id)
    exists = db.session.scalar(
        select(SsoIdentity).where(
            SsoIdentity.issuer == link.issuer, SsoIdentity.subject == link.subject
        )
    )
    if exists is None:
        db.session.add(
            SsoIdentity(
                user_id=user.id,
                issuer=link.issuer,
                subject=link.subject,
                created_at=now,
                last_sign_in_at=now,
            )
        )
    claims = json.loads(link.claims)
    roles = roles_from_groups(claims)
    if roles is not None:
        set_roles(user, roles)
    db.session.flush()
    return SignInOutcome(link.next_path, user=user)


def button_label() -> str:
    """The sign-in button's text: WOL_SSO_BUTTON_LABEL, or a translated default."""
    return current_app.config.get("SSO_BUTTON_LABEL") or _(
        "Sign in with your organisation's account"
    )


def sso_logout_url(id_token: str | None) -> str | None:
    """Where to send a person who signed in with single sign-on when they sign out.

    ``id_token`` is what the session kept: the ID token, NO_HINT when it was too big to keep,
    or None for a person who signed in otherwise (they stay in wol).
    """
    if not id_token or not sso_enabled():
        return None
    hint = None if id_token == NO_HINT else id_token
    return provider_logout_url(hint, external_url("main.index"))
