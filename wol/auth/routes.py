"""Register, sign in, sign out, forgotten password."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from wol.auth import bp
from wol.auth.forms import ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from wol.auth.service import authenticate, find_reset, register_user, request_password_reset
from wol.auth.service import reset_password as apply_reset
from wol.errors import DomainError
from wol.extensions import db
from wol.i18n import is_timezone, select_locale
from wol.urls import safe_next


def _client_ip() -> str:
    """The caller's address (ProxyFix sets it correctly behind a proxy)."""
    return request.remote_addr or "unknown"


def _start_session(user, remember: bool = False) -> None:
    """Sign in with a fresh session, so nothing from before the log-in carries over."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account and sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if request.method == "GET":
        form.language.data = select_locale()
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = register_user(
                form.email.data,
                form.display_name.data,
                form.password.data,
                language=form.language.data,
                # The browser's zone when it sent a known one; the default otherwise.
                timezone=form.timezone.data if is_timezone(form.timezone.data or "")
                else current_app.config["WOL_DEFAULT_TIMEZONE"],
            )
        except DomainError as exc:
            db.session.rollback()
            getattr(form, exc.field or "email").errors.append(exc.message)
        else:
            db.session.commit()
            _start_session(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.display_name),
                  "success")
            return redirect(safe_next(form.next.data) or url_for("main.home"))
    return render_template("auth/register.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data, _client_ip())
        db.session.commit()
        if user is not None:
            _start_session(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("main.home"))
        form.password.errors.append(_("This email address and password do not match."))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout():
    """Sign out and forget the session."""
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a password-reset link by email."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _("If there is an account for %(email)s, a link to choose a new password is on its "
              "way. It works once.", email=form.email.data),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link."""
    if find_reset(token) is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
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
