"""Pages of the directory: find and join a circle, alerts, sharing settings, quiet periods."""

from datetime import date
from functools import lru_cache

from babel.dates import format_date
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from wol.access import role_required, viewable_circle
from wol.circles.forms import ConfirmForm
from wol.directory import bp, service
from wol.directory.filters import DirectoryFilter, page_number
from wol.directory.forms import QuietPeriodsForm, SharingForm
from wol.directory.models import CircleAlert
from wol.directory.quiet import REGION_OF_ZONE
from wol.directory.views import entries_html, filters_html
from wol.errors import Conflict, DomainError
from wol.extensions import db
from wol.front import keep
from wol.i18n import gettext as _
from wol.timestamps import utcnow

IGNORED_NAMES = {
    "lang": lambda: _("language"),
    "kind": lambda: _("where"),
    "place": lambda: _("place"),
    "day": lambda: _("weekday"),
    "time": lambda: _("time of day"),
    "month": lambda: _("start month"),
    "page": lambda: _("page"),
}


@bp.get("/circles")
@login_required
def index():
    """Listed circles with seats left, filtered by what the URL asks for, paged."""
    keep(*service.front_checks(current_user.id))
    filt, ignored = DirectoryFilter.parse(request.args)
    page, page_ok = page_number(request.args.get("page"))
    if not page_ok:
        ignored.append("page")
    if ignored:
        flash(
            _(
                "Some filters were not understood and are ignored: %(names)s.",
                names=", ".join(IGNORED_NAMES[name]() for name in ignored),
            ),
            "info",
        )
    now = utcnow()
    periods = service.current_quiet_periods()
    result = service.directory_page(filt, current_user, page, now, periods)
    months = _month_choices(now)
    return render_template(
        "directory/index.html",
        filt=filt,
        result=result,
        entries_html=entries_html(result.listing, result.entries, filt, current_user.timezone),
        filters_html=filters_html(
            result.listing, filt, months, service.place_suggestions(), current_user.timezone
        ),
        confirm=ConfirmForm(),
        has_alert=any(a.query == filt.query_string() for a in service.alerts_of(current_user)),
    )


def _month_choices(now) -> list[str]:
    """The start months a circle in the directory can have: this month and the next twelve."""
    year, month = now.year, now.month
    months = []
    for _step in range(13):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@bp.post("/circles/<int:circle_id>/join")
@login_required
def join(circle_id: int):
    """Join a circle from the directory; a circle that just became full puts you in line."""
    circle = service.listed_circle(circle_id)
    if circle is None:
        abort(404)
    now = utcnow()
    try:
        service.join_listed(circle, current_user, now)
    except Conflict:
        # Nothing of the failed join is kept (a seat taken by a double click goes back).
        db.session.rollback()
        circle = service.listed_circle(circle_id)
        if (
            circle is None
            or not service.is_open(circle, now)
            or circle.seats_left
            or service.circles.membership_of(circle, current_user) is not None
        ):
            raise
        added = service.wait_for_seat(circle, current_user, now)
        db.session.commit()
        flash(
            _(
                "%(circle)s just became full. You are on its waiting list: we mail you when "
                "a seat is free.",
                circle=circle.name,
            )
            if added
            else _("You are already on the waiting list of %(circle)s.", circle=circle.name),
            "info",
        )
        return redirect(url_for("directory.index", **_filter_args()), 303)
    db.session.commit()
    flash(_("Welcome to %(circle)s! The meetings are on this page.", circle=circle.name), "success")
    return redirect(url_for("circles.detail", circle_id=circle.id), 303)


def _filter_args() -> dict[str, str]:
    """The directory filter the form came from (hidden fields), to go back to it."""
    return DirectoryFilter.parse(request.form)[0].args()


@bp.post("/circles/alerts")
@login_required
def save_alert():
    """Save the current filter as an alert."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    filt, _ignored = DirectoryFilter.parse(request.form)
    service.save_alert(current_user, filt, utcnow())
    db.session.commit()
    flash(
        _("Saved. We mail you when a new circle fits this search, at most once a day."), "success"
    )
    return redirect(url_for("directory.index", **filt.args()), 303)


@bp.post("/circles/alerts/<int:alert_id>/remove")
@login_required
def remove_alert(alert_id: int):
    """Remove one of your alerts (from the settings page)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    alert = db.session.get(CircleAlert, alert_id)
    if alert is None or alert.user_id != current_user.id:
        abort(404)
    service.remove_alert(alert)
    db.session.commit()
    flash(_("The alert is removed."), "info")
    return redirect(url_for("settings.edit", _anchor="alerts"), 303)


@bp.route("/alerts/off/<token>", methods=["GET", "POST"])
def alert_off(token: str):
    """Remove an alert from the link in its mail, without signing in (asks first)."""
    alert = service.alert_from_token(token)
    form = ConfirmForm()
    if alert is None:
        return render_template("directory/alert_off.html", alert=None, form=form), 404
    filt, _ignored = DirectoryFilter.parse(_query_args(alert.query))
    if form.validate_on_submit():
        service.remove_alert(alert)
        db.session.commit()
        return render_template("directory/alert_off.html", alert=None, removed=True, form=form)
    # A GET only asks: mail scanners open links, and must not remove anything.
    return render_template("directory/alert_off.html", alert=alert, filt=filt, form=form)


def _query_args(query: str) -> dict[str, str]:
    """A stored query string as a dict."""
    from urllib.parse import parse_qsl

    return dict(parse_qsl(query))


@bp.app_template_global()
def alerts_with_filters() -> list:
    """The signed-in person's alerts with their filters, for the settings page."""
    return [
        (alert, DirectoryFilter.parse(_query_args(alert.query))[0])
        for alert in service.alerts_of(current_user)
    ]


@bp.post("/circles/<int:circle_id>/sharing")
@login_required
def sharing(circle_id: int):
    """The organiser lists the circle (or not) and lets members invite (or not)."""
    circle = viewable_circle(circle_id)
    form = SharingForm()
    if not form.validate_on_submit():
        abort(400)
    service.set_sharing(
        circle,
        current_user,
        listed=form.listed.data,
        members_may_invite=form.members_may_invite.data,
        now=utcnow(),
    )
    db.session.commit()
    flash(
        _("Saved: the circle is listed in “Find a circle”.")
        if circle.listed
        else _("Saved: the circle is reachable only by its invite link."),
        "success",
    )
    return redirect(url_for("circles.detail", circle_id=circle.id, _anchor="invite"), 303)


@bp.route("/admin/quiet-periods", methods=["GET", "POST"])
@role_required("admin")
def quiet_periods():
    """The admin edits the quiet periods (holidays) that circles are warned about."""
    form = QuietPeriodsForm()
    if request.method == "GET":
        form.body.data = service.quiet_periods_text()
    if form.validate_on_submit():
        try:
            service.save_quiet_periods(form.body.data, current_user)
        except DomainError as exc:
            db.session.rollback()
            form.body.errors = [*form.body.errors, exc.message]
        else:
            db.session.commit()
            flash(
                _("The quiet periods are saved. New circles are checked against them."), "success"
            )
            return redirect(url_for("directory.quiet_periods"), 303)
    return render_template(
        "directory/quiet_periods.html",
        form=form,
        version=service.latest_quiet_periods_version(),
        regions=REGION_OF_ZONE,
    ), 400 if form.errors else 200


@bp.app_template_filter("month_name")
def month_name(month: str) -> str:
    """ "2027-03" as "March 2027" in the reader's language."""
    return _month_name(month, str(get_locale()))


@lru_cache(maxsize=1024)
def _month_name(month: str, language: str) -> str:
    """A month's name and year in ``language`` (the filter form shows thirteen each page)."""
    return format_date(date.fromisoformat(f"{month}-01"), "LLLL y", locale=language)
