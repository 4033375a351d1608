"""Tests for wol.calendar.ics, checked by independent parsers.

Invitations carry one recurring series per circle; feeds and downloads one event per meeting.

Expected UTC starts are written out by hand (from the DST rules of each zone), never computed
with the code under test. The icalcheck tool (../shared/tools/icalcheck) runs three parsers
that wol does not use itself; its absence is a failure, not a skip.
"""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from tests.icalcheck import run_checker
from tests.itip import ClientStore
from wol.calendar.ics import (
    Occurrence,
    Series,
    event_block,
    render_calendar,
    render_cancel,
    render_events,
    render_feed,
    vtimezone,
    week_uid,
)

STAMP = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ORGANIZER = ("noreply@wol.example.org", "wol")
ATTENDEES = (("ann@example.be", "Ann Peeters"), ("bram@example.be", "Bram Janssens"))


def utc(text: str) -> datetime:
    """Parse "2026-03-03T11:00:00Z" into an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# Brussels, Tuesdays 12:00 from 3 March 2026; CET (+01) until 29 March, then CEST (+02).
# 13 grid slots: week 5 is skipped and the later weeks move back one week.
BRUSSELS_GRID = [
    "2026-03-03T11:00:00Z",  # slot 1  = week 1
    "2026-03-10T11:00:00Z",  # slot 2  = week 2
    "2026-03-17T11:00:00Z",  # slot 3  = week 3
    "2026-03-24T11:00:00Z",  # slot 4  = week 4
    "2026-03-31T10:00:00Z",  # slot 5  = no meeting (skipped) -> EXDATE
    "2026-04-07T10:00:00Z",  # slot 6  = week 5
    "2026-04-14T10:00:00Z",  # slot 7  = week 6
    "2026-04-21T10:00:00Z",  # slot 8  = week 7, moved to Thursday 23 April 14:00 CEST
    "2026-04-28T10:00:00Z",  # slot 9  = week 8
    "2026-05-05T10:00:00Z",  # slot 10 = week 9
    "2026-05-12T10:00:00Z",  # slot 11 = week 10
    "2026-05-19T10:00:00Z",  # slot 12 = week 11
    "2026-05-26T10:00:00Z",  # slot 13 = week 12
]
BRUSSELS_EXPECTED = [
    "2026-03-03T11:00:00Z",
    "2026-03-10T11:00:00Z",
    "2026-03-17T11:00:00Z",
    "2026-03-24T11:00:00Z",
    "2026-04-07T10:00:00Z",
    "2026-04-14T10:00:00Z",
    "2026-04-23T12:00:00Z",
    "2026-04-28T10:00:00Z",
    "2026-05-05T10:00:00Z",
    "2026-05-12T10:00:00Z",
    "2026-05-19T10:00:00Z",
    "2026-05-26T10:00:00Z",
]

# New York, Wednesdays 19:30 from 25 February 2026; EST (-05) until 8 March, then EDT (-04).
# In EST the meeting starts on the next UTC day. Week 2 is skipped without moving the others.
NEW_YORK_SLOTS = [
    "2026-02-26T00:30:00Z",
    "2026-03-05T00:30:00Z",  # week 2: skipped -> EXDATE;TZID=America/New_York:20260304T193000
    "2026-03-11T23:30:00Z",
    "2026-03-18T23:30:00Z",
    "2026-03-25T23:30:00Z",
    "2026-04-01T23:30:00Z",
    "2026-04-08T23:30:00Z",
    "2026-04-15T23:30:00Z",
    "2026-04-22T23:30:00Z",
    "2026-04-29T23:30:00Z",
    "2026-05-06T23:30:00Z",
    "2026-05-13T23:30:00Z",
]
NEW_YORK_EXPECTED = [s for i, s in enumerate(NEW_YORK_SLOTS) if i != 1]

# Sydney, Mondays 18:00 from 16 March 2026; AEDT (+11) until 5 April, then AEST (+10).
SYDNEY_SLOTS = [
    "2026-03-16T07:00:00Z",
    "2026-03-23T07:00:00Z",
    "2026-03-30T07:00:00Z",
    "2026-04-06T08:00:00Z",
    "2026-04-13T08:00:00Z",
    "2026-04-20T08:00:00Z",
    "2026-04-27T08:00:00Z",
    "2026-05-04T08:00:00Z",
    "2026-05-11T08:00:00Z",
    "2026-05-18T08:00:00Z",
    "2026-05-25T08:00:00Z",
    "2026-06-01T08:00:00Z",
]

# New York in 2006/07, Wednesdays 19:30 from 18 October 2006: the US rules changed in 2007
# (old: last Sunday of October; new: second Sunday of March, first of November), so the
# VTIMEZONE must list the transitions. EDT until 29 October 2006, then EST.
NEW_YORK_2006_SLOTS = [
    "2006-10-18T23:30:00Z",
    "2006-10-25T23:30:00Z",
    "2006-11-02T00:30:00Z",
    "2006-11-09T00:30:00Z",
    "2006-11-16T00:30:00Z",
    "2006-11-23T00:30:00Z",
    "2006-11-30T00:30:00Z",
    "2006-12-07T00:30:00Z",
    "2006-12-14T00:30:00Z",
    "2006-12-21T00:30:00Z",
    "2006-12-28T00:30:00Z",
    "2007-01-04T00:30:00Z",
]


def occurrences(slots, name, base_url, *, moved=None, skipped=(), positions=None):
    """Build Occurrence values: week n starts at slots[n-1] on grid position positions[n-1]
    (default n-1), unless `moved` {week: start} or `skipped` says otherwise."""
    moved = moved or {}
    positions = positions or range(len(slots))
    result = []
    for week, (slot, position) in enumerate(zip(slots, positions, strict=True), start=1):
        start = None if week in skipped else utc(moved.get(week, slot))
        result.append(
            Occurrence(
                week=week,
                slot=position,
                start=start,
                summary=f"{name} · week {week}: Guide title {week}",
                description=f"What we do in week {week}.",
                url=f"{base_url}/week/{week}",
            )
        )
    return tuple(result)


def brussels_series(**changes) -> Series:
    """The Journey 4 circle: week 5 skipped (later weeks back one week), week 7 on Thursday."""
    slots = [s for i, s in enumerate(BRUSSELS_GRID) if i != 4]
    series = Series(
        uid="circle-42@wol.example.org",
        sequence=3,
        tzid="Europe/Brussels",
        duration_minutes=60,
        summary="Cirkel Digitale Overheid",
        location="WTC III, Koning Albert II-laan 33; 1030 Brussel",
        first_slot=datetime(2026, 3, 3, 12, 0),
        occurrences=occurrences(
            slots,
            "Cirkel Digitale Overheid",
            "https://wol.example.org/circles/42",
            moved={7: "2026-04-23T12:00:00Z"},
            positions=[k for k in range(13) if k != 4],
        ),
    )
    return replace(series, **changes)


def new_york_series() -> Series:
    """A New York circle with week 2 skipped."""
    return Series(
        uid="circle-7@wol.example.org",
        sequence=0,
        tzid="America/New_York",
        duration_minutes=90,
        summary="WOL circle NYC",
        location="Zoom",
        first_slot=datetime(2026, 2, 25, 19, 30),
        occurrences=occurrences(
            NEW_YORK_SLOTS, "WOL circle NYC", "https://wol.example.org/circles/7", skipped={2}
        ),
    )


def plain_series(uid: str, tzid: str, first_slot: datetime, slots: list[str]) -> Series:
    """A circle with all 12 meetings at their slots; `first_slot` is week 1's local time."""
    return Series(
        uid=uid,
        sequence=1,
        tzid=tzid,
        duration_minutes=60,
        summary=uid,
        location=None,
        first_slot=first_slot,
        occurrences=occurrences(slots, uid, "https://wol.example.org/c"),
    )


def check(tmp_path: Path, name: str, data: bytes, expected: list[str] | None = None) -> str:
    """Run the icalcheck tool on `data`; fail with its output unless all parsers accept it."""
    result = run_checker(tmp_path, name, data, expected)
    assert result.returncode == 0, f"icalcheck failed (exit {result.returncode}):\n{result.stdout}"
    return result.stdout


def check_feed(tmp_path: Path, name: str, data: bytes, expected: list[str]) -> None:
    """Like check(), for a file with several series; tolerates ical.js issue #1019 only.

    ical.js 2.2.1 (kewisch/ical.js#1019) relates every RECURRENCE-ID component of a VCALENDAR
    to every master, whatever its UID, so the checker's ical.js step reports each override of
    one series as "matching no instance" of the other. Those exact messages are accepted; any
    other error (including different occurrences) still fails.
    """
    result = run_checker(tmp_path, name, data, expected)
    if result.returncode == 0:
        return
    output = result.stdout
    assert "ok    icalendar" in output and "ok    vobject" in output, output
    rids: dict[str, set[str]] = {}
    for event in parse(data).walk("VEVENT"):
        if "RECURRENCE-ID" in event:
            local = event["RECURRENCE-ID"].dt.replace(tzinfo=None).isoformat()
            rids.setdefault(str(event["UID"]), set()).add(local)
    pattern = re.compile(r"ERROR RECURRENCE-ID (\S+) of (\S+) matches no instance")
    errors = [x.strip() for x in output.splitlines() if x.strip().startswith("ERROR")]
    assert errors, output
    for error in errors:
        match = pattern.fullmatch(error)
        assert match, output
        rid, uid = match.groups()
        others = set().union(*(v for k, v in rids.items() if k != uid))
        assert rid not in rids.get(uid, set()) and rid in others, output


def parse(data: bytes) -> icalendar.Calendar:
    """Parse with icalendar and fail on any recorded parse error."""
    cal = icalendar.Calendar.from_ical(data)
    errors = [err for comp in cal.walk() for err in (getattr(comp, "errors", None) or [])]
    assert errors == []
    return cal


def calendar_name(cal: icalendar.Calendar) -> str:
    """X-WR-CALNAME read as the TEXT it is (icalendar leaves X- values escaped)."""
    return re.sub(
        r"\\([\\;,nN])",
        lambda m: "\n" if m.group(1) in "nN" else m.group(1),
        str(cal["X-WR-CALNAME"]),
    )


def lines(data: bytes) -> list[str]:
    """Return the unfolded content lines."""
    return data.decode().replace("\r\n ", "").split("\r\n")


# --------------------------------------------------------------------------------------------
# the weekly grid


def test_the_weekly_grid_keeps_local_time_across_dst(tmp_path):
    """13 Brussels Tuesdays at 12:00: 11:00Z before 29 March, 10:00Z after; the empty slot 5
    is excluded."""
    series = brussels_series()
    data = render_calendar([series], name="x", stamp=STAMP)
    master = next(ev for ev in parse(data).walk("VEVENT") if "RECURRENCE-ID" not in ev)
    assert master["DTSTART"].dt.replace(tzinfo=None) == datetime(2026, 3, 3, 12, 0)
    overrides = sorted(
        ev["RECURRENCE-ID"].dt.astimezone(UTC)
        for ev in parse(data).walk("VEVENT")
        if "RECURRENCE-ID" in ev
    )
    assert overrides == [utc(s) for i, s in enumerate(BRUSSELS_GRID) if i != 4]


# --------------------------------------------------------------------------------------------
# independent parsers


def test_brussels_skip_shift_and_move_pass_the_checker(tmp_path):
    """Journey 4: slot 5 EXDATE, 12 overrides, week 7 on Thursday; all parsers agree."""
    data = render_calendar([brussels_series()], name="Cirkel Digitale Overheid", stamp=STAMP)
    check(tmp_path, "brussels", data, BRUSSELS_EXPECTED)

    content = lines(data)
    assert "RRULE:FREQ=WEEKLY;COUNT=13" in content
    assert "DTSTART;TZID=Europe/Brussels:20260303T120000" in content
    assert [x for x in content if x.startswith("EXDATE")] == [
        "EXDATE;TZID=Europe/Brussels:20260331T120000"
    ]
    recurrence_ids = [x for x in content if x.startswith("RECURRENCE-ID")]
    assert len(recurrence_ids) == 12
    assert all(x.startswith("RECURRENCE-ID;TZID=Europe/Brussels:") for x in recurrence_ids)
    assert "RECURRENCE-ID;TZID=Europe/Brussels:20260421T120000" in content
    assert "DTSTART;TZID=Europe/Brussels:20260423T140000" in content
    assert "X-WR-CALNAME:Cirkel Digitale Overheid" in content
    assert "METHOD:PUBLISH" in content


def test_feed_of_two_circles_in_two_zones(tmp_path):
    """A Brussels and a New York circle in one feed: both VTIMEZONEs, both series expand."""
    data = render_calendar([brussels_series(), new_york_series()], name="My circles", stamp=STAMP)
    check_feed(tmp_path, "feed", data, sorted(BRUSSELS_EXPECTED + NEW_YORK_EXPECTED))
    # Each series on its own passes all three parsers without any allowance.
    alone = render_calendar([new_york_series()], name="one", stamp=STAMP)
    check(tmp_path, "new-york", alone, NEW_YORK_EXPECTED)

    content = lines(data)
    assert [x for x in content if x.startswith("TZID:")] == [
        "TZID:Europe/Brussels",
        "TZID:America/New_York",
    ]
    # The skipped EST meeting is excluded on its local date, the day before its UTC date.
    assert "EXDATE;TZID=America/New_York:20260304T193000" in content
    assert "mailto:" not in data.decode()


def test_southern_hemisphere_and_changed_rules_pass_the_checker(tmp_path):
    """Sydney (DST ends in April) and New York across the 2007 US rule change (RDATE style)."""
    sydney = plain_series(
        "circle-sydney@wol.example.org",
        "Australia/Sydney",
        datetime(2026, 3, 16, 18, 0),
        SYDNEY_SLOTS,
    )
    ny2006 = plain_series(
        "circle-2006@wol.example.org",
        "America/New_York",
        datetime(2006, 10, 18, 19, 30),
        NEW_YORK_2006_SLOTS,
    )
    data = render_calendar([sydney, ny2006], name="Elsewhere", stamp=STAMP)
    check_feed(tmp_path, "elsewhere", data, sorted(SYDNEY_SLOTS + NEW_YORK_2006_SLOTS))
    for series, expected in ((sydney, SYDNEY_SLOTS), (ny2006, NEW_YORK_2006_SLOTS)):
        alone = render_calendar([series], name="one", stamp=STAMP)
        check(tmp_path, series.uid, alone, expected)

    new_york = parse(data).walk("VTIMEZONE")[1]
    assert str(new_york["TZID"]) == "America/New_York"
    assert all("RRULE" not in sub for sub in new_york.subcomponents)
    assert any("RDATE" in sub for sub in new_york.subcomponents)


def test_invitation_update_and_cancellations_pass_the_checker(tmp_path):
    """REQUEST, an update that moves week 9, and CANCELs for one week and for the series."""
    invited = brussels_series(organizer=ORGANIZER, attendees=ATTENDEES)
    request = render_calendar([invited], name="Invitation", stamp=STAMP, method="REQUEST")
    check(tmp_path, "request", request, BRUSSELS_EXPECTED)
    content = lines(request)
    assert "METHOD:REQUEST" in content
    assert "ORGANIZER;CN=wol:mailto:noreply@wol.example.org" in content
    assert (
        'ATTENDEE;CN="Ann Peeters";PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=FALSE'
        ":mailto:ann@example.be"
    ) in content

    # Week 9 (slot 10, Tuesday 5 May 12:00 CEST) moves to Wednesday 6 May 09:00 CEST.
    moved = tuple(
        replace(o, start=utc("2026-05-06T07:00:00Z")) if o.week == 9 else o
        for o in invited.occurrences
    )
    updated = replace(invited, sequence=invited.sequence + 1, occurrences=moved)
    update = render_calendar([updated], name="Invitation", stamp=STAMP, method="REQUEST")
    expected = sorted(
        [s for s in BRUSSELS_EXPECTED if s != "2026-05-05T10:00:00Z"] + ["2026-05-06T07:00:00Z"]
    )
    check(tmp_path, "update", update, expected)
    assert {x for x in lines(update) if x.startswith("SEQUENCE")} == {"SEQUENCE:4"}
    assert "RECURRENCE-ID;TZID=Europe/Brussels:20260505T120000" in lines(update)
    assert "DTSTART;TZID=Europe/Brussels:20260506T090000" in lines(update)

    # Week 7 is skipped alone: the app raises the SEQUENCE and cancels that occurrence.
    skipped = replace(
        updated,
        sequence=5,
        occurrences=tuple(replace(o, start=None) if o.week == 7 else o for o in moved),
    )
    one = render_cancel(skipped, stamp=STAMP, week=7)
    content = lines(one)
    assert "METHOD:CANCEL" in content and "STATUS:CANCELLED" in content and "SEQUENCE:5" in content
    assert [x for x in content if x.startswith("RECURRENCE-ID")] == [
        "RECURRENCE-ID;TZID=Europe/Brussels:20260421T120000"
    ]
    event_lines = content[content.index("BEGIN:VEVENT") :]
    assert not any(x.startswith(("RRULE", "EXDATE")) for x in event_lines)
    # A one-week CANCEL is, per RFC 5546, an exception without its master. vobject and ical.js
    # expand stand-alone files, so they report exactly that (the checker's own sample
    # good_itip_cancel_one.ics fails the same way); anything else is a real error.
    result = run_checker(tmp_path, "cancel-one", one)
    if result.returncode != 0:
        assert "ok    icalendar" in result.stdout and "ok    libical" in result.stdout
        errors = [x.strip() for x in result.stdout.splitlines() if x.strip().startswith("ERROR")]
        known = (
            "ERROR RECURRENCE-ID 2026-04-21T10:00:00Z of circle-42@wol.example.org "
            "matches no instance",
            "ERROR exception circle-42@wol.example.org without master",
        )
        assert errors and all(e in known for e in errors), result.stdout

    # The whole series is cancelled (the person leaves): a higher SEQUENCE again.
    whole = render_cancel(replace(skipped, sequence=6), stamp=STAMP)
    check(tmp_path, "cancel-series", whole)
    content = lines(whole)
    assert "METHOD:CANCEL" in content and "STATUS:CANCELLED" in content
    assert not any(x.startswith("RECURRENCE-ID") for x in content)
    assert "RRULE:FREQ=WEEKLY;COUNT=13" in content and "SEQUENCE:6" in content

    # Replayed in order as a client applies them, each stage holds exactly the meetings that
    # will take place.
    client = ClientStore()
    client.apply(request)
    check(tmp_path, "client-1", client.calendar(), BRUSSELS_EXPECTED)
    client.apply(update)
    check(tmp_path, "client-2", client.calendar(), expected)
    client.apply(one)
    without_week_7 = [s for s in expected if s != "2026-04-23T12:00:00Z"]
    check(tmp_path, "client-3", client.calendar(), without_week_7)
    client.apply(whole)
    assert client.events == {} and client.ignored == []


# --------------------------------------------------------------------------------------------
# identity, determinism, privacy


def test_same_input_gives_identical_bytes_and_stable_uid():
    """No random values: identical input renders byte-identically; UID is the series' UID."""
    changed = datetime(2026, 2, 27, 9, 15, tzinfo=UTC)
    first = render_calendar([brussels_series(last_modified=changed)], name="x", stamp=STAMP)
    again = render_calendar([brussels_series(last_modified=changed)], name="x", stamp=STAMP)
    assert first == again
    uids = {str(ev["UID"]) for ev in parse(first).walk("VEVENT")}
    assert uids == {"circle-42@wol.example.org"}
    content = lines(first)
    assert content.count("DTSTAMP:20260301T120000Z") == 13
    assert content.count("LAST-MODIFIED:20260227T091500Z") == 13


def test_uid_and_recurrence_ids_survive_a_move_and_sequence_is_as_given():
    """Moving a meeting changes its DTSTART only; UID and RECURRENCE-IDs stay."""
    before = brussels_series()
    moved = tuple(
        replace(o, start=o.start + timedelta(hours=3)) if o.week == 2 else o
        for o in before.occurrences
    )
    after = replace(before, sequence=7, occurrences=moved)

    def ids(series):
        cal = parse(render_calendar([series], name="x", stamp=STAMP))
        events = cal.walk("VEVENT")
        return (
            {str(ev["UID"]) for ev in events},
            sorted(ev["RECURRENCE-ID"].dt for ev in events if "RECURRENCE-ID" in ev),
            {int(ev["SEQUENCE"]) for ev in events},
        )

    uid_before, rids_before, seq_before = ids(before)
    uid_after, rids_after, seq_after = ids(after)
    assert uid_before == uid_after == {"circle-42@wol.example.org"}
    assert rids_before == rids_after
    assert (seq_before, seq_after) == ({3}, {7})


def test_feed_never_carries_email_addresses():
    """Without a METHOD, ORGANIZER and ATTENDEE are left out even if a caller passes them."""
    data = render_calendar(
        [brussels_series(organizer=ORGANIZER, attendees=ATTENDEES)], name="x", stamp=STAMP
    )
    assert b"mailto:" not in data
    assert b"ATTENDEE" not in data and b"ORGANIZER" not in data


def test_invitations_need_organizer_and_attendees_and_aware_times():
    """Bad input is refused with ValueError rather than rendered into a broken file."""
    with pytest.raises(ValueError, match="organizer"):
        render_calendar([brussels_series()], name="x", stamp=STAMP, method="REQUEST")
    with pytest.raises(ValueError, match="organizer"):
        render_cancel(brussels_series(), stamp=STAMP)
    with pytest.raises(ValueError, match="method"):
        render_calendar([brussels_series()], name="x", stamp=STAMP, method="CANCEL")
    with pytest.raises(ValueError, match="aware"):
        render_calendar([brussels_series()], name="x", stamp=datetime(2026, 3, 1, 12))
    twice = brussels_series()
    same_slot = (replace(twice.occurrences[0], slot=twice.occurrences[1].slot),)
    with pytest.raises(ValueError, match="grid slot"):
        render_calendar(
            [replace(twice, occurrences=same_slot + twice.occurrences[1:])],
            name="x",
            stamp=STAMP,
        )


# --------------------------------------------------------------------------------------------
# feeds and downloads: one event per meeting

# The Brussels circle (journey 4) and the New York circle in one feed, in time order. Brussels:
# slot 31 March left empty, week 7 on Thursday 23 April 14:00 CEST. New York: week 2 skipped.
FEED_EXPECTED = [
    "2026-02-26T00:30:00Z",  # New York week 1 (Wednesday 25 February 19:30 EST)
    "2026-03-03T11:00:00Z",  # Brussels week 1
    "2026-03-10T11:00:00Z",  # Brussels week 2
    "2026-03-11T23:30:00Z",  # New York week 3 (EDT from 8 March)
    "2026-03-17T11:00:00Z",  # Brussels week 3
    "2026-03-18T23:30:00Z",  # New York week 4
    "2026-03-24T11:00:00Z",  # Brussels week 4
    "2026-03-25T23:30:00Z",  # New York week 5
    "2026-04-01T23:30:00Z",  # New York week 6
    "2026-04-07T10:00:00Z",  # Brussels week 5 (CEST from 29 March)
    "2026-04-08T23:30:00Z",  # New York week 7
    "2026-04-14T10:00:00Z",  # Brussels week 6
    "2026-04-15T23:30:00Z",  # New York week 8
    "2026-04-22T23:30:00Z",  # New York week 9
    "2026-04-23T12:00:00Z",  # Brussels week 7, moved to Thursday 14:00
    "2026-04-28T10:00:00Z",  # Brussels week 8
    "2026-04-29T23:30:00Z",  # New York week 10
    "2026-05-05T10:00:00Z",  # Brussels week 9
    "2026-05-06T23:30:00Z",  # New York week 11
    "2026-05-12T10:00:00Z",  # Brussels week 10
    "2026-05-13T23:30:00Z",  # New York week 12
    "2026-05-19T10:00:00Z",  # Brussels week 11
    "2026-05-26T10:00:00Z",  # Brussels week 12
]
BRUSSELS_UIDS = {f"circle-42-week-{n}@wol.example.org" for n in range(1, 13)}
NEW_YORK_UIDS = {f"circle-7-week-{n}@wol.example.org" for n in range(1, 13) if n != 2}


def vevents(data: bytes) -> dict[str, dict[str, str]]:
    """Map each VEVENT's UID to its unfolded content lines, keyed by property name."""
    result: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in lines(data):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            uid = current["UID"].removeprefix("UID:")
            assert uid not in result, f"duplicate UID {uid}"
            result[uid] = current
            current = None
        elif current is not None:
            key = line.partition(":")[0].split(";")[0]
            assert key not in current, f"{key} twice in one VEVENT"
            current[key] = line
    return result


def test_week_uid_is_built_from_the_series_uid():
    """The week number goes before the host part; the value depends on the ids only."""
    assert week_uid("circle-42@wol.example.org", 3) == "circle-42-week-3@wol.example.org"
    assert week_uid("circle-42@wol.example.org", 12) == "circle-42-week-12@wol.example.org"
    assert week_uid("circle-42", 1) == "circle-42-week-1"
    for bad in (0, -1, True, "3"):
        with pytest.raises(ValueError, match="week"):
            week_uid("circle-42@wol.example.org", bad)


def test_feed_events_of_two_circles_pass_the_checker_without_allowances(tmp_path):
    """Brussels (DST, empty slot, moved week) and New York (skipped week): a plain exit 0."""
    data = render_events([brussels_series(), new_york_series()], name="My circles", stamp=STAMP)
    check(tmp_path, "feed-events", data, FEED_EXPECTED)

    content = lines(data)
    assert "X-WR-CALNAME:My circles" in content
    assert [x for x in content if x.startswith("TZID:")] == [
        "TZID:Europe/Brussels",
        "TZID:America/New_York",
    ]
    assert "METHOD:PUBLISH" in content
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in content
    assert "X-PUBLISHED-TTL:PT1H" in content
    events = vevents(data)
    assert set(events) == BRUSSELS_UIDS | NEW_YORK_UIDS
    # Plain events: no recurrence anywhere (the VTIMEZONEs' yearly RRULEs are not events).
    assert not any(
        {"RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"} & ev.keys() for ev in events.values()
    )

    week7 = events["circle-42-week-7@wol.example.org"]
    assert week7["DTSTART"] == "DTSTART;TZID=Europe/Brussels:20260423T140000"
    assert week7["DTEND"] == "DTEND;TZID=Europe/Brussels:20260423T150000"
    assert week7["SUMMARY"] == "SUMMARY:Cirkel Digitale Overheid · week 7: Guide title 7"
    assert week7["URL"] == "URL:https://wol.example.org/circles/42/week/7"
    assert week7["LOCATION"] == r"LOCATION:WTC III\, Koning Albert II-laan 33\; 1030 Brussel"
    assert week7["DESCRIPTION"] == (
        r"DESCRIPTION:What we do in week 7.\n\nhttps://wol.example.org/circles/42/week/7"
    )
    assert week7["STATUS"] == "STATUS:CONFIRMED"
    assert week7["SEQUENCE"] == "SEQUENCE:3"
    assert week7["DTSTAMP"] == "DTSTAMP:20260301T120000Z"
    # Before and after the Brussels DST change: 12:00 local time both.
    week4 = events["circle-42-week-4@wol.example.org"]
    week5 = events["circle-42-week-5@wol.example.org"]
    assert week4["DTSTART"] == "DTSTART;TZID=Europe/Brussels:20260324T120000"
    assert week5["DTSTART"] == "DTSTART;TZID=Europe/Brussels:20260407T120000"
    # New York in EST: the local date is the day before the UTC date; 90 minutes long.
    ny1 = events["circle-7-week-1@wol.example.org"]
    assert ny1["DTSTART"] == "DTSTART;TZID=America/New_York:20260225T193000"
    assert ny1["DTEND"] == "DTEND;TZID=America/New_York:20260225T210000"
    assert ny1["LOCATION"] == "LOCATION:Zoom"
    assert ny1["SEQUENCE"] == "SEQUENCE:0"
    assert all(ev["STATUS"] == "STATUS:CONFIRMED" for ev in events.values())

    # Skipped and empty slots are simply absent: New York week 2 (Wednesday 4 March) and the
    # Brussels slot of Tuesday 31 March.
    assert "circle-7-week-2@wol.example.org" not in events
    assert not any("20260304" in line or "20260331" in line for line in content)
    assert "mailto:" not in data.decode()


def test_feed_events_are_deterministic_and_keep_uids_across_a_move(tmp_path):
    """Identical input gives identical bytes; a move changes the moved week's times only."""
    changed = datetime(2026, 2, 27, 9, 15, tzinfo=UTC)
    before = brussels_series(last_modified=changed)
    first = render_events([before, new_york_series()], name="x", stamp=STAMP)
    again = render_events([before, new_york_series()], name="x", stamp=STAMP)
    assert first == again
    content = lines(first)
    assert content.count("DTSTAMP:20260301T120000Z") == 23
    assert content.count("LAST-MODIFIED:20260227T091500Z") == 12

    # Week 9 (Tuesday 5 May 12:00 CEST) moves to Wednesday 6 May 09:00 CEST; the app raises
    # the series' SEQUENCE.
    moved = tuple(
        replace(o, start=utc("2026-05-06T07:00:00Z")) if o.week == 9 else o
        for o in before.occurrences
    )
    after = replace(before, sequence=4, occurrences=moved)
    second = render_events([after, new_york_series()], name="x", stamp=STAMP)
    expected = [s for s in FEED_EXPECTED if s != "2026-05-05T10:00:00Z"]
    expected = sorted([*expected, "2026-05-06T07:00:00Z"])
    check(tmp_path, "feed-moved", second, expected)

    old, new = vevents(first), vevents(second)
    assert set(old) == set(new) == BRUSSELS_UIDS | NEW_YORK_UIDS
    week9 = "circle-42-week-9@wol.example.org"
    assert new[week9]["DTSTART"] == "DTSTART;TZID=Europe/Brussels:20260506T090000"
    assert new[week9]["DTEND"] == "DTEND;TZID=Europe/Brussels:20260506T100000"
    for uid in old:
        differs = {
            key
            for key in old[uid].keys() | new[uid].keys()
            if old[uid].get(key) != new[uid].get(key)
        }
        if uid == week9:
            assert differs == {"DTSTART", "DTEND", "SEQUENCE"}
        elif uid in BRUSSELS_UIDS:
            assert differs == {"SEQUENCE"}
            assert new[uid]["SEQUENCE"] == "SEQUENCE:4"
        else:
            assert differs == set()

    # Without a raised SEQUENCE, the move changes one event and nothing else.
    third = render_events([replace(after, sequence=3), new_york_series()], name="x", stamp=STAMP)
    changed_uids = {uid for uid, props in vevents(third).items() if props != old[uid]}
    assert changed_uids == {week9}


def test_feed_events_never_carry_email_addresses():
    """No ORGANIZER or ATTENDEE in a feed, even when a caller passes them."""
    invited = brussels_series(organizer=ORGANIZER, attendees=ATTENDEES)
    data = render_events([invited], name="x", stamp=STAMP)
    assert b"mailto:" not in data
    assert b"ATTENDEE" not in data and b"ORGANIZER" not in data


def test_feed_events_refuse_duplicate_uids_and_bad_input():
    """The same circle twice would give two events one UID: refused, as is a naive stamp."""
    with pytest.raises(ValueError, match="UID"):
        render_events([brussels_series(), brussels_series()], name="x", stamp=STAMP)
    with pytest.raises(ValueError, match="aware"):
        render_events([brussels_series()], name="x", stamp=datetime(2026, 3, 1, 12))


# --------------------------------------------------------------------------------------------
# VTIMEZONE


def observances(tzid: str, start: str, end: str) -> dict[str, list[icalendar.Component]]:
    """Render a VTIMEZONE and group its sub-components by name."""
    tz = vtimezone(tzid, utc(start), utc(end))
    assert str(tz["TZID"]) == tzid
    grouped: dict[str, list[icalendar.Component]] = {}
    for sub in icalendar.Timezone.from_ical(tz.to_ical()).subcomponents:
        grouped.setdefault(sub.name, []).append(sub)
    return grouped


def yearly_rule(sub: icalendar.Component) -> tuple:
    """Return (FREQ, BYMONTH, BYDAY, TZOFFSETFROM, TZOFFSETTO) of an observance."""
    rule = sub["RRULE"]
    return (
        rule["FREQ"][0],
        rule["BYMONTH"][0],
        str(rule["BYDAY"][0]),
        sub["TZOFFSETFROM"].td,
        sub["TZOFFSETTO"].td,
    )


H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("tzid", "standard", "daylight"),
    [
        ("Europe/Brussels", ("YEARLY", 10, "-1SU", 2 * H, H), ("YEARLY", 3, "-1SU", H, 2 * H)),
        (
            "America/New_York",
            ("YEARLY", 11, "1SU", -4 * H, -5 * H),
            ("YEARLY", 3, "2SU", -5 * H, -4 * H),
        ),
        (
            "Australia/Sydney",
            ("YEARLY", 4, "1SU", 11 * H, 10 * H),
            ("YEARLY", 10, "1SU", 10 * H, 11 * H),
        ),
    ],
)
def test_vtimezone_with_dst_has_yearly_rules(tzid, standard, daylight):
    """One STANDARD and one DAYLIGHT with the RRULE Outlook and Google write."""
    subs = observances(tzid, "2026-03-01T00:00:00Z", "2026-06-01T00:00:00Z")
    assert sorted(subs) == ["DAYLIGHT", "STANDARD"]
    assert len(subs["STANDARD"]) == len(subs["DAYLIGHT"]) == 1
    assert yearly_rule(subs["STANDARD"][0]) == standard
    assert yearly_rule(subs["DAYLIGHT"][0]) == daylight
    assert subs["STANDARD"][0]["DTSTART"].dt.year >= 1970


def test_vtimezone_brussels_names_and_start_times():
    """CET/CEST, switching at 02:00 (spring) and 03:00 (autumn) local time."""
    subs = observances("Europe/Brussels", "2026-03-01T00:00:00Z", "2026-06-01T00:00:00Z")
    standard, daylight = subs["STANDARD"][0], subs["DAYLIGHT"][0]
    assert (str(standard["TZNAME"]), str(daylight["TZNAME"])) == ("CET", "CEST")
    assert standard["DTSTART"].dt.strftime("%m-%d %H:%M") in {
        f"10-{d} 03:00" for d in range(25, 32)
    }
    assert daylight["DTSTART"].dt.strftime("%m-%d %H:%M") in {
        f"03-{d} 02:00" for d in range(25, 32)
    }


@pytest.mark.parametrize(
    ("tzid", "offset"), [("Asia/Kolkata", timedelta(hours=5, minutes=30)), ("UTC", timedelta(0))]
)
def test_vtimezone_without_dst_is_one_standard(tzid, offset):
    """A zone without DST gets a single STANDARD and no RRULE."""
    subs = observances(tzid, "2026-03-01T00:00:00Z", "2026-06-01T00:00:00Z")
    assert list(subs) == ["STANDARD"] and len(subs["STANDARD"]) == 1
    sub = subs["STANDARD"][0]
    assert "RRULE" not in sub
    assert sub["TZOFFSETTO"].td == offset


def test_vtimezone_falls_back_to_rdates_when_rules_change():
    """US rules changed in 2007: the 2006-2007 VTIMEZONE lists the real transitions."""
    subs = observances("America/New_York", "2006-10-01T00:00:00Z", "2007-12-01T00:00:00Z")
    onsets = set()
    for sub in (sub for group in subs.values() for sub in group):
        assert "RRULE" not in sub
        rdates = sub.get("RDATE", [])
        for prop in rdates if isinstance(rdates, list) else [rdates]:
            onsets |= {(sub.name, d.dt.strftime("%Y-%m-%d %H:%M")) for d in prop.dts}
    assert {
        ("STANDARD", "2006-10-29 02:00"),  # last Sunday of October (old rule)
        ("DAYLIGHT", "2007-03-11 02:00"),  # second Sunday of March (new rule)
        ("STANDARD", "2007-11-04 02:00"),  # first Sunday of November (new rule)
    } <= onsets


@pytest.mark.parametrize(
    ("tzid", "first", "last"),
    [
        ("Europe/Brussels", 2026, 2026),
        ("America/New_York", 2026, 2027),
        ("America/New_York", 2006, 2007),
        ("Australia/Sydney", 2026, 2026),
        ("Asia/Kolkata", 2026, 2026),
        ("Europe/Dublin", 2026, 2026),
    ],
)
def test_vtimezone_agrees_with_zoneinfo(tzid, first, last):
    """dateutil's reading of our VTIMEZONE gives zoneinfo's offset throughout the years spanned.

    Daily samples find the days with a change; those days are checked every half hour.
    """
    start, end = datetime(first, 1, 1, tzinfo=UTC), datetime(last + 1, 1, 1, tzinfo=UTC)
    component = icalendar.Timezone.from_ical(vtimezone(tzid, start, end).to_ical())
    ours, real = component.to_tz(lookup_tzid=False), ZoneInfo(tzid)

    def offsets(t):
        return t.astimezone(ours).utcoffset(), t.astimezone(real).utcoffset()

    wrong, changes, day = [], 0, start
    while day < end:
        ours_offset, real_offset = offsets(day)
        if ours_offset != real_offset:
            wrong.append(day)
        if offsets(day + timedelta(days=1))[1] != real_offset:
            changes += 1
            wrong += [
                t
                for t in (day + timedelta(minutes=30 * n) for n in range(49))
                if len(set(offsets(t))) != 1
            ]
        day += timedelta(days=1)
    assert wrong == []
    assert changes == (0 if tzid == "Asia/Kolkata" else 2 * (last - first + 1))


# --------------------------------------------------------------------------------------------
# text


def test_text_with_commas_semicolons_newlines_and_accents_round_trips():
    """Escaping survives icalendar's parser; lines are CRLF and folded at 75 octets."""
    name = 'Cirkel "Één", Zoë; Noël\\Brussel 🎉'
    place = "Zaal 3, verdieping 2; WTC III\nKoning Albert II-laan 33, 1030 Brussel ☕"
    description = "Week 3: relaties, bijdragen; doelen\r\nTweede regel — café, naïef 🙂"
    series = brussels_series(
        summary=name,
        location=place,
        occurrences=tuple(
            replace(o, summary=f"{name} · week {o.week}: Één, twee; drie", description=description)
            for o in brussels_series().occurrences
        ),
        organizer=("noreply@wol.example.org", 'wol, Brussel; "team"'),
        attendees=(("zoe@example.be", 'Zoë, de Smet; "Z"'),),
    )
    data = render_calendar([series], name=name, stamp=STAMP, method="REQUEST")

    raw = data.split(b"\r\n")
    assert raw[-1] == b"" and all(b"\n" not in line for line in raw)
    assert max(len(line) for line in raw) <= 75

    cal = parse(data)
    assert calendar_name(cal) == name
    master, *overrides = cal.walk("VEVENT")
    assert str(master["SUMMARY"]) == name
    # A place is one line in every client: its line break became a space.
    one_line_place = place.replace("\n", " ")
    assert str(master["LOCATION"]) == one_line_place
    week3 = next(
        ev
        for ev in overrides
        if str(ev["SUMMARY"]).endswith("Één, twee; drie") and "week 3" in str(ev["SUMMARY"])
    )
    assert str(week3["DESCRIPTION"]).startswith(description.replace("\r\n", "\n"))
    assert str(week3["DESCRIPTION"]).endswith("https://wol.example.org/circles/42/week/3")
    assert str(week3["URL"]) == "https://wol.example.org/circles/42/week/3"
    assert str(week3["LOCATION"]) == one_line_place
    attendee = master["ATTENDEE"]
    attendee = attendee[0] if isinstance(attendee, list) else attendee
    assert str(attendee) == "mailto:zoe@example.be"
    assert attendee.params["CN"] == "Zoë, de Smet; 'Z'"
    assert master["ORGANIZER"].params["CN"] == "wol, Brussel; 'team'"


def test_long_lines_fold_at_75_octets_between_utf8_characters():
    """Long accented and emoji texts: every line at most 75 octets, no character split, and
    unfolding and parsing gives the texts back."""
    people = (("ann@example.be", "Ann Één Zoë 🎉 " * 8), ("bram@example.be", "Bram ☕ " * 12))
    # Prefixes of 0 to 3 characters move the multibyte characters across the fold points.
    for prefix in ("", "x", "xy", "xyz"):
        text = prefix + "Één café, naïef; Zoë\\Brussel ^ " * 5 + "🎉🙂☕€é" * 9
        series = brussels_series(
            summary=text,
            location=text,
            occurrences=tuple(
                replace(o, summary=text, description=f"{text}\n{text}")
                for o in brussels_series().occurrences
            ),
            organizer=("noreply@wol.example.org", people[0][1]),
            attendees=people,
        )
        renders = (
            render_events([series], name=text, stamp=STAMP),
            render_calendar([series], name=text, stamp=STAMP, method="REQUEST"),
            render_cancel(series, stamp=STAMP, week=3),
        )
        for data in renders:
            raw = data.split(b"\r\n")
            assert raw[-1] == b""
            assert all(len(line) <= 75 for line in raw)
            for line in raw:
                line.decode("utf-8")  # a fold inside a character leaves an undecodable line
            continued = [line for line in raw if line.startswith(b" ")]
            assert continued and any(line[1] >= 0xC0 for line in continued)

            cal = parse(data)
            for event in cal.walk("VEVENT"):
                assert str(event["SUMMARY"]) == text
                assert str(event["LOCATION"]) == text
                if "DESCRIPTION" in event:
                    assert str(event["DESCRIPTION"]).startswith(f"{text}\n{text}")
                if "ATTENDEE" in event:
                    names = [a.params["CN"] for a in event["ATTENDEE"]]
                    assert names == [" ".join(name.split()) for _, name in people]
        assert calendar_name(parse(renders[0])) == text


def test_a_utc_circle_writes_exdate_in_the_same_z_form_as_dtstart():
    """A skipped week of a circle in UTC is excluded with EXDATE:...Z, like DTSTART."""
    from wol.calendar.ics import Occurrence, Series, render_calendar

    first = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    occurrences = tuple(
        Occurrence(
            week=n,
            slot=n - 1,
            start=None if n == 2 else first + timedelta(weeks=n - 1),
            summary=f"Week {n}",
            description="d",
        )
        for n in range(1, 4)
    )
    series = Series(
        uid="circle-9@wol.test",
        sequence=1,
        tzid="UTC",
        duration_minutes=60,
        summary="UTC circle",
        location=None,
        first_slot=datetime(2026, 3, 3, 12, 0),
        occurrences=occurrences,
    )
    text = render_calendar([series], name="x", stamp=first).decode()
    assert "DTSTART:20260303T120000Z" in text
    assert "EXDATE:20260310T120000Z" in text


# --------------------------------------------------------------------------------------------
# DST nights: every client must read the instant wol means
#
# Four Sundays, the third on the night the clocks change, at a time inside the spring gap or
# the autumn fold. wol's rule: a time in the gap moves on by the gap, a repeated time is the
# first. The UTC starts are worked out by hand from each zone's rules for 2027.

DST_NIGHTS = {
    # Brussels: CET +01 / CEST +02; 28 March 02:00 -> 03:00, 31 October 03:00 -> 02:00.
    "brussels-spring": (
        "Europe/Brussels",
        datetime(2027, 3, 14, 2, 30),
        [
            "2027-03-14T01:30:00Z",  # 02:30 CET
            "2027-03-21T01:30:00Z",
            "2027-03-28T01:30:00Z",  # 02:30 does not exist: 03:30 CEST
            "2027-04-04T00:30:00Z",  # 02:30 CEST
        ],
    ),
    "brussels-autumn": (
        "Europe/Brussels",
        datetime(2027, 10, 17, 2, 30),
        [
            "2027-10-17T00:30:00Z",  # 02:30 CEST
            "2027-10-24T00:30:00Z",
            "2027-10-31T00:30:00Z",  # 02:30 happens twice: the first, CEST
            "2027-11-07T01:30:00Z",  # 02:30 CET
        ],
    ),
    # Amsterdam: the same rules, at 02:15.
    "amsterdam-spring": (
        "Europe/Amsterdam",
        datetime(2027, 3, 14, 2, 15),
        [
            "2027-03-14T01:15:00Z",
            "2027-03-21T01:15:00Z",
            "2027-03-28T01:15:00Z",  # 03:15 CEST
            "2027-04-04T00:15:00Z",
        ],
    ),
    "amsterdam-autumn": (
        "Europe/Amsterdam",
        datetime(2027, 10, 17, 2, 15),
        [
            "2027-10-17T00:15:00Z",
            "2027-10-24T00:15:00Z",
            "2027-10-31T00:15:00Z",  # the first 02:15, CEST
            "2027-11-07T01:15:00Z",
        ],
    ),
    # New York: EST -05 / EDT -04; 14 March 02:00 -> 03:00, 7 November 02:00 -> 01:00.
    "new-york-spring": (
        "America/New_York",
        datetime(2027, 2, 28, 2, 30),
        [
            "2027-02-28T07:30:00Z",  # 02:30 EST
            "2027-03-07T07:30:00Z",
            "2027-03-14T07:30:00Z",  # 02:30 does not exist: 03:30 EDT
            "2027-03-21T06:30:00Z",  # 02:30 EDT
        ],
    ),
    "new-york-autumn": (
        "America/New_York",
        datetime(2027, 10, 24, 1, 30),
        [
            "2027-10-24T05:30:00Z",  # 01:30 EDT
            "2027-10-31T05:30:00Z",
            "2027-11-07T05:30:00Z",  # 01:30 happens twice: the first, EDT
            "2027-11-14T06:30:00Z",  # 01:30 EST
        ],
    ),
    # Lord Howe: +10:30 / +11, a 30-minute change; 3 October 02:00 -> 02:30, 4 April
    # 02:00 -> 01:30.
    "lord-howe-spring": (
        "Australia/Lord_Howe",
        datetime(2027, 9, 19, 2, 15),
        [
            "2027-09-18T15:45:00Z",  # 02:15 +10:30
            "2027-09-25T15:45:00Z",
            "2027-10-02T15:45:00Z",  # 02:15 does not exist: 02:45 +11
            "2027-10-09T15:15:00Z",  # 02:15 +11
        ],
    ),
    "lord-howe-autumn": (
        "Australia/Lord_Howe",
        datetime(2027, 3, 21, 1, 45),
        [
            "2027-03-20T14:45:00Z",  # 01:45 +11
            "2027-03-27T14:45:00Z",
            "2027-04-03T14:45:00Z",  # 01:45 happens twice: the first, +11
            "2027-04-10T15:15:00Z",  # 01:45 +10:30
        ],
    ),
}


def night_series(tzid: str, first: datetime, starts: list[str], **changes) -> Series:
    """Four weekly meetings from `first` (local), starting at the hand-worked `starts`."""
    series = Series(
        uid="circle-5@wol.example.org",
        sequence=2,
        tzid=tzid,
        duration_minutes=60,
        summary="Nachtcirkel",
        location="Zaal 1",
        first_slot=first,
        occurrences=occurrences(starts, "Nachtcirkel", "https://wol.example.org/circles/5"),
        organizer=ORGANIZER,
        attendees=ATTENDEES[:1],
    )
    return replace(series, **changes)


def hour_long_in_utc(event: dict[str, str]) -> None:
    """Assert an event is written in UTC and lasts exactly its 60 minutes."""
    start, end = event["DTSTART"], event["DTEND"]
    assert start.endswith("Z") and ";TZID" not in start, start
    assert end.endswith("Z") and ";TZID" not in end, end
    parsed = [datetime.strptime(v.split(":")[1], "%Y%m%dT%H%M%SZ") for v in (start, end)]
    assert parsed[1] - parsed[0] == timedelta(hours=1)


@pytest.mark.parametrize("night", sorted(DST_NIGHTS))
def test_dst_nights_read_the_same_in_every_client(tmp_path, night):
    """Invitation, feed and download of a circle meeting in the gap or the fold: all four
    parsers find the meetings at wol's instants, each one hour long."""
    tzid, first, starts = DST_NIGHTS[night]
    series = night_series(tzid, first, starts)
    invitation = render_calendar([series], name="x", stamp=STAMP, method="REQUEST")
    check(tmp_path, f"{night}-request", invitation, starts)
    download = render_calendar([series], name="x", stamp=STAMP)
    check(tmp_path, f"{night}-download", download, starts)
    feed = render_events([series], name="x", stamp=STAMP)
    check(tmp_path, f"{night}-feed", feed, starts)
    # In the fold, the night's meeting is written in UTC, as an override and as a feed event
    # (in spring it starts after the gap, a time that exists).
    if night.endswith("autumn"):
        hour_long_in_utc(vevents(feed)["circle-5-week-3@wol.example.org"])
        [override] = [
            e
            for e in parse(invitation).walk("VEVENT")
            if "RECURRENCE-ID" in e and e["DTSTART"].dt == utc(starts[2])
        ]
        assert override["DTSTART"].params.get("TZID") is None
        assert override["DTEND"].dt - override["DTSTART"].dt == timedelta(hours=1)
    # A week cancelled on the night is found in the series by all four parsers too.
    client = ClientStore()
    client.apply(invitation)
    skipped = replace(
        series,
        sequence=3,
        occurrences=tuple(replace(o, start=None) if o.week == 3 else o for o in series.occurrences),
    )
    client.apply(render_cancel(skipped, stamp=STAMP, week=3))
    assert client.ignored == []
    check(
        tmp_path,
        f"{night}-after-cancel",
        client.calendar(),
        [s for i, s in enumerate(starts) if i != 2],
    )


def test_a_first_meeting_in_the_gap_and_its_week_skipped(tmp_path):
    """Brussels Sundays 02:30 from 28 March 2027, the night of the gap: week 1 at 03:30 CEST.
    Then week 1 is skipped and the others move a week on: week 1 is at 02:30 CEST again."""
    first = [
        "2027-03-28T01:30:00Z",  # 03:30 CEST: 02:30 does not exist
        "2027-04-04T00:30:00Z",  # 02:30 CEST from here on
        "2027-04-11T00:30:00Z",
    ]
    series = night_series("Europe/Brussels", datetime(2027, 3, 28, 2, 30), first)
    for method in ("REQUEST", "PUBLISH"):
        data = render_calendar([series], name="x", stamp=STAMP, method=method)
        check(tmp_path, f"gap-first-{method}", data, first)
    check(tmp_path, "gap-first-feed", render_events([series], name="x", stamp=STAMP), first)

    # Skipped with shift: the grid keeps the empty night, the weeks are a week later.
    shifted = [
        "2027-04-04T00:30:00Z",  # week 1, 02:30 CEST: the circle's time exists again
        "2027-04-11T00:30:00Z",
        "2027-04-18T00:30:00Z",
    ]
    later = replace(
        series,
        sequence=3,
        occurrences=tuple(
            replace(o, slot=o.slot + 1, start=utc(s))
            for o, s in zip(series.occurrences, shifted, strict=True)
        ),
    )
    update = render_calendar([later], name="x", stamp=STAMP, method="REQUEST")
    check(tmp_path, "gap-shifted", update, shifted)
    client = ClientStore()
    client.apply(render_calendar([series], name="x", stamp=STAMP, method="REQUEST"))
    client.apply(update)
    check(tmp_path, "gap-shifted-client", client.calendar(), shifted)


def test_an_autumn_meeting_moved_into_the_fold(tmp_path):
    """Brussels Sundays 10:00 from 17 October 2027; week 3 moves to 02:30 on 31 October, the
    night 02:30 happens twice: wol means the first (CEST), one hour long."""
    starts = [
        "2027-10-17T08:00:00Z",  # 10:00 CEST
        "2027-10-24T08:00:00Z",
        "2027-10-31T00:30:00Z",  # moved: the first 02:30, CEST
        "2027-11-07T09:00:00Z",  # 10:00 CET
    ]
    slots = [
        "2027-10-17T08:00:00Z",
        "2027-10-24T08:00:00Z",
        "2027-10-31T09:00:00Z",
        "2027-11-07T09:00:00Z",
    ]
    series = night_series("Europe/Brussels", datetime(2027, 10, 17, 10, 0), slots)
    moved = replace(
        series,
        occurrences=tuple(
            replace(o, start=utc(starts[2])) if o.week == 3 else o for o in series.occurrences
        ),
    )
    for method in ("REQUEST", "PUBLISH"):
        check(
            tmp_path,
            f"fold-moved-{method}",
            render_calendar([moved], name="x", stamp=STAMP, method=method),
            starts,
        )
    feed = render_events([moved], name="x", stamp=STAMP)
    check(tmp_path, "fold-moved-feed", feed, starts)
    hour_long_in_utc(vevents(feed)["circle-5-week-3@wol.example.org"])


# --------------------------------------------------------------------------------------------
# text people typed


def test_a_backslash_n_in_a_name_or_place_stays_a_backslash_n(tmp_path):
    r"""A literal \N is text, not a line break: the backslash is escaped."""
    series = brussels_series(
        summary="Cirkel C:\\New\\Noord",
        location="Gebouw \\N, zaal 2",
        occurrences=tuple(
            replace(o, summary=f"Cirkel C:\\New\\Noord · week {o.week}")
            for o in brussels_series().occurrences
        ),
    )
    for data in (
        render_calendar([series], name="Cirkel \\N", stamp=STAMP),
        render_events([series], name="Cirkel \\N", stamp=STAMP),
    ):
        check(tmp_path, "backslash", data, None)
        assert "LOCATION:Gebouw \\\\N\\, zaal 2" in lines(data)
        for event in parse(data).walk("VEVENT"):
            assert str(event["LOCATION"]) == "Gebouw \\N, zaal 2"
            assert str(event["SUMMARY"]).startswith("Cirkel C:\\New\\Noord")
        assert calendar_name(parse(data)) == "Cirkel \\N"


def test_line_breaks_and_control_characters_never_break_a_calendar(tmp_path):
    """Names with CR, LF, VT, NEL, U+2028/2029, FS and NUL (already in the database, from
    before wol refused them) are written on one line; descriptions keep their line breaks."""
    hostile = "Cirkel\r\nNoord\x0bZuid\x85Oost\u2028West\u2029Midden\x1cEinde\x00!"
    series = brussels_series(
        summary=hostile,
        location=hostile,
        occurrences=tuple(
            replace(o, summary=f"{hostile} · week {o.week}", description="Een\u2028twee\x00")
            for o in brussels_series().occurrences
        ),
        organizer=("noreply@wol.example.org", hostile),
        attendees=(("ann@example.be", hostile),),
    )
    one_line = "Cirkel Noord Zuid Oost West Midden Einde!"
    renders = {
        "request": render_calendar([series], name=hostile, stamp=STAMP, method="REQUEST"),
        "download": render_calendar([series], name=hostile, stamp=STAMP),
        "feed": render_events([series], name=hostile, stamp=STAMP),
        "cancel": render_cancel(series, stamp=STAMP, week=2),
    }
    for kind, data in renders.items():
        raw = data.split(b"\r\n")
        assert all(b"\n" not in line and b"\r" not in line for line in raw)
        assert not re.search(rb"[\x00-\x1f\x7f]", data.replace(b"\r\n", b""))
        assert "\u2028".encode() not in data and "\x85".encode() not in data
        if kind != "cancel":
            check(tmp_path, kind, data, None)
        for event in parse(data).walk("VEVENT"):
            assert str(event["SUMMARY"]).startswith(one_line)
            assert str(event["LOCATION"]) == one_line
            if "DESCRIPTION" in event:
                assert str(event["DESCRIPTION"]).startswith("Een\ntwee")
            for person in ("ORGANIZER", "ATTENDEE"):
                if person in event:
                    value = event[person]
                    value = value[0] if isinstance(value, list) else value
                    assert value.params["CN"] == one_line


def test_an_ended_circle_is_cancelled_and_an_empty_feed_still_holds_a_component(tmp_path):
    """An ended circle's file marks every meeting CANCELLED; a feed without circles holds the
    UTC VTIMEZONE, since RFC 5545 wants at least one component."""
    ended = render_calendar([brussels_series(cancelled=True)], name="x", stamp=STAMP)
    check(tmp_path, "ended", ended, BRUSSELS_EXPECTED)
    events = parse(ended).walk("VEVENT")
    assert events and {str(e["STATUS"]) for e in events} == {"CANCELLED"}

    empty = render_feed([], name="wol: my circles")
    check(tmp_path, "empty", empty, [])
    content = lines(empty)
    assert "BEGIN:VTIMEZONE" in content and "TZID:UTC" in content
    assert "METHOD:PUBLISH" in content and "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in content
    assert "X-PUBLISHED-TTL:PT1H" in content


def test_a_feed_is_the_concatenation_of_cached_blocks():
    """render_feed around event_block gives the bytes icalendar gives for the whole calendar,
    and the same blocks in the same order give the same bytes."""
    blocks = [
        event_block(brussels_series(), stamp=STAMP),
        event_block(new_york_series(), stamp=STAMP),
    ]
    feed = render_feed(blocks, name="My circles")
    assert feed == render_events(
        [brussels_series(), new_york_series()], name="My circles", stamp=STAMP
    )
    whole = icalendar.Calendar.from_ical(feed)
    assert whole.to_ical() == feed  # icalendar writes it the same way, byte for byte
    with pytest.raises(ValueError, match="UID"):
        render_feed([blocks[0], blocks[0]], name="x")
