"""The calendar settings form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired


class CalendarSettingsForm(FlaskForm):
    """Invitations by e-mail, or a feed."""

    delivery = RadioField(
        _l("How do the meetings reach your calendar?"),
        choices=[
            SelectChoice(
                "email",
                _l(
                    "Invitations by email (works in Outlook, Gmail and Apple "
                    "Mail: accept once and all meetings are in)"
                ),
            ),
            SelectChoice(
                "feed",
                _l(
                    "A calendar feed only (subscribe once; your calendar fetches changes by itself)"
                ),
            ),
        ],
        validators=[DataRequired(message=_l("Choose one."))],
    )
    submit = SubmitField(_l("Save"))
