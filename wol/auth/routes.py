"""Register, sign in, sign out, forgotten password."""

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from wol.auth import bp
from wol.auth.forms import (
    ConfirmRegistrationForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from wol.auth.service import (
    authenticate,
    complete_registration,
    end_session,
    find_registration,
    find_reset,
    request_password_reset,
    request_registration,
    reserve_login_attempt,
    start_session,
)
from wol.auth.service import reset_password as apply_reset
from wol.errors import DomainError, TooManyAttempts
from wol.extensions import db
from wol.i18n import gettext as _
from wol.i18n import select_locale
from wol.urls import safe_next


def _client_ip() -> str:
    """The caller's address (ProxyFix sets it correctly behind a proxy)."""
    return request.remote_addr or "unknown"


def _start_session(user, remember: bool = False) -> None:
    """Sign in with a fresh session, so nothing from before the log-in carries over."""
    start_session(user)
    db.session.commit()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    # For error pages, which must not need the database to know the person's language.
    session["account_lang"] = user.language
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Register: a mailed link creates the account (the answer is the same for a taken address)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if request.method == "GET":
        form.language.data = select_locale()
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            request_registration(
                form.email.data,
                form.display_name.data,
                form.password.data,
                language=form.language.data,
                timezone=form.timezone.data or "",
                next_path=safe_next(form.next.data),
                organisation=form.organisation.data,
            )
        except TooManyAttempts as exc:
            db.session.rollback()
            form.email.errors.append(exc.message)
            return _register_page(form, exc.status)
        db.session.commit()
        return render_template("auth/register_sent.html", email=form.email.data.strip())
    return _register_page(form, 400 if form.errors else 200)


def _register_page(form: RegisterForm, status: int):
    """The registration form. It does not suggest the organisations in use, as settings do:
    anyone may open this page, and the departments of an organisation are not theirs to list."""
    return render_template("auth/register.html", form=form), status


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_registration(token: str):
    """Finish an account from the mailed link, with one click, and sign in."""
    registration = find_registration(token)
    if registration is None:
        return render_template("auth/register_invalid.html"), 404
    form = ConfirmRegistrationForm()
    if form.validate_on_submit():
        try:
            user, next_path = complete_registration(token)
        except DomainError:
            db.session.rollback()
            return render_template("auth/register_invalid.html"), 404
        db.session.commit()
        _start_session(user)
        flash(_("Welcome, %(name)s! Your account is ready.", name=user.display_name), "success")
        return redirect(safe_next(next_path) or url_for("main.home"))
    return render_template("auth/register_confirm.html", form=form, registration=registration)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            reserve_login_attempt(form.email.data, _client_ip())
        except TooManyAttempts as exc:
            db.session.rollback()
            form.password.errors.append(exc.message)
            return render_template("auth/login.html", form=form), exc.status
        # Committed before the password is checked: parallel attempts count each other.
        db.session.commit()
        user = authenticate(form.email.data, form.password.data, _client_ip())
        db.session.commit()
        if user is not None:
            _start_session(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("main.home"))
        form.password.errors.append(_("This email address and password do not match."))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout():
    """Sign out: this browser's session ends, so copies of its cookies stop working too."""
    if current_user.is_authenticated:
        end_session(current_user)
        db.session.commit()
    # Signed in through single sign-on: sign out at the provider too, where it offers that.
    from wol.sso.service import sso_logout_url  # here: wol.sso imports this module

    provider_logout = sso_logout_url(session.get("sso_id_token"))
    lang = session.get("lang")
    session.clear()
    # After clearing: logout_user marks the remember cookie for deletion in the session.
    logout_user()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."), "info")
    return redirect(provider_logout or url_for("main.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a password-reset link by email."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            request_password_reset(form.email.data)
        except TooManyAttempts as exc:
            db.session.rollback()
            form.email.errors.append(exc.message)
            return render_template("auth/forgot.html", form=form), exc.status
        db.session.commit()
        flash(
            _(
                "If there is an account for %(email)s, a link to choose a new password is on its "
                "way. It works once.",
                email=form.email.data,
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link."""
    reset = find_reset(token)
    if reset is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    form.owner = reset.user
    if form.validate_on_submit():
        try:
            user = apply_reset(token, form.password.data)
        except DomainError:
            db.session.rollback()
            abort(404)
        db.session.commit()
        _start_session(user)
        flash(_("Your new password is saved."), "success")
        return redirect(url_for("main.home"))
    return render_template("auth/reset.html", form=form), 400 if form.errors else 200
