"""Forms of the directory: sharing settings of a circle, the quiet-periods list."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class SharingForm(FlaskForm):
    """The organiser lists the circle or keeps it to its invite link; members may invite."""

    listed = BooleanField(_l("List the circle in “Find a circle”, so colleagues can join it"))
    members_may_invite = BooleanField(_l("Members may share the invite link"))
    submit = SubmitField(_l("Save"))


class QuietPeriodsForm(FlaskForm):
    """The admin edits the quiet periods as text, one period a line."""

    body = TextAreaField(
        _l("Quiet periods, one a line"),
        validators=[
            DataRequired(message=_l("The list cannot be empty.")),
            Length(max=200_000, message=_l("The list is too long.")),
        ],
        render_kw={"rows": 24, "spellcheck": "false"},
    )
    submit = SubmitField(_l("Save the list"))
