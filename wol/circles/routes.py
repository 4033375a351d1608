"""Circle pages: start, invite, join, leave, end, move and skip meetings."""

from zoneinfo import ZoneInfo

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy.exc import OperationalError
from wtforms.fields.choices import SelectChoice

from wol.access import meeting_of, viewable_circle
from wol.cache import TOKEN_PLACEHOLDER, token_placeholder
from wol.circles import bp, editing, service
from wol.circles import waitlist as waiting_lists
from wol.circles.forms import (
    CircleEditForm,
    CircleForm,
    ConfirmForm,
    EndCircleForm,
    InviteEmailForm,
    LeaveForm,
    MoveMeetingForm,
    SkipMeetingForm,
    WeeklyTimeForm,
    weekday_choices,
)
from wol.circles.models import FULL_WEEKS, Circle
from wol.circles.views import (
    HARVEST_SLOT,
    CirclePage,
    front_checks,
    keep_circle_page,
    kept_circle_page,
    meetings_table,
)
from wol.directory import service as directory
from wol.directory.forms import SharingForm
from wol.errors import Conflict, DomainError
from wol.extensions import db
from wol.forms import show_domain_error
from wol.front import keep
from wol.harvest.routes import panel_of
from wol.harvest.service import harvest_open, is_finished
from wol.i18n import gettext as _
from wol.i18n import in_zone, ngettext
from wol.timestamps import today_in, utcnow


@bp.route("/circles/new", methods=["GET", "POST"])
@login_required
def new():
    """Start a circle."""
    form = CircleForm()
    if request.method == "GET":
        form.timezone.data = current_user.timezone
        form.language.data = current_user.language
    if form.validate_on_submit():
        details = service.CircleDetails(
            name=form.name.data,
            language=form.language.data,
            first_day=form.first_day.data,
            local_time=form.local_time.data,
            timezone=form.timezone.data,
            duration_minutes=form.duration_minutes.data,
            kind=form.kind.data,
            place=form.place.data,
            video_url=form.video_url.data,
            chat_url=form.chat_url.data,
            description=form.description.data,
            listed=form.listed.data,
            members_may_invite=form.members_may_invite.data,
        )
        today = today_in(current_user.timezone)
        # Holidays: the form warns first, then starts later, plans skips or keeps the dates.
        details, quiet = directory.quiet_choice(details, request.form, today)
        if quiet.hits and quiet.choice is None:
            form.first_day.data = details.first_day
            return render_template("circles/new.html", form=form, quiet=quiet), 200
        try:
            if quiet.choice == "skip":
                circle = directory.create_circle_skipping_quiet_weeks(
                    current_user, details, join=form.join.data, today=today, periods=quiet.periods
                )
            else:
                circle = service.create_circle(
                    current_user, details, join=form.join.data, today=today
                )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your circle is ready. Share the invite link to find members."), "success")
            return redirect(url_for("circles.detail", circle_id=circle.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("circles/new.html", form=form, quiet=None), status


def _render_detail(
    circle: Circle,
    invite_form: InviteEmailForm | None = None,
    status=200,
    stamp: tuple[int, int] | None = None,
):
    """Render the circle page for the current user: its body is kept under the circle's
    ``stamp`` (read before the circle was loaded; None: not kept), and drawn afresh when it
    shows the invite form's errors."""
    now = utcnow()
    viewer = current_user._get_current_object()
    upcoming = service.next_meeting(circle, now)
    membership = service.membership_of(circle, viewer)

    def draw() -> str:
        states = {
            m.week: service.meeting_state(m, circle, now, viewer.timezone) for m in circle.meetings
        }
        with token_placeholder():
            return render_template(
                "circles/_detail_body.html",
                circle=circle,
                now=now,
                membership=membership,
                is_organiser=service.is_organiser(circle, viewer),
                meetings_table=meetings_table(
                    circle, service.schedule_rows(circle), states, upcoming, bool(membership), now
                ),
                weekly_slot=editing.weekly_slot(circle),
                next_meeting=upcoming,
                invite_url=url_for("circles.invite", token=circle.invite_token),
                invite_form=invite_form or InviteEmailForm(),
                confirm=ConfirmForm(),
                may_end=service.may_end(circle, viewer),
                may_invite=service.may_invite(circle, viewer),
                quiet=directory.coming_quiet_hits(circle, today_in(viewer.timezone)),
                sharing_form=SharingForm(obj=circle),
                harvest_slot=HARVEST_SLOT,
            )

    # The harvest panel is the reader's own (their harvest and follow-ups): put in per visit.
    harvest = membership is not None and harvest_open(circle, now)
    finished = harvest and is_finished(circle, now)
    if invite_form is not None:
        stamp = None
    page = keep_circle_page(circle, viewer, upcoming, now, stamp, draw, harvest, finished)
    return _show(page, viewer), status


def _show(page: CirclePage, viewer) -> str:
    """A drawn or kept circle page, with the session's form token and the reader's harvest
    panel."""
    panel = panel_of(page.circle_id, page.harvest, page.finished, viewer)
    body = page.body.replace(TOKEN_PLACEHOLDER, generate_csrf()).replace(HARVEST_SLOT, panel)
    return render_template(
        "circles/detail.html",
        name=page.name,
        body=Markup(body),  # noqa: S704 - drawn by Jinja, escaped there
    )


@bp.get("/circles/<int:circle_id>")
@login_required
def detail(circle_id: int):
    """The circle page: members, the twelve meetings and what the viewer may do."""
    keep(*front_checks(circle_id))
    viewer = current_user._get_current_object()
    stamp, page = kept_circle_page(circle_id, viewer, utcnow())
    if page is not None:
        # Kept for this reader under the circle's current version: they may see it.
        return _show(page, viewer)
    return _render_detail(viewable_circle(circle_id), stamp=stamp)


def _circle_of_invite(token: str) -> Circle:
    """The circle of an invite token, or a 404 page."""
    circle = service.find_by_invite(token)
    if circle is None:
        abort(make_response(render_template("circles/invite_invalid.html"), 404))
    return circle


@bp.route("/join/<token>", methods=["GET"])
def invite(token: str):
    """What a prospective member needs to decide, and the Join button."""
    circle = _circle_of_invite(token)
    now = utcnow()
    user = current_user if current_user.is_authenticated else None
    return render_template(
        "circles/invite.html",
        circle=circle,
        token=token,
        membership=service.membership_of(circle, user),
        position=service.waitlist_position(circle, user) if user else None,
        offer=service.offer_for(circle, user, now) if user else None,
        next_meeting=service.next_meeting(circle, now),
        confirm=ConfirmForm(),
    )


@bp.post("/join/<token>")
@login_required
def join(token: str):
    """Join the circle of this invite link."""
    circle = _circle_of_invite(token)
    service.join_circle(circle, current_user)
    db.session.commit()
    flash(_("Welcome to %(circle)s! The meetings are on this page.", circle=circle.name), "success")
    return redirect(url_for("circles.detail", circle_id=circle.id))


@bp.post("/join/<token>/waitlist")
@login_required
def waitlist(token: str):
    """Join the waiting list of a full circle."""
    circle = _circle_of_invite(token)
    service.join_waitlist(circle, current_user)
    db.session.commit()
    flash(_("You are on the waiting list. We mail you when a seat is free."), "success")
    return redirect(url_for("circles.invite", token=token))


@bp.post("/join/<token>/waitlist/leave")
@login_required
def leave_waitlist(token: str):
    """Leave the waiting list."""
    circle = _circle_of_invite(token)
    service.leave_waitlist(circle, current_user)
    db.session.commit()
    flash(_("You are off the waiting list."), "info")
    return redirect(url_for("circles.invite", token=token))


@bp.route("/circles/<int:circle_id>/leave", methods=["GET", "POST"])
@login_required
def leave(circle_id: int):
    """Leave the circle, after saying so on a confirmation page."""
    circle = viewable_circle(circle_id)
    form = LeaveForm()
    if form.validate_on_submit():
        service.leave_circle(circle, current_user)
        db.session.commit()
        flash(_("You left %(circle)s.", circle=circle.name), "info")
        if service.is_organiser(circle, current_user):
            return redirect(url_for("circles.detail", circle_id=circle.id))
        return redirect(url_for("main.home"))
    if service.membership_of(circle, current_user) is None:
        raise Conflict(_("You are not a member of this circle."))
    # A Leave button on an old page, or a GET, lands here: nobody leaves by one click.
    return render_template("circles/leave.html", circle=circle, form=form)


@bp.post("/circles/<int:circle_id>/members/<int:user_id>/remove")
@login_required
def remove_member(circle_id: int, user_id: int):
    """The organiser removes a member."""
    circle = viewable_circle(circle_id)
    member = next((u for u in circle.members if u.id == user_id), None)
    if member is None:
        abort(404)
    service.remove_member(circle, member, current_user)
    db.session.commit()
    flash(_("%(name)s is no longer a member.", name=member.display_name), "info")
    return redirect(url_for("circles.detail", circle_id=circle.id))


@bp.post("/circles/<int:circle_id>/invite/rotate")
@login_required
def rotate_invite(circle_id: int):
    """Renew the invite link; the old one stops working."""
    circle = viewable_circle(circle_id)
    service.rotate_invite(circle, current_user)
    db.session.commit()
    flash(_("The invite link is renewed. The old link no longer works."), "success")
    return redirect(url_for("circles.detail", circle_id=circle.id) + "#invite")


@bp.post("/circles/<int:circle_id>/invite/email")
@login_required
def invite_email(circle_id: int):
    """Mail the invite link to colleagues."""
    circle = viewable_circle(circle_id)
    form = InviteEmailForm()
    if form.validate_on_submit():
        try:
            count = service.invite_by_email(circle, current_user, form.address_list)
        except DomainError as exc:
            if exc.status not in (400, 429):
                raise
            show_domain_error(form, exc)
            return _render_detail(circle, form, exc.status)
        db.session.commit()
        flash(_("Invitations sent: %(count)d.", count=count), "success")
        return redirect(url_for("circles.detail", circle_id=circle.id) + "#invite")
    return _render_detail(circle, form, 400)


@bp.route("/circles/<int:circle_id>/end", methods=["GET", "POST"])
@login_required
def end(circle_id: int):
    """End the circle early, with a reason."""
    circle = viewable_circle(circle_id)
    if not service.may_end(circle, current_user):
        abort(403)
    form = EndCircleForm()
    if form.validate_on_submit():
        try:
            service.end_circle(circle, current_user, form.reason.data)
        except DomainError as exc:
            if exc.status != 400:
                raise
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("The circle has ended. Thank you for what you did together."), "info")
            return redirect(url_for("circles.detail", circle_id=circle.id))
    return render_template("circles/end.html", circle=circle, form=form), (
        400 if form.errors or form.form_errors else 200
    )


@bp.route("/circles/<int:circle_id>/meetings/<int:week>/move", methods=["GET", "POST"])
@login_required
def move(circle_id: int, week: int):
    """Move one meeting to another date or time."""
    circle = viewable_circle(circle_id)
    meeting = meeting_of(circle, week)
    form = MoveMeetingForm()
    if request.method == "GET":
        local = meeting.starts_at.astimezone(ZoneInfo(circle.timezone))
        form.day.data, form.at.data = local.date(), local.time()
    if form.validate_on_submit():
        try:
            service.move_meeting(circle, meeting, current_user, form.day.data, form.at.data)
        except DomainError as exc:
            if exc.status != 400:
                raise
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("Week %(week)d is moved. The other members get a mail.", week=week), "success")
            return redirect(url_for("circles.detail", circle_id=circle.id) + f"#week-{week}")
    return render_template("circles/move.html", circle=circle, meeting=meeting, form=form), (
        400 if form.errors or form.form_errors else 200
    )


@bp.route("/circles/<int:circle_id>/meetings/<int:week>/skip", methods=["GET", "POST"])
@login_required
def skip(circle_id: int, week: int):
    """Skip one meeting date, choosing whether the later weeks move."""
    circle = viewable_circle(circle_id)
    meeting = meeting_of(circle, week)
    form = SkipMeetingForm()
    if circle.weeks != FULL_WEEKS:  # a follow-up: say its own number of meetings
        form.shift.choices = [
            SelectChoice(
                "yes",
                ngettext(
                    "They all move one week later, so we still have %(num)d meeting",
                    "They all move one week later, so we still have %(num)d meetings",
                    circle.weeks,
                ),
            ),
            *form.shift.choices[1:],
        ]
    if form.validate_on_submit():
        service.skip_meeting(circle, meeting, current_user, shift=form.shift.data == "yes")
        db.session.commit()
        flash(_("Done. The other members get a mail."), "success")
        return redirect(url_for("circles.detail", circle_id=circle.id) + f"#week-{week}")
    return render_template("circles/skip.html", circle=circle, meeting=meeting, form=form), (
        400 if form.errors else 200
    )


@bp.route("/circles/<int:circle_id>/edit", methods=["GET", "POST"])
@login_required
def edit(circle_id: int):
    """Change the circle's details: the organiser all of them, members the practical ones."""
    circle = viewable_circle(circle_id)
    allowed = editing.editable_fields(circle, current_user)
    if not allowed:
        raise Conflict(_("This circle has ended; it can no longer change."))
    form = CircleEditForm(obj=circle)
    form.keep_only(allowed)
    if form.validate_on_submit():
        changes = editing.CircleChanges(**{name: form[name].data for name in allowed})
        try:
            changed = editing.update_circle(circle, current_user, changes)
        except DomainError as exc:
            if exc.status not in (400, 403):
                raise
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(
                _("Saved. The members get a mail.") if changed else _("Nothing changed."),
                "success" if changed else "info",
            )
            return redirect(url_for("circles.detail", circle_id=circle.id))
    return render_template(
        "circles/edit.html",
        circle=circle,
        form=form,
        is_organiser=service.is_organiser(circle, current_user),
    ), (400 if form.errors or form.form_errors else 200)


@bp.route("/circles/<int:circle_id>/schedule", methods=["GET", "POST"])
@login_required
def weekly_time(circle_id: int):
    """Change the weekly day and time from a chosen week on."""
    circle = viewable_circle(circle_id)
    if not editing.may_change_schedule(circle, current_user):
        raise Conflict(_("This circle has ended; its schedule can no longer change."))
    now = utcnow()
    weeks = editing.changeable_weeks(circle, now)
    form = WeeklyTimeForm()
    form.from_week.choices = [SelectChoice(m.week, _("Week %(week)d", week=m.week)) for m in weeks]
    form.weekday.choices = weekday_choices()
    if request.method == "GET":
        local = editing.weekly_slot(circle).astimezone(ZoneInfo(circle.timezone))
        form.weekday.data, form.at.data = local.weekday(), local.time()
        form.from_week.data = weeks[0].week if weeks else None
    if weeks and form.validate_on_submit():
        try:
            editing.change_weekly_time(
                circle, current_user, form.from_week.data, form.weekday.data, form.at.data, now
            )
        except DomainError as exc:
            if exc.status != 400:
                raise
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(
                _(
                    "The weekly time is changed from week %(week)d on. The members get a mail.",
                    week=form.from_week.data,
                ),
                "success",
            )
            return redirect(url_for("circles.detail", circle_id=circle.id) + "#meetings-title")
    return render_template(
        "circles/weekly_time.html", circle=circle, form=form, weeks=weeks
    ), 400 if form.errors or form.form_errors else 200


@bp.get("/circles/<int:circle_id>/waiting-list")
@login_required
def waiting_list(circle_id: int):
    """The organiser's view of the waiting list, with a button to offer a free seat."""
    circle = viewable_circle(circle_id)
    if not waiting_lists.may_manage(circle, current_user):
        abort(403)
    waiting = waiting_lists.waiting_list(circle, utcnow())
    return render_template(
        "circles/waiting_list.html",
        circle=circle,
        waiting=waiting,
        confirm=ConfirmForm(),
        hours=service.OFFER_HOURS,
    )


@bp.post("/circles/<int:circle_id>/waiting-list/<int:entry_id>/offer")
@login_required
def offer_seat(circle_id: int, entry_id: int):
    """Offer a free seat to a chosen person on the waiting list."""
    circle = viewable_circle(circle_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        entry = waiting_lists.offer_seat(circle, entry_id, current_user)
        db.session.commit()
    except OperationalError as exc:
        # PostgreSQL picked this request to end a deadlock with another change of the same
        # waiting list (a join by the same person through a free seat): nothing was written.
        if getattr(exc.orig, "sqlstate", None) != "40P01":
            raise
        db.session.rollback()
        raise Conflict(
            _("The waiting list changed at this very moment. Look again and try once more.")
        ) from exc
    flash(
        _(
            "A seat is held for %(name)s until %(date)s. They get a mail.",
            name=entry.user.display_name,
            date=in_zone(entry.offer_expires_at, current_user.timezone, "EEEE d MMMM, HH:mm"),
        ),
        "success",
    )
    return redirect(url_for("circles.waiting_list", circle_id=circle.id))
