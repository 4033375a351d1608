"""Changing a circle after it started: its details, and its weekly day and time from a week on.

Who changes what (said on the edit page too):
- the organiser (and admins) change everything: name, description, where the circle meets,
  the video and chat links, the length of a meeting and the weekly day and time;
- members change the practical things the circle arranges together: the place, the video and
  chat links and the weekly day and time, as they already move and skip single meetings. The
  name, the description, the kind of meeting and its length stay with the organiser.

A change that shows in calendars (name, place, video link, length, times) raises the circle's
SEQUENCE once and reaches every member in ONE mail: those who take invitations get the notice
with the calendar update, those with the feed get the notice and a changed feed.

Services flush but never commit; the route commits once.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from wol.auth.models import User
from wol.calendar import service as calendar
from wol.circles import service as circles
from wol.circles.models import KINDS, Circle, Meeting
from wol.circles.schedule import (
    ScheduleError,
    local_to_utc,
    slot_starts,
    starts_in_order,
    weekday_shift,
)
from wol.errors import Conflict, DomainError, NotAllowed
from wol.extensions import db
from wol.forms import text_problem
from wol.i18n import gettext as _
from wol.timestamps import utcnow

# What members may change besides the organiser; the rest is the organiser's.
MEMBER_FIELDS = frozenset({"place", "video_url", "chat_url"})
ORGANISER_FIELDS = frozenset({"name", "description", "kind", "duration_minutes"}) | MEMBER_FIELDS
# Fields that calendars show: changing one sends a calendar update.
CALENDAR_FIELDS = frozenset({"name", "place", "video_url", "duration_minutes"})
WEB_SCHEMES = ("https://", "http://")


@dataclass(frozen=True)
class CircleChanges:
    """The values of a circle a person may change; None for a field they may not change."""

    name: str | None = None
    description: str | None = None
    kind: str | None = None
    duration_minutes: int | None = None
    place: str | None = None
    video_url: str | None = None
    chat_url: str | None = None


def _hold(circle: Circle) -> None:
    """Lock the circle's row for this request and read it and its meetings again.

    Two changes at the same instant then happen one after the other: the second sees the
    first's meetings and SEQUENCE, so its calendar update is newer, never an equal number that
    clients would ignore. The circle row is locked first, as every flush that changes a circle
    and its meetings does.
    """
    db.session.refresh(circle, with_for_update=True)
    db.session.scalars(
        select(Meeting)
        .where(Meeting.circle_id == circle.id)
        .execution_options(populate_existing=True)
    ).all()


def _changed(circle: Circle, now: datetime, *, calendar: bool) -> None:
    """Record the change; calendars get a higher SEQUENCE when they show it.

    The SEQUENCE is raised in the database (not read, added to and written back), so that two
    changes at the same instant raise it twice, also where rows cannot be locked (SQLite).
    """
    circle.updated_at = now
    if calendar:
        circle.calendar_sequence = Circle.calendar_sequence + 1


def editable_fields(circle: Circle, user: User) -> frozenset[str]:
    """The fields ``user`` may change in ``circle`` (empty when none)."""
    if circle.is_ended:
        return frozenset()
    if circles.is_organiser(circle, user):
        return ORGANISER_FIELDS
    if circles.membership_of(circle, user) is not None:
        return MEMBER_FIELDS
    return frozenset()


def may_change_schedule(circle: Circle, user: User) -> bool:
    """Members and the organiser change the weekly day and time of a circle that runs."""
    return not circle.is_ended and circles.can_view(circle, user)


def _clean(name: str, value):
    """Strip text values (line breaks as LF); an empty text is None."""
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").strip()
        return value or None
    return value


def _check(name: str, value) -> None:
    """Raise DomainError (beside the field) for a value that breaks a rule."""
    if name == "name":
        if not value or len(value) > 80 or text_problem(value, name=True):
            raise DomainError(
                _(
                    "Give the circle a name of at most 80 characters, without "
                    "control or invisible characters."
                ),
                field="name",
            )
    elif name == "description":
        if value and (len(value) > 500 or text_problem(value, multiline=True)):
            raise DomainError(
                _("Use at most %(max)d characters, without control characters.", max=500),
                field="description",
            )
    elif name == "kind":
        if value not in KINDS:
            raise DomainError(_("Choose in person, online or both."), field="kind")
    elif name == "duration_minutes":
        if not isinstance(value, int) or not 15 <= value <= 240:
            raise DomainError(
                _("A meeting lasts between 15 and 240 minutes."), field="duration_minutes"
            )
    elif name == "place":
        if value and (len(value) > 200 or text_problem(value)):
            raise DomainError(
                _("Use at most %(max)d characters, without line breaks.", max=200), field="place"
            )
    elif name in ("video_url", "chat_url") and value:
        if len(value) > 500 or text_problem(value) or not value.lower().startswith(WEB_SCHEMES):
            raise DomainError(_("Enter a full link that starts with https://"), field=name)


def update_circle(
    circle: Circle, by: User, changes: CircleChanges, now: datetime | None = None
) -> set[str]:
    """Apply the changes ``by`` may make; return the names of the fields that changed.

    Nothing is written unless every value is valid. One mail per member tells what changed,
    carrying the calendar update when calendars show it.
    """
    now = now or utcnow()
    _hold(circle)
    allowed = editable_fields(circle, by)
    if not allowed:
        if circle.is_ended:
            raise Conflict(_("This circle has ended; it can no longer change."))
        raise NotAllowed(_("Only the members and the organiser of this circle can change it."))
    wanted = {}
    for item in fields(CircleChanges):
        value = getattr(changes, item.name)
        if value is None:
            continue
        if item.name not in allowed:
            if _clean(item.name, value) != getattr(circle, item.name):
                raise NotAllowed(
                    _("Only the organiser of this circle can change that."), field=item.name
                )
            continue
        wanted[item.name] = _clean(item.name, value)
    for name, value in wanted.items():
        _check(name, value)
    kind = wanted.get("kind", circle.kind)
    place = wanted.get("place", circle.place)
    video = wanted.get("video_url", circle.video_url)
    if kind in ("online", "hybrid") and not video:
        raise DomainError(_("An online circle needs a video-call link."), field="video_url")
    if kind in ("in_person", "hybrid") and not place:
        raise DomainError(_("Say where the circle meets."), field="place")
    before = {name: getattr(circle, name) for name in wanted}
    changed = {name for name, value in wanted.items() if value != before[name]}
    if not changed:
        return changed
    for name in changed:
        setattr(circle, name, wanted[name])
    shows_in_calendar = bool(changed & CALENDAR_FIELDS)
    _changed(circle, now, calendar=shows_in_calendar)
    db.session.flush()
    notice = calendar.Notice(
        "mail/circle_changed.txt",
        kind="circle_changed",
        plain_for=frozenset({by.id}),
        context={"by": by, "changed": sorted(changed), "before": before},
        subject=lambda: _("%(circle)s: the circle's details changed", circle=circle.name),
    )
    told: list[User] = []
    if shows_in_calendar:
        told = calendar.send_invitation(circle, circle.members, update=True, notice=notice)
    circles._tell(circle, notice, exclude={by.id} | {person.id for person in told})
    return changed


@dataclass(frozen=True)
class SchedulePlan:
    """What a change of the weekly day and time does: which weeks move, and to when."""

    first_day: date  # the circle's new weekly grid: its slot 0
    moves: tuple[tuple[Meeting, datetime], ...]  # (meeting, new start), in week order
    kept: tuple[Meeting, ...]  # later weeks that stay: held, or already past


def changeable_weeks(circle: Circle, now: datetime) -> list[Meeting]:
    """The weeks a new weekly time can start from: not held and not yet begun."""
    return [m for m in circle.meetings if m.held_at is None and m.starts_at > now]


def plan_schedule_change(
    circle: Circle, from_week: int, weekday: int, at: time, now: datetime
) -> SchedulePlan:
    """Work out a change of the weekly day and time from ``from_week`` on, or raise.

    From that week on, every meeting not held and not yet begun moves to ``weekday`` (0 =
    Monday) at ``at`` in the circle's time zone, in the same Monday-to-Sunday week as its
    place on the weekly grid (DST-correct: the local clock time stays). A skipped week stays
    skipped (its date follows, so it can still be un-skipped later); a week that was moved on
    its own takes the new slot. Held and past meetings stay where they were.
    """
    if not 0 <= weekday <= 6:
        raise DomainError(_("Choose a day of the week."), field="weekday")
    at = at.replace(second=0, microsecond=0, tzinfo=None)
    start = next((m for m in circle.meetings if m.week == from_week), None)
    if start is None:
        raise DomainError(_("Choose a week from the list."), field="from_week")
    if start.held_at is not None or start.starts_at <= now:
        raise DomainError(
            _("Week %(week)d has already taken place; choose a later week.", week=from_week),
            field="from_week",
        )
    shift = weekday_shift(circle.first_day, weekday)
    first_day = circle.first_day + timedelta(days=shift)
    later = [m for m in circle.meetings if m.week >= from_week]
    movable = [m for m in later if m.held_at is None and m.starts_at > now]
    kept = tuple(m for m in later if m not in movable)
    try:
        new_starts = slot_starts(first_day, at, circle.timezone, [m.slot for m in movable])
    except ScheduleError as exc:
        raise DomainError(_("Choose a time zone from the list."), field="weekday") from exc
    moves = tuple(zip(movable, new_starts, strict=True))
    if moves[0][1] <= now:
        raise DomainError(
            _(
                "On that day week %(week)d would already be over; choose a later "
                "week or another day.",
                week=from_week,
            ),
            field="weekday",
        )
    planned = {m.week: m.starts_at for m in circle.meetings}
    planned.update({m.week: new for m, new in moves})
    weeks = sorted(planned)
    clash = next(
        (
            (a, b)
            for a, b in zip(weeks, weeks[1:], strict=False)
            if not starts_in_order([planned[a], planned[b]], circle.timezone)
        ),
        None,
    )
    if clash is not None:
        raise DomainError(
            _(
                "Then week %(before)d and week %(after)d would fall on the same day, or week "
                "%(after)d would come first. Choose another day, or start the change from a "
                "later week.",
                before=clash[0],
                after=clash[1],
            ),
            field="weekday",
        )
    return SchedulePlan(first_day=first_day, moves=moves, kept=kept)


def change_weekly_time(
    circle: Circle, by: User, from_week: int, weekday: int, at: time, now: datetime | None = None
) -> SchedulePlan:
    """Move the circle's weekly day and time from ``from_week`` on; one mail per member."""
    now = now or utcnow()
    _hold(circle)
    if not may_change_schedule(circle, by):
        if circle.is_ended:
            raise Conflict(_("This circle has ended; its schedule can no longer change."))
        raise NotAllowed(_("Only the members and the organiser of this circle can change it."))
    plan = plan_schedule_change(circle, from_week, weekday, at, now)
    at = at.replace(second=0, microsecond=0, tzinfo=None)
    if (
        plan.first_day == circle.first_day
        and at == circle.local_time
        and all(meeting.starts_at == new and not meeting.moved for meeting, new in plan.moves)
    ):
        raise DomainError(_("The circle already meets at that day and time."), field="weekday")
    old = {meeting.week: meeting.starts_at for meeting, _new in plan.moves}
    old_slot = local_to_utc(circle.first_day, circle.local_time, circle.timezone)
    # The weekly grid follows, so what the circle page, the directory and the calendars'
    # series name as its weekly time is the new one.
    circle.first_day = plan.first_day
    circle.local_time = at
    for meeting, new_start in plan.moves:
        if meeting.starts_at != new_start:
            meeting.starts_at = new_start
            meeting.rescheduled()  # a new reminder and check-in mail for the new time
        meeting.moved = False  # it is on the circle's slot again
    _changed(circle, now, calendar=True)
    db.session.flush()
    notice = calendar.Notice(
        "mail/weekly_time_changed.txt",
        kind="weekly_time_changed",
        plain_for=frozenset({by.id}),
        context={
            "by": by,
            "from_week": from_week,
            "old": old,
            "old_slot": old_slot,
            "new_slot": local_to_utc(circle.first_day, at, circle.timezone),
            "plan": plan,
        },
        subject=lambda: _(
            "%(circle)s meets at a new time from week %(week)d", circle=circle.name, week=from_week
        ),
    )
    told = calendar.send_invitation(circle, circle.members, update=True, notice=notice)
    circles._tell(circle, notice, exclude={by.id} | {person.id for person in told})
    return plan


def weekly_slot(circle: Circle) -> datetime:
    """The circle's weekly slot as an instant (its grid's first date), for showing the weekday
    and time in a reader's zone."""
    return circle.weekly_slot
