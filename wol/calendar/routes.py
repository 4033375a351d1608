"""Calendar downloads, the personal feed, and the calendar settings page."""

import re
import unicodedata

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from wol.access import viewable_circle
from wol.cache import drawn_once
from wol.calendar import bp, service
from wol.calendar.forms import CalendarSettingsForm
from wol.errors import DomainError
from wol.extensions import db
from wol.front import keep
from wol.i18n import gettext as _
from wol.urls import external_url

ICS_TYPE = "text/calendar; charset=utf-8"
FEED_CACHE_CONTROL = "private, max-age=900"


def _filename(name: str) -> str:
    """A safe ASCII file name for a circle's .ics."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()
    return f"{slug or 'circle'}.ics"


@bp.get("/circles/<int:circle_id>/calendar.ics")
@login_required
def download(circle_id: int):
    """The circle's meetings as an .ics file."""
    circle = viewable_circle(circle_id)
    response = Response(service.render_download(circle), mimetype="text/calendar")
    response.headers["Content-Type"] = ICS_TYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(circle.name)}"'
    return response


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """A person's calendar feed; the secret in the URL is the only key, no session needed."""
    keep(*service.feed_checks(token))
    # Calendars poll an unchanged feed most of the time: one small query tells whether the
    # ETag they have is still the current one, before any person or circle is loaded.
    if request.if_none_match:
        etag = service.current_feed_etag(token)
        if etag is not None and request.if_none_match.contains_weak(etag):
            db.session.rollback()
            response = Response(status=304)
            response.set_etag(etag)
            response.headers["Cache-Control"] = FEED_CACHE_CONTROL
            return response
    user = service.find_feed_owner(token)
    if user is None:
        abort(404)
    etag, last_modified = service.feed_version(user)
    db.session.commit()
    response = Response(mimetype="text/calendar")
    response.set_etag(etag)
    response.last_modified = last_modified
    response.headers["Cache-Control"] = FEED_CACHE_CONTROL
    # Answer "not modified" before rendering anything: calendar clients poll often. RFC 9110
    # compares If-None-Match weakly (a compressing proxy turns our ETag into W/"..."), and
    # looks at If-Modified-Since only without If-None-Match.
    if request.if_none_match:
        if request.if_none_match.contains_weak(etag):
            response.status_code = 304
            return response
    elif request.if_modified_since and request.if_modified_since >= last_modified:
        response.status_code = 304
        return response
    # The ETag is the feed's version (a calendar that has it keeps its copy), so the feed drawn
    # for it is kept under it: polled by every subscriber, drawn once per change.
    response.set_data(
        drawn_once("feeds", (user.id, etag), lambda: service.render_feed(user), limit=1_000)
    )
    response.headers["Content-Type"] = ICS_TYPE
    return response


@bp.route("/settings/calendar", methods=["GET", "POST"])
@login_required
def settings():
    """Choose invitations or a feed, see the feed address and how to subscribe."""
    form = CalendarSettingsForm(delivery=current_user.calendar_delivery)
    if form.validate_on_submit():
        try:
            service.set_delivery(current_user, form.delivery.data)
        except DomainError as exc:
            db.session.rollback()
            form.delivery.errors = [exc.message]
        else:
            db.session.commit()
            flash(_("Your calendar choice is saved."), "success")
            return redirect(url_for("calendar.settings"))
    https_url = external_url("calendar.feed", token=current_user.feed_token)
    return render_template(
        "calendar/settings.html",
        form=form,
        https_url=https_url,
        webcal_url=re.sub(r"^https?://", "webcal://", https_url),
    ), 400 if form.errors else 200


@bp.post("/settings/calendar/rotate")
@login_required
def rotate():
    """Give the feed a new address; calendars using the old one stop updating."""
    service.rotate_feed_token(current_user)
    db.session.commit()
    flash(_("Your feed has a new address. Subscribe again with the new one."), "success")
    return redirect(url_for("calendar.settings"))
