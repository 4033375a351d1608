"""A person's own pages: private notes on meeting pages, download my data, delete my account."""

from datetime import timedelta

from flask import (
    abort,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_login import current_user, login_required, logout_user
from werkzeug.security import check_password_hash

from wol import ratelimits
from wol.access import meeting_of, viewable_circle
from wol.errors import DomainError
from wol.extensions import db
from wol.i18n import gettext as _
from wol.personal import bp, erase, notes
from wol.personal.export import export_json, file_name
from wol.personal.forms import DeleteAccountForm, NotesForm
from wol.ratelimits import counter_key
from wol.sso.service import button_label, confirmed_recently, sso_enabled
from wol.timestamps import utcnow


def _wants_json() -> bool:
    """True for the page's script, which asks for JSON; a plain form post gets a page."""
    return request.accept_mimetypes.best == "application/json"


def _meeting_page(circle_id: int, week: int, status: int):
    """The meeting page again (with the notes form as typed, kept in ``g``)."""
    from wol.guides.routes import meeting

    response = make_response(meeting(circle_id, week))
    response.status_code = status
    return response


@bp.post("/circles/<int:circle_id>/week/<int:week>/notes")
@login_required
def save_notes(circle_id: int, week: int):
    """Save the member's private notes and exercise ticks for one meeting."""
    circle = viewable_circle(circle_id)
    meeting = meeting_of(circle, week)
    if not notes.may_keep_notes(circle, current_user):
        abort(403)
    form = NotesForm()
    form.done.choices = [(ex.id, ex.id) for ex, _lang in notes.week_exercises("en", week)]
    error = None
    if form.validate_on_submit():
        try:
            notes.save_notes(
                circle, meeting, current_user, body=form.body.data or "", done=form.done.data or []
            )
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            if _wants_json():
                return jsonify(saved=True, message=_("Your notes are saved."))
            flash(_("Your notes are saved."), "success")
            return redirect(url_for("guides.meeting", circle_id=circle.id, week=week) + "#my-notes")
    else:
        error = " ".join(
            form.body.errors
            or form.done.errors
            or form.csrf_token.errors
            or [_("Your notes could not be saved. Try again.")]
        )
    if _wants_json():
        return jsonify(saved=False, field="body", message=error), 400
    g.private_notes_draft = {
        "body": form.body.data or "",
        "done": set(form.done.data or []),
        "error": error,
    }
    return _meeting_page(circle.id, week, 400)


def private_notes_panel(circle, meeting, lang: str):
    """For the meeting page: the viewer's own notes form and checklist, or None."""
    if not notes.may_keep_notes(circle, current_user):
        return None
    return notes_panel_of(
        circle.id, meeting.id, meeting.week, circle.guide_week(meeting.week), lang
    )


def notes_panel_of(circle_id: int, meeting_id: int, week: int, guide_week: int, lang: str):
    """The current member's notes form and checklist for a meeting, by ids (a kept meeting
    page has no loaded circle or meeting; it knows they are a member)."""
    draft = g.get("private_notes_draft")
    form = NotesForm(formdata=None)
    if draft is not None:
        form.body.data = draft["body"]
        form.body.errors = [draft["error"]]
        ticked = draft["done"]
    else:
        form.body.data = notes.note_by(current_user, meeting_id)
        ticked = None
    return {
        "form": form,
        "items": notes.checklist_by(current_user, meeting_id, guide_week, lang, ticked=ticked),
        "action": url_for("personal.save_notes", circle_id=circle_id, week=week),
    }


bp.add_app_template_global(private_notes_panel, "private_notes_panel")


# --- settings: download my data, delete my account -------------------------------------------


@bp.get("/settings/my-data")
@login_required
def my_data():
    """What wol holds about the person, and the two things they can do with it."""
    return render_template("personal/my_data.html")


@bp.get("/settings/my-data/download")
@login_required
def download():
    """The export as a JSON file download."""
    now = utcnow()
    response = make_response(export_json(current_user, now))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(now)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _handover_choices(user) -> list[dict]:
    """Per running circle the person organises: who could take over (empty: nobody)."""
    return [
        {"circle": circle, "members": erase.successors(circle, user)}
        for circle in erase.running_circles_organised(user)
    ]


def _read_handovers(choices: list[dict]) -> dict[int, int | None]:
    """The hand-over chosen per circle in the form: a member's id, None to end it."""
    chosen: dict[int, int | None] = {}
    for item in choices:
        value = request.form.get(f"handover-{item['circle'].id}", "")
        if value == "end":
            chosen[item["circle"].id] = None
        elif value.isdigit():
            chosen[item["circle"].id] = int(value)
    return chosen


def _confirmed(user, answer: str | None) -> bool:
    """The password again. An account that signs in only through single sign-on has none: its
    owner confirms who they are with the provider instead (/sso/confirm, minutes ago, in this
    browser), since an address is something anyone at an unlocked screen can type."""
    if user.password_hash:
        return check_password_hash(user.password_hash, answer or "")
    return sso_enabled() and confirmed_recently(session, user)


@bp.route("/settings/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete my account, with the password asked again and running circles handed on."""
    form = DeleteAccountForm()
    if not current_user.password_hash:
        del form.password  # confirmed with the provider instead, see _confirmed
    choices = _handover_choices(current_user)
    handover_error = confirm_error = None
    if form.validate_on_submit():
        key = counter_key("erase-password", str(current_user.id))
        if not ratelimits.take(key, 10, timedelta(hours=1), utcnow()):
            db.session.commit()
            too_many = _("Too many tries. Wait an hour and try again.")
            if "password" in form:
                form.password.errors.append(too_many)
            else:
                confirm_error = too_many
        elif not _confirmed(current_user, form.password.data if "password" in form else None):
            db.session.commit()
            if current_user.password_hash:
                form.password.errors.append(_("That is not your password."))
            else:
                confirm_error = _("Confirm who you are first, then delete your account.")
        else:
            user = current_user._get_current_object()
            lang = user.language
            try:
                erase.erase_account(user, handovers=_read_handovers(choices), now=utcnow())
            except DomainError as exc:
                db.session.rollback()
                if exc.field == "handover":
                    handover_error = exc.message
                elif "password" in form:
                    form.password.errors.append(exc.message)
                else:
                    confirm_error = exc.message
            else:
                db.session.commit()
                session.clear()
                logout_user()
                session["lang"] = lang
                with force_locale(lang):
                    flash(
                        _(
                            "Your account is deleted. Everything wol held about you is gone; "
                            "circles keep only anonymous counts."
                        ),
                        "success",
                    )
                return redirect(url_for("main.index"))
    status = 400 if (form.errors or handover_error or confirm_error) else 200
    return render_template(
        "personal/delete.html",
        form=form,
        choices=choices,
        handover_error=handover_error,
        confirm_error=confirm_error,
        sso_enabled=sso_enabled(),
        sso_confirmed=sso_enabled() and confirmed_recently(session, current_user),
        sso_label=button_label() if sso_enabled() else None,
    ), status
