"""Form pieces shared by several features: language and time zone choices, text limits."""

from functools import lru_cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from wol.i18n import (
    COMMON_TIMEZONES,
    LANGUAGE_NAMES,
    LANGUAGES,
    all_timezones,
    is_timezone,
    zone_label,
    zone_region,
)


def language_choices() -> list[SelectChoice]:
    """The guide and interface languages, each named in its own language."""
    return [SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]


def timezone_choices() -> list[SelectChoice]:
    """Time zones named in the reader's language ("Brussel (België)"): the common ones first,
    the rest by continent."""
    return list(_timezone_choices(str(get_locale() or "nl")))


@lru_cache(maxsize=8)
def _timezone_choices(language: str) -> tuple[SelectChoice, ...]:
    """The choices for one language, built once: Babel's names take a while to look up."""
    common = [SelectChoice(name, zone_label(name, language), optgroup=_l("Most used"))
              for name in COMMON_TIMEZONES]
    rest = sorted(
        ((zone_region(name, language) or "~", zone_label(name, language), name)
         for name in all_timezones() if name not in COMMON_TIMEZONES),
    )
    return tuple(common + [SelectChoice(name, label, optgroup=region if region != "~"
                                        else _l("Elsewhere"))
                           for region, label, name in rest])


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
            Email(message=_l("Enter a valid email address, like name@example.org."),
                  check_deliverability=False),
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
        ],
        render_kw={"autocomplete": "name"},
    )


def language_field(label=None) -> SelectField:
    """A select for nl or en."""
    return SelectField(
        label or _l("Language"), choices=language_choices(), validators=[validate_language],
        validate_choice=False,
    )


def timezone_field(label=None) -> SelectField:
    """A select of IANA time zones."""
    return SelectField(
        label or _l("Time zone"), choices=timezone_choices, validators=[validate_timezone],
        validate_choice=False,
    )
