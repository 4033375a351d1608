"""The directory's open circles, read once per version of the directory and kept per process.

A directory page needs to know every open circle (to count those that fit the filter and to
find the page's twenty), and the places of all listed circles (the suggestions of the place
field). Counting them in SQL on every page cost in proportion to the organisation: 60 ms of
SQL a page at 20,000 circles on SQLite. Now a process reads them as plain rows once, keeps
them under the directory's version (wol/directory/changes.py) and answers every filter from
them; the page reads one number to know that its copy is current, the viewer's memberships and,
for circles it has not shown before, their names and meeting days.

What is kept is what the version covers: every column of circles (but the health tick's) and
the week, start and skip of meetings. Moments that arrive by themselves are kept to the
moment: a circle leaves the directory when its week 2 ends, so a copy is read again when the
first week 2 among its circles starts (from then on its end is known) and when it ends. Who is
a member is read for every page, never kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from wol.cache import kept
from wol.circles.models import MAX_MEMBERS, Circle, Meeting
from wol.circles.schedule import local_to_utc
from wol.directory import changes
from wol.directory.filters import DirectoryFilter
from wol.directory.quiet import QuietHit, QuietPeriod, quiet_hits
from wol.extensions import db

MAX_DURATION = timedelta(minutes=240)
ORDER = (Circle.first_day, Circle.local_time, Circle.id)
NEVER = datetime.max.replace(tzinfo=UTC)
MAX_FILTERS_KEPT = 500


@lru_cache(maxsize=8192)
def weekly_start(first_day: date, local_time: time, timezone: str) -> datetime:
    """The UTC start of a circle's first weekly slot (week 1 may have been moved)."""
    return local_to_utc(first_day, local_time, timezone)


class OpenCircle(NamedTuple):
    """What a filter looks at in an open circle, in the directory's order (a tuple: a listing
    holds thousands)."""

    id: int
    language: str
    kind: str
    place: str | None
    first_day: date
    local_time: time
    timezone: str


@dataclass(frozen=True)
class ListedCircle:
    """What a directory entry shows of a circle (plain values, no ORM object)."""

    id: int
    name: str
    description: str | None
    language: str
    timezone: str
    kind: str
    place: str | None
    seats_taken: int
    first_day: date
    local_time: time
    meeting_days: tuple[tuple[int, date], ...]  # (week, local date) of the planned meetings

    @property
    def seats_left(self) -> int:
        """Free places (never below zero)."""
        return max(MAX_MEMBERS - self.seats_taken, 0)

    @property
    def weekly_start(self) -> datetime:
        """The UTC start of the circle's first weekly slot."""
        return weekly_start(self.first_day, self.local_time, self.timezone)


@dataclass
class Listing:
    """The open circles at one version of the directory, until the first week 2 among them
    starts or ends; with the answers to the filters asked so far, and the circles shown so far with
    their entries as drawn."""

    version: int | None
    circles: list[OpenCircle]
    valid_until: datetime
    matches: dict = field(default_factory=dict)
    shown: dict[int, ListedCircle] = field(default_factory=dict)
    drawn: dict = field(default_factory=dict)  # entries' HTML (wol/directory/views.py)
    holidays: dict = field(default_factory=dict)  # quiet periods -> {circle id: hits}

    def matching(self, filt: DirectoryFilter, viewer_tz: str) -> list[int]:
        """Ids of the open circles that fit ``filt``, in the directory's order."""
        slot = bool(filt.day or filt.time)
        key = (filt.query_string(), viewer_tz if slot else None)
        found = self.matches.get(key)
        if found is None:
            if len(self.matches) >= MAX_FILTERS_KEPT:
                self.matches.clear()
            found = self.matches[key] = [
                circle.id for circle in self.circles if _fits(filt, circle, viewer_tz)
            ]
        return found

    def entries(self, ids: list[int]) -> list[ListedCircle]:
        """The circles with these ids as entries show them (read once per listing)."""
        missing = [circle_id for circle_id in ids if circle_id not in self.shown]
        if missing:
            self.shown.update(_read_shown(missing))
        return [self.shown[circle_id] for circle_id in ids]

    def quiet_hits(self, circle: ListedCircle, periods: tuple[QuietPeriod, ...]) -> list[QuietHit]:
        """The circle's meetings in a quiet period (worked out once per list of periods)."""
        found = self.holidays.get(periods)
        if found is None:
            if len(self.holidays) >= 4:
                self.holidays.clear()
            found = self.holidays[periods] = {}
        hits = found.get(circle.id)
        if hits is None:
            hits = found[circle.id] = quiet_hits(
                list(circle.meeting_days), periods, circle.timezone
            )
        return hits


def _fits(filt: DirectoryFilter, circle: OpenCircle, viewer_tz: str) -> bool:
    """Whether an open circle fits every part of the filter (the rules of
    ``DirectoryFilter.matches``; the weekly moment is worked out only when asked for)."""
    if filt.lang and circle.language != filt.lang:
        return False
    kinds = filt.kinds()
    if kinds and circle.kind not in kinds:
        return False
    if filt.place and filt.place.casefold() not in (circle.place or "").casefold():
        return False
    months = filt.month_range()
    if months and not months[0] <= circle.first_day < months[1]:
        return False
    if filt.day or filt.time:
        start = weekly_start(circle.first_day, circle.local_time, circle.timezone)
        return filt.matches_slot(start, viewer_tz)
    return True


def _read_open(version: int | None, now: datetime) -> Listing:
    """The circles open at ``now``: listed, not ended, a seat free and week 2 not over."""
    week2 = aliased(Meeting)
    rows = db.session.execute(
        select(
            Circle.id,
            Circle.language,
            Circle.kind,
            Circle.place,
            Circle.first_day,
            Circle.local_time,
            Circle.timezone,
            Circle.duration_minutes,
            week2.starts_at,
        )
        .join(week2, and_(week2.circle_id == Circle.id, week2.week == 2))
        .where(
            Circle.listed.is_(True),
            Circle.ended_at.is_(None),
            Circle.seats_taken < MAX_MEMBERS,
            # Meetings last at most four hours: the index finds the week 2s not yet over.
            week2.starts_at > now - MAX_DURATION,
        )
        .order_by(*ORDER)
    )
    circles, valid_until, later = [], NEVER, []
    for circle_id, language, kind, place, first_day, local_time, zone, minutes, starts_at in rows:
        if starts_at <= now:
            # Under way: open until it ends, when the copy is read again.
            ends_at = starts_at + timedelta(minutes=minutes)
            if ends_at <= now:
                continue
            valid_until = min(valid_until, ends_at)
        else:
            later.append(starts_at)
        circles.append(OpenCircle(circle_id, language, kind, place, first_day, local_time, zone))
    if later:
        # Read again when the first of the others starts: from then on, its end is known.
        valid_until = min(valid_until, min(later))
    return Listing(version, circles, valid_until)


def _read_shown(ids: list[int]) -> dict[int, ListedCircle]:
    """Entries of these circles, in two column-only queries."""
    days: dict[int, list[tuple[int, datetime]]] = {circle_id: [] for circle_id in ids}
    for circle_id, week, starts_at in db.session.execute(
        select(Meeting.circle_id, Meeting.week, Meeting.starts_at)
        .where(Meeting.circle_id.in_(ids), Meeting.skipped_at.is_(None))
        .order_by(Meeting.circle_id, Meeting.week)
    ):
        days[circle_id].append((week, starts_at))
    shown = {}
    for row in db.session.execute(
        select(
            Circle.id,
            Circle.name,
            Circle.description,
            Circle.language,
            Circle.timezone,
            Circle.kind,
            Circle.place,
            Circle.seats_taken,
            Circle.first_day,
            Circle.local_time,
        ).where(Circle.id.in_(ids))
    ):
        zone = ZoneInfo(row.timezone)
        shown[row.id] = ListedCircle(
            *row,
            meeting_days=tuple(
                (week, starts_at.astimezone(zone).date()) for week, starts_at in days[row.id]
            ),
        )
    return shown


def open_listing(now: datetime) -> Listing:
    """The open circles at ``now``, as this process keeps them, read again when the directory
    changed or a week 2 among them ended."""
    version = changes.version()
    store = kept(current_app, "directory")
    listing = store.get("listing")
    if (
        version is not None
        and listing is not None
        and listing.version == version
        and now < listing.valid_until
    ):
        return listing
    listing = _read_open(version, now)
    if version is not None:
        store["listing"] = listing
    return listing


def place_suggestions(limit: int = 100) -> list[str]:
    """Cities and sites of listed circles: the parts of their places, most used first (read
    once per version of the directory)."""
    version = changes.version()
    store = kept(current_app, "directory")
    found = store.get("places")
    if version is not None and found is not None and found[0] == version:
        return found[1][:limit]
    counts: dict[str, int] = {}
    places = db.session.scalars(
        select(Circle.place)
        .where(Circle.listed.is_(True), Circle.ended_at.is_(None), Circle.place.is_not(None))
        .group_by(Circle.place)
        .order_by(func.count().desc())
        .limit(1000)
    )
    for place in places:
        # "Room 4.12, Kunstberg, Brussels": the site and the city, not the room.
        for part in [p.strip() for p in place.split(",")][-2:]:
            if 1 < len(part) <= 60:
                counts[part] = counts.get(part, 0) + 1
    ranked = sorted(counts, key=lambda p: (-counts[p], p.casefold()))
    if version is not None:
        store["places"] = (version, ranked)
    return ranked[:limit]
