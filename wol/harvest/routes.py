"""Harvest pages: write one's harvest, the stories page, another round and its invitations."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from wol.access import viewable_circle
from wol.admin.routes import page_number
from wol.auth.models import User
from wol.circles.forms import ConfirmForm
from wol.circles.models import Circle
from wol.circles.service import membership_of
from wol.errors import Conflict, DomainError
from wol.extensions import db
from wol.forms import show_domain_error
from wol.harvest import bp, followup, service
from wol.harvest.forms import FollowUpForm, HarvestForm, WithdrawForm
from wol.i18n import gettext as _
from wol.timestamps import today_in, utcnow


def _member_circle(circle_id: int) -> Circle:
    """The circle, for its current members only (its organiser and admins get a 403 too)."""
    circle = viewable_circle(circle_id)
    if membership_of(circle, current_user) is None:
        abort(403)
    return circle


@bp.route("/circles/<int:circle_id>/harvest", methods=["GET", "POST"])
@login_required
def edit(circle_id: int):
    """Write or change one's harvest, and read what the others keep in the circle."""
    circle = _member_circle(circle_id)
    now = utcnow()
    if not service.harvest_open(circle, now):
        raise Conflict(_("The harvest opens when the last meeting begins."))
    mine = service.harvest_of(circle, current_user)
    form = HarvestForm(obj=mine) if request.method == "GET" else HarvestForm()
    if form.validate_on_submit():
        text = service.HarvestText(
            aim=form.aim.data,
            happened=form.happened.data,
            learned=form.learned.data,
            audience=form.audience.data,
            anonymous=form.anonymous.data,
        )
        try:
            try:
                harvest = service.save_harvest(circle, current_user, text, now)
            except IntegrityError:
                # The same form sent twice at once: the other request wrote the harvest and
                # has committed; saved again, this one updates it.
                db.session.rollback()
                harvest = service.save_harvest(circle, current_user, text, now)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(
                _("Your harvest is on the stories page.")
                if harvest.is_story
                else _("Your harvest is saved."),
                "success",
            )
            return redirect(url_for("harvest.edit", circle_id=circle.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "harvest/edit.html",
        circle=circle,
        form=form,
        mine=mine,
        harvests=[
            h for h in service.circle_harvests(circle, current_user) if h.user_id != current_user.id
        ],
        withdraw=WithdrawForm(),
    ), status


@bp.get("/stories")
@login_required
def stories():
    """What members chose to share from their circles, newest first."""
    page = db.paginate(
        service.stories_query(),
        page=page_number(),
        per_page=service.STORIES_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "harvest/stories.html", page=page, withdraw=WithdrawForm(), author=service.author_label
    )


@bp.post("/stories/<int:harvest_id>/withdraw")
@login_required
def withdraw(harvest_id: int):
    """The author takes their story off the stories page; it stays in the circle."""
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    harvest = service.withdraw_story(harvest_id, current_user, utcnow())
    db.session.commit()
    flash(
        _(
            "Your story is no longer on the stories page. The members of your circle can "
            "still read it."
        ),
        "success",
    )
    if request.form.get("back") == "harvest":
        return redirect(url_for("harvest.edit", circle_id=harvest.circle_id))
    return redirect(url_for("harvest.stories"))


def _landing(circle: Circle):
    """Where a follow-up lands its visitor: its page for members, else their invitation."""
    if followup.invitation_for(circle, current_user) is not None:
        return redirect(url_for("harvest.invitation", circle_id=circle.id))
    return redirect(url_for("circles.detail", circle_id=circle.id))


def _follow_up(circle_id: int, *, together: bool):
    """The form that starts the next round, and what it does."""
    circle = _member_circle(circle_id)
    now = utcnow()
    if not service.is_finished(circle, now):
        raise Conflict(_("A circle goes on once its last meeting is held."))
    existing = (
        followup.follow_up_together(circle)
        if together
        else followup.follow_up_by(circle, current_user)
    )
    if existing is not None:
        return _landing(existing.circle)
    today = today_in(current_user.timezone)
    form = FollowUpForm()
    form.invite.choices = [(m.id, m.display_name) for m in followup.others(circle, current_user)]
    if request.method == "GET":
        form.name.data = followup.default_name(circle)
        form.start_on.data = followup.default_start(circle, today)
        form.invite.data = []
    form.start_on.description = _(
        "The first meeting is on the first %(weekday)s from this day, at the circle's usual "
        "time; the others follow weekly.",
        weekday=format_date(circle.first_day, "EEEE"),
    )
    if form.validate_on_submit():
        plan = followup.FollowUpPlan(
            start_on=form.start_on.data,
            name=form.name.data,
            together=together,
            invite_ids=form.invite.data or [],
            weeks=form.weeks.data,
        )
        try:
            try:
                new, created = followup.start_follow_up(
                    circle, current_user, plan, now=now, today=today
                )
            except IntegrityError:
                # Started a moment ago by a double click or another member, whose request
                # has committed by now: asked again, the service finds that circle.
                db.session.rollback()
                new, created = followup.start_follow_up(
                    circle, current_user, plan, now=now, today=today
                )
        except DomainError as exc:
            if exc.status != 400:
                raise
            show_domain_error(form, exc)
        else:
            db.session.commit()
            if created:
                flash(
                    _(
                        "%(circle)s is ready. The people you invited get a mail and confirm "
                        "on their home page.",
                        circle=new.name,
                    ),
                    "success",
                )
            return _landing(new)
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "harvest/follow_up.html",
        circle=circle,
        form=form,
        together=together,
        others=followup.others(circle, current_user),
    ), status


@bp.route("/circles/<int:circle_id>/go-on", methods=["GET", "POST"])
@login_required
def go_on(circle_id: int):
    """The whole circle goes on: a new circle with the same slot, everyone invited."""
    return _follow_up(circle_id, together=True)


@bp.route("/circles/<int:circle_id>/own-circle", methods=["GET", "POST"])
@login_required
def own(circle_id: int):
    """One member starts a circle of their own from this one, inviting whom they choose."""
    return _follow_up(circle_id, together=False)


def _invited_circle(circle_id: int) -> Circle:
    """A follow-up circle that exists, or a 404."""
    circle = followup.load_for_invitation(circle_id)
    if circle is None:
        abort(404)
    return circle


@bp.get("/circles/<int:circle_id>/invitation")
@login_required
def invitation(circle_id: int):
    """An invitation to a follow-up circle: what it is, confirm or say no."""
    circle = _invited_circle(circle_id)
    if followup.invitation_for(circle, current_user) is None:
        if membership_of(circle, current_user) is not None:
            return redirect(url_for("circles.detail", circle_id=circle.id))
        abort(404)
    return render_template("harvest/invitation.html", circle=circle, confirm=ConfirmForm())


@bp.post("/circles/<int:circle_id>/invitation/confirm")
@login_required
def confirm(circle_id: int):
    """Take the seat: become a member of the follow-up circle."""
    circle = _invited_circle(circle_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        followup.confirm(circle, current_user, utcnow())
    except Conflict:
        db.session.rollback()
        if not followup.is_member(circle.id, current_user):
            raise
        # Confirmed twice at once (a double click): the other request made them a member.
    else:
        db.session.commit()
    flash(_("Welcome to %(circle)s! The meetings are on this page.", circle=circle.name), "success")
    return redirect(url_for("circles.detail", circle_id=circle.id))


@bp.post("/circles/<int:circle_id>/invitation/decline")
@login_required
def decline(circle_id: int):
    """Say no to the follow-up circle."""
    circle = _invited_circle(circle_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    followup.decline(circle, current_user)
    db.session.commit()
    flash(_("You said no to %(circle)s.", circle=circle.name), "info")
    return redirect(url_for("main.home"))


def harvest_panel(circle: Circle):
    """For the circle and last-meeting pages: the harvest and next round, for members only."""
    if not current_user.is_authenticated or membership_of(circle, current_user) is None:
        return None
    now = utcnow()
    if not service.harvest_open(circle, now):
        return None
    return ending_of(circle.id, service.is_finished(circle, now), current_user)


def panel_of(circle_id: int, shown: bool, finished: bool, user: User) -> str:
    """The harvest panel of a kept circle or meeting page, drawn for ``user`` when ``shown``
    (they are a member and the last meeting began), else nothing."""
    if not shown:
        return ""
    return render_template(
        "harvest/_panel.html",
        ending=ending_of(circle_id, finished, user),
        panel_circle=circle_id,
    )


def ending_of(circle_id: int, finished: bool, user: User) -> dict:
    """What the harvest panel shows ``user`` of a circle whose last meeting began: their
    harvest, and once it ``finished`` the follow-ups (read by the circle's id alone, so a kept
    circle page puts its panel in without loading the circle)."""
    together, own = followup.follow_ups_of(circle_id, user) if finished else (None, None)
    return {
        "finished": finished,
        "mine": service.harvest_by(circle_id, user),
        "together": together,
        "own": own if own is not None and not own.together else None,
    }


def follow_up_invitations():
    """For the home page: the current person's open invitations to follow-up circles."""
    if not current_user.is_authenticated:
        return []
    return followup.invitations_of(current_user)


bp.add_app_template_global(harvest_panel, "harvest_panel")
bp.add_app_template_global(follow_up_invitations, "follow_up_invitations")
