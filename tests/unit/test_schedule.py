"""Tests for wol.circles.schedule: weekly meetings at a fixed local clock time, DST-correct."""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wol.circles.schedule import (
    WEEKS,
    ScheduleError,
    check_first_day,
    earliest_first_day,
    local_to_utc,
    meeting_starts,
    move_allowed,
    next_meeting_index,
    shift_after,
)

ZONES = [
    "Europe/Brussels",
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Europe/Amsterdam",
    "Asia/Kolkata",
]
WEEK = timedelta(days=7)
HOUR = timedelta(hours=1)

# database=None: no .hypothesis/ folder in the shared checkout; deadline=None: zone lookups
# on a cold cache can be slow on CI.
PROPERTY = settings(max_examples=200, deadline=None, database=None)


def utc(*args: int) -> datetime:
    """Return an aware UTC datetime from year, month, day, hour[, minute]."""
    return datetime(*args, tzinfo=UTC)


# --- an oracle that does not share the implementation's round-trip trick -------------------


def offsets_near(wall: datetime, zone: ZoneInfo) -> list[timedelta]:
    """Return the UTC offsets the zone uses within a day (and a bit) of `wall`, smallest first."""
    probes = (wall.replace(tzinfo=UTC) + timedelta(hours=h) for h in range(-26, 27))
    return sorted({probe.astimezone(zone).utcoffset() for probe in probes})


def expected_instant(day: date, at: time, zone: ZoneInfo) -> tuple[datetime, timedelta]:
    """Return the instant the policy demands for a local time, and the wall-clock shift.

    Tries every nearby offset: the wall time exists if some offset maps back to it, and the
    earliest such instant is the first occurrence. If none does, it lies in a gap and is read
    with the pre-transition (smaller) offset, i.e. moved forward by the gap.
    """
    wall = datetime.combine(day, at)
    offsets = offsets_near(wall, zone)
    candidates = [(wall - offset).replace(tzinfo=UTC) for offset in offsets]
    existing = [c for c in candidates if c.astimezone(zone).replace(tzinfo=None) == wall]
    if existing:
        return min(existing), timedelta(0)
    before, after = offsets  # a gap sits between exactly two offsets
    return candidates[0], after - before


# --- strategies ---------------------------------------------------------------------------

any_day = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
any_time = st.builds(
    time,
    hour=st.integers(0, 23),
    minute=st.one_of(st.sampled_from(range(0, 60, 5)), st.integers(0, 59)),
)


@lru_cache
def transition_days(tz: str, year: int) -> tuple[date, ...]:
    """Return the days of `year` on which the zone's UTC offset changes."""
    zone = ZoneInfo(tz)
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        noon = datetime.combine(day, time(12), tzinfo=zone)
        if noon.utcoffset() != (noon - timedelta(days=1)).utcoffset():
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


@st.composite
def near_transition(draw: st.DrawFn) -> tuple[date, time, str]:
    """Draw a circle whose weeks land on a DST change day, at an hour near the change."""
    tz = draw(st.sampled_from(ZONES))
    changes = transition_days(tz, draw(st.integers(2020, 2035)))
    if not changes:  # Asia/Kolkata keeps one offset all year
        return draw(any_day), draw(any_time), tz
    week = draw(st.integers(0, WEEKS - 1))
    first_day = draw(st.sampled_from(changes)) - week * WEEK
    # These zones change at 01:00-03:00 local: the gap or fold is hour 1 or 2; 0, 3, 4 are edges.
    hour = draw(st.one_of(st.integers(1, 2), st.integers(0, 4)))
    at = time(hour, draw(st.sampled_from([0, 1, 15, 30, 45, 59])))
    return first_day, at, tz


circles = st.one_of(st.tuples(any_day, any_time, st.sampled_from(ZONES)), near_transition())


# --- meeting_starts: properties -----------------------------------------------------------


@PROPERTY
@given(circles)
def test_local_dates_are_exactly_seven_days_apart(circle: tuple[date, time, str]) -> None:
    first_day, at, tz = circle
    local_days = [start.astimezone(ZoneInfo(tz)).date() for start in meeting_starts(*circle)]
    assert local_days == [first_day + n * WEEK for n in range(WEEKS)]


@PROPERTY
@given(circles)
def test_wall_clock_is_kept_or_moved_forward_by_the_gap(circle: tuple[date, time, str]) -> None:
    first_day, at, tz = circle
    zone = ZoneInfo(tz)
    for n, start in enumerate(meeting_starts(*circle)):
        day = first_day + n * WEEK
        instant, shift = expected_instant(day, at, zone)
        assert start == instant
        assert start.utcoffset() == timedelta(0)
        # Converted back to the circle's zone, the instant shows the requested clock time,
        # or (in a spring-forward gap) that time plus the gap, which is one hour here.
        assert start.astimezone(zone).replace(tzinfo=None) == datetime.combine(day, at) + shift
        assert shift in (timedelta(0), HOUR)


@PROPERTY
@given(circles)
def test_utc_gaps_are_a_week_give_or_take_the_dst_change(circle: tuple[date, time, str]) -> None:
    first_day, at, tz = circle
    zone = ZoneInfo(tz)
    starts = meeting_starts(*circle)
    shifts = [expected_instant(first_day + n * WEEK, at, zone)[1] for n in range(WEEKS)]
    for n in range(WEEKS - 1):
        offset_change = (
            starts[n + 1].astimezone(zone).utcoffset() - starts[n].astimezone(zone).utcoffset()
        )
        delta = starts[n + 1] - starts[n]
        assert delta == WEEK - offset_change + (shifts[n + 1] - shifts[n])
        assert abs(delta - WEEK) <= HOUR
        if offset_change == timedelta(0) and shifts[n] == shifts[n + 1]:
            assert delta == WEEK


@PROPERTY
@given(circles, st.integers(1, 30))
def test_weeks_argument_sets_the_number_of_meetings(
    circle: tuple[date, time, str], weeks: int
) -> None:
    starts = meeting_starts(*circle, weeks=weeks)
    assert len(starts) == weeks
    assert starts == sorted(starts)
    assert len(set(starts)) == weeks


# --- meeting_starts: known calendars ------------------------------------------------------


def test_twelve_weeks_by_default() -> None:
    assert WEEKS == 12
    assert len(meeting_starts(date(2026, 3, 3), time(12), "Europe/Brussels")) == 12


def test_brussels_noon_moves_from_11z_to_10z_after_29_march() -> None:
    starts = meeting_starts(date(2026, 3, 10), time(12), "Europe/Brussels")
    assert starts == [
        utc(2026, 3, 10, 11),
        utc(2026, 3, 17, 11),
        utc(2026, 3, 24, 11),
        utc(2026, 3, 31, 10),
        utc(2026, 4, 7, 10),
        utc(2026, 4, 14, 10),
        utc(2026, 4, 21, 10),
        utc(2026, 4, 28, 10),
        utc(2026, 5, 5, 10),
        utc(2026, 5, 12, 10),
        utc(2026, 5, 19, 10),
        utc(2026, 5, 26, 10),
    ]
    assert starts[3] - starts[2] == WEEK - HOUR


def test_new_york_crosses_8_march_2026() -> None:
    starts = meeting_starts(date(2026, 2, 24), time(9), "America/New_York")
    assert starts[:4] == [
        utc(2026, 2, 24, 14),
        utc(2026, 3, 3, 14),
        utc(2026, 3, 10, 13),
        utc(2026, 3, 17, 13),
    ]
    assert starts[-1] == utc(2026, 5, 12, 13)


def test_new_york_crosses_1_november_2026() -> None:
    starts = meeting_starts(date(2026, 10, 13), time(9), "America/New_York")
    assert starts[:4] == [
        utc(2026, 10, 13, 13),
        utc(2026, 10, 20, 13),
        utc(2026, 10, 27, 13),
        utc(2026, 11, 3, 14),
    ]
    assert starts[3] - starts[2] == WEEK + HOUR
    assert starts[-1] == utc(2026, 12, 29, 14)


def test_sydney_leaves_summer_time_on_5_april_2026() -> None:
    starts = meeting_starts(date(2026, 3, 24), time(18), "Australia/Sydney")
    assert starts[:3] == [utc(2026, 3, 24, 7), utc(2026, 3, 31, 7), utc(2026, 4, 7, 8)]


def test_sydney_enters_summer_time_on_4_october_2026() -> None:
    starts = meeting_starts(date(2026, 9, 22), time(18), "Australia/Sydney")
    assert starts[:3] == [utc(2026, 9, 22, 8), utc(2026, 9, 29, 8), utc(2026, 10, 6, 7)]


def test_kolkata_has_no_dst_so_every_gap_is_exactly_a_week() -> None:
    starts = meeting_starts(date(2026, 3, 1), time(19), "Asia/Kolkata")
    assert starts[0] == utc(2026, 3, 1, 13, 30)
    assert all(later - earlier == WEEK for earlier, later in zip(starts, starts[1:], strict=False))


# --- local_to_utc: the DST policy ---------------------------------------------------------


def test_brussels_gap_time_is_shifted_forward_by_the_gap() -> None:
    start = local_to_utc(date(2026, 3, 29), time(2, 30), "Europe/Brussels")
    assert start == utc(2026, 3, 29, 1, 30)
    local = start.astimezone(ZoneInfo("Europe/Brussels"))
    assert (local.hour, local.minute, local.tzname()) == (3, 30, "CEST")


def test_a_weekly_circle_through_the_gap_keeps_its_utc_instant_that_week() -> None:
    starts = meeting_starts(date(2026, 3, 22), time(2, 30), "Europe/Brussels", weeks=3)
    # 02:30 CET, then the shifted 03:30 CEST (same instant a week on), then 02:30 CEST.
    assert starts == [utc(2026, 3, 22, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 4, 5, 0, 30)]


def test_london_gap_time_is_shifted_forward_by_the_gap() -> None:
    start = local_to_utc(date(2026, 3, 29), time(1, 30), "Europe/London")
    assert start == utc(2026, 3, 29, 1, 30)
    assert start.astimezone(ZoneInfo("Europe/London")).hour == 2


def test_sydney_gap_time_is_shifted_forward_by_the_gap() -> None:
    start = local_to_utc(date(2026, 10, 4), time(2, 30), "Australia/Sydney")
    assert start == utc(2026, 10, 3, 16, 30)  # 03:30 AEDT


def test_brussels_ambiguous_time_takes_the_first_summer_time_occurrence() -> None:
    assert local_to_utc(date(2026, 10, 25), time(2, 30), "Europe/Brussels") == utc(
        2026, 10, 25, 0, 30
    )


def test_ambiguous_time_ignores_a_fold_passed_in() -> None:
    at = time(2, 30, fold=1)
    assert local_to_utc(date(2026, 10, 25), at, "Europe/Brussels") == utc(2026, 10, 25, 0, 30)


def test_sydney_ambiguous_time_takes_the_first_occurrence() -> None:
    start = local_to_utc(date(2026, 4, 5), time(2, 30), "Australia/Sydney")
    assert start == utc(2026, 4, 4, 15, 30)  # 02:30 AEDT, not 02:30 AEST


def test_times_next_to_the_autumn_fold_are_unambiguous() -> None:
    assert local_to_utc(date(2026, 10, 25), time(1, 59), "Europe/Brussels") == utc(
        2026, 10, 24, 23, 59
    )
    assert local_to_utc(date(2026, 10, 25), time(3, 0), "Europe/Brussels") == utc(2026, 10, 25, 2)


def test_result_is_utc_aware() -> None:
    start = local_to_utc(date(2026, 3, 10), time(12), "Europe/Brussels")
    assert start.tzinfo is UTC


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "../etc/passwd", "europe/nowhere"])
def test_unknown_time_zone_is_a_schedule_error(tz: str) -> None:
    with pytest.raises(ScheduleError) as info:
        local_to_utc(date(2026, 3, 10), time(12), tz)
    assert info.value.code == "unknown_timezone"


def test_aware_time_is_refused() -> None:
    with pytest.raises(ScheduleError) as info:
        local_to_utc(date(2026, 3, 10), time(12, tzinfo=UTC), "Europe/Brussels")
    assert info.value.code == "aware_time"


@pytest.mark.parametrize("weeks", [0, -1])
def test_meeting_starts_needs_at_least_one_week(weeks: int) -> None:
    with pytest.raises(ScheduleError) as info:
        meeting_starts(date(2026, 3, 10), time(12), "Europe/Brussels", weeks=weeks)
    assert info.value.code == "weeks"


def test_schedule_error_is_a_value_error_carrying_its_code() -> None:
    error = ScheduleError(code="past_limit")
    assert isinstance(error, ValueError)
    assert error.code == "past_limit"
    assert str(error) == "past_limit"


# --- shift_after --------------------------------------------------------------------------


def test_skipping_week_5_moves_weeks_6_to_12_one_week_later() -> None:
    starts = meeting_starts(date(2026, 3, 3), time(12), "Europe/Brussels")
    shifted = shift_after(starts, 4, "Europe/Brussels")
    assert shifted[:5] == starts[:5]
    assert shifted[5:] == [
        utc(2026, 4, 14, 10),
        utc(2026, 4, 21, 10),
        utc(2026, 4, 28, 10),
        utc(2026, 5, 5, 10),
        utc(2026, 5, 12, 10),
        utc(2026, 5, 19, 10),
        utc(2026, 5, 26, 10),
    ]


def test_shift_across_dst_keeps_the_local_clock_time() -> None:
    starts = meeting_starts(date(2026, 3, 10), time(12), "Europe/Brussels")
    shifted = shift_after(starts, 1, "Europe/Brussels")
    assert shifted[:2] == starts[:2]
    # 24 March 11:00Z (12:00 CET) moves to 31 March 12:00 CEST = 10:00Z, not 31 March 11:00Z.
    assert shifted[2] == utc(2026, 3, 31, 10)
    assert shifted[2] - starts[2] == WEEK - HOUR


def test_shift_keeps_a_moved_meeting_on_its_new_weekday_and_time() -> None:
    tz = "Europe/Brussels"
    starts = meeting_starts(date(2026, 3, 3), time(12), tz)
    starts[6] = local_to_utc(date(2026, 4, 16), time(14), tz)  # week 7 moved to Thursday 14:00
    shifted = shift_after(starts, 4, tz)
    local = shifted[6].astimezone(ZoneInfo(tz))
    assert (local.date(), local.time()) == (date(2026, 4, 23), time(14))
    assert shifted[6] == utc(2026, 4, 23, 12)


def test_shift_returns_a_new_list_and_leaves_the_input_alone() -> None:
    starts = meeting_starts(date(2026, 3, 3), time(12), "Europe/Brussels")
    before = list(starts)
    shifted = shift_after(starts, 0, "Europe/Brussels")
    assert starts == before
    assert shifted is not starts
    assert shifted[0] == starts[0]
    assert shifted[1] == utc(2026, 3, 17, 11)  # was 10 March 11:00Z
    assert shifted[4] == utc(2026, 4, 7, 10)  # was 31 March 10:00Z


def test_skipping_the_last_week_changes_nothing() -> None:
    starts = meeting_starts(date(2026, 3, 3), time(12), "Europe/Brussels")
    shifted = shift_after(starts, WEEKS - 1, "Europe/Brussels")
    assert shifted == starts
    assert shifted is not starts


@pytest.mark.parametrize("index", [-1, WEEKS, WEEKS + 5])
def test_shift_index_out_of_range_is_refused(index: int) -> None:
    starts = meeting_starts(date(2026, 3, 3), time(12), "Europe/Brussels")
    with pytest.raises(ScheduleError) as info:
        shift_after(starts, index, "Europe/Brussels")
    assert info.value.code == "index"


def test_shift_refuses_naive_datetimes() -> None:
    starts = [datetime(2026, 3, 3, 11), datetime(2026, 3, 10, 11)]
    with pytest.raises(ScheduleError) as info:
        shift_after(starts, 0, "Europe/Brussels")
    assert info.value.code == "naive_datetime"


@PROPERTY
@given(circles, st.integers(0, WEEKS - 1))
def test_shift_moves_only_later_meetings_one_local_week(
    circle: tuple[date, time, str], index: int
) -> None:
    _, _, tz = circle
    zone = ZoneInfo(tz)
    starts = meeting_starts(*circle)
    shifted = shift_after(starts, index, tz)
    assert len(shifted) == len(starts)
    assert shifted[: index + 1] == starts[: index + 1]
    for old, new in zip(starts[index + 1 :], shifted[index + 1 :], strict=True):
        old_local = old.astimezone(zone)
        instant, _ = expected_instant(old_local.date() + WEEK, old_local.time(), zone)
        assert new == instant
        assert new.astimezone(zone).date() == old_local.date() + WEEK
    assert shifted == sorted(shifted)


# --- move_allowed -------------------------------------------------------------------------

PREVIOUS = utc(2026, 3, 10, 11)
FOLLOWING = utc(2026, 3, 24, 11)


@pytest.mark.parametrize(
    ("previous", "new_start", "following", "allowed"),
    [
        (PREVIOUS, utc(2026, 3, 19, 13), FOLLOWING, True),
        (PREVIOUS, PREVIOUS, FOLLOWING, False),
        (PREVIOUS, FOLLOWING, FOLLOWING, False),
        (PREVIOUS, PREVIOUS + timedelta(microseconds=1), FOLLOWING, True),
        (PREVIOUS, FOLLOWING - timedelta(microseconds=1), FOLLOWING, True),
        (PREVIOUS, PREVIOUS - HOUR, FOLLOWING, False),
        (PREVIOUS, FOLLOWING + HOUR, FOLLOWING, False),
        (None, utc(2020, 1, 1, 0), FOLLOWING, True),
        (None, FOLLOWING, FOLLOWING, False),
        (PREVIOUS, utc(2035, 1, 1, 0), None, True),
        (PREVIOUS, PREVIOUS, None, False),
        (None, PREVIOUS, None, True),
    ],
)
def test_move_allowed(
    previous: datetime | None, new_start: datetime, following: datetime | None, allowed: bool
) -> None:
    assert move_allowed(previous, new_start, following) is allowed


def test_move_allowed_compares_instants_not_wall_clocks() -> None:
    # 12:30 in Brussels (CET) is 11:30Z: after a previous meeting at 11:00Z.
    brussels = datetime(2026, 3, 10, 12, 30, tzinfo=ZoneInfo("Europe/Brussels"))
    assert move_allowed(PREVIOUS, brussels, FOLLOWING) is True
    assert move_allowed(PREVIOUS, PREVIOUS.astimezone(ZoneInfo("Asia/Kolkata")), None) is False


# --- first day limits ---------------------------------------------------------------------

TODAY = date(2026, 6, 2)


def test_earliest_first_day_is_twelve_weeks_back() -> None:
    assert earliest_first_day(TODAY) == date(2026, 3, 10)
    assert earliest_first_day(TODAY, weeks_back=1) == date(2026, 5, 26)
    assert earliest_first_day(TODAY, weeks_back=0) == TODAY


def test_first_day_exactly_twelve_weeks_back_is_allowed() -> None:
    assert check_first_day(date(2026, 3, 10), TODAY) is None


def test_first_day_one_day_further_back_is_refused() -> None:
    with pytest.raises(ScheduleError) as info:
        check_first_day(date(2026, 3, 9), TODAY)
    assert info.value.code == "past_limit"


@pytest.mark.parametrize("first_day", [TODAY, date(2026, 3, 11), date(2027, 1, 5)])
def test_recent_and_future_first_days_are_allowed(first_day: date) -> None:
    check_first_day(first_day, TODAY)


# --- next_meeting_index -------------------------------------------------------------------

STARTS = meeting_starts(date(2026, 3, 10), time(12), "Europe/Brussels")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (STARTS[0] - timedelta(days=30), 0),
        (STARTS[0], 0),
        (STARTS[0] + timedelta(minutes=59), 0),
        (STARTS[0] + timedelta(minutes=60), 1),  # ended exactly now: no longer next
        (STARTS[3] + timedelta(minutes=1), 3),
        (STARTS[11] + timedelta(minutes=59), 11),
        (STARTS[11] + timedelta(minutes=60), None),
        (STARTS[11] + timedelta(days=365), None),
    ],
)
def test_next_meeting_index(now: datetime, expected: int | None) -> None:
    assert next_meeting_index(STARTS, now, 60) == expected


def test_next_meeting_index_uses_the_duration() -> None:
    assert next_meeting_index(STARTS, STARTS[0] + timedelta(minutes=75), 60) == 1
    assert next_meeting_index(STARTS, STARTS[0] + timedelta(minutes=75), 90) == 0


def test_next_meeting_index_of_no_meetings_is_none() -> None:
    assert next_meeting_index([], PREVIOUS, 60) is None


@PROPERTY
@given(circles, st.integers(-3 * 24 * 60, 90 * 24 * 60), st.integers(15, 180))
def test_next_meeting_is_the_first_not_ended(
    circle: tuple[date, time, str], minutes: int, duration: int
) -> None:
    starts = meeting_starts(*circle)
    now = starts[0] + timedelta(minutes=minutes)
    index = next_meeting_index(starts, now, duration)
    length = timedelta(minutes=duration)
    ended = [start + length <= now for start in starts]
    if index is None:
        assert all(ended)
    else:
        assert not ended[index]
        assert all(ended[:index])
