"""Circle health in words: status names and reasons in the viewer's language and time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from wol.health.status import Health, Thresholds
from wol.i18n import gettext as _
from wol.i18n import ngettext

STATUS_LABELS = {
    "forming": _l("forming"),
    "active": _l("active"),
    "at_risk": _l("at risk"),
    "stalled": _l("stalled"),
    "finished": _l("finished"),
    "ended_early": _l("ended early"),
}


def status_label(status: str) -> str:
    """The status in the current language ("at risk", "kwetsbaar")."""
    return str(STATUS_LABELS[status])


def day_text(moment: datetime, tz: str, now: datetime | None = None) -> str:
    """A day in the viewer's zone: "3 March", with the year when it is not this year."""
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone).date()
    same_year = now is not None and now.astimezone(zone).year == local.year
    return format_date(local, "d MMMM" if same_year else "d MMMM y", locale=get_locale())


def describe(
    health: Health,
    tz: str,
    now: datetime | None = None,
    thresholds: Thresholds = Thresholds(),  # noqa: B008 - frozen
) -> str:
    """The reason for ``health`` in one sentence, dates in ``tz`` ("... since 3 March")."""
    reason = health.reason
    date = day_text(reason.date, tz, now) if reason.date is not None else ""
    num = reason.count or 0
    code = reason.code
    if code == "forming":
        if not date:
            return _("%(num)d members so far; no meeting is planned.", num=num)
        return ngettext(
            "%(num)d member so far; %(needed)d are needed by the first meeting on %(date)s.",
            "%(num)d members so far; %(needed)d are needed by the first meeting on %(date)s.",
            num,
            needed=thresholds.min_members_to_start,
            date=date,
        )
    if code == "starts":
        return _("Starts on %(date)s with %(num)d members.", date=date, num=num)
    if code == "started":
        return _("Started on %(date)s.", date=date)
    if code == "held":
        return _("Week %(week)d held on %(date)s.", week=reason.week, date=date)
    if code == "not_recorded":
        return _("The meeting of %(date)s has not been recorded.", date=date)
    if code == "not_held":
        return _("The meeting of %(date)s did not take place.", date=date)
    if code == "low_attendance":
        return ngettext(
            "Only %(num)d person attended on %(date)s.",
            "Only %(num)d people attended on %(date)s.",
            num,
            date=date,
        )
    if code == "not_held_in_a_row":
        return ngettext(
            "%(num)d meeting in a row not held since %(date)s.",
            "%(num)d meetings in a row not held since %(date)s.",
            num,
            date=date,
        )
    if code == "not_recorded_in_a_row":
        return ngettext(
            "%(num)d meeting in a row not recorded since %(date)s.",
            "%(num)d meetings in a row not recorded since %(date)s.",
            num,
            date=date,
        )
    if code == "missed_in_a_row":
        return ngettext(
            "%(num)d meeting in a row not held or not recorded since %(date)s.",
            "%(num)d meetings in a row not held or not recorded since %(date)s.",
            num,
            date=date,
        )
    if code == "silent":
        return ngettext(
            "Nothing held since %(date)s (%(num)d day).",
            "Nothing held since %(date)s (%(num)d days).",
            num,
            date=date,
        )
    if code == "silent_since_start":
        return _("Nothing held since the first meeting on %(date)s.", date=date)
    if code == "finished":
        if reason.week in (None, 12):
            return _("Week 12 held on %(date)s.", date=date)
        return _(
            "Week %(week)d, the last of the follow-up, held on %(date)s.",
            week=reason.week,
            date=date,
        )
    if code == "ended":
        return _("Ended by a member on %(date)s.", date=date)
    if code == "too_few":
        return ngettext("Only %(num)d member left.", "Only %(num)d members left.", num)
    raise ValueError(f"no words for health reason {code!r}")
