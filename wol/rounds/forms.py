"""Forms for opening a round, signing up, importing, moving a person."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup
from wtforms import (
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, html_params

from wol.circles.forms import kind_choices, validate_web_link
from wol.forms import (
    PlainText,
    language_choices,
    normalise_newlines,
    strip_text,
    timezone_field,
)
from wol.rounds.slots import slot_code


class _CheckboxList(ListWidget):
    """Checkboxes in a list; a label says its language when its choice has one (a language
    named in its own language: "English" on a Dutch page is English on purpose)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        items = []
        for option in field:
            lang = option.choice.render_kw.get("lang")
            label = option.label(lang=lang) if lang else option.label()
            items.append(f"<li>{option()} {label}</li>")
        tag = self.html_tag
        # Every part is HTML that WTForms escaped, as in its own ListWidget.
        return Markup(f"<{tag} {html_params(**kwargs)}>{''.join(items)}</{tag}>")  # noqa: S704


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = _CheckboxList(prefix_label=False)
    option_widget = CheckboxInput()


def _lines(text: str | None) -> list[str]:
    """Non-empty lines (or comma/semicolon-separated values) of a text box."""
    parts = (text or "").replace(",", "\n").replace(";", "\n").split("\n")
    return [p.strip() for p in parts if p.strip()]


class RoundForm(FlaskForm):
    """Open a sign-up round."""

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("Give the round a title.")),
            Length(max=120, message=_l("Use at most %(max)d characters.", max=120)),
            PlainText(name=True),
        ],
        filters=[strip_text],
        description=_l("For example: Circles spring 2026, Ministry of Finance."),
    )
    description = TextAreaField(
        _l("Description (optional)"),
        validators=[
            Optional(),
            Length(max=1000, message=_l("Use at most %(max)d characters.", max=1000)),
            PlainText(multiline=True),
        ],
        filters=[normalise_newlines],
        description=_l("Shown on the sign-up page."),
        render_kw={"rows": 3},
    )
    languages = CheckboxesField(
        _l("Languages offered"), choices=language_choices(), validate_choice=False
    )
    slots = TextAreaField(
        _l("Weekly times to choose from"),
        description=_l(
            'One per line: a weekday and a time, like "Tuesday 12:00" or "dinsdag 12:00".'
        ),
        render_kw={"rows": 4, "spellcheck": "false"},
    )
    timezone = timezone_field()
    first_week = DateField(
        _l("First week of the circles"),
        validators=[DataRequired(message=_l("Enter a date, like 2026-03-02."))],
        description=_l("Any day of that week; each circle meets first on its weekday in it."),
    )
    deadline = DateField(
        _l("Sign-up deadline"),
        validators=[DataRequired(message=_l("Enter a date, like 2026-02-20."))],
        description=_l("People can sign up, change or withdraw until the end of this day."),
    )
    kind = SelectField(
        _l("Where do the circles meet?"),
        choices=kind_choices(),
        validate_choice=False,
        default="online",
    )
    place = StringField(
        _l("Room or place"),
        validators=[Optional(), Length(max=200), PlainText()],
        filters=[strip_text],
    )
    video_url = StringField(
        _l("Video-call link"),
        validators=[Optional(), Length(max=500), PlainText(), validate_web_link],
        render_kw={"inputmode": "url", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Open the round"))

    def validate_languages(self, field) -> None:
        """At least one language wol has guides in."""
        codes = {c.value for c in language_choices()}
        if not field.data or not set(field.data) <= codes:
            raise ValidationError(_l("Offer at least one language."))

    def validate_slots(self, field) -> None:
        """Every line must read as a weekday and a time."""
        codes = []
        for line in _lines(field.data):
            code = slot_code(line)
            if code is None:
                raise ValidationError(
                    _l(
                        '"%(line)s" is not a weekday and a time, like "Tuesday 12:00".',
                        line=line[:40],
                    )
                )
            codes.append(code)
        if not codes:
            raise ValidationError(_l("Offer at least one weekly time."))
        self.slot_codes = list(dict.fromkeys(codes))


class SignupForm(FlaskForm):
    """Sign up for a round, or change one's sign-up."""

    languages = CheckboxesField(_l("Languages I can do a circle in"), validate_choice=False)
    slots = CheckboxesField(
        _l("Times I can attend every week"),
        validate_choice=False,
        description=_l("Choose every time you can make: more times, more chance of a circle."),
    )
    department = StringField(
        _l("My department"),
        validators=[
            DataRequired(message=_l("Say which department you work in.")),
            Length(max=120, message=_l("Use at most %(max)d characters.", max=120)),
            PlainText(name=True),
        ],
        filters=[strip_text],
        description=_l("Circles mix departments; that is much of their value."),
    )
    be_with = StringField(
        _l("Someone I would like to be with (optional)"),
        validators=[Optional(), Length(max=254), PlainText()],
        filters=[strip_text],
        description=_l("Their email address. We try, but cannot promise."),
        render_kw={"inputmode": "email", "spellcheck": "false", "autocomplete": "off"},
    )
    not_with = TextAreaField(
        _l("People I should not be with (optional)"),
        description=_l(
            "Email addresses, one per line, for instance your own manager. Only you "
            "see this list; not the organiser, not the people named."
        ),
        render_kw={"rows": 2, "spellcheck": "false"},
    )
    submit = SubmitField(_l("Sign me up"))

    def validate_languages(self, field) -> None:
        """At least one language."""
        if not field.data:
            raise ValidationError(_l("Choose at least one language."))

    def validate_slots(self, field) -> None:
        """At least one slot."""
        if not field.data:
            raise ValidationError(_l("Choose at least one time."))

    @property
    def not_with_list(self) -> list[str]:
        """The addresses in the "not with" box."""
        return _lines(self.not_with.data)


class ImportForm(FlaskForm):
    """Import sign-ups from a CSV file."""

    file = FileField(
        _l("CSV file"),
        description=_l(
            "Columns: email, name, department, languages, slots, be-with, not-with. Separate "
            'several values in a cell with ";".'
        ),
    )
    submit = SubmitField(_l("Import sign-ups"))


class MoveForm(FlaskForm):
    """Move one person to another circle, or out of the circles."""

    person = StringField(validators=[DataRequired()])
    target = StringField(_l("Move to"), validators=[DataRequired()])  # a circle number or "out"
    submit = SubmitField(_l("Move"))
