"""Request-wide behaviour: sign-in loading, security headers, error pages, template helpers."""

from datetime import datetime

from babel import dates as babel_dates
from flask import Flask, abort, g, render_template, request, session
from flask_babel import get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from wol.auth.models import User
from wol.auth.service import load_session_user
from wol.errors import DomainError
from wol.extensions import db, login_manager
from wol.i18n import LANGUAGE_NAMES, LANGUAGES, formatting_locale, in_zone, zone_label

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
    503: (
        _l("wol is not available for a moment"),
        _l("We cannot reach our database right now. Please try again in a few minutes."),
    ),
}

# The last resort when even the error page cannot be drawn: both languages, no template.
BARE_ERROR_PAGE = (
    '<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>wol</title>'
    "<h1>{title}</h1><p>{hint}</p></html>"
)
BARE_TEXTS = {
    "nl": ("wol is even niet beschikbaar", "Probeer het over een paar minuten opnieuw."),
    "en": ("wol is not available for a moment", "Please try again in a few minutes."),
}


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: numbers a database id column can hold, anything larger is 404.

    PostgreSQL's integer stops at 2**31 - 1; a larger number must not reach a query.
    """

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


# The only pages that take a file: a round's CSV import (wol/rounds, checked there).
FILE_ENDPOINTS = frozenset({"rounds.import_signups"})


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the signed-in user of an open browser session (signing out closes it)."""
    return load_session_user(session_id)


def _forget_unreachable_user() -> None:
    """Make the visitor anonymous for this response if the database cannot tell who it is.

    Error pages must render when the database is down: then the signed-in person cannot be
    loaded, and the page uses the language kept in their session instead of their account.
    """
    if "_login_user" in g:
        return
    try:
        current_user._get_current_object()
    except SQLAlchemyError:
        _rollback_quietly()
        g._login_user = login_manager.anonymous_user()


def _rollback_quietly() -> None:
    """Roll back the request's transaction; a dead connection may refuse even that."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.remove()


def format_moment(value, fmt: str = "medium") -> str:
    """A date and time in the reader's zone and language (24-hour clock in English too)."""
    return babel_dates.format_datetime(
        value, fmt, tzinfo=get_timezone(), locale=formatting_locale()
    )


def format_clock(value, fmt: str = "short") -> str:
    """A time of day in the reader's zone and language, e.g. 12:00."""
    tzinfo = get_timezone() if isinstance(value, datetime) else None
    return babel_dates.format_time(value, fmt, tzinfo=tzinfo, locale=formatting_locale())


def error_page(status: int, message: str | None = None):
    """Render the friendly error page for ``status`` in the best language known."""
    _forget_unreachable_user()
    title, hint = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    try:
        return render_template(
            "error.html", status=status, title=title, hint=message or hint
        ), status
    except Exception:  # noqa: BLE001 - the page about an error must not fail itself
        lang = session.get("lang") or session.get("account_lang")
        lang = lang if lang in BARE_TEXTS else "en"
        title, hint = BARE_TEXTS[lang]
        return BARE_ERROR_PAGE.format(lang=lang, title=escape(title), hint=escape(hint)), status


def register_web(app: Flask) -> None:
    """Attach headers, error handlers and template helpers to ``app``."""
    from wol import cache

    cache.install(app)
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
        if app.config["WOL_ENV"] == "production" and app.config["HSTS_SECONDS"] > 0:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}"
            )
        if request.endpoint != "static" and "Cache-Control" not in response.headers:
            _forget_unreachable_user()
            response.headers["Cache-Control"] = (
                "no-store" if current_user.is_authenticated else ("no-cache")
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
        from wol.i18n import gettext as _

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
        _rollback_quietly()
        if isinstance(exc, DBAPIError) and exc.connection_invalidated or _database_down():
            app.logger.error("database unreachable on %s: %s", request.path, exc)
            # Even a person loaded earlier in the request cannot be shown: the rollback
            # expired their row, and reading it again needs the database.
            g._login_user = login_manager.anonymous_user()
            return error_page(503)
        app.logger.exception("unhandled error on %s", request.path)
        return error_page(500)

    def _database_down() -> bool:
        """True when the database does not answer a trivial query."""
        try:
            db.session.execute(db.text("SELECT 1"))
        except SQLAlchemyError:
            _rollback_quietly()
            return True
        return False

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
    app.jinja_env.filters["datetime"] = format_moment
    app.jinja_env.filters["date"] = lambda value, fmt="medium": babel_dates.format_date(
        value, fmt, locale=formatting_locale()
    )
    app.jinja_env.filters["time"] = format_clock

    @app.before_request
    def refuse_uploads():
        """wol takes no files but the CSV of sign-ups: a file sent anywhere else is refused
        before a form sees it."""
        if request.method == "POST" and request.endpoint not in FILE_ENDPOINTS and request.files:
            abort(400)

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
