"""A person's own pages: private notes on meeting pages, download my data, delete my account."""

from flask import abort, flash, g, jsonify, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from wol.access import meeting_of, viewable_circle
from wol.errors import DomainError
from wol.extensions import db
from wol.personal import bp, notes
from wol.personal.forms import NotesForm


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
    draft = g.get("private_notes_draft")
    form = NotesForm(formdata=None)
    if draft is not None:
        form.body.data = draft["body"]
        form.body.errors = [draft["error"]]
        items = notes.checklist(current_user, meeting, lang, ticked=draft["done"])
    else:
        form.body.data = notes.note_of(current_user, meeting)
        items = notes.checklist(current_user, meeting, lang)
    return {
        "form": form,
        "items": items,
        "action": url_for("personal.save_notes", circle_id=circle.id, week=meeting.week),
    }


bp.add_app_template_global(private_notes_panel, "private_notes_panel")
