"""The settings form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length, Optional

from wol.forms import (
    PlainText,
    display_name_field,
    language_field,
    strip_text,
    timezone_field,
)


class SettingsForm(FlaskForm):
    """What a person can change about themselves."""

    display_name = display_name_field()
    language = language_field()
    timezone = timezone_field()
    organisation = StringField(
        _l("Organisation or department"),
        validators=[
            Optional(),
            Length(max=120, message=_l("Use at most %(max)d characters.", max=120)),
            PlainText(name=True),
        ],
        filters=[strip_text],
        description=_l("Used to mix people from different teams when circles are formed."),
        render_kw={"list": "organisation-suggestions", "autocomplete": "organization"},
    )
    meeting_reminders = BooleanField(
        _l("Mail me a reminder the day before each meeting"),
        description=_l("With the time, the place or video link and the week's guide."),
    )
    submit = SubmitField(_l("Save settings"))
