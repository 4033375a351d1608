"""The directory's filters: read from a query string, written back to one, matched to a circle.

Pure: no Flask, no database. Unknown values are dropped and named, so the page can say which
ones it ignored instead of failing. Weekday and time of day are those of the viewer's zone.
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

LANGUAGES = ("nl", "en")
KINDS = ("in_person", "online", "hybrid")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Local hours [from, to) of each part of the day.
DAYPARTS = {"morning": (0, 12), "midday": (12, 14), "afternoon": (14, 18), "evening": (18, 24)}
MAX_PLACE = 80
# Which circle kinds a wish for a kind accepts: a circle that meets both ways suits everyone.
KIND_ACCEPTS = {
    "in_person": {"in_person", "hybrid"},
    "online": {"online", "hybrid"},
    "hybrid": {"hybrid"},
}


@dataclass(frozen=True)
class CircleFacts:
    """What a filter looks at: a circle's language, kind, place, first meeting and start date."""

    language: str
    kind: str
    place: str | None
    first_start: datetime  # aware UTC
    first_day: date


@dataclass(frozen=True)
class DirectoryFilter:
    """A search of the directory; every part is optional."""

    lang: str | None = None
    kind: str | None = None
    place: str | None = None
    day: str | None = None
    time: str | None = None
    month: str | None = None  # YYYY-MM

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> tuple["DirectoryFilter", list[str]]:
        """Read a filter from query arguments; return it and the names of ignored values."""
        ignored: list[str] = []
        values: dict[str, str | None] = {}
        checks = {
            "lang": lambda v: v in LANGUAGES,
            "kind": lambda v: v in KINDS,
            "place": lambda v: 0 < len(v) <= MAX_PLACE and v.isprintable(),
            "day": lambda v: v in WEEKDAYS,
            "time": lambda v: v in DAYPARTS,
            "month": _is_month,
        }
        for name, ok in checks.items():
            raw = (args.get(name) or "").strip()
            if not raw:
                continue
            if name == "place":
                raw = " ".join(raw.split())
            if ok(raw):
                values[name] = raw
            else:
                ignored.append(name)
        return cls(**values), ignored

    def args(self) -> dict[str, str]:
        """The filter as query arguments, in a fixed order, without empty parts."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def query_string(self) -> str:
        """The canonical query string (what an alert stores)."""
        return urlencode(self.args())

    @property
    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return not self.args()

    def month_range(self) -> tuple[date, date] | None:
        """The first day of the month filtered on and of the month after it."""
        if not self.month:
            return None
        year, month = (int(part) for part in self.month.split("-"))
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1)
        return start, end

    def kinds(self) -> set[str] | None:
        """The circle kinds this filter accepts, or None for all."""
        return KIND_ACCEPTS[self.kind] if self.kind else None

    def matches_slot(self, first_start: datetime, viewer_tz: str) -> bool:
        """Whether a circle's weekly moment falls on the weekday and time of day asked for."""
        if not self.day and not self.time:
            return True
        local = first_start.astimezone(ZoneInfo(viewer_tz))
        if self.day and WEEKDAYS[local.weekday()] != self.day:
            return False
        if self.time:
            start, end = DAYPARTS[self.time]
            if not start <= local.hour < end:
                return False
        return True

    def matches(self, circle: CircleFacts, viewer_tz: str) -> bool:
        """Whether a circle fits every part of the filter (used for alerts)."""
        if self.lang and circle.language != self.lang:
            return False
        kinds = self.kinds()
        if kinds and circle.kind not in kinds:
            return False
        if self.place and self.place.casefold() not in (circle.place or "").casefold():
            return False
        months = self.month_range()
        if months and not months[0] <= circle.first_day < months[1]:
            return False
        return self.matches_slot(circle.first_start, viewer_tz)


def _is_month(value: str) -> bool:
    """True for YYYY-MM with a real month between 2000 and 2100."""
    parts = value.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return False
    return 2000 <= int(parts[0]) <= 2100 and 1 <= int(parts[1]) <= 12


def page_number(raw: str | None) -> tuple[int, bool]:
    """The page asked for (1-based) and whether the value was usable."""
    if not raw:
        return 1, True
    if raw.isdigit() and 1 <= int(raw) <= 100_000:
        return int(raw), True
    return 1, False
