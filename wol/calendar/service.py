"""Turn circles into calendars, decide feed versions, and mail invitations (RFC 6047).

Feeds carry one event per meeting; invitations and the one-circle download carry one series
per circle with the same UID (see wol/calendar/ics.py for why). Which of feed or invitations
a person gets is their choice in settings, so the same meeting never shows twice.

Speed: a feed is polled often. Its version (ETag) comes from one small query, so a 304 needs
no rendering; a 200 concatenates each circle's rendered events, cached under everything they
are made of (the circle's calendar version and meetings, the reader's language, the guide
titles), so a cached block can never be stale and the same input gives the same bytes.
"""

import functools
import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wol.auth.models import User, new_feed_token
from wol.calendar import ics
from wol.calendar.ics import (
    EventBlock,
    Occurrence,
    Series,
    event_block,
    one_line,
    render_calendar,
    render_cancel,
)
from wol.calendar.models import FeedState
from wol.circles import service as circle_rules
from wol.circles.models import FULL_WEEKS, Circle, Meeting, Membership, guide_week_of
from wol.errors import DomainError
from wol.extensions import db
from wol.front import Check
from wol.guides.document import FOLLOW_UP_WEEKS
from wol.guides.service import guide_titles
from wol.guides.store import layer_token_column
from wol.i18n import gettext as _
from wol.i18n import ngettext
from wol.mail.service import queue_mail
from wol.timestamps import utcnow
from wol.tokens import find_by_token, looks_like_token
from wol.urls import external_url

# Part of every feed's ETag: raise it when the bytes of a feed change for the same data.
FEED_FORMAT = "2"


def calendar_host() -> str:
    """The host name in UIDs: stable for one deployment, from BASE_URL."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "wol.localhost"


@dataclass(frozen=True)
class _Texts:
    """What a circle's calendar texts are made of besides the circle: all hashable."""

    summary: str  # pattern, in the reader's language
    description: str  # pattern, in the reader's language
    held: str  # added to the description of a meeting its members recorded as held
    titles: tuple[str, ...]  # the guide's week titles, in the circle's language
    base_url: str
    host: str


def _texts(circle) -> _Texts:
    """The patterns in the current language, the week titles and the deployment's address."""
    # Translated once per circle, not once per meeting: gettext without arguments returns the
    # pattern with its placeholders.
    weeks = circle.weeks
    if weeks == FULL_WEEKS:
        description = _(
            "Working Out Loud circle %(circle)s, week %(week)d of 12. This "
            "week's guide and the circle page:"
        )
    else:  # a follow-up round of 4 or 6 weeks, with the follow-up guide's titles
        description = _(
            "Working Out Loud circle %(circle)s, follow-up week %(week)d of "
            "%(weeks)d. This week's guide and the circle page:"
        )
    return _Texts(
        summary=_("%(circle)s · week %(week)d: %(title)s"),
        description=description,
        held=_("Held: the circle recorded this meeting."),
        titles=guide_titles(
            circle.language, tuple(guide_week_of(weeks, week) for week in range(1, weeks + 1))
        ),
        base_url=current_app.config["BASE_URL"],
        host=calendar_host(),
    )


def circle_series(circle, *, attendees: Iterable[User] = ()) -> Series:
    """The circle (a Circle or a FeedCircle) as a calendar series, in the current language."""
    people = tuple((u.email, u.display_name) for u in attendees)
    organizer = None
    if people:
        organizer = (parseaddr(current_app.config["MAIL_FROM"])[1], circle.name)
    return _series(_frozen(circle), _texts(circle), organizer, people)


def _series(circle: "FeedCircle", texts: _Texts, organizer, attendees) -> Series:
    """The series of a circle from plain values."""
    base = f"{texts.base_url}/circles/{circle.id}/week/"
    occurrences = []
    for meeting in circle.meetings:
        values = {
            "circle": circle.name,
            "week": meeting.week,
            "weeks": circle.weeks,
            "title": texts.titles[meeting.week - 1],
        }
        occurrences.append(
            Occurrence(
                week=meeting.week,
                slot=meeting.slot,
                start=None if meeting.is_skipped else meeting.starts_at,
                summary=texts.summary % values,
                # Check-ins (wol/checkins): a held meeting says so in the calendar too.
                description=(f"{texts.held} " if meeting.held_at else "")
                + texts.description % values,
                url=f"{base}{meeting.week}",
            )
        )
    place = ", ".join(p for p in (circle.place, circle.video_url) if p) or None
    return Series(
        uid=f"circle-{circle.id}@{texts.host}",
        sequence=circle.calendar_sequence,
        tzid=circle.timezone,
        duration_minutes=circle.duration_minutes,
        summary=circle.name,
        location=place,
        first_slot=datetime.combine(circle.first_day, circle.local_time),
        occurrences=tuple(occurrences),
        organizer=organizer,
        attendees=attendees,
        last_modified=circle.updated_at,
        cancelled=circle.ended_at is not None,
    )


def render_download(circle: Circle) -> bytes:
    """The .ics file of one circle: its series, with the UID its invitations carry.

    A person who accepted the invitation and imports the file too gets the same meetings, not
    a second copy; an ended circle's file cancels them.
    """
    return render_calendar(
        [circle_series(circle)], name=circle.name, stamp=circle.updated_at, method="PUBLISH"
    )


@dataclass(frozen=True)
class FeedMeeting:
    """The few facts of a meeting a feed needs."""

    week: int
    slot: int
    starts_at: datetime
    skipped_at: datetime | None
    held_at: datetime | None = None  # set by a check-in (wol/checkins)

    @property
    def is_skipped(self) -> bool:
        """True when the circle decided not to meet this week."""
        return self.skipped_at is not None


@dataclass(frozen=True)
class FeedCircle:
    """The few facts of a circle its calendar is made of (read-only; the names of Circle).

    Hashable: with the reader's language and the guide titles it is the key of the circle's
    cached calendar block, calendar version (SEQUENCE and last change) included.
    """

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
    ended_at: datetime | None
    weeks: int  # 12, or 4 or 6 for a follow-up (whose titles come from the follow-up guide)
    meetings: tuple[FeedMeeting, ...]


_FEED_CIRCLE_COLUMNS = (
    Circle.id,
    Circle.name,
    Circle.language,
    Circle.timezone,
    Circle.first_day,
    Circle.local_time,
    Circle.duration_minutes,
    Circle.place,
    Circle.video_url,
    Circle.calendar_sequence,
    Circle.updated_at,
    Circle.ended_at,
    Circle.weeks,
)


def _frozen(circle) -> FeedCircle:
    """A Circle (or a FeedCircle) as a FeedCircle."""
    if isinstance(circle, FeedCircle):
        return circle
    return FeedCircle(
        *(getattr(circle, column.key) for column in _FEED_CIRCLE_COLUMNS),
        meetings=tuple(
            FeedMeeting(m.week, m.slot, m.starts_at, m.skipped_at, m.held_at)
            for m in sorted(circle.meetings, key=lambda m: m.week)
        ),
    )


def feed_circles(user: User) -> list[FeedCircle]:
    """The circles in a person's feed (member, not ended), read in one plain query.

    A feed is polled often by every subscriber, so it reads plain rows instead of building
    ORM objects: one query, no identity map, a fraction of the time.
    """
    member_of = circle_rules.member_circle_ids(user)
    rows = db.session.execute(
        select(
            *_FEED_CIRCLE_COLUMNS,
            Meeting.week,
            Meeting.slot,
            Meeting.starts_at,
            Meeting.skipped_at,
            Meeting.held_at,
        )
        .join(Meeting, Meeting.circle_id == Circle.id)
        .where(Circle.id.in_(member_of), Circle.ended_at.is_(None))
        .order_by(Circle.id, Meeting.week)
    ).all()
    width = len(_FEED_CIRCLE_COLUMNS)
    grouped: dict[int, tuple[tuple, list[FeedMeeting]]] = {}
    for row in rows:
        grouped.setdefault(row[0], (tuple(row[:width]), []))[1].append(FeedMeeting(*row[width:]))
    return [FeedCircle(*values, meetings=tuple(meetings)) for values, meetings in grouped.values()]


@functools.lru_cache(maxsize=4096)
def _feed_block(circle: FeedCircle, texts: _Texts) -> EventBlock:
    """A circle's feed events, rendered once per calendar version, language and guide titles."""
    return event_block(_series(circle, texts, None, ()), stamp=circle.updated_at)


def feed_version(user: User, now: datetime | None = None) -> tuple[str, datetime]:
    """ETag and Last-Modified of a person's feed, from two small queries (no rendering).

    Last-Modified is the moment wol first served the current ETag, and always later than the
    Last-Modified of the version before: it never goes back, even when the change removed
    meetings (a member left, a circle ended).
    """
    member_of = circle_rules.member_circle_ids(user)
    rows = db.session.execute(
        select(Circle.id, Circle.calendar_sequence, Circle.updated_at, Circle.language)
        .where(Circle.id.in_(member_of), Circle.ended_at.is_(None))
        .order_by(Circle.id)
    ).all()
    etag = _feed_etag(user.id, user.language, rows)
    state = db.session.get(FeedState, user.id)
    if state is not None and state.etag == etag:
        return etag, state.modified_at
    stamp = (now or utcnow()).replace(microsecond=0)
    if state is None:
        try:
            with db.session.begin_nested():
                state = FeedState(user_id=user.id, etag=etag, modified_at=stamp)
                db.session.add(state)
        except IntegrityError:
            # Another request of the same feed recorded it at the same instant.
            state = db.session.get(FeedState, user.id, populate_existing=True)
    if state.etag != etag:
        # HTTP dates count whole seconds: one more than before, at least.
        state.modified_at = max(stamp, state.modified_at + timedelta(seconds=1))
        state.etag = etag
    db.session.flush()
    return etag, state.modified_at


FEED_WEEKS = (*range(1, 13), *FOLLOW_UP_WEEKS)  # every guide week a feed's titles come from


def _feed_etag(user_id: int, language: str, rows) -> str:
    """The ETag of a feed from its owner and the (id, calendar_sequence, updated_at, language)
    of the circles in it, ordered by id."""
    # The reader's language and the guides' week titles are part of the version: the feed's
    # texts are made of them, and translators can change a title at any time.
    # (Lists, as before: the same ETag for the same feed, so no calendar downloads again.)
    languages = sorted({row[3] for row in rows})
    titles = {lang: list(guide_titles(lang, FEED_WEEKS)) for lang in languages}
    basis = f"{FEED_FORMAT}:{user_id}:{language}:{titles}:" + ";".join(
        f"{row[0]}.{row[1]}.{row[2].timestamp()}" for row in rows
    )
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


@functools.cache
def _feed_version_query():
    """The feed owner's id, language and token with each current circle's version columns
    (built once: the statement is the same for every feed)."""
    users, memberships, circles = User.__table__, Membership.__table__, Circle.__table__
    return (
        select(
            users.c.id,
            users.c.language,
            users.c.feed_token,
            circles.c.id,
            circles.c.calendar_sequence,
            circles.c.updated_at,
            circles.c.language,
        )
        .select_from(users)
        .outerjoin(
            memberships, (memberships.c.user_id == users.c.id) & memberships.c.left_at.is_(None)
        )
        .outerjoin(
            circles, (circles.c.id == memberships.c.circle_id) & circles.c.ended_at.is_(None)
        )
        .where(users.c.feed_token == bindparam("token"))
        .order_by(circles.c.id)
    )


@functools.cache
def _feed_front_query():
    """The rows of a feed's ETag with its recorded version and the token of the guides'
    published layer (week titles), in one statement (built once)."""
    users, states = User.__table__, FeedState.__table__
    return (
        _feed_version_query()
        .outerjoin(states, states.c.user_id == users.c.id)
        .add_columns(states.c.etag, states.c.modified_at, layer_token_column())
    )


def feed_checks(token: str) -> tuple[Check, ...]:
    """What the feed of ``token`` (and its 304) is drawn from, for the front (wol/front.py):
    the rows its ETag is made of, its recorded Last-Modified and the guides' published layer,
    read in one statement: calendars poll unchanged feeds all day."""
    return (Check.of(_feed_front_query(), token=token),)


def current_feed_etag(token: str) -> str | None:
    """The ETag the feed of ``token`` has now, from one small query on indexed columns and
    no ORM objects: what a calendar that polls an unchanged feed needs for its 304.

    None when no feed has this token (the full path then answers 404).
    """
    if not looks_like_token(token):
        return None
    rows = db.session.execute(_feed_version_query(), {"token": token}).all()
    if not rows or not hmac.compare_digest(rows[0][2], token):
        return None
    circle_rows = [(row[3], row[4], row[5], row[6]) for row in rows if row[3] is not None]
    return _feed_etag(rows[0][0], rows[0][1], circle_rows)


def render_feed(user: User) -> bytes:
    """A person's feed: all their circles' meetings, in their language."""
    circles = feed_circles(user)
    with force_locale(user.language):
        blocks = [_feed_block(circle, _texts(circle)) for circle in circles]
        name = _("wol: my circles")
    return ics.render_feed(blocks, name=name)


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
    circles = list(
        db.session.scalars(
            select(Circle)
            .where(Circle.id.in_(circle_rules.member_circle_ids(user)), Circle.ended_at.is_(None))
            .options(selectinload(Circle.meetings))
            .order_by(Circle.id)
        )
    )
    if delivery == "feed":
        for circle in circles:
            send_cancel(circle, [user], force=True, to_feed=True)
        user.calendar_delivery = delivery
    else:
        user.calendar_delivery = delivery
        for circle in circles:
            send_invitation(circle, [user], update=False)
    db.session.flush()


def _invitees(users: Iterable[User], force: bool = False) -> list[User]:
    """Those of ``users`` who asked for invitations by e-mail."""
    return [u for u in users if force or u.calendar_delivery == "email"]


def _raise_sequence(circle: Circle) -> None:
    """Raise the circle's SEQUENCE in the database, so the next iTIP message is newer.

    Every message for a UID must carry a higher SEQUENCE than the one before it, or clients
    may ignore it: a series CANCEL (leaving, switching to the feed) and a new invitation
    (joining again, switching back) change no meeting, so they raise it themselves.
    """
    circle.calendar_sequence = Circle.calendar_sequence + 1
    db.session.flush()


@dataclass(frozen=True)
class Notice:
    """A change the members are told about in words. Whoever also gets a calendar update
    gets one mail that carries both, not two mails about the same change."""

    template: str
    subject: Callable[[], str]
    kind: str
    context: dict
    # People who get the calendar part alone (the member who made the change knows it).
    plain_for: frozenset[int] = frozenset()

    def render(self, circle: Circle, user: User, calendar_note: str) -> tuple[str, str]:
        """Subject and text of the notice for ``user``, in their language and zone."""
        body = render_template(
            self.template,
            circle=circle,
            user=user,
            tz=user.timezone,
            link=external_url("circles.detail", circle_id=circle.id),
            calendar_note=calendar_note,
            **self.context,
        )
        return self.subject(), body


def send_invitation(
    circle: Circle, users: Iterable[User], *, update: bool, notice: Notice | None = None
) -> list[User]:
    """Mail the circle's series as a REQUEST to each person who wants invitations; return
    them (a ``notice`` is in their mail, so they need no other).

    ``update``: the schedule changed and the caller raised the SEQUENCE with it; otherwise
    (a new invitation) it is raised here.
    """
    invitees = _invitees(users)
    if invitees and not update:
        _raise_sequence(circle)
    for user in invitees:
        kind = "calendar_update" if update else "calendar_invitation"
        with force_locale(user.language):
            series = circle_series(circle, attendees=[user])
            data = render_calendar([series], name=circle.name, stamp=utcnow(), method="REQUEST")
            if notice and user.id not in notice.plain_for:
                subject, body = notice.render(
                    circle, user, _("This mail also updates the meetings in your calendar.")
                )
                kind = notice.kind
            else:
                name = one_line(circle.name)
                subject = (
                    _("Updated: %(circle)s", circle=name)
                    if update
                    else _("Invitation: %(circle)s, 12 meetings", circle=name)
                    if circle.weeks == FULL_WEEKS
                    else ngettext(
                        "Invitation: %(circle)s, %(num)d meeting",
                        "Invitation: %(circle)s, %(num)d meetings",
                        circle.weeks,
                        circle=name,
                    )
                )
                body = render_template(
                    "mail/calendar_invitation.txt",
                    circle=circle,
                    user=user,
                    update=update,
                    tz=user.timezone,
                )
        queue_mail(
            user.email,
            subject,
            body,
            to_name=user.display_name,
            calendar=data.decode("utf-8"),
            calendar_method="REQUEST",
            kind=kind,
        )
    return invitees


def send_cancel(
    circle: Circle,
    users: Iterable[User],
    *,
    week: int | None = None,
    force: bool = False,
    notice: Notice | None = None,
    to_feed: bool = False,
) -> list[User]:
    """Mail a CANCEL for one week, or for the whole series (``week`` None); return the people
    mailed. ``to_feed``: the person switched to the feed, so the mail says that, not that
    the circle was cancelled.

    A one-week CANCEL follows a schedule change whose caller raised the SEQUENCE; a series
    CANCEL raises it here.
    """
    invitees = _invitees(users, force=force)
    if invitees and week is None:
        _raise_sequence(circle)
    for user in invitees:
        kind = "calendar_cancel"
        with force_locale(user.language):
            series = circle_series(circle, attendees=[user])
            data = render_cancel(series, stamp=utcnow(), week=week)
            name = one_line(circle.name)
            if notice and user.id not in notice.plain_for:
                subject, body = notice.render(
                    circle, user, _("This mail also takes that meeting out of your calendar.")
                )
                kind = notice.kind
            elif to_feed:
                subject = _(
                    "%(circle)s: your meetings now come through your calendar feed", circle=name
                )
                body = render_template("mail/calendar_to_feed.txt", circle=circle, user=user)
            else:
                subject = (
                    _("Cancelled: %(circle)s, week %(week)d", circle=name, week=week)
                    if week
                    else _("Cancelled: %(circle)s", circle=name)
                )
                body = render_template(
                    "mail/calendar_cancel.txt",
                    circle=circle,
                    user=user,
                    week=week,
                    tz=user.timezone,
                )
        queue_mail(
            user.email,
            subject,
            body,
            to_name=user.display_name,
            calendar=data.decode("utf-8"),
            calendar_method="CANCEL",
            kind=kind,
        )
    return invitees
