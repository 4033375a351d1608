"""Single sign-on pages: start, come back, link an existing account, break-glass links."""

import time

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_login import current_user, login_required

from wol.auth.routes import _start_session
from wol.auth.service import authenticate, reserve_login_attempt
from wol.errors import DomainError, TooManyAttempts
from wol.extensions import db
from wol.i18n import gettext as _
from wol.i18n import select_locale
from wol.sso import bp
from wol.sso.forms import ConfirmForm, LinkByMailForm, LinkWithPasswordForm
from wol.sso.login_links import find_login_link, use_login_link
from wol.sso.provider import SignInRefused, provider_origin
from wol.sso.service import (
    CONFIRMED_KEY,
    NO_HINT,
    SignInOutcome,
    begin_sign_in,
    button_label,
    complete_link,
    find_pending_link,
    finish_sign_in,
    mail_pending_link,
    mode,
    passwords_enabled,
    sso_enabled,
)
from wol.tokens import new_token
from wol.urls import safe_next

BROWSER_KEY = "sso_browser"
ID_TOKEN_KEY = "sso_id_token"  # noqa: S105 - a session key, not a secret
# Browsers drop cookies over 4 kB: a larger ID token is not kept (see _signed_in).
MAX_ID_TOKEN_IN_SESSION = 2000
# Pages that use or hand out passwords: gone (404) when only single sign-on is on.
PASSWORD_ENDPOINTS = frozenset(
    {
        "auth.register",
        "auth.confirm_registration",
        "auth.forgot_password",
        "auth.reset_password",
    }
)


def _browser_key() -> str:
    """This browser's secret that binds sign-ins under way to it (kept in its session)."""
    if not session.get(BROWSER_KEY):
        session[BROWSER_KEY] = new_token()
    return session[BROWSER_KEY]


def _refused(exc: SignInRefused):
    """The refusal page, in the person's language; the reason goes to the log only."""
    db.session.rollback()
    current_app.logger.info("single sign-on refused (%s)", exc.reason)
    return render_template("sso/refused.html", message=exc.message), exc.status


def _signed_in(outcome: SignInOutcome):
    """Open a wol session for the outcome's account and go where the person was going."""
    user = outcome.user
    db.session.commit()
    _start_session(user)
    if outcome.id_token:
        # For signing out at the provider too. The ID token is the hint that provider wants;
        # one too big for the session cookie (many groups) is left out: client_id then.
        fits = len(outcome.id_token) <= MAX_ID_TOKEN_IN_SESSION
        session[ID_TOKEN_KEY] = outcome.id_token if fits else NO_HINT
    if outcome.created:
        # In the new account's language (from the provider), which the next page speaks.
        with force_locale(user.language):
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.display_name), "success")
    return redirect(safe_next(outcome.next_path) or url_for("main.home"))


@bp.get("/sso/start")
def start():
    """Send the person to their organisation's sign-in page."""
    if not sso_enabled():
        abort(404)
    next_path = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("main.home"))
    try:
        url = begin_sign_in(_browser_key(), next_path, select_locale())
    except SignInRefused as exc:
        return _refused(exc)
    db.session.commit()
    return redirect(url)


@bp.get("/sso/confirm")
@login_required
def confirm():
    """Confirm who you are with the provider again, before a sensitive action (``next``)."""
    if not sso_enabled():
        abort(404)
    try:
        url = begin_sign_in(
            _browser_key(),
            safe_next(request.args.get("next")),
            select_locale(),
            confirm_user=current_user._get_current_object(),
        )
    except SignInRefused as exc:
        return _refused(exc)
    db.session.commit()
    return redirect(url)


@bp.get("/sso/callback")
def callback():
    """Where the provider sends the person back: check everything, then sign in."""
    if not sso_enabled():
        abort(404)
    try:
        outcome = finish_sign_in(request.args, session.get(BROWSER_KEY))
    except SignInRefused as exc:
        return _refused(exc)
    if outcome.confirmed_user_id is not None:
        db.session.commit()
        if not current_user.is_authenticated or current_user.id != outcome.confirmed_user_id:
            abort(403)
        session[CONFIRMED_KEY] = {"user": outcome.confirmed_user_id, "at": time.time()}
        return redirect(safe_next(outcome.next_path) or url_for("settings.edit"))
    if outcome.pending_token:
        db.session.commit()
        return redirect(url_for("sso.link_account", token=outcome.pending_token))
    return _signed_in(outcome)


@bp.route("/sso/link/<token>", methods=["GET", "POST"])
def link_account(token: str):
    """An account with this address exists: the person proves it is theirs before linking."""
    link = find_pending_link(token, session.get(BROWSER_KEY))
    if link is None:
        abort(404)
    with_password = passwords_enabled() and link.user.password_hash is not None
    password_form = LinkWithPasswordForm(prefix="pw")
    mail_form = LinkByMailForm(prefix="mail")
    if with_password and password_form.submit.data and password_form.validate_on_submit():
        email, ip = link.user.email, request.remote_addr or "unknown"
        try:
            reserve_login_attempt(email, ip)
        except TooManyAttempts as exc:
            db.session.rollback()
            password_form.password.errors.append(exc.message)
        else:
            db.session.commit()
            user = authenticate(email, password_form.password.data, ip)
            db.session.commit()
            if user is not None and user.id == link.user_id:
                return _signed_in(complete_link(link))
            password_form.password.errors.append(_("This password is not right."))
    elif mail_form.submit.data and mail_form.validate_on_submit():
        mail_pending_link(link)
        db.session.commit()
        return render_template("sso/link_sent.html", email=link.user.email)
    status = 400 if password_form.errors else 200
    return render_template(
        "sso/link.html",
        link=link,
        password_form=password_form,
        mail_form=mail_form,
        with_password=with_password,
    ), status


@bp.route("/sso/link/mail/<token>", methods=["GET", "POST"])
def confirm_link_by_mail(token: str):
    """The mailed link: in the browser that signed in, one click links and signs in."""
    link = find_pending_link(token, session.get(BROWSER_KEY), by_mail=True)
    if link is None:
        return render_template("sso/link_invalid.html"), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            outcome = complete_link(link)
        except DomainError:
            db.session.rollback()
            return render_template("sso/link_invalid.html"), 404
        return _signed_in(outcome)
    return render_template("sso/link_confirm.html", form=form, link=link)


@bp.route("/login/link/<token>", methods=["GET", "POST"])
def login_link(token: str):
    """A break-glass link from `flask wol user login-link`: one click signs in, once."""
    if find_login_link(token) is None:
        return render_template("sso/link_invalid.html"), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = use_login_link(token)
        except DomainError:
            db.session.rollback()
            return render_template("sso/link_invalid.html"), 404
        return _signed_in(SignInOutcome(None, user=user))
    return render_template("sso/login_link.html", form=form)


@bp.before_app_request
def password_pages_off():
    """With single sign-on only, password pages are gone; the sign-in page shows the button."""
    if mode() != "sso":
        return None
    if request.endpoint in PASSWORD_ENDPOINTS:
        abort(404)
    if request.endpoint == "auth.login":
        if request.method != "GET":
            abort(404)
        if current_user.is_authenticated:
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        return render_template("sso/login.html", next_path=request.args.get("next", ""))
    return None


@bp.app_context_processor
def sso_button():
    """The sign-in button's label (None without single sign-on), and whether passwords work."""
    return {
        "sso_button": button_label() if sso_enabled() else None,
        # False with single sign-on only: no registration link in the menu.
        "password_sign_in": passwords_enabled(),
    }


@bp.after_app_request
def allow_provider_in_form_action(response):
    """Signing out may continue at the provider: the sign-out form's redirect must be allowed.

    Browsers apply form-action to where a form's answer redirects, so the provider's origin
    joins 'self' in the Content-Security-Policy.
    """
    origin = provider_origin() if sso_enabled() else None
    policy = response.headers.get("Content-Security-Policy")
    if origin and policy and "form-action 'self';" in policy:
        response.headers["Content-Security-Policy"] = policy.replace(
            "form-action 'self';", f"form-action 'self' {origin};"
        )
    return response
