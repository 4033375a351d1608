"""Forms for the harvest, withdrawing a story, and starting the next round."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from wol.circles.forms import DateRequired
from wol.forms import PlainText, normalise_newlines, strip_text
from wol.harvest.models import CIRCLE, MAX_TEXT, PRIVATE, STORIES


class AtMost:
    """Like WTForms' Length(max=...), without its ``maxlength`` attribute: with it a browser
    silently cuts a pasted text at the limit, and the person never learns what was lost."""

    def __init__(self, limit: int, message) -> None:
        self.limit = limit
        self.message = message

    def __call__(self, form, field) -> None:
        """Refuse a text over the limit; the field keeps what was typed."""
        if len(field.data or "") > self.limit:
            raise ValidationError(self.message)


def _harvest_text(label, description) -> TextAreaField:
    """One of the three optional harvest texts; too long keeps what was typed and says so."""
    return TextAreaField(
        label,
        validators=[
            AtMost(
                MAX_TEXT,
                _l(
                    "Use at most %(max)d characters. Shorten it "
                    "a little: what you wrote is still here.",
                    max=MAX_TEXT,
                ),
            ),
            PlainText(multiline=True),
        ],
        filters=[normalise_newlines],
        description=description,
        render_kw={"rows": 5},
    )


class HarvestForm(FlaskForm):
    """A member's harvest of a finished circle."""

    aim = _harvest_text(
        _l("What did you set out to do?"),
        _l("Your goal, as you saw it at the start. Optional, at most 2,000 characters."),
    )
    happened = _harvest_text(
        _l("What happened?"), _l("What you did, who you met, what came of it. Optional.")
    )
    learned = _harvest_text(_l("What did you learn?"), _l("What you take with you. Optional."))
    audience = RadioField(
        _l("Who may read it?"),
        choices=[
            SelectChoice(CIRCLE, _l("Keep it in the circle: the members of this circle")),
            SelectChoice(STORIES, _l("Share it on the stories page: everyone who signs in to wol")),
            SelectChoice(PRIVATE, _l("Only me")),
        ],
        default=CIRCLE,
        validators=[DataRequired(message=_l("Choose who may read your harvest."))],
    )
    anonymous = BooleanField(
        _l("On the stories page, show it as anonymous instead of with my first name")
    )
    submit = SubmitField(_l("Save my harvest"))


class WithdrawForm(FlaskForm):
    """Take a story off the stories page."""

    submit = SubmitField(_l("Withdraw from the stories page"))


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (one per person) instead of a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FollowUpForm(FlaskForm):
    """Start the next round: together, or a circle of one's own."""

    name = StringField(
        _l("Name of the new circle"),
        validators=[
            DataRequired(message=_l("Give the circle a name.")),
            Length(max=80, message=_l("Use at most %(max)d characters.", max=80)),
            PlainText(name=True),
        ],
        filters=[strip_text],
    )
    start_on = DateField(
        _l("Start from"),
        validators=[DateRequired()],
    )
    # The guide of the new round; a form posted without it (an older page) gets the twelve
    # weeks, as before.
    weeks = RadioField(
        _l("Which guide?"),
        coerce=int,
        choices=[
            SelectChoice(12, _l("The guide from week 1 again (12 weeks)")),
            SelectChoice(6, _l("A follow-up of 6 weeks")),
            SelectChoice(4, _l("A follow-up of 4 weeks")),
        ],
        default=12,
        description=_l(
            "The follow-up is a shorter guide for circles that know the method: a goal for "
            "the new round, deeper relationships, contributing as a habit. Its last week "
            "closes the round."
        ),
    )
    invite = CheckboxesField(
        _l("Whom do you invite?"),
        coerce=int,
        validate_choice=False,
        description=_l(
            "They get a mail and see the invitation on their "
            "home page; each one confirms. You can also "
            "invite nobody."
        ),
    )
    submit = SubmitField(_l("Start the new circle"))
