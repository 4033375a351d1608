"""Language and time zone selection, the list of time zones people can pick from, and the
translation of wol's own strings in Python code (``from wol.i18n import gettext as _``).

``gettext`` and ``ngettext`` are Flask-Babel's (the request's locale, ``force_locale`` for mail
in the reader's language), but read the catalog kept on the request (``wol.cache.catalog``)
instead of looking the domain, the locale and the catalog up through Flask's context proxies
for every string: the organisers' dashboard translates some five hundred."""

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import get_timezone_location
from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from wol.cache import catalog

LANGUAGES = ("nl", "en")
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
COMMON_TIMEZONES = (
    "Europe/Brussels",
    "Europe/Amsterdam",
    "Europe/Luxembourg",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/London",
    "UTC",
)


def gettext(string: str, **variables) -> str:
    """``string`` in the current language, with ``variables`` put in."""
    translated = catalog().ugettext(string)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The form for ``num`` of ``singular``/``plural`` in the current language, with
    ``%(num)d`` and ``variables`` put in."""
    variables.setdefault("num", num)
    return catalog().ungettext(singular, plural, num) % variables


def select_locale() -> str:
    """Pick the language: user setting, then ?lang=, then the visitor's choice, then headers.

    The session also keeps the signed-in person's language, for pages drawn when the database
    (and so the account) cannot be reached.
    """
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    chosen = session.get("lang") or session.get("account_lang")
    if chosen in LANGUAGES:
        return chosen
    return (
        request.accept_languages.best_match(LANGUAGES) or current_app.config["WOL_DEFAULT_LANGUAGE"]
    )


def select_timezone() -> str:
    """Pick the time zone dates are shown in: the user's, else the configured default."""
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return current_app.config["WOL_DEFAULT_TIMEZONE"]


@lru_cache(maxsize=1)
def all_timezones() -> tuple[str, ...]:
    """Every IANA zone name this system knows, sorted, without legacy aliases."""
    names = {
        name
        for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    }
    return tuple(sorted(names | {"UTC"}))


def is_timezone(name: str) -> bool:
    """Tell whether ``name`` is an IANA time zone wol accepts."""
    return name in all_timezones()


# How dates and times are written per language: people in Belgium and the Netherlands read
# English with a 24-hour clock and the day before the month, as in Britain.
FORMAT_LOCALES = {"en": "en_GB"}


def formatting_locale() -> Locale:
    """The locale dates, times and numbers are written in, for the current language."""
    language = str(get_locale() or "nl")
    return Locale.parse(FORMAT_LOCALES.get(language, language))


def in_zone(moment: datetime, tz: str, fmt: str = "EEEE d MMMM y, HH:mm") -> str:
    """Format ``moment`` in time zone ``tz`` and the current language (for mails and invites)."""
    return babel_format_datetime(moment, fmt, tzinfo=ZoneInfo(tz), locale=formatting_locale())


# CLDR regions for the first part of a zone name, so the picker's groups read in the language.
ZONE_REGIONS = {
    "Africa": "002",
    "America": "019",
    "Antarctica": "AQ",
    "Asia": "142",
    "Australia": "009",
    "Europe": "150",
    "Pacific": "009",
}


@lru_cache(maxsize=4096)
def zone_label(name: str, language: str) -> str:
    """A zone as people say it, in ``language``: "Brussel (België)", "New York
    (Verenigde Staten)"; the IANA name where Babel knows no better."""
    if name == "UTC" or "/" not in name:
        return name
    try:
        city = get_timezone_location(name, locale=language, return_city=True)
        territory = get_global("zone_territories").get(name)
        country = Locale.parse(language).territories.get(territory) if territory else None
    except (LookupError, ValueError):
        return name.replace("_", " ")
    return f"{city} ({country})" if country and country != city else city


def zone_region(name: str, language: str) -> str | None:
    """The continent of a zone in ``language``, or None where CLDR has no name for it."""
    code = ZONE_REGIONS.get(name.split("/", 1)[0])
    return Locale.parse(language).territories.get(code) if code else None
