"""Forms for starting a circle, inviting, moving and skipping meetings, ending a circle."""

from datetime import timedelta

from babel.dates import get_day_names
from email_validator import EmailNotValidError, validate_email
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from wol.forms import (
    PlainText,
    language_field,
    normalise_newlines,
    strip_text,
    timezone_field,
)
from wol.i18n import gettext as _
from wol.timestamps import utcnow


def validate_web_link(form, field) -> None:
    """Accept only http(s) links: they end up as clickable links for every member."""
    value = (field.data or "").strip()
    field.data = value
    if value and not value.lower().startswith(("https://", "http://")):
        raise ValidationError(_l("Enter a full link that starts with https://"))


class DateRequired:
    """A date must be given; the message shows an example the form accepts (a week from now)."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        if field.data is None:
            field.errors[:] = []
            example = (utcnow().date() + timedelta(days=7)).isoformat()
            raise StopValidation(_("Enter a date, like %(example)s.", example=example))


def kind_choices() -> list[SelectChoice]:
    """Where a circle meets."""
    return [
        SelectChoice("in_person", _l("In person")),
        SelectChoice("online", _l("Online")),
        SelectChoice("hybrid", _l("Both: in a room and online")),
    ]


class CircleForm(FlaskForm):
    """Start a circle."""

    name = StringField(
        _l("Name of the circle"),
        validators=[
            DataRequired(message=_l("Give the circle a name.")),
            Length(max=80, message=_l("Use at most %(max)d characters.", max=80)),
            PlainText(name=True),
        ],
        filters=[strip_text],
        description=_l("For example: Circle Digital Government."),
    )
    language = language_field(_l("Language of the guide"))
    first_day = DateField(
        _l("Date of the first meeting"),
        validators=[DateRequired()],
        description=_l(
            "The other eleven follow weekly on the same weekday and time. A circle "
            "that already runs can start up to 12 weeks ago."
        ),
    )
    local_time = TimeField(
        _l("Time"), validators=[DataRequired(message=_l("Enter a time, like 12:00."))]
    )
    timezone = timezone_field()
    duration_minutes = IntegerField(
        _l("Length of a meeting in minutes"),
        default=60,
        validators=[
            DataRequired(message=_l("Enter a number of minutes.")),
            NumberRange(min=15, max=240, message=_l("A meeting lasts between 15 and 240 minutes.")),
        ],
    )
    kind = SelectField(_l("Where do you meet?"), choices=kind_choices(), validate_choice=False)
    place = StringField(
        _l("Room or place"),
        validators=[
            Optional(),
            Length(max=200, message=_l("Use at most %(max)d characters.", max=200)),
            PlainText(),
        ],
        filters=[strip_text],
        description=_l("For example: Meeting room 4.12, Kunstberg, Brussels."),
    )
    video_url = StringField(
        _l("Video-call link"),
        validators=[Optional(), Length(max=500), PlainText(), validate_web_link],
        render_kw={"inputmode": "url", "spellcheck": "false"},
    )
    chat_url = StringField(
        _l("Chat link (optional)"),
        validators=[Optional(), Length(max=500), PlainText(), validate_web_link],
        description=_l(
            "A Teams, Viva Engage, Slack or Workplace group where the circle talks "
            "between meetings."
        ),
        render_kw={"inputmode": "url", "spellcheck": "false"},
    )
    description = TextAreaField(
        _l("Short description (optional)"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Use at most %(max)d characters.", max=500)),
            PlainText(multiline=True),
        ],
        filters=[normalise_newlines],
        render_kw={"rows": 3},
    )
    join = BooleanField(_l("I will be a member of this circle myself"), default=True)
    listed = BooleanField(
        _l("List it in “Find a circle”, so colleagues looking for a circle can join"),
        default=True,
        description=_l("Off: only people with the invite link find it. You can change this later."),
    )
    members_may_invite = BooleanField(_l("Members may share the invite link"), default=True)
    submit = SubmitField(_l("Start the circle"))


class InviteEmailForm(FlaskForm):
    """Send the invite link to colleagues."""

    addresses = TextAreaField(
        _l("Email addresses"),
        validators=[DataRequired(message=_l("Enter at least one email address."))],
        description=_l("One per line or separated by commas, at most 10."),
        render_kw={"rows": 3, "spellcheck": "false"},
    )
    submit = SubmitField(_l("Send invitations"))

    def validate_addresses(self, field) -> None:
        """Every address must look like one; at most ten."""
        parts = [p.strip() for p in field.data.replace(",", "\n").replace(";", "\n").split("\n")]
        addresses = [p for p in parts if p]
        if len(addresses) > 10:
            raise ValidationError(_l("Invite at most %(count)d people at a time.", count=10))
        for address in addresses:
            try:
                validate_email(address, check_deliverability=False)
            except EmailNotValidError as exc:
                raise ValidationError(
                    _l("This is not an email address: %(address)s", address=address[:80])
                ) from exc
        self.address_list = list(dict.fromkeys(a.lower() for a in addresses))


class MoveMeetingForm(FlaskForm):
    """Move one meeting."""

    day = DateField(_l("New date"), validators=[DataRequired(message=_l("Enter a date."))])
    at = TimeField(_l("New time"), validators=[DataRequired(message=_l("Enter a time."))])
    submit = SubmitField(_l("Move this meeting"))


class SkipMeetingForm(FlaskForm):
    """Skip one meeting date."""

    shift = RadioField(
        _l("What happens to the later weeks?"),
        choices=[
            SelectChoice("yes", _l("They all move one week later, so we still have 12 meetings")),
            SelectChoice("no", _l("They stay on their dates; we skip this week's meeting")),
        ],
        default="yes",
        validators=[DataRequired(message=_l("Choose one."))],
    )
    submit = SubmitField(_l("Skip this date"))


class EndCircleForm(FlaskForm):
    """End a circle early."""

    reason = TextAreaField(
        _l("Why does the circle end?"),
        validators=[
            DataRequired(message=_l("Say in a few words why the circle ends.")),
            Length(max=300, message=_l("Use at most %(max)d characters.", max=300)),
            PlainText(multiline=True),
        ],
        filters=[normalise_newlines],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("End the circle"))


class LeaveForm(FlaskForm):
    """Leave a circle: only the confirmation page sends ``confirmed``."""

    confirmed = HiddenField(validators=[AnyOf(["yes"])])
    submit = SubmitField(_l("Yes, leave this circle"))


class ConfirmForm(FlaskForm):
    """A form with only a CSRF token and a button (join, leave, rotate...)."""

    submit = SubmitField(_l("Confirm"))


class CircleEditForm(FlaskForm):
    """Change a circle's details (wol/circles/editing.py says who may change which)."""

    # The same fields, labels and checks as when the circle was started.
    name = CircleForm.name
    description = CircleForm.description
    kind = CircleForm.kind
    duration_minutes = CircleForm.duration_minutes
    place = CircleForm.place
    video_url = CircleForm.video_url
    chat_url = CircleForm.chat_url
    submit = SubmitField(_l("Save changes"))

    def keep_only(self, names) -> None:
        """Leave out the fields the person may not change."""
        for name in (
            "name",
            "description",
            "kind",
            "duration_minutes",
            "place",
            "video_url",
            "chat_url",
        ):
            if name not in names:
                delattr(self, name)


def weekday_choices() -> list[SelectChoice]:
    """Monday to Sunday, named in the reader's language."""
    names = get_day_names("wide", locale=str(get_locale() or "nl"))
    return [SelectChoice(str(day), names[day]) for day in range(7)]


def _small_number(value) -> int:
    """A posted choice as a number; -1 for anything else (the rules then say what to choose)."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() and len(text) < 3 else -1


class WeeklyTimeForm(FlaskForm):
    """Change the weekly day and time from a chosen week on."""

    from_week = SelectField(
        _l("From week"),
        coerce=_small_number,
        validate_choice=False,
        validators=[NumberRange(min=1, max=12, message=_l("Choose a week from the list."))],
    )
    weekday = SelectField(
        _l("New day"),
        coerce=_small_number,
        validate_choice=False,
        validators=[NumberRange(min=0, max=6, message=_l("Choose a day of the week."))],
    )
    at = TimeField(_l("New time"), validators=[DataRequired(message=_l("Enter a time."))])
    submit = SubmitField(_l("Change the weekly time"))
