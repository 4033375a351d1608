"""Read the calendar part of a mail as the events a calendar client would show."""

from dataclasses import dataclass
from datetime import date, datetime

import icalendar


@dataclass(frozen=True)
class CalendarEvent:
    """One VEVENT as a person would read it in their calendar."""

    summary: str
    starts: datetime | date | None
    ends: datetime | date | None
    status: str
    recurrence: str
    recurrence_id: datetime | date | None


def calendar_events(text: str | None) -> tuple[str, list[CalendarEvent]]:
    """The METHOD and the events of an iCalendar text; ``("", [])`` for none or unreadable."""
    if not text:
        return "", []
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError:
        return "", []
    events = []
    for event in calendar.walk("VEVENT"):
        rule = event.get("RRULE")
        events.append(
            CalendarEvent(
                summary=str(event.get("SUMMARY", "")),
                starts=_value(event.get("DTSTART")),
                ends=_value(event.get("DTEND")),
                status=str(event.get("STATUS", "")),
                recurrence=rule.to_ical().decode() if rule is not None else "",
                recurrence_id=_value(event.get("RECURRENCE-ID")),
            )
        )
    return str(calendar.get("METHOD", "")), events


def _value(prop) -> datetime | date | None:
    """The date or date-time of a DTSTART-like property, if any."""
    return getattr(prop, "dt", None)
