"""The check-in correction form: held or not, and who was there."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectMultipleField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Regexp
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (one per person) instead of a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CorrectionForm(FlaskForm):
    """Correct what is recorded for a meeting."""

    held = RadioField(
        _l("Did the meeting take place?"),
        choices=[
            SelectChoice("yes", _l("Yes, we met")),
            SelectChoice("no", _l("No, we did not meet")),
        ],
        validators=[DataRequired(message=_l("Choose one."))],
    )
    attendees = CheckboxesField(_l("Who was there?"), coerce=int, validate_choice=False)
    version = HiddenField(validators=[InputRequired(), Regexp(r"^\d{1,9}$")])
    submit = SubmitField(_l("Save"))
