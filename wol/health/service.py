"""Circle health from the database: facts read in a fixed number of queries, status changes.

Pages with one circle build the facts from loaded objects (``health_of``); the dashboard, the
CLI and the tick read plain rows for every circle at once (``summaries``: three queries,
whatever the number of circles).
"""

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, inspect, select, type_coerce, update
from sqlalchemy.types import NullType

from wol.auth.models import User
from wol.circles.models import Circle, Meeting, Membership
from wol.extensions import db
from wol.health.models import CircleStatusChange
from wol.health.status import (
    Health,
    MeetingFacts,
    Thresholds,
    circle_health,
    current_week,
    last_held,
    reached_week,
    thresholds_from_config,
)


def thresholds() -> Thresholds:
    """The health thresholds of this deployment."""
    return thresholds_from_config(current_app.config)


def _held(held: bool, not_held: bool) -> bool | None:
    """What was recorded: True (held), False (not held) or None (nothing yet)."""
    return True if held else (False if not_held else None)


def meeting_facts(meeting: Meeting, duration_minutes: int) -> MeetingFacts:
    """A loaded meeting as health sees it."""
    return MeetingFacts(
        week=meeting.week,
        starts_at=meeting.starts_at,
        ends_at=meeting.starts_at + timedelta(minutes=duration_minutes),
        skipped=meeting.skipped_at is not None,
        held=_held(meeting.held_at is not None, meeting.not_held_at is not None),
        attended=meeting.attended,
    )


def health_of(circle: Circle, now: datetime) -> Health:
    """The health of a loaded circle (members and meetings loaded)."""
    return circle_health(
        [meeting_facts(m, circle.duration_minutes) for m in circle.meetings],
        len(circle.active_memberships),
        now,
        ended_at=circle.ended_at,
        thresholds=thresholds(),
        last_week=circle.weeks,
    )


@dataclass
class CircleSummary:
    """A circle as organisers see it: counts and dates, never a person."""

    id: int
    name: str
    language: str
    timezone: str
    first_day: date
    organiser_id: int
    organisation: str | None
    ended_at: datetime | None
    stored_status: str | None
    organiser_nudged_at: datetime | None
    weeks: int = 12  # the circle's length: 12, or 4 or 6 for a follow-up
    members: int = 0
    meetings: list[MeetingFacts] = field(default_factory=list)
    health: Health | None = None
    week: int | None = None

    @property
    def status(self) -> str:
        """The current health status."""
        return self.health.status

    @functools.cached_property
    def started_at(self) -> datetime | None:
        """When the first planned meeting starts (None without one)."""
        return min((m.starts_at for m in self.meetings if not m.skipped), default=None)

    @property
    def last_held(self) -> MeetingFacts | None:
        """The latest meeting recorded as held."""
        return last_held(self.meetings)

    @property
    def reached(self) -> int:
        """The highest week held."""
        return reached_week(self.meetings)

    def attendance(self, now: datetime) -> list[tuple[int, int | None, str]]:
        """Per planned meeting: (week, people present or None, "held"/"not_held"/...)."""
        rows = []
        for m in sorted(self.meetings, key=lambda m: m.week):
            if m.skipped:
                kind = "skipped"
            elif m.held is True:
                kind = "held"
            elif m.held is False:
                kind = "not_held"
            elif m.starts_at > now:
                kind = "upcoming"
            else:
                kind = "not_recorded"
            rows.append((m.week, m.attended if m.held else None, kind))
        return rows


def scope_of(user: User) -> list:
    """The circles a person looks after: admins all of them, organisers their own."""
    return [] if user.is_admin else [Circle.organiser_id == user.id]


_SUMMARY_COLUMNS = (
    Circle.id,
    Circle.name,
    Circle.language,
    Circle.timezone,
    Circle.first_day,
    Circle.organiser_id,
    User.organisation,
    Circle.ended_at,
    Circle.health_status,
    Circle.organiser_nudged_at,
    Circle.weeks,
)


@dataclass(frozen=True)
class SummaryRows:
    """What ``summaries`` reads, as tuples of plain values: equal rows give equal summaries at the
    same moment, so a page can keep what it made of them (wol/organise/views.py). The same data
    comes back in the same order from the same query; another order only draws a page again."""

    circles: tuple
    meetings: tuple
    members: tuple


def summary_rows(scope: list) -> SummaryRows:
    """The rows of every circle matching the ``scope`` conditions, in three queries."""
    ids = select(Circle.id).where(*scope)
    circles = tuple(
        map(
            tuple,
            db.session.execute(
                select(*_SUMMARY_COLUMNS)
                .join(User, User.id == Circle.organiser_id)
                .where(*scope)
                .order_by(Circle.id)
            ),
        )
    )
    if not circles:
        return SummaryRows((), (), ())
    # Yes/no instead of timestamps, and the start as the database gives it (converted only when
    # summaries are made of the rows): this runs for every meeting of every circle.
    meetings = tuple(
        map(
            tuple,
            db.session.execute(
                select(
                    Meeting.circle_id,
                    Meeting.week,
                    type_coerce(Meeting.starts_at, NullType()),
                    Meeting.skipped_at.is_not(None),
                    Meeting.held_at.is_not(None),
                    Meeting.not_held_at.is_not(None),
                    Meeting.attended,
                    Circle.duration_minutes,
                )
                .join(Circle, Circle.id == Meeting.circle_id)
                .where(Meeting.circle_id.in_(ids))
            ),
        )
    )
    members = tuple(
        map(
            tuple,
            db.session.execute(
                select(Membership.circle_id, func.count())
                .where(Membership.left_at.is_(None), Membership.circle_id.in_(ids))
                .group_by(Membership.circle_id)
            ),
        )
    )
    return SummaryRows(circles, meetings, members)


def start_reader():
    """What turns a meeting's start, as the database gives it, into an aware datetime: the
    column type's own reading, for this database."""
    dialect = db.session.get_bind(mapper=inspect(Meeting)).dialect
    column_type = Meeting.__table__.c.starts_at.type.dialect_impl(dialect)
    return column_type.result_processor(dialect, None) or (lambda value: value)


def summaries(scope: list, now: datetime) -> list[CircleSummary]:
    """Every circle matching the ``scope`` conditions with its health, in three queries."""
    return summaries_of(summary_rows(scope), now)


def summaries_of(rows: SummaryRows, now: datetime) -> list[CircleSummary]:
    """The circles of ``rows`` with their health at ``now``."""
    circles = {row[0]: CircleSummary(*row) for row in rows.circles}
    if not circles:
        return []
    # This loop runs for every meeting of every circle: it builds tuples and adds one length.
    lengths: dict[int, timedelta] = {}
    read_start = start_reader()
    for circle_id, week, start, skipped, held, not_held, attended, minutes in rows.meetings:
        summary = circles.get(circle_id)
        if summary is None:
            continue
        starts_at = read_start(start)
        length = lengths.get(minutes) or lengths.setdefault(minutes, timedelta(minutes=minutes))
        summary.meetings.append(
            MeetingFacts(
                week, starts_at, starts_at + length, bool(skipped), _held(held, not_held), attended
            )
        )
    for circle_id, count in rows.members:
        if circle_id in circles:
            circles[circle_id].members = count
    limits = thresholds()
    for summary in circles.values():
        summary.health = circle_health(
            summary.meetings,
            summary.members,
            now,
            ended_at=summary.ended_at,
            thresholds=limits,
            last_week=summary.weeks,
        )
        summary.week = None if summary.ended_at else current_week(summary.meetings, now)
    return list(circles.values())


@dataclass(frozen=True)
class StatusChange:
    """A circle whose status the tick saw change."""

    circle_id: int
    old: str | None
    new: str
    health: Health


def record_changes(now: datetime) -> list[StatusChange]:
    """Store every circle's new health status; each change is claimed by one tick only."""
    changes = []
    for summary in summaries([], now):
        new, old = summary.status, summary.stored_status
        if new == old:
            continue
        unchanged = Circle.health_status.is_(None) if old is None else Circle.health_status == old
        result = db.session.execute(
            update(Circle)
            .where(Circle.id == summary.id, unchanged)
            .values(health_status=new, health_changed_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            continue  # another tick saw the same change first
        db.session.add(
            CircleStatusChange(circle_id=summary.id, from_status=old, to_status=new, at=now)
        )
        changes.append(StatusChange(summary.id, old, new, summary.health))
    db.session.flush()
    return changes


def changes_since(circle_ids: list[int], since: datetime) -> list[CircleStatusChange]:
    """Status changes of these circles after ``since``, oldest first."""
    if not circle_ids:
        return []
    return list(
        db.session.scalars(
            select(CircleStatusChange)
            .where(CircleStatusChange.circle_id.in_(circle_ids), CircleStatusChange.at > since)
            .order_by(CircleStatusChange.at, CircleStatusChange.id)
        )
    )
