"""Check-in pages: the one-click links from the mail, and the buttons for signed-in members."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user, login_required

from wol.access import meeting_of, viewable_circle
from wol.auth.models import User
from wol.checkins import bp, service
from wol.checkins.forms import CorrectionForm
from wol.circles.models import Circle, Meeting
from wol.circles.service import load_circle
from wol.errors import DomainError
from wol.extensions import db
from wol.i18n import gettext as _
from wol.timestamps import utcnow
from wol.web import error_page

ANSWERS = {"yes": True, "no": False}


def _form_for(circle: Circle, meeting: Meeting) -> CorrectionForm:
    """The correction form, filled in with what is recorded now."""
    form = CorrectionForm(formdata=None)
    recorded = _choices(form, circle, meeting)
    form.held.data = "no" if meeting.not_held_at is not None else "yes"
    form.attendees.data = (
        sorted(recorded)
        if meeting.held_at is not None
        else [m.user_id for m in circle.active_memberships]
    )
    form.version.data = str(meeting.checkin_version)
    return form


def _choices(form: CorrectionForm, circle: Circle, meeting: Meeting) -> set[int]:
    """One checkbox per current member, plus anyone recorded who has left since; returns the
    ids of the people recorded as present."""
    people = {m.user_id: m.user.display_name for m in circle.memberships if m.left_at is None}
    recorded = service.attendee_ids_of(meeting)
    people.update(
        {m.user_id: m.user.display_name for m in circle.memberships if m.user_id in recorded}
    )
    form.attendees.choices = sorted(people.items(), key=lambda item: item[1].casefold())
    return recorded


def _page(
    circle: Circle,
    meeting: Meeting,
    person: User,
    *,
    token: str | None = None,
    form: CorrectionForm | None = None,
    just: str | None = None,
    status: int = 200,
):
    """The check-in page of a meeting for ``person`` (from a link or signed in)."""
    now = utcnow()
    return render_template(
        "checkins/meeting.html",
        circle=circle,
        meeting=meeting,
        person=person,
        tz=person.timezone,
        token=token,
        form=form or _form_for(circle, meeting),
        just=just,
        window=service.window(meeting, now),
        history=service.history(meeting),
    ), status


# --- the link in the mail: works without signing in -------------------------------------


def _from_link(meeting_id: int, token: str) -> tuple[Circle, Meeting, User]:
    """The circle, meeting and member of a check-in link, or the right error page."""
    now = utcnow()
    try:
        user_id = service.read_link(token, meeting_id, now)
    except service.LinkExpired as exc:
        user = db.session.get(User, exc.user_id)
        with force_locale(user.language if user else None):
            abort(make_response(error_page(400, service.expired_text())))
    except service.LinkNotValid as exc:
        abort(make_response(error_page(404, exc.message)))
    meeting = db.session.get(Meeting, meeting_id)
    user = db.session.get(User, user_id)
    if meeting is None or user is None:
        abort(404)
    return load_circle(meeting.circle_id), meeting, user


@bp.get("/checkin/<int:meeting_id>/<token>/<answer>")
def link(meeting_id: int, token: str, answer: str):
    """One click from the mail: record the answer (if nobody did yet) and show the meeting."""
    if answer not in ANSWERS:
        abort(404)
    circle, meeting, person = _from_link(meeting_id, token)
    with force_locale(person.language):
        if request.method == "HEAD":
            # Link checkers peek with HEAD: that must not record anything.
            return "", 200
        try:
            recorded = service.record(
                circle, meeting, person, held=ANSWERS[answer], now=utcnow(), via="link"
            )
        except DomainError as exc:
            db.session.rollback()
            return error_page(exc.status, exc.message)
        db.session.commit()
        just = answer if recorded else "already"
        return _page(circle, meeting, person, token=token, just=just)


@bp.get("/checkin/<int:meeting_id>/<token>")
def link_view(meeting_id: int, token: str):
    """The meeting as recorded, from the link, with the correction form."""
    circle, meeting, person = _from_link(meeting_id, token)
    with force_locale(person.language):
        if not service.is_member(circle, person):
            # Who attended is for the circle's members, not for someone who has left it.
            return error_page(403, _("Only the members of this circle can record its meetings."))
        return _page(circle, meeting, person, token=token)


@bp.post("/checkin/<int:meeting_id>/<token>")
def link_correct(meeting_id: int, token: str):
    """Correct the meeting from the link's page."""
    circle, meeting, person = _from_link(meeting_id, token)
    with force_locale(person.language):
        return _correct(
            circle,
            meeting,
            person,
            url_for("checkins.link_view", meeting_id=meeting.id, token=token),
            token=token,
        )


def _correct(
    circle: Circle, meeting: Meeting, person: User, done_url: str, token: str | None = None
):
    """Validate and save a correction; show the form again with the reason when it fails."""
    form = CorrectionForm()
    _choices(form, circle, meeting)
    if form.validate_on_submit():
        try:
            service.correct(
                circle,
                meeting,
                person,
                held=form.held.data == "yes",
                attendee_ids=form.attendees.data or [],
                version=int(form.version.data),
                now=utcnow(),
            )
        except DomainError as exc:
            db.session.rollback()
            db.session.refresh(meeting)
            if exc.status == 409:
                flash(exc.message, "error")
                return _page(circle, meeting, person, token=token, status=409)
            if exc.status != 400:
                return error_page(exc.status, exc.message)
            form.attendees.errors = [*form.attendees.errors, exc.message]
        else:
            db.session.commit()
            flash(_("Saved. Thank you!"), "success")
            return redirect(done_url)
    return _page(circle, meeting, person, token=token, form=form, status=400)


# --- signed-in members: the same in one click from the home and meeting pages ------------


@bp.post("/circles/<int:circle_id>/meetings/<int:week>/checkin")
@login_required
def record(circle_id: int, week: int):
    """One click on the site: "we met" or "we did not meet"."""
    circle = viewable_circle(circle_id)
    meeting = meeting_of(circle, week)
    answer = request.form.get("held", "")
    if answer not in ANSWERS:
        abort(400)
    recorded = service.record(
        circle, meeting, current_user, held=ANSWERS[answer], now=utcnow(), via="page"
    )
    db.session.commit()
    if not recorded:
        flash(
            _(
                "Someone had already recorded week %(week)d. Here is what they said; you can "
                "correct it.",
                week=week,
            ),
            "info",
        )
    elif ANSWERS[answer]:
        flash(_("Week %(week)d is recorded as held. Thank you!", week=week), "success")
    else:
        flash(_("Week %(week)d is recorded as not held.", week=week), "info")
    return redirect(url_for("checkins.meeting", circle_id=circle.id, week=week))


@bp.get("/circles/<int:circle_id>/meetings/<int:week>/checkin")
@login_required
def meeting(circle_id: int, week: int):
    """What is recorded for a meeting, who was there, the history, and the correction form."""
    circle = viewable_circle(circle_id)
    if not service.is_member(circle, current_user):
        abort(403)
    return _page(circle, meeting_of(circle, week), current_user)


@bp.post("/circles/<int:circle_id>/meetings/<int:week>/checkin/correct")
@login_required
def correct(circle_id: int, week: int):
    """Save a correction made on the site."""
    circle = viewable_circle(circle_id)
    meeting = meeting_of(circle, week)
    return _correct(
        circle, meeting, current_user, url_for("checkins.meeting", circle_id=circle.id, week=week)
    )


def checkin_panel(circle: Circle, user, now=None):
    """For templates: the meeting a member can record now and whether it is recorded."""
    if circle.is_ended or user is None or not user.is_authenticated:
        return None
    if not service.is_member(circle, user):
        return None
    return service.open_meeting(circle, now or utcnow())


bp.add_app_template_global(checkin_panel, "checkin_panel")


def circle_health(circle: Circle, now=None) -> tuple[str, str, str]:
    """For templates: the circle's health as (status, label, reason) for the current viewer."""
    from wol.health.service import health_of
    from wol.health.words import describe, status_label

    now = now or utcnow()
    health = health_of(circle, now)
    tz = current_user.timezone if current_user.is_authenticated else circle.timezone
    return health.status, status_label(health.status), describe(health, tz, now)


bp.add_app_template_global(circle_health, "circle_health")


def checkin_is_member(circle: Circle) -> bool:
    """For templates: whether the current user may record the circle's meetings."""
    return current_user.is_authenticated and service.is_member(circle, current_user)


def checkin_open(meeting: Meeting) -> bool:
    """For templates: whether the meeting can be recorded now."""
    return service.window(meeting, utcnow()) == "open"


bp.add_app_template_global(checkin_is_member, "checkin_is_member")
bp.add_app_template_global(checkin_open, "checkin_open")
bp.add_app_template_global(service.WINDOW, "checkin_window")
