"""Schedule maths for a circle's weekly meetings: local wall-clock times to UTC instants.

Pure: no Flask, no database. Every instant returned is timezone-aware UTC; local times are
interpreted in an IANA time zone, so a circle keeps its local clock time across DST changes.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKS = 12


class ScheduleError(ValueError):
    """A schedule rule was broken; `code` names which, the app turns it into a message.

    Codes raised here: "unknown_timezone", "past_limit", "weeks", "index", "aware_time",
    "naive_datetime", "weekday".
    Services raise "order" themselves when `move_allowed` says no.
    """

    def __init__(self, code: str) -> None:
        """Create the error with its short machine-readable `code`."""
        super().__init__(code)
        self.code = code


def _zone(tz: str) -> ZoneInfo:
    """Return the ZoneInfo for an IANA key, or raise ScheduleError("unknown_timezone")."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        # ZoneInfoNotFoundError is a KeyError; malformed keys ("", "../x") raise ValueError.
        raise ScheduleError(code="unknown_timezone") from exc


def local_to_utc(day: date, at: time, tz: str) -> datetime:
    """Return the UTC instant of the local wall-clock time `at` on `day` in zone `tz`.

    DST policy, the one Outlook and Google apply to a recurring event:
    - a local time that does not exist (spring-forward gap, e.g. 02:30 on the last Sunday of
      March in Europe/Brussels) is shifted forward by the gap length: 02:30 becomes 03:30
      CEST = 01:30Z, the same instant as reading 02:30 with the pre-transition offset;
    - an ambiguous local time (autumn fold, e.g. 02:30 on the last Sunday of October) is the
      first occurrence (fold=0, summer time): 02:30 CEST = 00:30Z.
    `at` must be naive (its zone is `tz`); its `fold` is ignored so the policy is always the same.
    """
    if at.tzinfo is not None:
        # The zone comes from `tz`; silently dropping another one would hide a caller's bug.
        raise ScheduleError(code="aware_time")
    zone = _zone(tz)
    wall = datetime.combine(day, at.replace(fold=0))
    local = wall.replace(tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # The wall time did not survive the round trip, so it lies in a spring-forward gap.
    # There fold=0 reads it with the offset before the transition and fold=1 with the one
    # after, so the two instants are exactly the gap length apart. Shifting the wall clock by
    # the gap states the policy outright instead of leaning on PEP 495 arithmetic (both agree).
    gap = instant - local.replace(fold=1).astimezone(UTC)
    shifted = wall + gap
    return shifted.replace(tzinfo=zone).astimezone(UTC)


def meeting_starts(first_day: date, at: time, tz: str, weeks: int = WEEKS) -> list[datetime]:
    """Return the UTC start of each weekly meeting: week n is first_day + 7(n-1) days at `at`."""
    if weeks < 1:
        raise ScheduleError(code="weeks")
    # Step on the local calendar, not in UTC, so the local clock time survives DST changes.
    return [local_to_utc(first_day + timedelta(weeks=n), at, tz) for n in range(weeks)]


def week_later(start: datetime, tz: str, at: time | None = None) -> datetime:
    """Return the start seven local calendar days after `start` (aware, UTC).

    With `at` (the circle's local time, for a meeting at the circle's own time) the new start
    is at `at` on the new date: a meeting that had been pushed out of a spring-forward gap
    (02:30 -> 03:30) is at 02:30 again where 02:30 exists. Without it (a moved meeting) the
    meeting keeps its own local wall-clock time, the first of two in an autumn fold.
    """
    if start.tzinfo is None:
        # A naive datetime would be read as the server's local time by astimezone().
        raise ScheduleError(code="naive_datetime")
    local = start.astimezone(_zone(tz))
    return local_to_utc(local.date() + timedelta(weeks=1), at or local.time(), tz)


def shift_after(starts: list[datetime], index: int, tz: str) -> list[datetime]:
    """Return a new list where every meeting after position `index` is one local week later.

    Used when week `index` (0-based) is skipped: it keeps its slot, each later meeting moves
    7 local calendar days on, at its own local wall-clock time (so a meeting moved to another
    weekday or hour stays on it; see week_later).
    """
    if not 0 <= index < len(starts):
        raise ScheduleError(code="index")
    if any(start.tzinfo is None for start in starts):
        raise ScheduleError(code="naive_datetime")
    _zone(tz)
    shifted = [start.astimezone(UTC) for start in starts[: index + 1]]
    return shifted + [week_later(start, tz) for start in starts[index + 1 :]]


def move_allowed(
    previous: datetime | None, new_start: datetime, following: datetime | None
) -> bool:
    """Return whether `new_start` lies strictly between its neighbours (None = no neighbour)."""
    # Strict on both sides: two meetings at the same instant would make week order ambiguous.
    after_previous = previous is None or previous < new_start
    before_following = following is None or new_start < following
    return after_previous and before_following


def weekday_shift(day: date, weekday: int) -> int:
    """Days from ``day`` to ``weekday`` (0 = Monday) in the same Monday-to-Sunday week (-6..6).

    A circle that moves from Tuesday to Thursday meets two days later in each week, one that
    moves to Monday a day earlier: a week stays the week it was.
    """
    if not 0 <= weekday <= 6:
        raise ScheduleError(code="weekday")
    return weekday - day.weekday()


def slot_starts(first_day: date, at: time, tz: str, slots: list[int]) -> list[datetime]:
    """Return the UTC start of each weekly grid position in ``slots`` (0 = ``first_day``) at
    the local time ``at`` (DST-correct, see local_to_utc)."""
    if any(slot < 0 for slot in slots):
        raise ScheduleError(code="index")
    return [local_to_utc(first_day + timedelta(weeks=slot), at, tz) for slot in slots]


def starts_in_order(starts: list[datetime], tz: str) -> bool:
    """Return whether meetings in week order start strictly later each time, each on a later
    local date than the one before (two meetings of one circle never share a day)."""
    if any(start.tzinfo is None for start in starts):
        raise ScheduleError(code="naive_datetime")
    zone = _zone(tz)
    days = [start.astimezone(zone).date() for start in starts]
    return all(a < b for a, b in zip(starts, starts[1:], strict=False)) and all(
        a < b for a, b in zip(days, days[1:], strict=False)
    )


def earliest_first_day(today: date, weeks_back: int = WEEKS) -> date:
    """Return the earliest first meeting day a circle may be registered with."""
    return today - timedelta(weeks=weeks_back)


def check_first_day(first_day: date, today: date) -> None:
    """Raise ScheduleError("past_limit") when `first_day` is more than 12 weeks before today."""
    # Circles already running may be registered late (design: up to 12 weeks back); further
    # back a 12-week circle would be over before it was entered.
    if first_day < earliest_first_day(today):
        raise ScheduleError(code="past_limit")


def next_meeting_index(starts: list[datetime], now: datetime, duration_minutes: int) -> int | None:
    """Return the index of the first meeting that has not ended at `now`, None if all ended."""
    length = timedelta(minutes=duration_minutes)
    for index, start in enumerate(starts):
        # A meeting in progress is still "next": its guide is the one to open.
        if start + length > now:
            return index
    return None
