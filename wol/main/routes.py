"""Front page, home and language switch."""

from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from wol.cache import anonymous_page
from wol.circles.views import home_cards, home_front_checks
from wol.extensions import db
from wol.front import keep
from wol.i18n import LANGUAGES
from wol.main import bp
from wol.timestamps import utcnow
from wol.urls import safe_next


@bp.get("/")
def index():
    """What wol and a circle are, for a first-time visitor; signed-in people go home."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return anonymous_page("main/index.html")


@bp.get("/home")
@login_required
def home():
    """The signed-in person's own page: their circles and this week's guide."""
    keep(*home_front_checks(current_user.id))
    now = utcnow()
    return render_template("main/home.html", circles=home_cards(current_user, now), now=now)


@bp.post("/language")
def switch_language():
    """Switch the interface language; saved in the account when signed in."""
    lang = request.form.get("lang", "")
    if lang not in LANGUAGES:
        abort(400)
    if current_user.is_authenticated:
        current_user.language = lang
        db.session.commit()
    session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))


@bp.get("/healthz")
def healthz():
    """A health check for load balancers: 200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(db.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.remove()
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}
