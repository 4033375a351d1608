"""The organisers' dashboard, its CSV export and the nudge button."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wol.access import role_required
from wol.cache import TOKEN_PLACEHOLDER
from wol.circles.service import load_circle
from wol.extensions import db
from wol.front import keep
from wol.health.notifications import NUDGE_EVERY, organiser_nudge
from wol.health.service import (
    CircleSummary,
    SummaryRows,
    health_of,
    scope_of,
    summaries,
    summaries_of,
    thresholds,
)
from wol.health.status import STALLED
from wol.health.words import day_text, describe, status_label
from wol.i18n import gettext as _
from wol.organise import bp
from wol.organise.charts import sparkline, survival_chart
from wol.organise.service import (
    completion,
    csv_text,
    in_scope,
    organisations,
    page_of,
    read_filters,
    status_counts,
    survival,
    table_rows,
)
from wol.organise.views import dashboard_body, front_checks, rows_for
from wol.timestamps import utcnow
from wol.urls import safe_next


def _attendance_label(circle: CircleSummary, now) -> str:
    """The sparkline's text alternative: people present per week, in words."""
    words = {
        "not_held": _("not held"),
        "not_recorded": _("not recorded"),
        "skipped": _("skipped"),
        "upcoming": _("to come"),
    }
    items = [
        _(
            "week %(week)d: %(value)s",
            week=week,
            value=str(count) if count is not None else words.get(kind, "–"),
        )
        for week, count, kind in circle.attendance(now)
    ]
    return _("People present per week: %(list)s", list="; ".join(items))


def _load(now):
    """Circles in the viewer's care and the filters asked for."""
    circles = summaries(scope_of(current_user), now)
    filters = read_filters(request.args, organisations(circles))
    return circles, filters


@bp.get("")
@role_required("organiser")
def dashboard():
    """Which circles thrive, falter, stall or finish, and why: counts, never people."""
    checks = front_checks(current_user)
    if checks:
        keep(*checks)
    now = utcnow()
    rows = rows_for(current_user)
    body = dashboard_body(current_user, rows, now, lambda: _draw(rows, now))
    return render_template("organise/dashboard.html", body=body)


def _draw(rows: SummaryRows, now) -> str:
    """The dashboard below its header, from the summary rows at ``now``."""
    circles = summaries_of(rows, now)
    filters = read_filters(request.args, organisations(circles))
    chosen = in_scope(circles, filters)
    table = table_rows(chosen, filters)
    page = page_of(table, filters.page)
    tz = current_user.timezone
    cohorts = survival(chosen, now)
    chart = (
        survival_chart(
            cohorts,
            title=_("How far circles got, by start month"),
            description=_(
                "For each month in which circles started: how many of them held week 1, "
                "2 and so on up to 12. The table below the chart has the same numbers."
            )
            + " "
            + _(
                "Follow-up rounds of 4 or 6 weeks are not in the chart: it follows the "
                "twelve weeks. The completion rate counts them."
            ),
            week_label=_("week"),
            axis_label=_("circles"),
        )
        if cohorts
        else None
    )
    return render_template(
        "organise/_dashboard.html",
        now=now,
        tz=tz,
        filters=filters,
        counts=status_counts(chosen),
        total=len(chosen),
        page=page,
        organisations=organisations(circles),
        reasons={c.id: describe(c.health, tz, now) for c in page.rows},
        sparks={c.id: sparkline(c.attendance(now), _attendance_label(c, now)) for c in page.rows},
        cohorts=cohorts,
        chart=chart,
        completion=completion(chosen, now),
        status_label=status_label,
        day_text=day_text,
        stalled=STALLED,
        nudge_every=NUDGE_EVERY,
        csrf_token=lambda: TOKEN_PLACEHOLDER,
        everyone=current_user.is_admin,
        limits=thresholds(),
    )


@bp.get("/circles.csv")
@role_required("organiser")
def export():
    """The table's rows (filters applied, every page) as CSV for a spreadsheet."""
    now = utcnow()
    circles, filters = _load(now)
    rows = table_rows(in_scope(circles, filters), filters)
    header = [
        _("id"),
        _("circle"),
        _("language"),
        _("organisation"),
        _("status"),
        _("reason"),
        _("current week"),
        _("last held"),
        _("members"),
        _("people present per week"),
        _("first meeting"),
    ]
    text = csv_text(rows, header, describe, status_label, current_user.timezone, now)
    name = f"wol-circles-{now.date().isoformat()}.csv"
    return Response(
        "\ufeff" + text,  # a byte-order mark, so Excel reads the file as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/circles/<int:circle_id>/nudge")
@role_required("organiser")
def nudge(circle_id: int):
    """Send a stalled circle's members a friendly mail (at most once a week)."""
    circle = load_circle(circle_id)
    if circle is None:
        abort(404)
    if not current_user.is_admin and circle.organiser_id != current_user.id:
        abort(403)
    now = utcnow()
    back = safe_next(request.form.get("next")) or url_for("organise.dashboard")
    if health_of(circle, now).status != STALLED:
        flash(_("Only stalled circles can be nudged."), "info")
        return redirect(back)
    if organiser_nudge(circle, now):
        db.session.commit()
        flash(_("The members of %(circle)s got a friendly mail.", circle=circle.name), "success")
    else:
        db.session.rollback()
        flash(
            _(
                "%(circle)s was nudged on %(date)s; you can nudge it again a week later.",
                circle=circle.name,
                date=day_text(circle.organiser_nudged_at, current_user.timezone, now),
            ),
            "info",
        )
    return redirect(back)
