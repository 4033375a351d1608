"""Quiet periods (summer, Christmas, school holidays): read the list, find meetings inside one.

Pure: no Flask, no database. The list is plain text, one period a line (see the shipped
quiet-periods.txt); a period that comes back every year is written with month and day only.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

REGION_OF_ZONE = {"Europe/Brussels": "BE", "Europe/Amsterdam": "NL"}
REGIONS = ("BE", "NL")
_LINE = re.compile(
    r"(?P<start>\d{4}-\d{2}-\d{2}|\d{2}-\d{2})\s+(?P<end>\d{4}-\d{2}-\d{2}|\d{2}-\d{2})"
    r"(?:\s+\[(?P<region>[A-Za-z]{2})\])?\s+(?P<name>\S.*)"
)
MAX_NAME = 120
MAX_LINES = 2000


class QuietPeriodsError(ValueError):
    """A line of the list cannot be read; ``line`` is 1-based, ``code`` says what is wrong."""

    def __init__(self, line: int, code: str) -> None:
        super().__init__(f"line {line}: {code}")
        self.line = line
        self.code = code


@dataclass(frozen=True)
class QuietPeriod:
    """A period in which circles tend to stall; yearly ones have year 2000 as a placeholder."""

    start: date
    end: date  # included
    name_en: str
    name_nl: str
    yearly: bool = False
    region: str | None = None

    def name(self, language: str) -> str:
        """The period's name in ``language`` (nl or en)."""
        return self.name_nl if language == "nl" else self.name_en

    def occurrences(self, first: date, last: date) -> list[tuple[date, date]]:
        """The concrete (start, end) ranges of this period that overlap [first, last]."""
        if not self.yearly:
            return [(self.start, self.end)] if self.start <= last and self.end >= first else []
        ranges = []
        for year in range(first.year - 1, last.year + 1):
            start = _on_year(self.start, year)
            end = _on_year(self.end, year if self.end >= self.start else year + 1)
            if start <= last and end >= first:
                ranges.append((start, end))
        return ranges

    def applies_to(self, timezone: str) -> bool:
        """Whether the period concerns a circle in ``timezone``."""
        return self.region is None or REGION_OF_ZONE.get(timezone) == self.region


def _on_year(day: date, year: int) -> date:
    """``day``'s month and day in ``year`` (29 February becomes 28 in other years)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def _day(text: str) -> tuple[date, bool]:
    """A date, or a month-day (yearly) on the placeholder year 2000."""
    if len(text) == 5:
        return date.fromisoformat(f"2000-{text}"), True
    return date.fromisoformat(text), False


def parse_quiet_periods(text: str) -> list[QuietPeriod]:
    """Read the list; raise QuietPeriodsError naming the first line that is wrong."""
    periods = []
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise QuietPeriodsError(MAX_LINES + 1, "too_long")
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            raise QuietPeriodsError(number, "format")
        try:
            start, start_yearly = _day(match["start"])
            end, end_yearly = _day(match["end"])
        except ValueError as exc:
            raise QuietPeriodsError(number, "date") from exc
        if start_yearly != end_yearly:
            raise QuietPeriodsError(number, "mixed")
        if not start_yearly and end < start:
            raise QuietPeriodsError(number, "order")
        if not start_yearly and (end - start).days > 366:
            raise QuietPeriodsError(number, "length")
        region = match["region"].upper() if match["region"] else None
        if region is not None and region not in REGIONS:
            raise QuietPeriodsError(number, "region")
        name = match["name"].strip()
        if len(name) > MAX_NAME or not name.isprintable():
            raise QuietPeriodsError(number, "name")
        name_en, _, name_nl = (part.strip() for part in name.partition("|"))
        periods.append(
            QuietPeriod(
                start,
                end,
                name_en or name_nl,
                name_nl or name_en,
                yearly=start_yearly,
                region=region,
            )
        )
    return periods


@dataclass(frozen=True)
class QuietHit:
    """A meeting (by week) that falls in a quiet period."""

    week: int
    day: date
    period: QuietPeriod
    period_start: date
    period_end: date


def quiet_hits(
    days: list[tuple[int, date]], periods: list[QuietPeriod], timezone: str
) -> list[QuietHit]:
    """The meetings, given as (week, local date), that fall in a quiet period of the circle."""
    if not days:
        return []
    first, last = min(d for _, d in days), max(d for _, d in days)
    ranges = [
        (period, start, end)
        for period in periods
        if period.applies_to(timezone)
        for start, end in period.occurrences(first, last)
    ]
    hits = []
    for week, day in days:
        for period, start, end in ranges:
            if start <= day <= end:
                hits.append(QuietHit(week, day, period, start, end))
                break
    return hits


def start_after(hits: list[QuietHit], first_day: date) -> date:
    """The first day on ``first_day``'s weekday after the quiet period of the first hit."""
    end = hits[0].period_end
    for hit in hits:
        # Periods that touch each other (a school holiday inside the summer) count as one.
        if hit.period_start <= end + timedelta(days=1):
            end = max(end, hit.period_end)
    days_ahead = (first_day.weekday() - end.weekday() - 1) % 7 + 1
    return end + timedelta(days=days_ahead)


def weekly_days(first_day: date, weeks: int = 12) -> list[tuple[int, date]]:
    """(week, date) of a circle's meetings on a plain weekly grid from ``first_day``."""
    return [(n + 1, first_day + timedelta(weeks=n)) for n in range(weeks)]
