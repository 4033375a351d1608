"""iCalendar (RFC 5545) rendering of circle meetings: feeds, downloads and iTIP e-mails.

Pure: imports the standard library, zoneinfo and `icalendar` only, so it is tested with
plain values. Same input gives byte-identical output: no random UIDs, no clock reads. Every
component is built and written by the icalendar library; speed comes from callers caching
the rendered blocks (event_block, one per circle) rather than from a writer of our own.

Design decision: two representations of the same meetings, one per channel.
    Series (render_calendar, render_cancel): each circle is ONE recurring series with one
    stable UID. Invitations (METHOD:REQUEST and CANCEL, RFC 5546) must be one series because
    every component of one iTIP message shares a UID. The one-circle download uses the same
    series with METHOD:PUBLISH, so a person who accepted the invitation and imports the
    download too gets the same UID, not a second copy of every meeting.
    Feeds (event_block, render_feed): ONE plain VEVENT per meeting, UID week_uid(), no RRULE,
    EXDATE or RECURRENCE-ID. Why: a feed holds several circles, and ical.js (the engine of
    Thunderbird and other clients) attaches every RECURRENCE-ID component of a file to every
    master, whatever its UID, so one circle's week titles would appear in another's series.
    A skipped week is simply absent; a moved week changes its own event only.
    Shape of a series:
    - master VEVENT: DTSTART;TZID=<zone> at the first weekly grid slot (the circle's local
      wall-clock time on its first day), DTEND, RRULE:FREQ=WEEKLY;COUNT=<grid slots>, and an
      EXDATE;TZID=<zone> per grid slot without a meeting;
    - one override VEVENT per held-or-planned meeting, RECURRENCE-ID;TZID=<zone> = its grid
      slot, with the week's own SUMMARY, DESCRIPTION, URL, LOCATION and actual DTSTART.
    EXDATE and RECURRENCE-ID use the TZID of DTSTART and the nominal wall-clock time of the
    grid (Exchange and Apple ignore EXDATEs in another TZID).

DST nights. Clients disagree about a local time that does not exist (spring gap: vobject and
ical.js read 02:30 as 00:30Z in Brussels, icalendar and libical as 01:30Z) or happens twice
(autumn: icalendar and vobject take the first 02:30, ical.js and libical the second). wol
means one instant (wol.circles.schedule: a gap time moves forward by the gap, a repeated time
is the first), so no such wall time is left for a client to interpret:
    - an event or override whose local start or end is non-existent or ambiguous has its
      DTSTART and DTEND written in UTC;
    - every meeting that takes place is an override with its own DTSTART and DTEND, so the
      RRULE's instances only name the weeks. When the circle's time falls into a spring gap
      on one of its dates, the RRULE runs at the time the meeting has on that night (02:30
      becomes 03:30) on every date, so that no RECURRENCE-ID or EXDATE names a wall time that
      clients read differently (a TZID'd one in a gap matches no instance in libical, a UTC
      one none in vobject and ical.js). Times in the autumn fold are matched alike by all
      four parsers when TZID'd, so they stay;
    - a master whose first slot or its end is non-existent or ambiguous gets DURATION instead
      of DTEND, so that its length does not depend on the reading either.

Text. Names, places and descriptions come from people: one-line values (SUMMARY, LOCATION,
X-WR-CALNAME, CN) have every line break and control character turned into a space, texts keep
line breaks as \\n; a backslash is always escaped (icalendar would turn a literal "\\N" into a
line break).

Privacy: ORGANIZER and ATTENDEE are written only in iTIP messages (METHOD REQUEST or CANCEL);
a feed or download never carries e-mail addresses, even when a caller passes attendees.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

DEFAULT_PRODID = "-//wol//Working Out Loud circles//EN"
# How often a subscribed calendar should look for changes (RFC 7986 REFRESH-INTERVAL and the
# X-PUBLISHED-TTL that Outlook reads).
REFRESH = timedelta(hours=1)

# Line breaks a person can type or paste: CR, LF, VT, FF, the separators FS..US, NEL, U+2028
# and U+2029. Other control characters (C0 except HTAB, DEL, C1) are dropped.
_BREAKS = re.compile("\r\n|[\r\n\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
# The largest INTEGER (RFC 5545 3.3.8), for SEQUENCE.
_MAX_INTEGER = 2_147_483_647
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# VTIMEZONE observances are not needed before the Unix epoch: our events are recent.
_EPOCH_YEAR = 1970


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a series: its place on the weekly grid and what actually happens."""

    week: int  # 1..12
    slot: int  # position on the weekly grid: 0 = Series.first_slot, 1 = a week later, ...
    start: datetime | None  # aware actual start; None = skipped
    summary: str
    description: str
    url: str | None = None  # the week's page in wol


@dataclass(frozen=True)
class Series:
    """One circle's meetings as a single recurring series with a stable UID."""

    uid: str  # e.g. "circle-42@wol.example.org", built by the app from ids
    sequence: int  # raised by the app on every change and every new iTIP message
    tzid: str  # IANA
    duration_minutes: int
    summary: str  # master summary, e.g. the circle name
    location: str | None
    first_slot: datetime  # naive local wall time of grid slot 0: first day at the circle's time
    occurrences: tuple[Occurrence, ...]
    organizer: tuple[str, str] | None = None  # (email, name): invitations only
    attendees: tuple[tuple[str, str], ...] = ()  # (email, name): invitations only
    last_modified: datetime | None = None
    cancelled: bool = False  # an ended circle: every event STATUS:CANCELLED


@dataclass(frozen=True)
class EventBlock:
    """The feed events of one series, rendered: what a caller caches per circle."""

    uid: str
    tzid: str
    years: tuple[int, int]  # local years the events span, for the VTIMEZONE
    data: bytes  # the VEVENTs, as icalendar writes them


# --------------------------------------------------------------------------------------------
# public API


def render_calendar(
    series: Iterable[Series],
    *,
    name: str,
    stamp: datetime,
    method: str = "PUBLISH",
    prodid: str = DEFAULT_PRODID,
) -> bytes:
    """Return one VCALENDAR with a VTIMEZONE per distinct TZID and every series.

    method="REQUEST" for invitations and updates (one series per message, with ORGANIZER and
    ATTENDEEs); "PUBLISH" for the one-circle download, which carries the same UID as the
    invitations.
    """
    if method not in ("PUBLISH", "REQUEST"):
        raise ValueError(f"method must be 'PUBLISH' or 'REQUEST', not {method!r}")
    itip = method == "REQUEST"
    all_series = tuple(series)
    dtstamp = _utc(stamp, "stamp")
    layouts = [_layout(s) for s in all_series]
    events: list[icalendar.Event] = []
    for s, layout in zip(all_series, layouts, strict=True):
        if itip:
            _require_itip_people(s, method)
        events.append(_master_event(s, layout, dtstamp, itip=itip))
        for k, occurrence in layout.overrides:
            events.append(_meeting_event(s, occurrence, dtstamp, itip=itip, slot=(layout, k)))
    spans = _merge_spans(
        (s.tzid, _local_years(s.tzid, *lay.span))
        for s, lay in zip(all_series, layouts, strict=True)
    )
    head = _head(prodid, method, one_line(name), refresh=not itip)
    return _assemble(head, spans, [e.to_ical() for e in events])


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
    VEVENT (no RECURRENCE-ID) with STATUS:CANCELLED. Both carry series.sequence, which the app
    raises before every iTIP message, so a client never sees a message older than the last.
    """
    _require_itip_people(series, "CANCEL")
    layout = _layout(series)
    dtstamp = _utc(stamp, "stamp")
    if week is None:
        event = _master_event(series, layout, dtstamp, itip=True, cancel=True)
    else:
        matches = [(k, o) for k, o in layout.placed if o.week == week]
        if len(matches) != 1:
            raise ValueError(f"series {series.uid} has {len(matches)} meetings for week {week}")
        k, occurrence = matches[0]
        if occurrence.start is None:
            occurrence = replace(occurrence, start=layout.grid[k])  # a skipped week's slot
        event = _meeting_event(
            series, occurrence, dtstamp, itip=True, cancel=True, slot=(layout, k)
        )
    spans = {series.tzid: _local_years(series.tzid, *layout.span)}
    return _assemble(_head(prodid, "CANCEL", None, refresh=False), spans, [event.to_ical()])


def event_block(series: Series, *, stamp: datetime) -> EventBlock:
    """Return the feed events of `series`: one VEVENT per meeting that will take place.

    No ORGANIZER/ATTENDEE (even when a caller passes them), no RRULE/EXDATE/RECURRENCE-ID.
    Each VEVENT has UID week_uid(series.uid, week), the series' SEQUENCE, the meeting's actual
    start, the week's SUMMARY, DESCRIPTION (with the link) and URL, and the series' LOCATION.
    """
    layout = _layout(series)
    dtstamp = _utc(stamp, "stamp")
    data = b"".join(
        _meeting_event(series, o, dtstamp, itip=False, uid=week_uid(series.uid, o.week)).to_ical()
        for _, o in layout.overrides
    )
    return EventBlock(series.uid, series.tzid, _local_years(series.tzid, *layout.span), data)


def render_feed(blocks: Iterable[EventBlock], *, name: str, prodid: str = DEFAULT_PRODID) -> bytes:
    """Return a feed VCALENDAR (METHOD:PUBLISH, refresh hints) around rendered event blocks.

    A VTIMEZONE per TZID. A feed without meetings still holds one component, as RFC 5545
    requires: the VTIMEZONE of UTC.
    """
    blocks = tuple(blocks)
    seen: set[str] = set()
    for block in blocks:
        if block.uid in seen:
            raise ValueError(f"two series share the UID {block.uid}")
        seen.add(block.uid)
    spans = _merge_spans((b.tzid, b.years) for b in blocks if b.data)
    if not spans:
        spans = {"UTC": (_EPOCH_YEAR, _EPOCH_YEAR)}
    head = _head(prodid, "PUBLISH", one_line(name), refresh=True)
    return _assemble(head, spans, [b.data for b in blocks])


def render_events(
    series: Iterable[Series], *, name: str, stamp: datetime, prodid: str = DEFAULT_PRODID
) -> bytes:
    """Return a feed of `series`, every event stamped `stamp` (render_feed of event_block)."""
    return render_feed([event_block(s, stamp=stamp) for s in series], name=name, prodid=prodid)


def week_uid(series_uid: str, week: int) -> str:
    """'circle-42@host' → 'circle-42-week-3@host' (stable, built from ids)."""
    if isinstance(week, bool) or not isinstance(week, int) or week < 1:
        raise ValueError(f"week must be a positive int, not {week!r}")
    local, at, host = series_uid.rpartition("@")
    if not at:
        return f"{series_uid}-week-{week}"
    return f"{local}-week-{week}@{host}"


def vtimezone(tzid: str, start: datetime, end: datetime) -> icalendar.Timezone:
    """Return a VTIMEZONE for `tzid` valid from `start` to `end`, in the Outlook/Google style.

    Rules are derived from zoneinfo's own transitions in the (local) years spanned: when every
    year has the same DST rule, one STANDARD and one DAYLIGHT observance with a yearly RRULE
    (DTSTART in the first year since 1970 from which that rule holds); a zone without DST gets
    a single STANDARD; when the rules differ between the years spanned, observances list the
    actual transitions as DTSTART + RDATE.
    """
    return _timezone_component(tzid, *_local_years(tzid, start, end))


def _unclear_wall_time(wall: datetime, tzid: str) -> bool:
    """Return whether a naive local time does not exist or happens twice in `tzid`."""
    zone = ZoneInfo(tzid)
    return (
        wall.replace(tzinfo=zone, fold=0).utcoffset()
        != wall.replace(tzinfo=zone, fold=1).utcoffset()
    )


# --------------------------------------------------------------------------------------------
# series layout: where every meeting sits on the weekly grid


@dataclass(frozen=True)
class _Layout:
    """A series mapped onto its weekly grid (nominal local wall times and UTC instants)."""

    walls: tuple[datetime, ...]  # naive local wall time of every RRULE instance
    grid: tuple[datetime, ...]  # the UTC instant wol means by each wall time
    placed: tuple[tuple[int, Occurrence], ...]  # (grid index, meeting), skipped ones too
    overrides: tuple[tuple[int, Occurrence], ...]  # (grid index, meeting) that take place
    excluded: tuple[int, ...]  # grid indexes with no meeting that takes place -> EXDATE
    span: tuple[datetime, datetime]  # first and last instant (UTC) the series touches


def _layout(series: Series) -> _Layout:
    """Check a series and place its meetings on its weekly grid."""
    if not series.occurrences:
        raise ValueError(f"series {series.uid} has no meetings")
    if series.duration_minutes <= 0:
        raise ValueError(f"series {series.uid} has a non-positive duration")
    if not 0 <= series.sequence <= _MAX_INTEGER:
        raise ValueError(f"series {series.uid} has a SEQUENCE outside 0..{_MAX_INTEGER}")
    if series.first_slot.tzinfo is not None:
        raise ValueError(f"series {series.uid}: first_slot must be a naive local wall time")
    zone = ZoneInfo(series.tzid)
    by_slot: dict[int, Occurrence] = {}
    for occurrence in series.occurrences:
        if occurrence.slot < 0 or occurrence.slot in by_slot:
            raise ValueError(f"series {series.uid}: week {occurrence.week} has a bad grid slot")
        by_slot[occurrence.slot] = occurrence
    walls = _grid_walls(series.first_slot, max(by_slot) + 1, zone)
    grid = tuple(_wall_to_utc(w, zone) for w in walls)
    placed = tuple(sorted(by_slot.items()))
    overrides = tuple((k, o) for k, o in placed if o.start is not None)
    planned = {k for k, _ in overrides}
    excluded = tuple(k for k in range(len(grid)) if k not in planned)
    length = timedelta(minutes=series.duration_minutes)
    instants = [*grid, *(_utc(o.start, "start") for _, o in overrides)]
    span = (min(instants), max(instants) + length)
    return _Layout(walls, grid, placed, overrides, excluded, span)


def _grid_walls(first: datetime, count: int, zone: ZoneInfo) -> tuple[datetime, ...]:
    """Return the RRULE's wall times: weekly from `first`, at a time no date has in a gap.

    The circle's own time when it exists on every date; else the time its meeting has on the
    night of the gap (02:30 -> 03:30 in Brussels); else noon, when no zone changes its clock.
    """
    nominal = [first + timedelta(weeks=k) for k in range(count)]
    gaps = [wall for wall in nominal if not _exists(wall, zone)]
    if not gaps:
        return tuple(nominal)
    moved = _utc_to_wall(_wall_to_utc(gaps[0], zone), zone)
    for hour, minute in ((moved.hour, moved.minute), (12, 0)):
        walls = tuple(wall.replace(hour=hour, minute=minute) for wall in nominal)
        if all(_exists(wall, zone) for wall in walls):
            return walls
    raise ValueError(f"no time of day exists on every date of the series in {zone.key}")


def _exists(wall: datetime, zone: ZoneInfo) -> bool:
    """Return whether a naive local wall time exists in `zone` (is not in a spring gap)."""
    return _utc_to_wall(_wall_to_utc(wall, zone), zone) == wall


# --------------------------------------------------------------------------------------------
# components, built with icalendar


@functools.lru_cache(maxsize=64)
def _head(prodid: str, method: str | None, name: str | None, *, refresh: bool) -> bytes:
    """Return the VCALENDAR's opening lines and properties (without END:VCALENDAR)."""
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", prodid)
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method)
    if name is not None:
        calendar.add("x-wr-calname", _Text(name))
    if refresh:
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    data = calendar.to_ical()
    return data[: data.rindex(b"END:VCALENDAR\r\n")]


def _assemble(head: bytes, spans: dict[str, tuple[int, int]], events: list[bytes]) -> bytes:
    """Return the VCALENDAR: its head, a VTIMEZONE per TZID, the events and the END."""
    zones = [_vtimezone_ical(tzid, first, last) for tzid, (first, last) in spans.items()]
    return b"".join((head, *zones, *events, b"END:VCALENDAR\r\n"))


def _merge_spans(spans: Iterable[tuple[str, tuple[int, int]]]) -> dict[str, tuple[int, int]]:
    """Return one (first, last) local year range per TZID, in first-seen order."""
    merged: dict[str, tuple[int, int]] = {}
    for tzid, (first, last) in spans:
        if tzid in merged:
            first, last = min(first, merged[tzid][0]), max(last, merged[tzid][1])
        merged[tzid] = (first, last)
    return merged


def _master_event(
    series: Series, layout: _Layout, dtstamp: datetime, *, itip: bool, cancel: bool = False
) -> icalendar.Event:
    """Return the master VEVENT: first slot, weekly RRULE, EXDATEs, RDATEs for gap slots."""
    zone = ZoneInfo(series.tzid)
    event = _event(series, dtstamp, series.uid, one_line(series.summary), itip, cancel)
    length = timedelta(minutes=series.duration_minutes)
    first = layout.walls[0]
    end = _utc_to_wall(layout.grid[0] + length, zone)
    event.add("dtstart", _local(first, series.tzid))
    if _unclear_wall_time(first, series.tzid) or _unclear_wall_time(end, series.tzid):
        event.add("duration", length)
    else:
        event.add("dtend", _local(end, series.tzid))
    event.add("rrule", {"FREQ": "WEEKLY", "COUNT": len(layout.walls)})
    for k in layout.excluded:
        event.add("exdate", _local(layout.walls[k], series.tzid))
    if series.cancelled or cancel:
        event.add("status", "CANCELLED")
    return event


def _meeting_event(
    series: Series,
    occurrence: Occurrence,
    dtstamp: datetime,
    *,
    itip: bool,
    cancel: bool = False,
    uid: str | None = None,
    slot: tuple[_Layout, int] | None = None,
) -> icalendar.Event:
    """Return one meeting as a VEVENT at its actual start.

    An override of the series (`slot`: its layout and grid index, the series' UID) or, for
    feeds, a stand-alone event with its own `uid`.
    """
    event = _event(series, dtstamp, uid or series.uid, one_line(occurrence.summary), itip, cancel)
    start = _utc(occurrence.start, "start")
    end = start + timedelta(minutes=series.duration_minutes)
    zone = ZoneInfo(series.tzid)
    walls = (_utc_to_wall(start, zone), _utc_to_wall(end, zone))
    if any(_unclear_wall_time(w, series.tzid) for w in walls):
        event.add("dtstart", start)
        event.add("dtend", end)
    else:
        event.add("dtstart", _local(walls[0], series.tzid))
        event.add("dtend", _local(walls[1], series.tzid))
    if slot is not None:
        layout, k = slot
        event.add("recurrence-id", _local(layout.walls[k], series.tzid))
    if not cancel:
        event.add("description", _Text(_description(occurrence)))
    if occurrence.url:
        event.add("url", occurrence.url)
    cancelled = cancel or series.cancelled
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancel:
        event.add("transp", "OPAQUE")
    return event


def _event(
    series: Series, dtstamp: datetime, uid: str, summary: str, itip: bool, cancel: bool
) -> icalendar.Event:
    """Return a VEVENT with what every event of `series` carries."""
    event = icalendar.Event()
    event.add("summary", _Text(summary))
    event.add("dtstamp", dtstamp)
    event.add("uid", uid)
    event.add("sequence", series.sequence)
    if series.last_modified is not None:
        event.add("last-modified", _utc(series.last_modified, "last_modified"))
    if series.location:
        event.add("location", _Text(one_line(series.location)))
    if itip:
        _add_people(event, series, cancel)
    return event


def _add_people(event: icalendar.Event, series: Series, cancel: bool) -> None:
    """Add the ORGANIZER and the ATTENDEEs of an iTIP message."""
    # RSVP=FALSE: wol reads no REPLY, so clients are not asked to send one.
    email, name = series.organizer
    event.add("organizer", _mailto(email), parameters={"CN": _cn(name)})
    for email, name in series.attendees:
        parameters = {"CN": _cn(name), "ROLE": "REQ-PARTICIPANT"}
        if not cancel:
            parameters |= {"PARTSTAT": "NEEDS-ACTION", "RSVP": "FALSE"}
        event.add("attendee", _mailto(email), parameters=parameters)


def _require_itip_people(series: Series, method: str) -> None:
    """Raise ValueError when an iTIP message would lack its ORGANIZER or ATTENDEEs."""
    # RFC 5546 3.2.2 and 3.2.5: REQUEST and CANCEL need one ORGANIZER and at least one ATTENDEE.
    if series.organizer is None or not series.attendees:
        raise ValueError(f"a {method} for {series.uid} needs an organizer and attendees")


# --------------------------------------------------------------------------------------------
# values


class _Text(icalendar.vText):
    """A TEXT value escaped by RFC 5545 3.3.11 alone: a literal backslash stays a backslash."""

    def to_ical(self) -> bytes:
        """Return the escaped value (icalendar's own escaping reads "\\N" as a line break)."""
        return (
            str(self)
            .replace("\\", "\\\\")
            .replace(";", "\\;")
            .replace(",", "\\,")
            .replace("\n", "\\n")
            .encode("utf-8")
        )


def _utc(value: datetime | None, what: str) -> datetime:
    """Return an aware datetime as UTC; naive values are refused, not guessed."""
    if value is None or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got {value!r}")
    return value.astimezone(UTC)


def _wall_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """Return the UTC instant wol means by a naive local wall time.

    fold=0: an ambiguous time is its first occurrence; a time in a spring-forward gap is read
    with the offset before the gap (= moved forward by the gap), as wol.circles.schedule does.
    """
    return wall.replace(fold=0, tzinfo=zone).astimezone(UTC)


def _utc_to_wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """Return the naive local wall time of an instant."""
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def _local(wall: datetime, tzid: str) -> datetime:
    """Return a wall time as a datetime that icalendar writes with ;TZID=<tzid> (Z for UTC)."""
    return wall.replace(tzinfo=ZoneInfo(tzid), fold=0)


def one_line(value: str) -> str:
    """Return text as one line: line breaks and control characters become single spaces."""
    return " ".join(_CONTROL.sub("", _BREAKS.sub(" ", value)).split())


def _multi_line(value: str) -> str:
    """Return text with every kind of line break as LF and no other control characters."""
    return _CONTROL.sub("", _BREAKS.sub("\n", value))


def _cn(name: str) -> str:
    """Return a CN parameter value: one line, no double quotes (Outlook does not read ^')."""
    return one_line(name).replace('"', "'")


def _mailto(email: str) -> str:
    """Return a mailto: URI for an e-mail address, refusing values that would break a line."""
    email = email.strip()
    if not email or any(ch.isspace() or ch in '"<>' for ch in email) or "@" not in email:
        raise ValueError(f"not an e-mail address: {email!r}")
    if _BREAKS.search(email) or _CONTROL.search(email):
        raise ValueError(f"not an e-mail address: {email!r}")
    return f"mailto:{email}"


def _description(occurrence: Occurrence) -> str:
    """Return the week's description followed by the link to its page, if not already in it."""
    text = _multi_line(occurrence.description).strip()
    if occurrence.url and occurrence.url not in text:
        text = f"{text}\n\n{occurrence.url}" if text else occurrence.url
    return text


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
