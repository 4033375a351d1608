"""Form pieces shared by several features: language and time zone choices, text checks."""

import unicodedata
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from wol.errors import DomainError
from wol.extensions import db
from wol.i18n import (
    COMMON_TIMEZONES,
    LANGUAGE_NAMES,
    LANGUAGES,
    all_timezones,
    is_timezone,
    zone_label,
    zone_region,
)

# Invisible characters that change how a name reads: zero-width ones and direction overrides
# (a "right-to-left override" makes "Ann\u202eetsol" show as "Annloste").
INVISIBLE_IN_NAMES = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
    "\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0"
)


JOINERS = "\u200c\u200d"


def text_problem(value: str, *, multiline: bool = False, name: bool = False) -> str | None:
    """Why ``value`` cannot be stored as text people see, or None when it can.

    Refused everywhere: control characters (C0 and C1, so also tab, vertical tab, form feed, file
    separator, NEL), line and paragraph separators, and lone surrogates.
    Multi-line text may hold ordinary line breaks (\\n). Names also refuse invisible characters.
    """
    for char in value:
        if char == "\n" and multiline:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp", "Cs"):
            return "control"
        # Joiners stay allowed: some scripts and emoji need them.
        if name and (char in INVISIBLE_IN_NAMES or (category == "Cf" and char not in JOINERS)):
            return "invisible"
    return None


def normalise_newlines(value):
    """Browsers send a textarea's line breaks as CR LF; keep them as LF."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def strip_text(value):
    """Leading and trailing spaces never matter in a name or a place."""
    return value.strip() if isinstance(value, str) else value


class PlainText:
    """WTForms validator: refuse control characters (and, for names, invisible ones)."""

    def __init__(self, *, multiline: bool = False, name: bool = False):
        self.multiline = multiline
        self.name = name

    def __call__(self, form, field) -> None:
        """Raise ValidationError with a message that says what to remove."""
        problem = text_problem(field.data or "", multiline=self.multiline, name=self.name)
        if problem == "control":
            raise ValidationError(
                _l("Remove the line breaks and other control characters.")
                if not self.multiline
                else _l("Remove the control characters (tabs and the like).")
            )
        if problem == "invisible":
            raise ValidationError(
                _l("Remove the invisible characters (zero-width or direction marks).")
            )


def language_choices() -> list[SelectChoice]:
    """The guide and interface languages, each named in its own language (and marked so: an
    "English" option on a Dutch page is English on purpose)."""
    return [
        SelectChoice(code, LANGUAGE_NAMES[code], render_kw={"lang": code}) for code in LANGUAGES
    ]


def timezone_choices() -> list[SelectChoice]:
    """Time zones named in the reader's language ("Brussel (België)"): the common ones first,
    the rest by continent."""
    return list(_timezone_choices(str(get_locale() or "nl")))


@lru_cache(maxsize=8)
def _timezone_choices(language: str) -> tuple[SelectChoice, ...]:
    """The choices for one language, built once: Babel's names take a while to look up."""
    common = [
        SelectChoice(name, zone_label(name, language), optgroup=_l("Most used"))
        for name in COMMON_TIMEZONES
    ]
    rest = sorted(
        (
            (zone_region(name, language) or "~", zone_label(name, language), name)
            for name in all_timezones()
            if name not in COMMON_TIMEZONES
        ),
    )
    return tuple(
        common
        + [
            SelectChoice(name, label, optgroup=region if region != "~" else _l("Elsewhere"))
            for region, label, name in rest
        ]
    )


def validate_timezone(form, field) -> None:
    """Refuse a time zone that is not a known IANA name."""
    if not is_timezone(field.data or ""):
        raise ValidationError(_l("Choose a time zone from the list."))


def validate_language(form, field) -> None:
    """Refuse a language wol does not speak."""
    if field.data not in LANGUAGES:
        raise ValidationError(_l("Choose Dutch or English."))


def email_field(label=None) -> StringField:
    """An email address field with the usual checks and a clear message."""
    return StringField(
        label or _l("Email address"),
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
            Email(
                message=_l("Enter a valid email address, like name@example.org."),
                check_deliverability=False,
            ),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )


def display_name_field() -> StringField:
    """The name other members see."""
    return StringField(
        _l("Your name"),
        validators=[
            DataRequired(message=_l("Enter the name other members will see.")),
            Length(max=80, message=_l("A name has at most 80 characters.")),
            PlainText(name=True),
        ],
        filters=[strip_text],
        render_kw={"autocomplete": "name"},
    )


def language_field(label=None) -> SelectField:
    """A select for nl or en."""
    return SelectField(
        label or _l("Language"),
        choices=language_choices(),
        validators=[validate_language],
        validate_choice=False,
    )


def timezone_field(label=None) -> SelectField:
    """A select of IANA time zones."""
    return SelectField(
        label or _l("Time zone"),
        choices=timezone_choices,
        validators=[validate_timezone],
        validate_choice=False,
    )


def show_domain_error(form, exc: DomainError) -> None:
    """Undo the request's changes and show a domain error beside the field it concerns (or
    above the form when it concerns no field)."""
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None:
        form.form_errors.append(exc.message)
    else:
        field.errors = [*field.errors, exc.message]
