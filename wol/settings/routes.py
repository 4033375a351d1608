"""The settings page."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_login import current_user, login_required

from wol.auth.models import organisation_suggestions
from wol.errors import DomainError
from wol.extensions import db
from wol.i18n import gettext as _
from wol.settings import bp
from wol.settings.forms import SettingsForm
from wol.settings.service import update_settings


@bp.route("", methods=["GET", "POST"])
@login_required
def edit():
    """Show and save a person's settings."""
    form = SettingsForm(obj=current_user if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            update_settings(
                current_user,
                display_name=form.display_name.data,
                language=form.language.data,
                timezone=form.timezone.data,
                organisation=form.organisation.data,
                meeting_reminders=form.meeting_reminders.data,
            )
        except DomainError as exc:
            db.session.rollback()
            getattr(form, exc.field or "display_name").errors.append(exc.message)
        else:
            db.session.commit()
            session["lang"] = current_user.language
            with force_locale(current_user.language):
                flash(_("Your settings are saved."), "success")
            return redirect(url_for("settings.edit"))
    return (
        render_template("settings/edit.html", form=form, suggestions=organisation_suggestions()),
        400 if form.errors else 200,
    )
