"""Circle health: is a circle forming, meeting, faltering, stalled, finished or ended early?

Pure: no Flask, no database. The inputs are plain values (the circle's meetings, how many
members it has, when it was ended, "now" and the thresholds from configuration); the answer is
a status with a machine-readable reason that wol/health/words.py puts into words.

The rules, in the order they are applied:
- finished: the last week's meeting is held (week 12, or the last of a 4- or 6-week follow-up,
  ``last_week``);
- ended early: a member ended the circle, or after its first meeting fewer than
  ``min_members`` (3) are left;
- forming: before the first meeting with fewer than ``min_members_to_start`` (4) members;
- stalled: the latest ``misses_in_a_row`` (2) due meetings in a row were not held (recorded as
  not held, or not recorded ``unrecorded_grace`` after their end), or nothing was held for
  ``silent_days`` (21) while a meeting was missed;
- at risk: the latest due meeting was not held or not recorded, or only ``low_attendance`` (2)
  or fewer attended it;
- active: everything else.

A skipped meeting is never a miss: it is left out as if it had never been planned. A meeting
that ended less than ``unrecorded_grace`` ago and is not recorded yet counts for nothing.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

FORMING = "forming"
ACTIVE = "active"
AT_RISK = "at_risk"
STALLED = "stalled"
FINISHED = "finished"
ENDED_EARLY = "ended_early"
STATUSES = (FORMING, ACTIVE, AT_RISK, STALLED, FINISHED, ENDED_EARLY)
LAST_WEEK = 12

# How bad a status is, for "never makes it worse" (forming and active are both fine).
SEVERITY = {FINISHED: 0, ACTIVE: 1, FORMING: 1, AT_RISK: 2, STALLED: 3, ENDED_EARLY: 4}


@dataclass(frozen=True)
class Thresholds:
    """The numbers behind the rules; configurable (see README, WOL_HEALTH_*)."""

    min_members_to_start: int = 4
    min_members: int = 3
    unrecorded_grace: timedelta = timedelta(days=2)
    low_attendance: int = 2
    misses_in_a_row: int = 2
    silent_days: int = 21


def thresholds_from_config(config: Mapping) -> Thresholds:
    """The thresholds set in the app's configuration (missing keys keep the defaults)."""
    default = Thresholds()
    return Thresholds(
        min_members_to_start=int(
            config.get("HEALTH_MIN_MEMBERS_TO_START", default.min_members_to_start)
        ),
        min_members=int(config.get("HEALTH_MIN_MEMBERS", default.min_members)),
        unrecorded_grace=timedelta(
            days=float(config.get("HEALTH_UNRECORDED_GRACE_DAYS", default.unrecorded_grace.days))
        ),
        low_attendance=int(config.get("HEALTH_LOW_ATTENDANCE", default.low_attendance)),
        misses_in_a_row=int(config.get("HEALTH_MISSES_IN_A_ROW", default.misses_in_a_row)),
        silent_days=int(config.get("HEALTH_SILENT_DAYS", default.silent_days)),
    )


class MeetingFacts(NamedTuple):
    """What health needs to know of one meeting (a tuple: dashboards build thousands)."""

    week: int
    starts_at: datetime
    ends_at: datetime
    skipped: bool = False
    held: bool | None = None  # True: held; False: recorded as not held; None: not recorded
    attended: int | None = None  # how many were there, when held


@dataclass(frozen=True)
class Reason:
    """Why a circle has its status; ``code`` names the sentence, the rest fills it in."""

    code: str
    date: datetime | None = None
    count: int | None = None
    week: int | None = None


@dataclass(frozen=True)
class Health:
    """A status and its reason."""

    status: str
    reason: Reason

    @property
    def severity(self) -> int:
        """0 (finished) to 4 (ended early): how worrying the status is."""
        return SEVERITY[self.status]


# Outcomes of a due meeting.
_HELD, _NOT_HELD, _NOT_RECORDED = "held", "not_held", "not_recorded"


def _outcome(meeting: MeetingFacts, now: datetime, grace: timedelta) -> str | None:
    """What a meeting that has started says about the circle, or None when it says nothing yet."""
    if meeting.held is True:
        return _HELD
    if meeting.held is False:
        return _NOT_HELD
    if now >= meeting.ends_at + grace:
        return _NOT_RECORDED
    return None


def circle_health(
    meetings: Iterable[MeetingFacts],
    members: int,
    now: datetime,
    *,
    ended_at: datetime | None = None,
    thresholds: Thresholds = Thresholds(),  # noqa: B008 - frozen, so sharing it is safe
    last_week: int = LAST_WEEK,
) -> Health:
    """The health of a circle with ``meetings`` and ``members`` current members at ``now``;
    ``last_week`` is the circle's length (12, or 4 or 6 for a follow-up)."""
    planned = sorted((m for m in meetings if not m.skipped), key=lambda m: m.week)
    last = next((m for m in planned if m.week == last_week and m.held is True), None)
    if last is not None:
        return Health(FINISHED, Reason("finished", date=last.starts_at, week=last_week))
    if ended_at is not None:
        return Health(ENDED_EARLY, Reason("ended", date=ended_at))
    start = planned[0].starts_at if planned else None
    if start is None or now < start:
        if members < thresholds.min_members_to_start:
            return Health(FORMING, Reason("forming", date=start, count=members))
        return Health(ACTIVE, Reason("starts", date=start, count=members))
    if members < thresholds.min_members:
        return Health(ENDED_EARLY, Reason("too_few", count=members))

    due = []
    for meeting in planned:
        if meeting.starts_at > now:
            break
        outcome = _outcome(meeting, now, thresholds.unrecorded_grace)
        if outcome is not None:
            due.append((meeting, outcome))
    run = []
    for meeting, outcome in reversed(due):
        if outcome == _HELD:
            break
        run.append((meeting, outcome))
    run.reverse()
    held = [meeting for meeting, outcome in due if outcome == _HELD]
    last_held = held[-1] if held else None

    if run and len(run) >= thresholds.misses_in_a_row:
        kinds = {outcome for _, outcome in run}
        code = (
            "not_held_in_a_row"
            if kinds == {_NOT_HELD}
            else "not_recorded_in_a_row"
            if kinds == {_NOT_RECORDED}
            else "missed_in_a_row"
        )
        return Health(STALLED, Reason(code, date=run[0][0].starts_at, count=len(run)))
    quiet_since = last_held.starts_at if last_held else start
    if run and now - quiet_since >= timedelta(days=thresholds.silent_days):
        return Health(
            STALLED,
            Reason(
                "silent" if last_held else "silent_since_start",
                date=quiet_since,
                count=(now - quiet_since).days,
            ),
        )
    if run:
        meeting, outcome = run[-1]
        return Health(AT_RISK, Reason(outcome, date=meeting.starts_at, week=meeting.week))
    if last_held is not None:
        if last_held.attended is not None and last_held.attended <= thresholds.low_attendance:
            return Health(
                AT_RISK,
                Reason(
                    "low_attendance",
                    date=last_held.starts_at,
                    count=last_held.attended,
                    week=last_held.week,
                ),
            )
        return Health(ACTIVE, Reason("held", date=last_held.starts_at, week=last_held.week))
    return Health(ACTIVE, Reason("started", date=start))


def current_week(meetings: Iterable[MeetingFacts], now: datetime) -> int | None:
    """The week of the first planned meeting that has not ended (None when all are over)."""
    for meeting in sorted(meetings, key=lambda m: m.week):
        if not meeting.skipped and meeting.ends_at > now:
            return meeting.week
    return None


def last_held(meetings: Iterable[MeetingFacts]) -> MeetingFacts | None:
    """The latest meeting recorded as held."""
    held = [m for m in meetings if m.held is True and not m.skipped]
    return max(held, key=lambda m: m.week) if held else None


def reached_week(meetings: Iterable[MeetingFacts]) -> int:
    """The highest week held (0 when none): a circle that held week n reached weeks 1 to n."""
    held = last_held(meetings)
    return held.week if held else 0
