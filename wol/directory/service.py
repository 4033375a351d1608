"""Directory rules: which circles are open to newcomers, joining one, alerts, quiet periods.

Services flush but never commit; the route commits once. A circle is *open* in the directory
when it is listed, not ended, has a free seat and its week 2 is not over; invite-only circles
are never read by anything here that a person can see or count.
"""

import functools
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, select

from wol.auth.models import User
from wol.calendar import service as calendar
from wol.circles import service as circles
from wol.circles.models import Circle, Membership
from wol.directory.filters import CircleFacts, DirectoryFilter
from wol.directory.listing import ListedCircle, Listing, open_listing, weekly_start
from wol.directory.listing import place_suggestions as listing_place_suggestions
from wol.directory.models import CircleAlert, DirectoryVersion, QuietPeriodsVersion
from wol.directory.quiet import (
    QuietHit,
    QuietPeriod,
    QuietPeriodsError,
    parse_quiet_periods,
    quiet_hits,
    start_after,
    weekly_days,
)
from wol.errors import Conflict, DomainError, NotAllowed
from wol.extensions import db
from wol.front import Check
from wol.i18n import gettext as _

PAGE_SIZE = 20
MAX_ALERTS = 10
ALERT_SALT = "wol-alert-off"
SHIPPED_QUIET_PERIODS = Path(__file__).with_name("quiet-periods.txt")


# --- quiet periods ------------------------------------------------------------------------


def shipped_quiet_periods_text() -> str:
    """The list as configured (WOL_QUIET_PERIODS_FILE; "none": no periods) or shipped."""
    path = current_app.config.get("WOL_QUIET_PERIODS_FILE") or SHIPPED_QUIET_PERIODS
    if str(path).lower() == "none":
        return ""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        # A wrong path must not take the new-circle form down; the admin page shows the gap.
        current_app.logger.exception("WOL_QUIET_PERIODS_FILE cannot be read: %s", path)
        return ""


def latest_quiet_periods_version() -> QuietPeriodsVersion | None:
    """The admin's latest saved list, if any."""
    return db.session.scalar(
        select(QuietPeriodsVersion).order_by(QuietPeriodsVersion.id.desc()).limit(1)
    )


@functools.cache
def _front_queries():
    """What the directory page is drawn from besides the minute (built once): the directory's
    version, the reader's memberships and alerts, and the admin's latest quiet periods."""
    return (
        select(DirectoryVersion.id, DirectoryVersion.n).order_by(DirectoryVersion.id),
        select(Membership.circle_id)
        .where(Membership.user_id == bindparam("user_id"), Membership.left_at.is_(None))
        .order_by(Membership.circle_id),
        select(CircleAlert.__table__)
        .where(CircleAlert.user_id == bindparam("user_id"))
        .order_by(CircleAlert.id),
        select(QuietPeriodsVersion.id).order_by(QuietPeriodsVersion.id.desc()).limit(1),
    )


def front_checks(user_id: int) -> tuple[Check, ...]:
    """The directory page of ``user_id`` as the front (wol/front.py) keeps it."""
    versions, memberships, alerts, quiet = _front_queries()
    return (
        Check(versions),
        Check.of(memberships, user_id=user_id),
        Check.of(alerts, user_id=user_id),
        Check(quiet),
    )


def quiet_periods_text() -> str:
    """The list in force: the admin's latest edit, else the configured file."""
    version = latest_quiet_periods_version()
    return version.body if version is not None else shipped_quiet_periods_text()


@lru_cache(maxsize=8)
def _parsed(text: str) -> tuple[QuietPeriod, ...]:
    """Parse once per distinct text (the list changes rarely; pages read it often)."""
    return tuple(parse_quiet_periods(text))


def current_quiet_periods() -> list[QuietPeriod]:
    """The quiet periods in force."""
    try:
        return list(_parsed(quiet_periods_text()))
    except QuietPeriodsError:
        # Saved lists are checked first; a broken configured file must not break pages.
        current_app.logger.exception("The quiet periods list cannot be read")
        return []


def quiet_error_message(exc: QuietPeriodsError) -> str:
    """What is wrong with a line of the list, in the user's language."""
    problems = {
        "format": _("write FROM TO NAME, for example 2027-02-08 2027-02-14 Krokusvakantie"),
        "date": _("this is not a real date"),
        "mixed": _("give both days with a year, or both without (for every year)"),
        "order": _("the period ends before it starts"),
        "length": _("a period lasts at most a year"),
        "region": _("the region is [BE] or [NL]"),
        "name": _("the name has at most 120 characters and no control characters"),
        "too_long": _("the list has at most 2000 lines"),
    }
    return _("Line %(line)d: %(problem)s.", line=exc.line, problem=problems[exc.code])


def save_quiet_periods(text: str, by: User) -> QuietPeriodsVersion:
    """Store a new version of the list after checking every line."""
    text = text.replace("\r\n", "\n").strip() + "\n"
    try:
        parse_quiet_periods(text)
    except QuietPeriodsError as exc:
        raise DomainError(quiet_error_message(exc), field="body") from exc
    version = QuietPeriodsVersion(body=text, saved_by=by)
    db.session.add(version)
    db.session.flush()
    return version


def meeting_days(circle: Circle) -> list[tuple[int, date]]:
    """(week, local date) of the meetings the circle still plans to hold."""
    zone = ZoneInfo(circle.timezone)
    return [
        (m.week, m.starts_at.astimezone(zone).date()) for m in circle.meetings if not m.is_skipped
    ]


def circle_quiet_hits(circle: Circle, periods: list[QuietPeriod]) -> list[QuietHit]:
    """The circle's meetings that fall in a quiet period."""
    return quiet_hits(meeting_days(circle), periods, circle.timezone)


def coming_quiet_hits(circle: Circle, today: date) -> list[QuietHit]:
    """The circle's meetings from ``today`` on that fall in a quiet period (none once ended)."""
    if circle.is_ended:
        return []
    days = [(week, day) for week, day in meeting_days(circle) if day >= today]
    held = {m.week for m in circle.meetings if m.held_at is not None}
    return [
        hit
        for hit in quiet_hits(days, current_quiet_periods(), circle.timezone)
        if hit.week not in held
    ]


def plan_quiet_skips(circle: Circle, by: User, periods: list[QuietPeriod], today: date) -> int:
    """Skip every coming meeting in a quiet period, moving the later weeks on; a count."""
    skipped = 0
    # Each skip moves the later weeks a week on, possibly into the same period: repeat. A
    # period lasts at most a year, so 60 rounds always end the loop.
    for _round in range(60):
        days = [(week, day) for week, day in meeting_days(circle) if day >= today]
        hits = quiet_hits(days, periods, circle.timezone)
        if not hits:
            break
        meeting = next(m for m in circle.meetings if m.week == hits[0].week)
        circles.skip_meeting(circle, meeting, by, shift=True)
        skipped += 1
    return skipped


@dataclass
class QuietCheck:
    """What the new-circle form knows about holidays in the circle's weeks."""

    periods: list[QuietPeriod]
    hits: list[QuietHit]
    choice: str | None  # None (not asked yet), "keep" or "skip"
    later: date | None  # the first day on the same weekday after the (first) quiet period


def quiet_choice(
    details: circles.CircleDetails, form, today: date
) -> tuple[circles.CircleDetails, QuietCheck]:
    """Apply the person's answer to the holiday warning and check the (new) dates.

    ``form`` carries ``quiet`` ("keep" or "skip") or ``quiet_start`` (the later first day
    offered); a later start is checked again, so its weeks may bring a new warning.
    """
    periods = current_quiet_periods()
    choice = form.get("quiet") if form.get("quiet") in ("keep", "skip") else None
    later = form.get("quiet_start")
    if later and choice is None:
        try:
            day = date.fromisoformat(later)
        except ValueError:
            day = None
        if (
            day is not None
            and details.first_day < day <= details.first_day + timedelta(days=400)
            and day.weekday() == details.first_day.weekday()
        ):
            details = replace(details, first_day=day)
    days = [(week, day) for week, day in weekly_days(details.first_day) if day >= today]
    hits = quiet_hits(days, periods, details.timezone)
    return details, QuietCheck(
        periods, hits, choice, start_after(hits, details.first_day) if hits else None
    )


def create_circle_skipping_quiet_weeks(
    creator: User,
    details: circles.CircleDetails,
    *,
    join: bool,
    today: date,
    periods: list[QuietPeriod],
) -> Circle:
    """Start a circle whose meetings in quiet periods are skipped, the later weeks moved on."""
    circle = circles.create_circle(creator, details, join=False, today=today)
    # Skipped before anyone is a member: nobody gets a mail or calendar update per skip.
    plan_quiet_skips(circle, creator, periods, today)
    if join:
        circle.seats_taken = 1
        db.session.add(Membership(circle=circle, user=creator))
        db.session.flush()
        db.session.refresh(circle)
        calendar.send_invitation(circle, [creator], update=False)
    return circle


# --- the directory ------------------------------------------------------------------------


@dataclass
class DirectoryEntry:
    """One circle on a directory page."""

    circle: ListedCircle
    weekly_start: datetime  # the first meeting on the circle's own weekly slot, UTC
    quiet: list[QuietHit]
    is_member: bool


@dataclass
class DirectoryPage:
    """The circles on one page and how many there are in all."""

    entries: list[DirectoryEntry]
    total: int
    page: int
    pages: int
    listing: Listing | None = None  # the kept open circles the page came from


def directory_page(
    filt: DirectoryFilter, viewer: User, page: int, now: datetime, periods: list[QuietPeriod]
) -> DirectoryPage:
    """One page of the open circles matching ``filt``, with a fixed number of queries.

    The open circles come from this process's copy (wol/directory/listing.py): the page reads
    the directory's version, the viewer's memberships among the circles shown and, for circles
    not shown before, what their entries show.
    """
    listing = open_listing(now)
    ids = listing.matching(filt, viewer.timezone)
    total = len(ids)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    shown = ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    entries = []
    holidays = tuple(periods)
    if shown:
        member_of = set(
            db.session.scalars(
                select(Membership.circle_id).where(
                    Membership.user_id == viewer.id,
                    Membership.left_at.is_(None),
                    Membership.circle_id.in_(shown),
                )
            )
        )
        for circle in listing.entries(shown):
            entries.append(
                DirectoryEntry(
                    circle,
                    circle.weekly_start,
                    listing.quiet_hits(circle, holidays),
                    circle.id in member_of,
                )
            )
    return DirectoryPage(entries, total, page, pages, listing)


def place_suggestions(limit: int = 100) -> list[str]:
    """Cities and sites of listed circles: the parts of their places, most used first."""
    return listing_place_suggestions(limit)


def is_open(circle: Circle, now: datetime) -> bool:
    """Whether the circle takes newcomers from the directory (seats aside)."""
    week2 = next((m for m in circle.meetings if m.week == 2), None)
    over = week2 is not None and (
        week2.starts_at + timedelta(minutes=circle.duration_minutes) <= now
    )
    return circle.listed and not circle.is_ended and not over


def listed_circle(circle_id: int) -> Circle | None:
    """A listed circle with its members and meetings; None for invite-only or unknown ones."""
    circle = circles.load_circle(circle_id)
    return circle if circle is not None and circle.listed else None


def join_listed(circle: Circle, user: User, now: datetime) -> None:
    """Join a circle found in the directory, with the invite link's seat rules."""
    if not is_open(circle, now):
        raise Conflict(
            _(
                "This circle no longer takes members through the directory. "
                "Ask one of its members for the invite link."
            )
        )
    circles.join_circle(circle, user, now)


def wait_for_seat(circle: Circle, user: User, now: datetime) -> bool:
    """After a join found the circle full: put ``user`` on its waiting list.

    Returns False when they were already on it.
    """
    db.session.refresh(circle)
    try:
        circles.join_waitlist(circle, user, now)
    except Conflict:
        if circles.waitlist_position(circle, user) is not None:
            return False
        raise
    return True


def set_sharing(
    circle: Circle, by: User, *, listed: bool, members_may_invite: bool, now: datetime
) -> None:
    """The organiser lists the circle or not, and lets members invite or not."""
    if not circles.is_organiser(circle, by):
        raise NotAllowed(_("Only the organiser of this circle can change this."))
    if listed and not circle.listed:
        circle.listed_at = now
    circle.listed = listed
    circle.members_may_invite = members_may_invite
    circle.updated_at = now
    db.session.flush()


# --- alerts -------------------------------------------------------------------------------


def alerts_of(user: User) -> list[CircleAlert]:
    """The person's alerts, oldest first."""
    return list(
        db.session.scalars(
            select(CircleAlert).where(CircleAlert.user_id == user.id).order_by(CircleAlert.id)
        )
    )


def save_alert(user: User, filt: DirectoryFilter, now: datetime) -> CircleAlert:
    """Save the filter as an alert; circles listed from now on are news for it."""
    query = filt.query_string()
    existing = alerts_of(user)
    if any(alert.query == query for alert in existing):
        raise Conflict(_("You already have an alert for this search."))
    if len(existing) >= MAX_ALERTS:
        raise Conflict(
            _(
                "You can have at most %(count)d alerts. Remove one in your settings first.",
                count=MAX_ALERTS,
            )
        )
    alert = CircleAlert(user_id=user.id, query=query, created_at=now, seen_until=now)
    db.session.add(alert)
    db.session.flush()
    return alert


def remove_alert(alert: CircleAlert) -> None:
    """Delete an alert."""
    db.session.delete(alert)
    db.session.flush()


def _alert_serializer() -> URLSafeSerializer:
    """Signs the removal links in alert mails, for this purpose only (salt)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=ALERT_SALT)


def alert_token(alert: CircleAlert) -> str:
    """A token that removes this alert without signing in."""
    return _alert_serializer().dumps({"a": alert.id, "u": alert.user_id})


def alert_from_token(token: str) -> CircleAlert | None:
    """The alert a removal token names, if it is valid and the alert still exists."""
    if not token or len(token) > 200:
        return None
    try:
        data = _alert_serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in "au"):
        return None
    alert = db.session.get(CircleAlert, data["a"])
    return alert if alert is not None and alert.user_id == data["u"] else None


def circle_facts(circle: Circle) -> CircleFacts:
    """What a filter looks at in a circle."""
    return CircleFacts(
        circle.language,
        circle.kind,
        circle.place,
        weekly_start(circle.first_day, circle.local_time, circle.timezone),
        circle.first_day,
    )
