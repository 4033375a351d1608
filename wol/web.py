"""Request-wide behaviour: sign-in loading, security headers, error pages, template helpers."""

from flask import Flask, abort, g, render_template, request
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from wol.auth.models import User
from wol.errors import DomainError
from wol.extensions import db, login_manager
from wol.i18n import LANGUAGE_NAMES, LANGUAGES, in_zone, zone_label

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

ERROR_TEXTS = {
    400: (_l("Something in the request was not right"), _l("Please go back and try again.")),
    403: (_l("You cannot open this page"), _l("This page belongs to other people or roles.")),
    404: (_l("Page not found"), _l("The link may be old or mistyped.")),
    405: (_l("This action is not possible here"), _l("Please go back and try again.")),
    409: (_l("That did not work"), _l("Please go back and try again.")),
    413: (_l("That is too much at once"), _l("Please send less data.")),
    429: (
        _l("Too many attempts"),
        _l("Please wait a few minutes before you try again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("We have noted the problem. Please try again in a moment."),
    ),
}


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the signed-in user; an old session version means the user was signed out."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


def error_page(status: int, message: str | None = None):
    """Render the friendly error page for ``status`` in the user's language."""
    title, hint = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    return render_template("error.html", status=status, title=title, hint=message or hint), status


def register_web(app: Flask) -> None:
    """Attach headers, error handlers and template helpers to ``app``."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @app.after_request
    def security_headers(response):
        """Add the security headers every answer carries."""
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.endpoint != "static" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store" if current_user.is_authenticated else (
                "no-cache"
            )
        return response

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        """A broken rule becomes a 4xx page with the rule's message."""
        db.session.rollback()
        return error_page(exc.status, exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        """A missing or stale form token."""
        from flask_babel import gettext as _

        return error_page(400, _("The form had expired. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        """Every HTTP error gets the friendly page in the user's language."""
        if exc.code and exc.code < 400:
            return exc
        return error_page(exc.code or 500)

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        """An unexpected error: log it, roll back, and apologise."""
        if isinstance(exc, HTTPException):
            return http_error(exc)
        app.logger.exception("unhandled error on %s", request.path)
        db.session.rollback()
        return error_page(500)

    @app.context_processor
    def template_helpers():
        """Values every template may use."""
        return {
            "languages": LANGUAGES,
            "language_names": LANGUAGE_NAMES,
            "current_language": str(get_locale() or app.config["WOL_DEFAULT_LANGUAGE"]),
        }

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["in_zone"] = in_zone
    app.jinja_env.filters["zone_name"] = lambda name: zone_label(name, str(get_locale()))
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt)
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt)
    app.jinja_env.filters["time"] = lambda value, fmt="short": format_time(value, fmt)

    @app.before_request
    def refuse_nul_bytes():
        """No text wol stores may hold a NUL byte (PostgreSQL refuses them): answer 400."""
        values = [request.path, *request.args.values(), *request.args.keys()]
        if request.method == "POST":
            values += [*request.form.values(), *request.form.keys()]
        if any("\x00" in value for value in values):
            abort(400)

    @app.before_request
    def remember_request_start():
        """Keep the current path, the return address of the language switch."""
        g.path = request.full_path if request.query_string else request.path
