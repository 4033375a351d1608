"""Forms of a person's own pages: private notes, and deleting the account."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from wol.forms import PlainText, normalise_newlines
from wol.personal.models import MAX_NOTE_CHARS


class NotesForm(FlaskForm):
    """The private notes box and the week's exercise checklist of a meeting page."""

    body = TextAreaField(
        _l("My notes"),
        validators=[
            Length(
                max=MAX_NOTE_CHARS,
                message=_l(
                    "Your notes are too long: use at most %(max)d characters.", max=MAX_NOTE_CHARS
                ),
            ),
            PlainText(multiline=True),
        ],
        filters=[normalise_newlines],
    )
    # The ids of the ticked exercises; the service keeps only the week's own (a page opened
    # before the guide changed may still send an old one).
    done = SelectMultipleField(_l("Exercises"), validate_choice=False, coerce=str)
    submit = SubmitField(_l("Save my notes"))


class DeleteAccountForm(FlaskForm):
    """Deleting one's account: the password again; hand-overs are read from the request."""

    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(message=_l("Enter your password to confirm."))],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Delete my account"))
