"""iCalendar (RFC 5545) rendering of circle meetings: feeds, downloads and iTIP e-mails.

Pure: imports the standard library, zoneinfo and `icalendar` only, so it is tested with
plain values. Same input gives byte-identical output: no random UIDs, no clock reads.

Design decision: two representations of the same meetings, one per channel.
    iTIP e-mail (render_calendar with method REQUEST, render_cancel): each circle is ONE
    recurring series with one stable UID. Why: iTIP (RFC 5546) requires every component of
    one REQUEST or CANCEL to share a UID, so an invitation that carries all 12 meetings has
    to be a single series, and each invitation carries one circle only.
    Feeds and downloads (render_events): ONE plain VEVENT per meeting, UID week_uid(), no
    RRULE, EXDATE or RECURRENCE-ID. Why: a feed holds several circles, and ical.js (the
    engine of Thunderbird and other clients) attaches every RECURRENCE-ID component of a file
    to every master, whatever its UID, so one circle's week titles would appear in another's
    series. Single events read identically in Outlook, Google, Apple and ical.js; a skipped
    week is simply absent (no EXDATE that has to hit an instance); a moved week changes the
    DTSTART/DTEND of its own event only (SEQUENCE is the series' and rises on every event).
    The two UID families never meet in one calendar: in the settings a user chooses
    invitations OR the feed, not both, so no client sees a meeting twice.
    Shape of a series:
    - master VEVENT: DTSTART;TZID=<zone> at the first weekly grid slot (local wall clock),
      DTEND, RRULE:FREQ=WEEKLY;COUNT=<grid slots from first to last slot>, and one
      EXDATE;TZID=<zone> per grid slot without a meeting (a skipped week, or the slot left
      empty when later weeks moved back one week);
    - one override VEVENT per held-or-planned meeting, RECURRENCE-ID;TZID=<zone> = its grid
      slot, with the week's own SUMMARY, DESCRIPTION (plus a link to the week's page), URL,
      LOCATION and its actual DTSTART (which differs from the slot when it was moved).
    Every EXDATE and RECURRENCE-ID uses the TZID of DTSTART and the nominal wall-clock time of
    the grid, so it names an RRULE instance exactly (Exchange and Apple are known to ignore
    EXDATEs in another TZID), and moving one meeting changes one override only.
    Shape of a feed: a VTIMEZONE per TZID and, per meeting that will take place, a VEVENT with
    the same properties as that meeting's override above, minus RECURRENCE-ID, plus its own
    UID (circle-42@host -> circle-42-week-3@host for week 3).

Privacy: ORGANIZER and ATTENDEE are written only in iTIP messages (METHOD REQUEST or
CANCEL); a feed or download (method None or PUBLISH) never carries e-mail addresses, even
when a caller passes attendees by mistake.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

DEFAULT_PRODID = "-//wol//Working Out Loud circles//EN"

# RFC 5545 TEXT may hold no control characters except HTAB (newlines are escaped as \n).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# icalendar double-quotes a parameter value that holds one of these.
_QUOTE_PARAMETER = re.compile("[,;:’]")
# The largest INTEGER (RFC 5545 3.3.8), for SEQUENCE.
_MAX_INTEGER = 2_147_483_647
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# VTIMEZONE observances are not needed before the Unix epoch: our events are recent.
_EPOCH_YEAR = 1970


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a series: its weekly grid slot and what actually happens."""

    week: int  # 1..12
    slot_start: datetime  # aware: the weekly grid slot this meeting belongs to (RECURRENCE-ID)
    start: datetime | None  # aware actual start; None = skipped
    summary: str
    description: str
    url: str | None = None  # the week's page in wol


@dataclass(frozen=True)
class Series:
    """One circle's meetings as a single recurring series with a stable UID."""

    uid: str  # e.g. "circle-42@wol.example.org", built by the app from ids
    sequence: int  # raised by the app on every change
    tzid: str  # IANA
    duration_minutes: int
    summary: str  # master summary, e.g. the circle name
    location: str | None
    occurrences: tuple[Occurrence, ...]
    organizer: tuple[str, str] | None = None  # (email, name): invitations only
    attendees: tuple[tuple[str, str], ...] = ()  # (email, name): invitations only
    last_modified: datetime | None = None


# --------------------------------------------------------------------------------------------
# public API


def render_calendar(
    series: Iterable[Series],
    *,
    name: str,
    stamp: datetime,
    method: str | None = None,
    prodid: str = DEFAULT_PRODID,
) -> bytes:
    """Return one VCALENDAR with a VTIMEZONE per distinct TZID and every series.

    method="REQUEST" for invitations and updates (one series per message). method=None (or
    "PUBLISH") gives the same series as a stand-alone file; feeds and downloads use
    render_events instead (see the module docstring).
    """
    if method not in (None, "PUBLISH", "REQUEST"):
        raise ValueError(f"method must be None, 'PUBLISH' or 'REQUEST', not {method!r}")
    itip = method == "REQUEST"
    all_series = tuple(series)
    layouts = [_layout(s) for s in all_series]
    timezones = _timezones(layouts, all_series)
    events: list[str] = []
    for s, layout in zip(all_series, layouts, strict=True):
        if itip:
            _require_itip_people(s, method)
        events += _series_events(s, layout, _utc(stamp, "stamp"), itip)
    return _ical(_calendar(prodid, method, name), timezones, events)


def render_events(
    series: Iterable[Series],
    *,
    name: str,
    stamp: datetime,
    prodid: str = DEFAULT_PRODID,
) -> bytes:
    """Return a feed/download VCALENDAR: one VEVENT per meeting that will take place.

    A VTIMEZONE per TZID, skipped occurrences omitted, no METHOD, no ORGANIZER/ATTENDEE (even
    when a caller passes them), no RRULE/EXDATE/RECURRENCE-ID. Each VEVENT has UID
    week_uid(series.uid, week), the series' SEQUENCE, the meeting's actual start, the week's
    SUMMARY, DESCRIPTION (with the link) and URL, and the series' LOCATION.
    """
    all_series = tuple(series)
    layouts = [_layout(s) for s in all_series]
    dtstamp = _utc(stamp, "stamp")
    timezones = _timezones(layouts, all_series)
    events: list[str] = []
    seen: set[str] = set()
    for s, layout in zip(all_series, layouts, strict=True):
        if not layout.overrides:
            continue
        shared = _shared(s, dtstamp, itip=False)
        for _, occurrence in layout.overrides:
            uid = week_uid(s.uid, occurrence.week)
            if uid in seen:
                raise ValueError(f"two meetings would share the UID {uid}")
            seen.add(uid)
            events += _meeting_event(shared, occurrence, uid=uid)
    return _ical(_calendar(prodid, None, name), timezones, events)


def week_uid(series_uid: str, week: int) -> str:
    """'circle-42@host' → 'circle-42-week-3@host' (stable, built from ids)."""
    if isinstance(week, bool) or not isinstance(week, int) or week < 1:
        raise ValueError(f"week must be a positive int, not {week!r}")
    local, at, host = series_uid.rpartition("@")
    if not at:
        return f"{series_uid}-week-{week}"
    return f"{local}-week-{week}@{host}"


def render_cancel(
    series: Series,
    *,
    stamp: datetime,
    week: int | None = None,
    prodid: str = DEFAULT_PRODID,
) -> bytes:
    """Return a METHOD:CANCEL message for one week's meeting or (week None) the whole series.

    One week: a VEVENT with that meeting's RECURRENCE-ID and STATUS:CANCELLED (RFC 5546
    3.2.5), without the master, which would cancel the whole series. Whole series: the master
    VEVENT (no RECURRENCE-ID) with STATUS:CANCELLED. Both carry series.sequence, so the app
    passes the series as it is after the change (the cancelled week skipped, SEQUENCE raised):
    later feeds and REQUESTs then carry an EXDATE for it.
    """
    _require_itip_people(series, "CANCEL")
    layout = _layout(series)
    dtstamp = _utc(stamp, "stamp")
    timezones = _timezones([layout], [series])
    shared = _shared(series, dtstamp, itip=True, cancel=True)
    if week is None:
        event = _master_event(shared, series, layout, status="CANCELLED")
    else:
        matches = [o for o in series.occurrences if o.week == week]
        if len(matches) != 1:
            raise ValueError(f"series {series.uid} has {len(matches)} meetings for week {week}")
        occurrence = matches[0]
        start = occurrence.start if occurrence.start is not None else occurrence.slot_start
        event = _vevent(
            shared,
            _utc(start, "start"),
            _text(occurrence.summary),
            recurrence_id=layout.wall(occurrence.slot_start),
            url=occurrence.url,
            status="CANCELLED",
        )
    return _ical(_calendar(prodid, "CANCEL"), timezones, event)


def vtimezone(tzid: str, start: datetime, end: datetime) -> icalendar.Timezone:
    """Return a VTIMEZONE for `tzid` valid from `start` to `end`, in the Outlook/Google style.

    Rules are derived from zoneinfo's own transitions in the (local) years spanned: when every
    year has the same DST rule, one STANDARD and one DAYLIGHT observance with a yearly RRULE
    (DTSTART in the first year since 1970 from which that rule holds); a zone without DST gets
    a single STANDARD; when the rules differ between the years spanned, observances list the
    actual transitions as DTSTART + RDATE.
    """
    return _timezone_component(tzid, *_local_years(tzid, start, end))


def grid_slots(first_slot: datetime, count: int, tzid: str) -> list[datetime]:
    """Return `count` weekly slots (aware UTC) at the local wall-clock time of `first_slot`."""
    zone = ZoneInfo(tzid)
    wall = _utc(first_slot, "first_slot").astimezone(zone).replace(tzinfo=None)
    return [_wall_to_utc(wall + timedelta(weeks=k), zone) for k in range(count)]


# --------------------------------------------------------------------------------------------
# series layout: where every meeting sits on the weekly grid


@dataclass(frozen=True)
class _Layout:
    """A series mapped onto its weekly grid (UTC instants and nominal local wall times)."""

    grid: tuple[datetime, ...]  # UTC instants of the RRULE instances
    walls: tuple[datetime, ...]  # the same instances as naive local wall-clock times
    excluded: tuple[int, ...]  # grid indexes with no (non-skipped) meeting -> EXDATE
    overrides: tuple[tuple[int, Occurrence], ...]  # (grid index, meeting) -> RECURRENCE-ID
    span: tuple[datetime, datetime]  # first and last instant (UTC) the series touches

    def wall(self, slot_start: datetime) -> datetime:
        """Return the nominal local wall time of the grid slot at `slot_start`."""
        return self.walls[self.grid.index(slot_start.astimezone(UTC))]


def _layout(series: Series) -> _Layout:
    """Check a series and place its meetings on the weekly grid of its first slot."""
    if not series.occurrences:
        raise ValueError(f"series {series.uid} has no meetings")
    if series.duration_minutes <= 0:
        raise ValueError(f"series {series.uid} has a non-positive duration")
    if series.sequence < 0:
        raise ValueError(f"series {series.uid} has a negative SEQUENCE")
    if series.sequence > _MAX_INTEGER:
        raise ValueError(f"series {series.uid} has a SEQUENCE above {_MAX_INTEGER}")
    zone = ZoneInfo(series.tzid)
    placed = [(_utc(o.slot_start, "slot_start"), o) for o in series.occurrences]
    slots = sorted(instant for instant, _ in placed)
    if len(set(slots)) != len(slots):
        raise ValueError(f"series {series.uid}: two meetings share one grid slot")
    first_wall = slots[0].astimezone(zone).replace(tzinfo=None)
    days = (slots[-1].astimezone(zone).date() - first_wall.date()).days
    walls = tuple(first_wall + timedelta(weeks=k) for k in range(days // 7 + 1))
    grid = tuple(_wall_to_utc(w, zone) for w in walls)
    index = {instant: k for k, instant in enumerate(grid)}
    by_index: dict[int, Occurrence] = {}
    for instant, occurrence in placed:
        k = index.get(instant)
        if k is None:
            raise ValueError(
                f"series {series.uid}: week {occurrence.week}'s slot "
                f"{occurrence.slot_start.isoformat()} is not on the weekly grid of the first slot"
            )
        by_index[k] = occurrence
    overrides = tuple((k, by_index[k]) for k in sorted(by_index) if by_index[k].start is not None)
    planned = {k for k, _ in overrides}
    excluded = tuple(k for k in range(len(grid)) if k not in planned)
    length = timedelta(minutes=series.duration_minutes)
    instants = [*grid, *(_utc(o.start, "start") for _, o in overrides)]
    span = (min(instants), max(instants) + length)
    return _Layout(grid, walls, excluded, overrides, span)


# --------------------------------------------------------------------------------------------
# components
#
# Events are written as content lines directly, not through icalendar's Component.add and
# to_ical: building a property object per value and folding every line character by character
# made a feed of 5 circles cost ~30 ms, on every feed request. The writer below gives the very
# bytes icalendar gives (the tests parse our output with icalendar and two other parsers);
# VTIMEZONEs are still rendered by icalendar, once per zone and years (see _vtimezone_ical).
# Properties come in icalendar's order: the component's canonical order (VCALENDAR: VERSION
# PRODID CALSCALE METHOD X-WR-CALNAME; VEVENT: SUMMARY DTSTART DTEND DTSTAMP UID RECURRENCE-ID
# SEQUENCE RRULE EXDATE), then the others alphabetically.


def _calendar(prodid: str, method: str | None, name: str | None = None) -> list[str]:
    """Return the VCALENDAR's first lines: the header properties and X-WR-CALNAME `name`."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", _line("PRODID", _escape(prodid))]
    lines.append("CALSCALE:GREGORIAN")
    if method is not None:
        lines.append(f"METHOD:{method}")
    if name is not None:
        # Not an RFC 5545 property: icalendar writes its value verbatim, without TEXT escapes,
        # so a line break cannot be written at all.
        calname = _text(name)
        if "\n" in calname:
            raise ValueError(f"the calendar name must be one line, not {name!r}")
        lines.append(_line("X-WR-CALNAME", calname))
    return lines


def _ical(head: list[str], timezones: list[bytes], events: list[str]) -> bytes:
    """Return the VCALENDAR: its first lines, the VTIMEZONE blocks, the events, the END."""
    return b"".join((_folded(head), *timezones, _folded([*events, "END:VCALENDAR"])))


def _timezones(layouts: list[_Layout], all_series: Iterable[Series]) -> list[bytes]:
    """Return one VTIMEZONE per distinct TZID (first-seen order), covering all its series."""
    spans: dict[str, tuple[datetime, datetime]] = {}
    for layout, s in zip(layouts, all_series, strict=True):
        lo, hi = layout.span
        if s.tzid in spans:
            lo, hi = min(lo, spans[s.tzid][0]), max(hi, spans[s.tzid][1])
        spans[s.tzid] = (lo, hi)
    return [_vtimezone_ical(tzid, *_local_years(tzid, *span)) for tzid, span in spans.items()]


@dataclass(frozen=True)
class _Shared:
    """What every VEVENT of one series shares, its lines written once."""

    uid: str
    tzid: str
    zone: ZoneInfo
    length: timedelta
    dtstamp: str  # the DTSTAMP line
    sequence: str  # the SEQUENCE line
    attendees: list[str]  # ATTENDEE lines (iTIP only)
    last_modified: list[str]  # a LAST-MODIFIED line, if any
    location: list[str]  # a LOCATION line, if any
    organizer: list[str]  # an ORGANIZER line (iTIP only)


def _shared(series: Series, dtstamp: datetime, itip: bool, cancel: bool = False) -> _Shared:
    """Return the lines of `series` that all its VEVENTs carry."""
    organizer, attendees = _people(series, cancel) if itip else ([], [])
    last_modified = []
    if series.last_modified is not None:
        changed = _utc(series.last_modified, "last_modified")
        last_modified.append(f"LAST-MODIFIED:{_datetime(changed)}Z")
    location = [_line("LOCATION", _escape(_text(series.location)))] if series.location else []
    return _Shared(
        series.uid,
        series.tzid,
        ZoneInfo(series.tzid),
        timedelta(minutes=series.duration_minutes),
        f"DTSTAMP:{_datetime(dtstamp)}Z",
        f"SEQUENCE:{int(series.sequence)}",
        attendees,
        last_modified,
        location,
        organizer,
    )


def _series_events(series: Series, layout: _Layout, dtstamp: datetime, itip: bool) -> list[str]:
    """Return the master VEVENT and one override VEVENT per meeting."""
    shared = _shared(series, dtstamp, itip)
    lines = _master_event(shared, series, layout)
    for k, occurrence in layout.overrides:
        lines += _meeting_event(shared, occurrence, recurrence_id=layout.walls[k])
    return lines


def _meeting_event(
    shared: _Shared,
    occurrence: Occurrence,
    *,
    uid: str | None = None,
    recurrence_id: datetime | None = None,
) -> list[str]:
    """Return one held-or-planned meeting as a VEVENT at its actual start.

    An override of the series (recurrence_id = its grid slot's wall time, the series' UID) or,
    for feeds, a stand-alone event with its own `uid`.
    """
    return _vevent(
        shared,
        _utc(occurrence.start, "start"),
        _text(occurrence.summary),
        uid=uid,
        recurrence_id=recurrence_id,
        description=_description(occurrence),
        url=occurrence.url,
        status="CONFIRMED",
        transp="OPAQUE",
    )


def _master_event(
    shared: _Shared, series: Series, layout: _Layout, status: str | None = None
) -> list[str]:
    """Return the master VEVENT: first slot, weekly RRULE, an EXDATE per empty slot."""
    return _vevent(
        shared,
        layout.grid[0],
        _text(series.summary),
        wall=layout.walls[0],
        count=len(layout.grid),
        exdates=[layout.walls[k] for k in layout.excluded],
        status=status,
    )


def _vevent(
    shared: _Shared,
    start: datetime,
    summary: str,
    *,
    wall: datetime | None = None,
    uid: str | None = None,
    recurrence_id: datetime | None = None,
    count: int | None = None,
    exdates: Iterable[datetime] = (),
    description: str | None = None,
    url: str | None = None,
    status: str | None = None,
    transp: str | None = None,
) -> list[str]:
    """Return a VEVENT's lines: the series' lines, its UID unless `uid`, DTSTART and DTEND.

    DTSTART is the local time of `start` or, for a master, the grid's nominal `wall` time.
    RRULE (weekly, `count` times), EXDATEs, RECURRENCE-ID, DESCRIPTION, URL, STATUS and TRANSP
    when given.
    """
    tzid, zone = shared.tzid, shared.zone
    lines = [
        "BEGIN:VEVENT",
        _line("SUMMARY", _escape(summary)),
        _local("DTSTART", wall if wall is not None else start.astimezone(zone), tzid),
        # DTEND rather than DURATION: every client reads it, and a TZID'd DTEND gives all RRULE
        # instances the same exact length (RFC 5545 3.8.5.3), DST changes included.
        _local("DTEND", (start + shared.length).astimezone(zone), tzid),
        shared.dtstamp,
        _line("UID", _escape(uid if uid is not None else shared.uid)),
    ]
    if recurrence_id is not None:
        lines.append(_local("RECURRENCE-ID", recurrence_id, tzid))
    lines.append(shared.sequence)
    if count is not None:
        lines.append(f"RRULE:FREQ=WEEKLY;COUNT={count}")
    lines += [_local("EXDATE", exdate, tzid) for exdate in exdates]
    lines += shared.attendees
    if description is not None:
        lines.append(_line("DESCRIPTION", _escape(description)))
    lines += shared.last_modified
    lines += shared.location
    lines += shared.organizer
    if status is not None:
        lines.append(f"STATUS:{status}")
    if transp is not None:
        lines.append(f"TRANSP:{transp}")
    if url:
        if "\r" in url or "\n" in url:
            raise ValueError(f"a URL may not contain CR or LF characters: {url!r}")
        lines.append(_line("URL", url))
    lines.append("END:VEVENT")
    return lines


def _people(series: Series, cancel: bool) -> tuple[list[str], list[str]]:
    """Return the ORGANIZER line (if any) and the ATTENDEE lines of an iTIP message."""
    organizer = []
    if series.organizer is not None:
        email, name = series.organizer
        organizer.append(f"ORGANIZER;CN={_cn(name)}:{_mailto(email)}")
    # Parameters in icalendar's (alphabetical) order.
    role = "ROLE=REQ-PARTICIPANT"
    rest = role if cancel else f"PARTSTAT=NEEDS-ACTION;{role};RSVP=TRUE"
    attendees = [
        f"ATTENDEE;CN={_cn(name)};{rest}:{_mailto(email)}" for email, name in series.attendees
    ]
    return organizer, attendees


def _require_itip_people(series: Series, method: str) -> None:
    """Raise ValueError when an iTIP message would lack its ORGANIZER or ATTENDEEs."""
    # RFC 5546 3.2.2 and 3.2.5: REQUEST and CANCEL need one ORGANIZER and at least one ATTENDEE.
    if series.organizer is None or not series.attendees:
        raise ValueError(f"a {method} for {series.uid} needs an organizer and attendees")


# --------------------------------------------------------------------------------------------
# values


def _utc(value: datetime | None, what: str) -> datetime:
    """Return an aware datetime as UTC; naive values are refused, not guessed."""
    if value is None or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got {value!r}")
    return value.astimezone(UTC)


def _wall_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of a naive local wall time (RFC 5545 reading of gaps and folds)."""
    # fold=0: an ambiguous time is its first occurrence; a time in a spring-forward gap is read
    # with the offset before the gap. RFC 5545 3.3.5 and wol.circles.schedule do the same.
    return wall.replace(fold=0, tzinfo=zone).astimezone(UTC)


def _text(value: str) -> str:
    """Return text safe for a TEXT value: newlines unified, control characters dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


def _param(value: str) -> str:
    """Return a one-line parameter value (CN): whitespace collapsed, no double quotes."""
    # A double quote cannot appear in a quoted parameter; RFC 6868 ^' is not read by Outlook.
    return " ".join(_text(value).split()).replace('"', "'")


def _mailto(email: str) -> str:
    """Return a mailto: URI for an e-mail address, refusing values that would break a line."""
    email = email.strip()
    if not email or any(ch.isspace() or ch in '"<>' for ch in email) or "@" not in email:
        raise ValueError(f"not an e-mail address: {email!r}")
    return f"mailto:{email}"


def _description(occurrence: Occurrence) -> str:
    """Return the week's description followed by the link to its page, if not already in it."""
    text = _text(occurrence.description).strip()
    if occurrence.url and occurrence.url not in text:
        text = f"{text}\n\n{occurrence.url}" if text else occurrence.url
    return text


# --------------------------------------------------------------------------------------------
# content lines, written as icalendar writes them


def _line(name: str, value: str) -> str:
    """Return the content line `name:value` of a TEXT, URI or X- value."""
    # icalendar decodes the value it has encoded as "utf-8-sig", which drops a leading U+FEFF.
    if value.startswith("\ufeff"):
        value = value[1:]
    return f"{name}:{value}"


def _escape(text: str) -> str:
    r"""Return `text` escaped as a TEXT value (RFC 5545 3.3.11), exactly as icalendar does."""
    # In this order: a literal \N is a line break, and CR LF, LF and CR all become \n.
    return (
        text.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _cn(name: str) -> str:
    """Return the CN parameter value for a person's name."""
    value = _param(name)
    # icalendar quotes a CN that holds a space or an apostrophe, besides the usual characters.
    return _param_value(value, quote=" " in value or "'" in value)


def _param_value(value: str, quote: bool = False) -> str:
    """Return a parameter value with RFC 6868 escapes, double-quoted when `quote` or needed."""
    value = (
        value.replace("^", "^^")
        .replace("\r\n", "^n")
        .replace("\r", "^n")
        .replace("\n", "^n")
        .replace('"', "^'")
    )
    if quote or _QUOTE_PARAMETER.search(value):
        return f'"{value}"'
    return value


@functools.lru_cache(maxsize=512)
def _tzid_parameter(tzid: str) -> str:
    """Return ";TZID=<zone>" as it precedes a local DATE-TIME value."""
    return f";TZID={_param_value(tzid)}"


def _local(name: str, wall: datetime, tzid: str) -> str:
    """Return a DATE-TIME property at a local wall time with an explicit TZID parameter."""
    # Wall time + TZID written by hand, so every EXDATE/RECURRENCE-ID uses exactly the TZID of
    # DTSTART. A circle in UTC gets the Z form everywhere, EXDATE included, so that it matches
    # DTSTART's form and strict clients still drop the skipped week.
    if tzid != "UTC":
        return f"{name}{_tzid_parameter(tzid)}:{_datetime(wall)}"
    return f"{name}:{_datetime(wall)}Z"


def _datetime(value: datetime) -> str:
    """Return the DATE-TIME digits of a datetime's own fields (zone and microseconds aside)."""
    # printf style: about twice as fast as an f-string with format specs, on the feed path.
    return "%04d%02d%02dT%02d%02d%02d" % (  # noqa: UP031
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
    )


def _folded(lines: list[str]) -> bytes:
    """Return content lines as UTF-8, each ended by CRLF, the long ones folded."""
    encoded = [line.encode() for line in lines]
    return b"\r\n".join([b if len(b) < 75 else _fold(b) for b in encoded]) + b"\r\n"


def _fold(data: bytes) -> bytes:
    """Return a content line (UTF-8) folded exactly as icalendar folds it."""
    # A part holds at most 74 octets (continuations: a space and 74 octets), ends on a UTF-8
    # character boundary, and leaves a final "\" or "^" to the next part, so that an escape
    # such as \n or ^n stays whole. Parts are joined by CRLF and one space.
    parts = []
    start = 0
    while len(data) - start >= 75:
        end = start + 74
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back to its lead byte
            end -= 1
        if data[end - 1] in b"\\^" and end - 1 > start:
            end -= 1
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return b"\r\n ".join(parts)


# --------------------------------------------------------------------------------------------
# VTIMEZONE from zoneinfo


@dataclass(frozen=True)
class _State:
    """What a zone says at one instant."""

    offset: timedelta
    is_dst: bool
    name: str


@dataclass(frozen=True)
class _Transition:
    """One change of a zone's state."""

    at: datetime  # UTC instant
    before: _State
    after: _State

    @property
    def wall(self) -> datetime:
        """Return the local wall time of the transition, read with the offset before it."""
        # VTIMEZONE DTSTART/RDATE are local times in TZOFFSETFROM (RFC 5545 3.6.5).
        return (self.at + self.before.offset).replace(tzinfo=None)

    @property
    def onset_of_daylight(self) -> bool:
        """Return whether this transition starts a DAYLIGHT observance."""
        if self.after.offset != self.before.offset:
            return self.after.offset > self.before.offset
        return self.after.is_dst


def _state(zone: ZoneInfo, instant: datetime) -> _State:
    """Return the zone's offset, DST flag and abbreviation at a UTC instant."""
    local = instant.astimezone(zone)
    return _State(local.utcoffset(), bool(local.dst()), local.tzname() or "")


@functools.lru_cache(maxsize=2048)
def _transitions_in(tzid: str, year: int) -> tuple[_Transition, ...]:
    """Return the zone's transitions whose local wall time falls in `year`."""
    zone = ZoneInfo(tzid)
    # Scan a little beyond the UTC year: the local year is off by up to a day at its edges.
    lo = datetime(year, 1, 1, tzinfo=UTC) - timedelta(days=2)
    hi = datetime(year + 1, 1, 1, tzinfo=UTC) + timedelta(days=2)
    step = timedelta(days=7)  # no zone changes and changes back within a week
    found: list[_Transition] = []
    t, state = lo, _state(zone, lo)
    while t < hi:
        nxt = min(t + step, hi)
        nxt_state = _state(zone, nxt)
        if nxt_state == state:
            t = nxt
            continue
        # Bisect to the second: the first instant whose state differs.
        a, b = t, nxt
        while b - a > timedelta(seconds=1):
            mid = a + (b - a) // 2
            mid = mid.replace(microsecond=0)
            if _state(zone, mid) == state:
                a = mid
            else:
                b = mid
        after = _state(zone, b)
        found.append(_Transition(b, state, after))
        t, state = b, after
    return tuple(tr for tr in found if tr.wall.year == year)


def _last_transition_before(tzid: str, year: int) -> _Transition | None:
    """Return the zone's latest transition before `year` (not earlier than 1970), if any."""
    for y in range(year - 1, _EPOCH_YEAR - 1, -1):
        transitions = _transitions_in(tzid, y)
        if transitions:
            return transitions[-1]
    return None


@dataclass(frozen=True)
class _Rule:
    """A yearly transition rule: month, weekday, ordinals it matches, wall time, states."""

    month: int
    weekday: int
    ordinals: frozenset[int]
    time: tuple[int, int, int]
    before: _State
    after: _State


def _rule_of(tr: _Transition) -> _Rule:
    """Describe a transition as "nth (or last) weekday of a month at a wall time"."""
    wall = tr.wall
    days_in_month = (date(wall.year + wall.month // 12, wall.month % 12 + 1, 1) - timedelta(1)).day
    ordinals = {(wall.day - 1) // 7 + 1}
    if wall.day + 7 > days_in_month:
        ordinals.add(-1)
    return _Rule(
        wall.month,
        wall.weekday(),
        frozenset(ordinals),
        (wall.hour, wall.minute, wall.second),
        tr.before,
        tr.after,
    )


def _same_rule(a: _Rule, b: _Rule) -> bool:
    """Return whether two yearly rules can be one RRULE (ordinals must overlap)."""
    same_shape = (a.month, a.weekday, a.time) == (b.month, b.weekday, b.time)
    same_states = (a.before, a.after) == (b.before, b.after)
    return same_shape and same_states and bool(a.ordinals & b.ordinals)


def _yearly_pair(tzid: str, year: int) -> tuple[_Transition, _Transition] | None:
    """Return (onset of daylight, onset of standard) if `year` has exactly that pair."""
    transitions = _transitions_in(tzid, year)
    if len(transitions) != 2:
        return None
    daylight = [tr for tr in transitions if tr.onset_of_daylight]
    standard = [tr for tr in transitions if not tr.onset_of_daylight]
    if len(daylight) != 1 or len(standard) != 1:
        return None
    return daylight[0], standard[0]


@dataclass(frozen=True)
class _Observance:
    """One STANDARD or DAYLIGHT sub-component, as plain values."""

    daylight: bool
    wall: datetime  # DTSTART: local wall time in offset_from
    offset_from: timedelta
    offset_to: timedelta
    name: str
    rrule: tuple[int, str] | None = None  # (BYMONTH, BYDAY) of a yearly rule
    rdates: tuple[datetime, ...] = ()


@functools.lru_cache(maxsize=256)
def _zone_plan(tzid: str, first: int, last: int) -> tuple[_Observance, ...]:
    """Return the observances describing `tzid` in the local years first..last."""
    years = range(first, last + 1)
    spanned = [_transitions_in(tzid, y) for y in years]
    if not any(spanned):
        return (_fixed_observance(tzid, first),)
    pairs = [pair for y in years if (pair := _yearly_pair(tzid, y)) is not None]
    if len(pairs) == len(years):
        ruled = _ruled_observances(tzid, first, pairs)
        if ruled is not None:
            return ruled
    return _listed_observances(tzid, first, [tr for year in spanned for tr in year])


def _fixed_observance(tzid: str, first: int) -> _Observance:
    """Return the single STANDARD of a zone without transitions in the years spanned."""
    state = _state(ZoneInfo(tzid), datetime(first, 7, 1, tzinfo=UTC))
    previous = _last_transition_before(tzid, first)
    if previous is None:
        epoch = datetime(_EPOCH_YEAR, 1, 1)
        return _Observance(False, epoch, state.offset, state.offset, state.name)
    return _Observance(False, previous.wall, previous.before.offset, state.offset, state.name)


def _ruled_observances(
    tzid: str, first: int, pairs: list[tuple[_Transition, _Transition]]
) -> tuple[_Observance, ...] | None:
    """Return a yearly-RRULE STANDARD and DAYLIGHT, or None if the years spanned disagree."""
    rules = [(_rule_of(d), _rule_of(s)) for d, s in pairs]
    day0, std0 = rules[0]
    if not all(_same_rule(day0, d) and _same_rule(std0, s) for d, s in rules):
        return None
    day_ordinals = functools.reduce(frozenset.__and__, (d.ordinals for d, _ in rules))
    std_ordinals = functools.reduce(frozenset.__and__, (s.ordinals for _, s in rules))
    # Outlook's habit: "last" (-1SU) when it fits every year, else the positive ordinal (2SU).
    day_n = -1 if -1 in day_ordinals else min(day_ordinals)
    std_n = -1 if -1 in std_ordinals else min(std_ordinals)
    # DTSTART in the first year (not before 1970) from which the same rule holds every year.
    since = first
    for y in range(first - 1, _EPOCH_YEAR - 1, -1):
        pair = _yearly_pair(tzid, y)
        if pair is None:
            break
        d, s = _rule_of(pair[0]), _rule_of(pair[1])
        if not (_same_rule(day0, d) and _same_rule(std0, s)):
            break
        if day_n not in d.ordinals or std_n not in s.ordinals:
            break
        since = y
    day_tr, std_tr = _yearly_pair(tzid, since) or pairs[0]
    observances = []
    for tr, n in ((std_tr, std_n), (day_tr, day_n)):
        rule = _rule_of(tr)
        observances.append(
            _Observance(
                tr.onset_of_daylight,
                tr.wall,
                tr.before.offset,
                tr.after.offset,
                tr.after.name,
                rrule=(rule.month, f"{n}{_WEEKDAYS[rule.weekday]}"),
            )
        )
    return tuple(observances)


def _listed_observances(
    tzid: str, first: int, transitions: list[_Transition]
) -> tuple[_Observance, ...]:
    """Return observances that list every transition (DTSTART + RDATE) when rules differ."""
    observances: list[_Observance] = []
    previous = _last_transition_before(tzid, first)
    if previous is not None:
        # The offset in force when the span starts comes from the transition before it.
        transitions = [previous, *transitions]
    else:
        state = _state(ZoneInfo(tzid), datetime(first, 1, 1, tzinfo=UTC))
        observances.append(
            _Observance(False, datetime(_EPOCH_YEAR, 1, 1), state.offset, state.offset, state.name)
        )
    groups: dict[tuple[bool, timedelta, timedelta, str], list[_Transition]] = {}
    for tr in transitions:
        key = (tr.onset_of_daylight, tr.before.offset, tr.after.offset, tr.after.name)
        groups.setdefault(key, []).append(tr)
    for (daylight, offset_from, offset_to, name), members in groups.items():
        # DTSTART is repeated as an RDATE: RFC 5545 counts a duplicate once, and ical.js 2.x
        # ignores the DTSTART onset of an observance that has RDATEs (it read our 2006 New York
        # zone as UTC until the first RDATE).
        observances.append(
            _Observance(
                daylight,
                members[0].wall,
                offset_from,
                offset_to,
                name,
                rdates=tuple(m.wall for m in members),
            )
        )
    return tuple(observances)


def _local_years(tzid: str, start: datetime, end: datetime) -> tuple[int, int]:
    """Return the local years of `start` and `end` in `tzid` (end may not lie before start)."""
    zone = ZoneInfo(tzid)
    first = _utc(start, "start").astimezone(zone).year
    last = _utc(end, "end").astimezone(zone).year
    if last < first:
        raise ValueError("end lies before start")
    return first, last


@functools.lru_cache(maxsize=256)
def _vtimezone_ical(tzid: str, first: int, last: int) -> bytes:
    """Return the VTIMEZONE for the local years first..last as folded content lines."""
    # Pure, so rendered once: feeds name the same few zones and years on every request.
    return _timezone_component(tzid, first, last).to_ical()


def _timezone_component(tzid: str, first: int, last: int) -> icalendar.Timezone:
    """Return a new VTIMEZONE component for `tzid` in the local years first..last."""
    tz = icalendar.Timezone()
    tz.add("tzid", tzid)
    tz.add("x-lic-location", tzid)
    for observance in _zone_plan(tzid, first, last):
        tz.add_component(_observance_component(observance))
    return tz


def _observance_component(obs: _Observance) -> icalendar.Component:
    """Return the STANDARD or DAYLIGHT sub-component for an observance."""
    sub = icalendar.TimezoneDaylight() if obs.daylight else icalendar.TimezoneStandard()
    sub.add("dtstart", obs.wall)
    sub.add("tzoffsetfrom", obs.offset_from)
    sub.add("tzoffsetto", obs.offset_to)
    if obs.name:
        sub.add("tzname", obs.name)
    if obs.rrule is not None:
        month, byday = obs.rrule
        sub.add("rrule", {"FREQ": "YEARLY", "BYMONTH": month, "BYDAY": byday})
    for rdate in obs.rdates:
        sub.add("rdate", rdate)
    return sub
