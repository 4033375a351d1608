"""Turn circles into calendars, decide feed versions, and mail invitations (RFC 6047).

Feeds and downloads carry one event per meeting; invitations carry one series per circle
(see wol/calendar/ics.py for why). Which of the two a person gets is their choice in
settings, so the same meeting never shows twice.
"""

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from wol.auth.models import User, new_feed_token
from wol.calendar.ics import Occurrence, Series, render_calendar, render_cancel, render_events
from wol.circles import service as circle_rules
from wol.circles.models import Circle, Meeting
from wol.circles.schedule import meeting_starts
from wol.errors import DomainError
from wol.extensions import db
from wol.guides.service import guide_title
from wol.mail.service import queue_mail
from wol.timestamps import utcnow
from wol.tokens import find_by_token


def calendar_host() -> str:
    """The host name in UIDs: stable for one deployment, from BASE_URL."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "wol.localhost"


@functools.lru_cache(maxsize=1024)
def _grid(first_day: date, at: time, tz: str, count: int) -> tuple[datetime, ...]:
    """The circle's weekly slots (UTC), the same for every render of it: computed once."""
    return tuple(meeting_starts(first_day, at, tz, weeks=count))


def circle_series(circle: Circle, *, attendees: Iterable[User] = ()) -> Series:
    """The circle as a calendar series, in the current language for its texts."""
    # Translate the two patterns once per circle, not once per meeting: this is the feed's
    # hot path. gettext without arguments returns the pattern with its placeholders.
    summary_pattern = _("%(circle)s · week %(week)d: %(title)s")
    description_pattern = _("Working Out Loud circle %(circle)s, week %(week)d of 12. This "
                            "week's guide and the circle page:")
    meetings = circle.meetings
    grid = _grid(circle.first_day, circle.local_time, circle.timezone,
                 max(m.slot for m in meetings) + 1)
    base = f"{current_app.config['BASE_URL']}/circles/{circle.id}/week/"
    occurrences = []
    for meeting in meetings:
        values = {"circle": circle.name, "week": meeting.week,
                  "title": guide_title(circle.language, meeting.week)}
        occurrences.append(Occurrence(
            week=meeting.week,
            slot_start=grid[meeting.slot],
            start=None if meeting.is_skipped else meeting.starts_at,
            summary=summary_pattern % values,
            description=description_pattern % values,
            url=f"{base}{meeting.week}",
        ))
    place = ", ".join(p for p in (circle.place, circle.video_url) if p) or None
    from_name, from_addr = parseaddr(current_app.config["MAIL_FROM"])
    return Series(
        uid=f"circle-{circle.id}@{calendar_host()}",
        sequence=circle.calendar_sequence,
        tzid=circle.timezone,
        duration_minutes=circle.duration_minutes,
        summary=circle.name,
        location=place,
        occurrences=tuple(occurrences),
        organizer=(from_addr, circle.name) if attendees else None,
        attendees=tuple((u.email, u.display_name) for u in attendees),
        last_modified=circle.updated_at,
    )


def render_download(circle: Circle) -> bytes:
    """The .ics file of one circle: one event per meeting that will take place."""
    return render_events([circle_series(circle)], name=circle.name, stamp=circle.updated_at)


@dataclass(frozen=True)
class FeedMeeting:
    """The few facts of a meeting a feed needs."""

    week: int
    slot: int
    starts_at: datetime
    skipped_at: datetime | None

    @property
    def is_skipped(self) -> bool:
        """True when the circle decided not to meet this week."""
        return self.skipped_at is not None


@dataclass(frozen=True)
class FeedCircle:
    """The few facts of a circle a feed needs (read-only; the same names as on Circle)."""

    id: int
    name: str
    language: str
    timezone: str
    first_day: date
    local_time: time
    duration_minutes: int
    place: str | None
    video_url: str | None
    calendar_sequence: int
    updated_at: datetime
    meetings: list[FeedMeeting]


_FEED_CIRCLE_COLUMNS = (Circle.id, Circle.name, Circle.language, Circle.timezone,
                        Circle.first_day, Circle.local_time, Circle.duration_minutes,
                        Circle.place, Circle.video_url, Circle.calendar_sequence,
                        Circle.updated_at)


def feed_circles(user: User) -> list[FeedCircle]:
    """The circles in a person's feed (member, not ended), read in one plain query.

    A feed is polled often by every subscriber, so it reads plain rows instead of building
    ORM objects: one query, no identity map, a fraction of the time.
    """
    member_of = circle_rules.member_circle_ids(user)
    rows = db.session.execute(
        select(*_FEED_CIRCLE_COLUMNS, Meeting.week, Meeting.slot, Meeting.starts_at,
               Meeting.skipped_at)
        .join(Meeting, Meeting.circle_id == Circle.id)
        .where(Circle.id.in_(member_of), Circle.ended_at.is_(None))
        .order_by(Circle.id, Meeting.week)
    ).all()
    circles: list[FeedCircle] = []
    width = len(_FEED_CIRCLE_COLUMNS)
    for row in rows:
        if not circles or circles[-1].id != row[0]:
            circles.append(FeedCircle(*row[:width], meetings=[]))
        circles[-1].meetings.append(FeedMeeting(*row[width:]))
    return circles


def feed_version(user: User) -> tuple[str, datetime]:
    """ETag and Last-Modified of a person's feed, from a single small query (no rendering)."""
    member_of = circle_rules.member_circle_ids(user)
    rows = db.session.execute(
        select(Circle.id, Circle.calendar_sequence, Circle.updated_at)
        .where(Circle.id.in_(member_of), Circle.ended_at.is_(None))
        .order_by(Circle.id)
    ).all()
    # The language is part of the version: titles and descriptions are written in it.
    basis = f"{user.id}:{user.language}:" + ";".join(
        f"{row.id}.{row.calendar_sequence}.{row.updated_at.timestamp()}" for row in rows)
    etag = hashlib.sha256(basis.encode()).hexdigest()[:32]
    last = max((row.updated_at for row in rows), default=user.created_at)
    return etag, last.replace(microsecond=0)


def render_feed(user: User) -> bytes:
    """A person's feed: all their circles' meetings, in their language."""
    circles = feed_circles(user)
    with force_locale(user.language):
        series = [circle_series(circle) for circle in circles]
        name = _("wol: my circles")
    stamp = max((c.updated_at for c in circles), default=user.created_at)
    return render_events(series, name=name, stamp=stamp)


def find_feed_owner(token: str) -> User | None:
    """The user whose feed token is ``token``."""
    return find_by_token(User.feed_token, token)


def rotate_feed_token(user: User) -> str:
    """Give the user a new feed URL; the old one answers 404 from now on."""
    user.feed_token = new_feed_token()
    db.session.flush()
    return user.feed_token


def set_delivery(user: User, delivery: str, now: datetime | None = None) -> None:
    """Switch between invitations and feed; clean up calendars so nothing shows twice."""
    if delivery not in ("email", "feed"):
        raise DomainError(_("Choose invitations by email or the feed."), field="delivery")
    if delivery == user.calendar_delivery:
        return
    circles = feed_circles(user)
    if delivery == "feed":
        for circle in circles:
            send_cancel(circle, [user], force=True)
        user.calendar_delivery = delivery
    else:
        user.calendar_delivery = delivery
        for circle in circles:
            send_invitation(circle, [user], update=False)
    db.session.flush()


def _invitees(users: Iterable[User], force: bool = False) -> list[User]:
    """Those of ``users`` who asked for invitations by e-mail."""
    return [u for u in users if force or u.calendar_delivery == "email"]


def send_invitation(circle: Circle, users: Iterable[User], *, update: bool) -> int:
    """Mail the circle's series as a REQUEST to each person who wants invitations."""
    sent = 0
    for user in _invitees(users):
        with force_locale(user.language):
            series = circle_series(circle, attendees=[user])
            ics = render_calendar([series], name=circle.name, stamp=utcnow(), method="REQUEST")
            subject = (_("Updated: %(circle)s", circle=circle.name) if update
                       else _("Invitation: %(circle)s, 12 meetings", circle=circle.name))
            body = render_template("mail/calendar_invitation.txt", circle=circle, user=user,
                                   update=update, tz=user.timezone)
        queue_mail(user.email, subject, body, to_name=user.display_name,
                   calendar=ics.decode("utf-8"), calendar_method="REQUEST",
                   kind="calendar_update" if update else "calendar_invitation")
        sent += 1
    return sent


def send_cancel(circle: Circle, users: Iterable[User], *, week: int | None = None,
                force: bool = False) -> int:
    """Mail a CANCEL for one week, or for the whole series (``week`` None)."""
    sent = 0
    for user in _invitees(users, force=force):
        with force_locale(user.language):
            series = circle_series(circle, attendees=[user])
            ics = render_cancel(series, stamp=utcnow(), week=week)
            subject = (_("Cancelled: %(circle)s, week %(week)d", circle=circle.name, week=week)
                       if week else _("Cancelled: %(circle)s", circle=circle.name))
            body = render_template("mail/calendar_cancel.txt", circle=circle, user=user,
                                   week=week, tz=user.timezone)
        queue_mail(user.email, subject, body, to_name=user.display_name,
                   calendar=ics.decode("utf-8"), calendar_method="CANCEL",
                   kind="calendar_cancel")
        sent += 1
    return sent
