"""Circle health, a pure function: every status and its boundaries, and properties that hold
for any circle (recording a meeting as held never hurts, a skipped week is never a miss, the
order rows were loaded in does not matter)."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wol.health.status import (
    ACTIVE,
    AT_RISK,
    ENDED_EARLY,
    FINISHED,
    FORMING,
    STALLED,
    MeetingFacts,
    Thresholds,
    circle_health,
    current_week,
    reached_week,
    thresholds_from_config,
)

START = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)  # Tuesday 3 March, 12:00 in Brussels
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def week_start(week: int) -> datetime:
    """The start of ``week`` on a weekly grid from START."""
    return START + timedelta(weeks=week - 1)


def meetings(states: str = "", attended: dict | None = None) -> list[MeetingFacts]:
    """Twelve meetings; ``states`` gives weeks 1, 2, ...: H held, N not held, S skipped,
    . not recorded."""
    attended = attended or {}
    rows = []
    for week in range(1, 13):
        state = states[week - 1] if week <= len(states) else "."
        held = {"H": True, "N": False}.get(state)
        rows.append(
            MeetingFacts(
                week=week,
                starts_at=week_start(week),
                ends_at=week_start(week) + HOUR,
                skipped=state == "S",
                held=held,
                attended=attended.get(week, 5) if held else None,
            )
        )
    return rows


def at(week: int, after: timedelta = timedelta(0)) -> datetime:
    """A moment ``after`` the start of ``week``."""
    return week_start(week) + after


CASES = [
    # (name, states, members, now, ended_at, attended, status, reason code)
    ("forming: 3 members a day before week 1", "", 3, at(1, -DAY), None, {}, FORMING, "forming"),
    (
        "forming boundary: 4 members before week 1 is active",
        "",
        4,
        at(1, -DAY),
        None,
        {},
        ACTIVE,
        "starts",
    ),
    ("forming ends at the start of week 1", "", 3, at(1), None, {}, ACTIVE, "started"),
    (
        "ended early: fewer than 3 after the start",
        "",
        2,
        at(1, HOUR),
        None,
        {},
        ENDED_EARLY,
        "too_few",
    ),
    ("ended early by a member", "HH", 5, at(3), at(2, DAY), {}, ENDED_EARLY, "ended"),
    ("active: week 1 held", "H", 5, at(2, -DAY), None, {}, ACTIVE, "held"),
    (
        "active: not recorded yet within two days",
        "H",
        5,
        at(2, HOUR + 2 * DAY - timedelta(seconds=1)),
        None,
        {},
        ACTIVE,
        "held",
    ),
    (
        "at risk: not recorded two days after the meeting",
        "H",
        5,
        at(2, HOUR + 2 * DAY),
        None,
        {},
        AT_RISK,
        "not_recorded",
    ),
    ("at risk: recorded as not held", "HN", 5, at(2, 2 * HOUR), None, {}, AT_RISK, "not_held"),
    ("at risk: two attended", "HH", 5, at(3, -DAY), None, {2: 2}, AT_RISK, "low_attendance"),
    ("active: three attended", "HH", 5, at(3, -DAY), None, {2: 3}, ACTIVE, "held"),
    (
        "stalled: two in a row not held",
        "HNN",
        5,
        at(3, 2 * HOUR),
        None,
        {},
        STALLED,
        "not_held_in_a_row",
    ),
    (
        "stalled: two in a row not recorded",
        "H",
        5,
        at(3, HOUR + 2 * DAY),
        None,
        {},
        STALLED,
        "not_recorded_in_a_row",
    ),
    (
        "stalled: not held then not recorded",
        "HN",
        5,
        at(3, HOUR + 2 * DAY),
        None,
        {},
        STALLED,
        "missed_in_a_row",
    ),
    (
        "a skipped week between two misses breaks nothing: still two in a row",
        "HNSN",
        5,
        at(4, 2 * HOUR),
        None,
        {},
        STALLED,
        "not_held_in_a_row",
    ),
    ("skipped weeks are never a miss", "HSSS", 5, at(4, 3 * DAY), None, {}, ACTIVE, "held"),
    (
        "stalled: nothing held for 21 days with a miss",
        "HSSN",
        5,
        at(4, 2 * HOUR),
        None,
        {},
        STALLED,
        "silent",
    ),
    (
        "not stalled: 20 days without a held meeting",
        "HSN",
        5,
        at(1, 20 * DAY + 23 * HOUR),
        None,
        {},
        AT_RISK,
        "not_held",
    ),
    (
        "stalled: nothing held since the start, 5 weeks ago",
        "",
        4,
        at(6, -HOUR),
        None,
        {},
        STALLED,
        "not_recorded_in_a_row",
    ),
    (
        "recovering: the latest meeting held after misses",
        "HNNH",
        5,
        at(5, -DAY),
        None,
        {},
        ACTIVE,
        "held",
    ),
    ("finished: week 12 held", "HHHHHHHHHHHH", 5, at(12, DAY), None, {}, FINISHED, "finished"),
    (
        "finished even when members left afterwards",
        "HHHHHHHHHHHH",
        2,
        at(12, 30 * DAY),
        None,
        {},
        FINISHED,
        "finished",
    ),
    (
        "finished beats ended: week 12 was held before the end",
        "HHHHHHHHHHHH",
        5,
        at(12, 2 * DAY),
        at(12, DAY),
        {},
        FINISHED,
        "finished",
    ),
    (
        "week 12 not held is not finished",
        "HHHHHHHHHHHN",
        5,
        at(12, 2 * HOUR),
        None,
        {},
        AT_RISK,
        "not_held",
    ),
]


@pytest.mark.parametrize(
    "states, members, now, ended_at, attended, status, code",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_every_status_and_its_boundaries(states, members, now, ended_at, attended, status, code):
    health = circle_health(meetings(states, attended), members, now, ended_at=ended_at)
    assert (health.status, health.reason.code) == (status, code)


def test_reasons_carry_the_date_and_count_the_words_need():
    health = circle_health(meetings("HNN"), 5, at(3, 2 * HOUR))
    assert health.reason.date == week_start(2) and health.reason.count == 2
    silent = circle_health(meetings("HSSN"), 5, at(4, 2 * HOUR))
    assert silent.reason.date == week_start(1) and silent.reason.count == 21


def test_thresholds_come_from_configuration():
    limits = thresholds_from_config(
        {"HEALTH_MISSES_IN_A_ROW": "3", "HEALTH_SILENT_DAYS": 60, "HEALTH_MIN_MEMBERS_TO_START": 3}
    )
    assert limits == Thresholds(min_members_to_start=3, misses_in_a_row=3, silent_days=60)
    assert circle_health(meetings("HNN"), 5, at(3, 2 * HOUR), thresholds=limits).status == AT_RISK
    assert circle_health(meetings(""), 3, at(1, -DAY), thresholds=limits).status == ACTIVE


def test_current_and_reached_week():
    rows = meetings("HHNH")
    assert current_week(rows, at(5, -DAY)) == 5
    assert current_week(rows, at(5, 30 * timedelta(minutes=1))) == 5  # in progress
    assert current_week(rows, at(12, 2 * HOUR)) is None
    assert reached_week(rows) == 4 and reached_week(meetings("")) == 0


# --- properties ---------------------------------------------------------------------------

state = st.sampled_from("HN.S")


@st.composite
def circles(draw):
    """Any circle: twelve weekly meetings in any state, 0-5 members, any moment."""
    states = "".join(draw(st.lists(state, min_size=12, max_size=12)))
    rows = meetings(states, {w: draw(st.integers(1, 5)) for w in range(1, 13)})
    now = START + timedelta(minutes=draw(st.integers(-14 * 24 * 60, 16 * 7 * 24 * 60)))
    # Nothing is recorded for a meeting that has not started: the service refuses that.
    rows = [
        m if m.starts_at <= now or m.skipped else m._replace(held=None, attended=None) for m in rows
    ]
    members = draw(st.integers(0, 5))
    ended = draw(st.one_of(st.none(), st.just(now - DAY)))
    return rows, members, now, ended


@settings(max_examples=400, deadline=None)
@given(circles())
def test_recording_the_next_meeting_as_held_never_makes_the_status_worse(circle):
    rows, members, now, ended = circle
    before = circle_health(rows, members, now, ended_at=ended)
    waiting = [m for m in rows if not m.skipped and m.held is None and m.starts_at <= now]
    if not waiting:
        return
    nxt = min(waiting, key=lambda m: m.week)
    after_rows = [m._replace(held=True, attended=max(members, 3)) if m is nxt else m for m in rows]
    after = circle_health(after_rows, members, now, ended_at=ended)
    assert after.severity <= before.severity, (before, after)


@settings(max_examples=400, deadline=None)
@given(circles(), st.integers(0, 11))
def test_a_skipped_week_is_never_a_miss(circle, index):
    rows, members, now, ended = circle
    target = rows[index]
    if target.held is True:
        return  # a held meeting cannot be skipped
    before = circle_health(rows, members, now, ended_at=ended)
    skipped = [
        m._replace(skipped=True, held=None, attended=None) if m is target else m for m in rows
    ]
    after = circle_health(skipped, members, now, ended_at=ended)
    assert after.severity <= before.severity, (before, after)


@settings(max_examples=300, deadline=None)
@given(circles(), st.randoms(use_true_random=False))
def test_the_status_does_not_depend_on_the_order_rows_were_loaded_in(circle, rnd):
    rows, members, now, ended = circle
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert circle_health(shuffled, members, now, ended_at=ended) == circle_health(
        rows, members, now, ended_at=ended
    )
