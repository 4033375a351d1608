"""Weekly slots of a round: codes like "1@12:00" (weekday, Monday = 0, and local time)."""

import re
from datetime import time

from babel.dates import get_day_names
from flask import has_request_context
from flask_babel import get_locale

_CODE = re.compile(r"([0-6])@([01]\d|2[0-3]):([0-5]\d)")
_TEXT = re.compile(r"([^\W\d_]+)\.?\s+([01]?\d|2[0-3])[:.h]([0-5]\d)", re.UNICODE)
_DAYS = {}
for _locale in ("en", "nl"):
    for _width in ("wide", "abbreviated", "short"):
        for _n, _name in get_day_names(_width, locale=_locale).items():
            _DAYS.setdefault(_name.lower().rstrip("."), _n)


def make_code(weekday: int, at: time) -> str:
    """The code of a weekday (Monday = 0) and a local time."""
    return f"{weekday}@{at:%H:%M}"


def slot_parts(code: str) -> tuple[int, time]:
    """Weekday and local time of a slot code."""
    match = _CODE.fullmatch(code)
    if match is None:
        raise ValueError(code)
    return int(match[1]), time(int(match[2]), int(match[3]))


def slot_code(text: str) -> str | None:
    """A slot code from a code or from words ("Tuesday 12:00", "di 12.00"), else None."""
    text = text.strip()
    if _CODE.fullmatch(text):
        return text
    match = _TEXT.fullmatch(text)
    if match is None or match[1].lower() not in _DAYS:
        return None
    return make_code(_DAYS[match[1].lower()], time(int(match[2]), int(match[3])))


def slot_label(code: str, locale: str | None = None) -> str:
    """ "Tuesday 12:00" in the reader's language (or ``locale``); text that is not a slot
    code (a spreadsheet's own words) is shown as it is."""
    if _CODE.fullmatch(code) is None:
        return code
    weekday, at = slot_parts(code)
    if locale is None:
        locale = str(get_locale()) if has_request_context() else "en"
    return f"{get_day_names('wide', locale=locale)[weekday]} {at:%H:%M}"
