"""Circle rules: start, recruit, seats and waiting list, leave and end, move and skip meetings.

Services flush but never commit; the route commits once. Seats are taken and given back with
conditional UPDATEs on ``circles.seats_taken`` so that the database, not the process, decides
who gets the last seat when several people join at the same instant.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from wol import ratelimits
from wol.auth.models import User
from wol.calendar import service as calendar
from wol.circles.models import (
    FOLLOW_UP_LENGTHS,
    FULL_WEEKS,
    KINDS,
    LANGUAGES,
    MAX_MEMBERS,
    Circle,
    Meeting,
    Membership,
    WaitlistEntry,
)
from wol.circles.schedule import (
    ScheduleError,
    check_first_day,
    local_to_utc,
    meeting_starts,
    move_allowed,
    week_later,
)
from wol.errors import Conflict, DomainError, NotAllowed, TooManyAttempts
from wol.extensions import db
from wol.i18n import gettext as _
from wol.i18n import is_timezone
from wol.mail.service import queue_mail
from wol.ratelimits import counter_key
from wol.timestamps import utcnow
from wol.tokens import find_by_token, new_token
from wol.urls import external_url

OFFER_HOURS = 48
MAX_FUTURE_DAYS = 366
MAX_EMAIL_INVITES = 10
MAX_MOVE = timedelta(weeks=4)


@dataclass(frozen=True)
class CircleDetails:
    """The values a person enters to start a circle."""

    name: str
    language: str
    first_day: date
    local_time: time
    timezone: str
    duration_minutes: int = 60
    kind: str = "in_person"
    place: str | None = None
    video_url: str | None = None
    chat_url: str | None = None
    description: str | None = None
    listed: bool = True
    members_may_invite: bool = True
    weeks: int = FULL_WEEKS


def new_invite_token() -> str:
    """A random invite token of 256 bits, safe in a URL."""
    return new_token()


def _check_details(details: CircleDetails, today: date) -> None:
    """Raise DomainError for the first value that breaks a rule."""
    if not details.name.strip() or len(details.name.strip()) > 80:
        raise DomainError(_("Give the circle a name of at most 80 characters."), field="name")
    if details.language not in LANGUAGES:
        raise DomainError(_("Choose Dutch or English."), field="language")
    if not is_timezone(details.timezone):
        raise DomainError(_("Choose a time zone from the list."), field="timezone")
    if not 15 <= details.duration_minutes <= 240:
        raise DomainError(
            _("A meeting lasts between 15 and 240 minutes."), field="duration_minutes"
        )
    if details.kind not in KINDS:
        raise DomainError(_("Choose in person, online or both."), field="kind")
    if details.weeks not in (FULL_WEEKS, *FOLLOW_UP_LENGTHS):
        raise DomainError(_("Choose one of the guides offered."), field="weeks")
    try:
        check_first_day(details.first_day, today)
    except ScheduleError as exc:
        raise DomainError(
            _(
                "The first meeting can be at most 12 weeks ago. A circle that started earlier "
                "has (almost) finished."
            ),
            field="first_day",
        ) from exc
    if details.first_day > today + timedelta(days=MAX_FUTURE_DAYS):
        raise DomainError(_("The first meeting must be within a year from now."), field="first_day")
    if details.kind in ("online", "hybrid") and not details.video_url:
        raise DomainError(_("An online circle needs a video-call link."), field="video_url")
    if details.kind in ("in_person", "hybrid") and not details.place:
        raise DomainError(_("Say where the circle meets."), field="place")


def create_circle(creator: User, details: CircleDetails, *, join: bool, today: date) -> Circle:
    """Start a circle with its meetings (twelve, or 4 or 6 for a follow-up); the creator
    organises it and may join it."""
    _check_details(details, today)
    circle = Circle(
        name=details.name.strip(),
        language=details.language,
        timezone=details.timezone,
        first_day=details.first_day,
        local_time=details.local_time.replace(second=0, microsecond=0, tzinfo=None),
        duration_minutes=details.duration_minutes,
        kind=details.kind,
        place=(details.place or "").strip() or None,
        video_url=(details.video_url or "").strip() or None,
        chat_url=(details.chat_url or "").strip() or None,
        description=(details.description or "").strip() or None,
        organiser=creator,
        invite_token=new_invite_token(),
        seats_taken=1 if join else 0,
        listed=details.listed,
        listed_at=utcnow() if details.listed else None,
        members_may_invite=details.members_may_invite,
        weeks=details.weeks,
    )
    starts = meeting_starts(circle.first_day, circle.local_time, circle.timezone, details.weeks)
    circle.meetings = [
        Meeting(week=n, slot=n - 1, starts_at=start) for n, start in enumerate(starts, 1)
    ]
    if join:
        circle.memberships = [Membership(user=creator)]
    db.session.add(circle)
    db.session.flush()
    if join:
        calendar.send_invitation(circle, [creator], update=False)
    return circle


def load_circle(circle_id: int) -> Circle | None:
    """A circle with its members and meetings loaded in a bounded number of queries."""
    return db.session.scalar(
        select(Circle)
        .where(Circle.id == circle_id)
        .options(
            selectinload(Circle.memberships).joinedload(Membership.user, innerjoin=True),
            selectinload(Circle.meetings),
            joinedload(Circle.organiser, innerjoin=True),
        )
    )


def find_by_invite(token: str) -> Circle | None:
    """The circle whose current invite token is ``token`` (compared in constant time)."""
    circle = find_by_token(Circle.invite_token, token)
    return load_circle(circle.id) if circle is not None else None


def membership_of(circle: Circle, user: User | None) -> Membership | None:
    """The user's current membership of ``circle``, if any."""
    if user is None or not user.is_authenticated:
        return None
    for membership in circle.memberships:
        if membership.user_id == user.id and membership.left_at is None:
            return membership
    return None


def is_organiser(circle: Circle, user: User | None) -> bool:
    """True for the circle's own organiser and for admins."""
    if user is None or not user.is_authenticated:
        return False
    return circle.organiser_id == user.id or user.is_admin


def can_view(circle: Circle, user: User | None) -> bool:
    """Members, the circle's organiser and admins see the circle page."""
    return membership_of(circle, user) is not None or is_organiser(circle, user)


def require_view(circle: Circle, user: User) -> None:
    """Raise NotAllowed unless ``user`` may see the circle."""
    if not can_view(circle, user):
        raise NotAllowed(_("Only the members and the organiser of this circle can see it."))


def offer_for(circle: Circle, user: User, now: datetime) -> WaitlistEntry | None:
    """An open seat offer for ``user`` in ``circle``."""
    return db.session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.circle_id == circle.id,
            WaitlistEntry.user_id == user.id,
            WaitlistEntry.offer_expires_at > now,
        )
    )


def _take_seat(circle: Circle) -> bool:
    """Take a free seat atomically; False when the circle is full."""
    result = db.session.execute(
        update(Circle)
        .where(Circle.id == circle.id, Circle.seats_taken < MAX_MEMBERS, Circle.ended_at.is_(None))
        .values(seats_taken=Circle.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _take_offer(circle: Circle, user: User, now: datetime) -> bool:
    """Use the seat held for ``user``; False when there is no open offer (any more)."""
    result = db.session.execute(
        delete(WaitlistEntry)
        .where(
            WaitlistEntry.circle_id == circle.id,
            WaitlistEntry.user_id == user.id,
            WaitlistEntry.offered_at.is_not(None),
            WaitlistEntry.offer_expires_at > now,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _lock_account(user: User) -> None:
    """Hold the person's account row for this request; Conflict when it has been erased.

    An erasure of the same person at the same moment (wol/personal/erase.py) then waits for
    the join and ends the new membership, or the join waits and finds the account erased.
    """
    # An UPDATE that changes nothing: it holds the row on PostgreSQL and takes SQLite's write
    # lock, so the two requests take turns on either database.
    alive = db.session.execute(
        update(User)
        .where(User.id == user.id, User.erased_at.is_(None))
        .values(erased_at=User.erased_at)
        .execution_options(synchronize_session=False)
    )
    if alive.rowcount != 1:
        raise Conflict(_("This account has been deleted."))


def join_circle(circle: Circle, user: User, now: datetime | None = None) -> Membership:
    """Make ``user`` a member, taking a free seat or the one held for them."""
    now = now or utcnow()
    if circle.is_ended:
        raise Conflict(_("This circle has ended; it does not take new members."))
    _lock_account(user)
    if membership_of(circle, user) is not None:
        raise Conflict(_("You are already a member of this circle."))
    # The held seat is theirs only if this request is the one that removes the offer: the
    # tick expiring it, or a double click, cannot hand the same seat out twice.
    if not _take_offer(circle, user, now) and not _take_seat(circle):
        raise Conflict(_("This circle is full. You can join the waiting list."))
    previous = db.session.scalar(
        select(Membership).where(Membership.circle_id == circle.id, Membership.user_id == user.id)
    )
    if previous is not None and previous.left_at is None:
        # Joined a moment ago in another request (a double click): the seat goes back.
        raise Conflict(_("You are already a member of this circle."))
    try:
        with db.session.begin_nested():
            if previous is not None:
                previous.left_at = None
                previous.removed_by_id = None
                previous.joined_at = now
                membership = previous
            else:
                membership = Membership(circle_id=circle.id, user_id=user.id, joined_at=now)
                db.session.add(membership)
            db.session.flush()
    except IntegrityError as exc:
        # Someone joined with the same account at the same instant.
        raise Conflict(_("You are already a member of this circle.")) from exc
    # Leave the waiting list, if they were on it; a seat still held for them is passed on.
    entry_id = db.session.scalar(
        select(WaitlistEntry.id).where(
            WaitlistEntry.circle_id == circle.id, WaitlistEntry.user_id == user.id
        )
    )
    if entry_id is not None and _remove_from_waitlist(entry_id)[1]:
        _pass_seat_on(circle, now)
    _touch(circle, now)
    db.session.flush()
    db.session.refresh(circle)
    _notify(
        circle,
        "mail/circle_joined.txt",
        exclude={user.id},
        newcomer=user,
        subject=lambda: _("%(name)s joined %(circle)s", name=user.display_name, circle=circle.name),
    )
    _mail_welcome(circle, user)
    calendar.send_invitation(circle, [user], update=False)
    return membership


def join_waitlist(circle: Circle, user: User, now: datetime | None = None) -> WaitlistEntry:
    """Put ``user`` on the waiting list of a full circle."""
    _lock_account(user)
    now = now or utcnow()
    if circle.is_ended:
        raise Conflict(_("This circle has ended; it does not take new members."))
    if membership_of(circle, user) is not None:
        raise Conflict(_("You are already a member of this circle."))
    if circle.seats_left:
        raise Conflict(_("This circle has a free seat: join it instead of waiting."))
    existing = db.session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.circle_id == circle.id, WaitlistEntry.user_id == user.id
        )
    )
    if existing is not None:
        raise Conflict(_("You are already on the waiting list."))
    entry = WaitlistEntry(circle_id=circle.id, user_id=user.id, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_("You are already on the waiting list.")) from exc
    _mail_waitlist_place(circle, user, waitlist_position(circle, user) or 1)
    return entry


def _mail_waitlist_place(circle: Circle, user: User, position: int) -> None:
    """Confirm a place on the waiting list, with the person's position and what comes next."""
    link = external_url("circles.invite", token=circle.invite_token)
    with force_locale(user.language):
        subject = _("You are on the waiting list of %(circle)s", circle=circle.name)
        body = render_template(
            "mail/waitlist_joined.txt",
            circle=circle,
            user=user,
            position=position,
            link=link,
            hours=OFFER_HOURS,
        )
    queue_mail(user.email, subject, body, to_name=user.display_name, kind="waitlist_joined")


def waitlist_position(circle: Circle, user: User) -> int | None:
    """1-based place of ``user`` on the waiting list, or None."""
    ids = list(
        db.session.scalars(
            select(WaitlistEntry.user_id)
            .where(WaitlistEntry.circle_id == circle.id)
            .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        )
    )
    return ids.index(user.id) + 1 if user.id in ids else None


def _remove_from_waitlist(entry_id: int) -> tuple[bool, bool]:
    """Delete one waiting-list entry; return (this request deleted it, it held a seat).

    One statement decides both, so a seat offered to the entry at the same instant is seen
    and passed on, and a double click passes it on once.
    """
    row = db.session.execute(
        delete(WaitlistEntry)
        .where(WaitlistEntry.id == entry_id)
        .returning(WaitlistEntry.offered_at)
        .execution_options(synchronize_session=False)
    ).first()
    return row is not None, row is not None and row.offered_at is not None


def leave_waitlist(circle: Circle, user: User, now: datetime | None = None) -> None:
    """Take ``user`` off the waiting list (or decline an offer); a held seat is passed on."""
    now = now or utcnow()
    entry_id = db.session.scalar(
        select(WaitlistEntry.id).where(
            WaitlistEntry.circle_id == circle.id, WaitlistEntry.user_id == user.id
        )
    )
    deleted, held = _remove_from_waitlist(entry_id) if entry_id else (False, False)
    if not deleted:
        raise Conflict(_("You are not on the waiting list."))
    if held:
        _pass_seat_on(circle, now)


def _offer_to_next(circle: Circle, now: datetime) -> WaitlistEntry | None:
    """Offer a free seat to the first person waiting who has no offer yet; None if nobody.

    Two seats freed at the same instant go to two different people: an entry is claimed with
    a conditional UPDATE, and a request that loses the claim tries the next person.
    """
    while True:
        entry_id = db.session.scalar(
            select(WaitlistEntry.id)
            .where(WaitlistEntry.circle_id == circle.id, WaitlistEntry.offered_at.is_(None))
            .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
            .limit(1)
        )
        if entry_id is None:
            return None
        claimed = db.session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry_id, WaitlistEntry.offered_at.is_(None))
            .values(offered_at=now, offer_expires_at=now + timedelta(hours=OFFER_HOURS))
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            return db.session.get(WaitlistEntry, entry_id, populate_existing=True)


def _pass_seat_on(circle: Circle, now: datetime) -> None:
    """A seat came free: offer it to the first person waiting, or give it back."""
    waiting = None if circle.is_ended else _offer_to_next(circle, now)
    if waiting is None:
        db.session.execute(
            update(Circle)
            .where(Circle.id == circle.id, Circle.seats_taken > 0)
            .values(seats_taken=Circle.seats_taken - 1)
            .execution_options(synchronize_session=False)
        )
        db.session.flush()
        return
    mail_seat_offer(circle, waiting)
    db.session.flush()


def mail_seat_offer(circle: Circle, waiting: WaitlistEntry) -> None:
    """Tell the person of ``waiting`` that a seat is held for them, and until when."""
    user = waiting.user
    link = external_url("circles.invite", token=circle.invite_token)
    with force_locale(user.language):
        subject = _("A seat is free for you in %(circle)s", circle=circle.name)
        body = render_template(
            "mail/seat_offer.txt",
            circle=circle,
            user=user,
            link=link,
            expires_at=waiting.offer_expires_at,
            tz=user.timezone,
        )
    queue_mail(user.email, subject, body, to_name=user.display_name, kind="seat_offer")


def expire_offers(now: datetime | None = None) -> int:
    """Pass on every seat whose offer ran out (run by the tick); return how many."""
    now = now or utcnow()
    expired = list(
        db.session.execute(
            select(WaitlistEntry.id, WaitlistEntry.circle_id)
            .where(WaitlistEntry.offer_expires_at <= now)
            .with_for_update(skip_locked=True)
        )
    )
    passed = 0
    for entry_id, circle_id in expired:
        # The holder may have joined or declined in the meantime; then it is not ours to pass.
        deleted, held = _remove_from_waitlist(entry_id)
        if deleted and held:
            _pass_seat_on(db.session.get(Circle, circle_id), now)
            passed += 1
    return passed


def _end_membership(
    circle: Circle, membership: Membership, now: datetime, removed_by: User | None = None
) -> bool:
    """End a membership and pass its seat on, exactly once; False when it had already ended.

    The conditional UPDATE lets one request win when the member leaves twice at once (a double
    click) or leaves while the organiser removes them.
    """
    ended = db.session.execute(
        update(Membership)
        .where(Membership.id == membership.id, Membership.left_at.is_(None))
        .values(left_at=now, removed_by_id=removed_by.id if removed_by else None)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:
        return False
    db.session.refresh(membership)
    _pass_seat_on(circle, now)
    _touch(circle, now)
    return True


def leave_circle(circle: Circle, user: User, now: datetime | None = None) -> None:
    """``user`` leaves the circle."""
    now = now or utcnow()
    membership = membership_of(circle, user)
    if membership is None or not _end_membership(circle, membership, now):
        raise Conflict(_("You are not a member of this circle."))
    calendar.send_cancel(circle, [user])
    _notify(
        circle,
        "mail/circle_left.txt",
        exclude={user.id},
        person=user,
        subject=lambda: _("%(name)s left %(circle)s", name=user.display_name, circle=circle.name),
    )


def remove_member(circle: Circle, member: User, by: User, now: datetime | None = None) -> None:
    """The organiser takes ``member`` out of the circle."""
    now = now or utcnow()
    if not is_organiser(circle, by):
        raise NotAllowed(_("Only the organiser of this circle can remove members."))
    membership = membership_of(circle, member)
    if membership is None or not _end_membership(circle, membership, now, removed_by=by):
        raise Conflict(_("This person is not a member of this circle."))
    calendar.send_cancel(circle, [member])
    with force_locale(member.language):
        subject = _("You are no longer a member of %(circle)s", circle=circle.name)
        body = render_template("mail/circle_removed.txt", circle=circle, user=member)
    queue_mail(member.email, subject, body, to_name=member.display_name, kind="circle_removed")


def may_invite(circle: Circle, user: User) -> bool:
    """Members share the invite link unless the organiser switched that off."""
    if is_organiser(circle, user):
        return True
    return circle.members_may_invite and membership_of(circle, user) is not None


def may_end(circle: Circle, user: User) -> bool:
    """The organiser ends a circle early; its members may once the organiser has left it."""
    if is_organiser(circle, user):
        return True
    organiser_left = any(
        m.user_id == circle.organiser_id and m.left_at is not None for m in circle.memberships
    )
    return organiser_left and membership_of(circle, user) is not None


def end_circle(circle: Circle, by: User, reason: str, now: datetime | None = None) -> None:
    """The organiser (or a member, once the organiser left) ends the circle early."""
    now = now or utcnow()
    require_view(circle, by)
    if not may_end(circle, by):
        raise NotAllowed(
            _(
                "Only the organiser can end this circle early. Ask them, or leave "
                "the circle yourself."
            )
        )
    if circle.is_ended:
        raise Conflict(_("This circle has already ended."))
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise DomainError(
            _("Say in a few words why the circle ends (at most 300 characters)."), field="reason"
        )
    # One request ends it: a double click does not cancel and mail everything twice.
    ended = db.session.execute(
        update(Circle)
        .where(Circle.id == circle.id, Circle.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:
        raise Conflict(_("This circle has already ended."))
    db.session.refresh(circle, ["ended_at", "ended_reason"])
    # Seats held for the waiting list are released; those people hear nothing more.
    db.session.execute(
        delete(WaitlistEntry)
        .where(WaitlistEntry.circle_id == circle.id)
        .execution_options(synchronize_session=False)
    )
    _touch(circle, now, schedule_changed=True)
    db.session.flush()
    calendar.send_cancel(circle, circle.members)
    _notify(
        circle,
        "mail/circle_ended.txt",
        exclude={by.id},
        by=by,
        reason=reason,
        subject=lambda: _("%(circle)s has ended", circle=circle.name),
    )


def rotate_invite(circle: Circle, by: User) -> str:
    """Give the circle a new invite link; the old one stops working."""
    if not is_organiser(circle, by):
        raise NotAllowed(_("Only the organiser of this circle can renew the invite link."))
    circle.invite_token = new_invite_token()
    db.session.flush()
    return circle.invite_token


def _count_invitations(circle: Circle, by: User, count: int, now: datetime) -> None:
    """Use ``count`` of the daily invitations of ``by`` and of ``circle``, or refuse them all.

    Invitations carry the sender's words to any address: without a limit, wol would relay
    mail for whoever has an account.
    """
    day = timedelta(days=1)
    config = current_app.config
    mine = counter_key("invites-person", str(by.id))
    theirs = counter_key("invites-circle", str(circle.id))
    if not ratelimits.take(mine, config["INVITES_PER_PERSON_PER_DAY"], day, now, count):
        raise TooManyAttempts(
            _(
                "You can send %(count)d invitations by mail a day, and this would go over that. "
                "The invite link has no limit: share it in a chat or in a mail of your own.",
                count=config["INVITES_PER_PERSON_PER_DAY"],
            ),
            field="addresses",
        )
    if not ratelimits.take(theirs, config["INVITES_PER_CIRCLE_PER_DAY"], day, now, count):
        ratelimits.give_back(mine, count)
        raise TooManyAttempts(
            _(
                "This circle can send %(count)d invitations by mail a day, and this would go over "
                "that. The invite link has no limit: share it in a chat or in a mail of your own.",
                count=config["INVITES_PER_CIRCLE_PER_DAY"],
            ),
            field="addresses",
        )


def invite_by_email(
    circle: Circle, by: User, addresses: list[str], now: datetime | None = None
) -> int:
    """Mail the invite link to up to ten addresses; return how many were sent."""
    if membership_of(circle, by) is None and not is_organiser(circle, by):
        raise NotAllowed(_("Only members and the organiser can invite people."))
    if not may_invite(circle, by):
        raise NotAllowed(_("In this circle only the organiser invites people."))
    if circle.is_ended:
        raise Conflict(_("This circle has ended; it does not take new members."))
    if not addresses:
        raise DomainError(_("Enter at least one email address."), field="addresses")
    if len(addresses) > MAX_EMAIL_INVITES:
        raise DomainError(
            _("Invite at most %(count)d people at a time.", count=MAX_EMAIL_INVITES),
            field="addresses",
        )
    _count_invitations(circle, by, len(addresses), now or utcnow())
    link = external_url("circles.invite", token=circle.invite_token)
    for address in addresses:
        known = db.session.scalar(select(User).where(User.email_key == address.lower()))
        language = known.language if known else circle.language
        with force_locale(language):
            subject = _(
                "%(name)s invites you to join %(circle)s", name=by.display_name, circle=circle.name
            )
            body = render_template(
                "mail/circle_invite.txt",
                circle=circle,
                by=by,
                link=link,
                tz=known.timezone if known else circle.timezone,
            )
        queue_mail(address, subject, body, kind="circle_invite")
    return len(addresses)


def _neighbours(circle: Circle, meeting: Meeting) -> tuple[Meeting | None, Meeting | None]:
    """The meetings just before and after ``meeting`` in week order."""
    by_week = {m.week: m for m in circle.meetings}
    return by_week.get(meeting.week - 1), by_week.get(meeting.week + 1)


def _check_can_change(circle: Circle, meeting: Meeting, by: User) -> None:
    """Only members and the organiser change the schedule, and never a held meeting."""
    require_view(circle, by)
    if circle.is_ended:
        raise Conflict(_("This circle has ended; its schedule can no longer change."))
    if meeting.held_at is not None:
        raise Conflict(_("Week %(week)d was already held; it cannot change.", week=meeting.week))


def move_meeting(
    circle: Circle, meeting: Meeting, by: User, day: date, at: time, now: datetime | None = None
) -> Meeting:
    """Move one meeting to another local date and time; the others stay where they are."""
    now = now or utcnow()
    _check_can_change(circle, meeting, by)
    if meeting.is_skipped:
        raise Conflict(_("Week %(week)d is skipped; it cannot be moved.", week=meeting.week))
    if abs(day - meeting.starts_at.date()) > MAX_MOVE:
        # Only the first and last week have room to wander; four weeks is plenty for them.
        raise DomainError(_("A meeting can move at most four weeks from its date."), field="day")
    new_start = local_to_utc(day, at.replace(second=0, microsecond=0, tzinfo=None), circle.timezone)
    previous, following = _neighbours(circle, meeting)
    if not move_allowed(
        previous.starts_at if previous else None,
        new_start,
        following.starts_at if following else None,
    ):
        raise DomainError(
            _(
                "Week %(week)d must stay after week %(before)d and before week %(after)d. "
                "Choose a moment between them.",
                week=meeting.week,
                before=meeting.week - 1,
                after=meeting.week + 1,
            )
            if previous and following
            else _(
                "Week %(week)d must stay before week %(after)d.",
                week=meeting.week,
                after=meeting.week + 1,
            )
            if following
            else _(
                "Week %(week)d must stay after week %(before)d.",
                week=meeting.week,
                before=meeting.week - 1,
            ),
            field="day",
        )
    old_start = meeting.starts_at
    if new_start == old_start:
        return meeting
    meeting.starts_at = new_start
    meeting.moved = True
    meeting.rescheduled()  # a new reminder and check-in mail for the new time
    _touch(circle, now, schedule_changed=True)
    db.session.flush()
    notice = calendar.Notice(
        "mail/meeting_moved.txt",
        kind="meeting_moved",
        plain_for=frozenset({by.id}),
        context={"meeting": meeting, "by": by, "old_start": old_start},
        subject=lambda: _("%(circle)s: week %(week)d moved", circle=circle.name, week=meeting.week),
    )
    told = calendar.send_invitation(circle, circle.members, update=True, notice=notice)
    _tell(circle, notice, exclude={by.id} | {person.id for person in told})
    return meeting


def skip_meeting(
    circle: Circle, meeting: Meeting, by: User, *, shift: bool, now: datetime | None = None
) -> list[Meeting]:
    """Skip a week's date: either the later weeks move one week back, or this week lapses.

    With ``shift`` the circle does not meet on that date and this week and every later one
    move seven local days on (DST-correct), keeping all twelve meetings. Without it the week
    is marked skipped and the others keep their dates. Returns the meetings that changed.
    """
    now = now or utcnow()
    _check_can_change(circle, meeting, by)
    if meeting.is_skipped:
        raise Conflict(_("Week %(week)d is already skipped.", week=meeting.week))
    old_start = meeting.starts_at
    if shift:
        changed = [m for m in circle.meetings if m.week >= meeting.week]
        if any(m.held_at is not None for m in changed):
            raise Conflict(_("A later week was already held; skip without moving the others."))
        for later in changed:
            # A week at the circle's time stays at it (also after a DST gap had pushed it on).
            later.starts_at = week_later(
                later.starts_at, circle.timezone, None if later.moved else circle.local_time
            )
            later.slot += 1
            later.rescheduled()
    else:
        meeting.skipped_at = now
        changed = [meeting]
    _touch(circle, now, schedule_changed=True)
    db.session.flush()
    notice = calendar.Notice(
        "mail/meeting_skipped.txt",
        kind="meeting_skipped",
        plain_for=frozenset({by.id}),
        context={"meeting": meeting, "by": by, "shift": shift, "old_start": old_start},
        subject=lambda: _(
            "%(circle)s: no meeting on the date of week %(week)d",
            circle=circle.name,
            week=meeting.week,
        ),
    )
    if shift:
        told = calendar.send_invitation(circle, circle.members, update=True, notice=notice)
    else:
        told = calendar.send_cancel(circle, circle.members, week=meeting.week, notice=notice)
    _tell(circle, notice, exclude={by.id} | {person.id for person in told})
    return changed


def _touch(circle: Circle, now: datetime, *, schedule_changed: bool = False) -> None:
    """Record that the circle changed; calendars see a higher SEQUENCE when the times did."""
    circle.updated_at = now
    if schedule_changed:
        circle.calendar_sequence += 1


def _notify(circle: Circle, template: str, *, exclude: set[int], subject, **context) -> None:
    """Mail every current member (except ``exclude``) in their own language and time zone."""
    _tell(
        circle,
        calendar.Notice(
            template,
            subject=subject,
            context=context,
            kind=template.rsplit("/", 1)[-1].split(".")[0],
        ),
        exclude=exclude,
    )


def _tell(circle: Circle, notice: "calendar.Notice", *, exclude: set[int]) -> None:
    """Mail ``notice`` to every current member not in ``exclude`` (for instance those who got
    it with their calendar update), each in their own language and time zone."""
    for member in circle.members:
        if member.id in exclude:
            continue
        with force_locale(member.language):
            subject, body = notice.render(circle, member, calendar_note="")
        queue_mail(member.email, subject, body, to_name=member.display_name, kind=notice.kind)


def _mail_welcome(circle: Circle, user: User) -> None:
    """Tell a new member what happens next."""
    link = external_url("circles.detail", circle_id=circle.id)
    with force_locale(user.language):
        subject = _("Welcome to %(circle)s", circle=circle.name)
        body = render_template(
            "mail/circle_welcome.txt", circle=circle, user=user, tz=user.timezone, link=link
        )
    queue_mail(user.email, subject, body, to_name=user.display_name, kind="circle_welcome")


def member_circle_ids(user: User):
    """A subquery of the ids of the circles ``user`` is a current member of."""
    return select(Membership.circle_id).where(
        Membership.user_id == user.id, Membership.left_at.is_(None)
    )


def meeting_state(meeting: Meeting, circle: Circle, now: datetime, tz: str) -> str:
    """How a meeting looks: held, not held, skipped, moved, today, upcoming or not recorded."""
    if meeting.held_at is not None:
        return "held"
    if meeting.is_skipped:
        return "skipped"
    if meeting.not_held_at is not None:
        return "not_held"
    zone = ZoneInfo(tz)
    end = meeting.starts_at + timedelta(minutes=circle.duration_minutes)
    if meeting.starts_at.astimezone(zone).date() == now.astimezone(zone).date():
        return "today"
    if end < now:
        return "not_recorded"
    return "moved" if meeting.moved else "upcoming"


def empty_dates(circle: Circle) -> list[datetime]:
    """Dates on the weekly grid where the circle decided not to meet (skipped and shifted)."""
    used = {m.slot for m in circle.meetings}
    return [
        local_to_utc(circle.first_day + timedelta(weeks=slot), circle.local_time, circle.timezone)
        for slot in range(max(used, default=0) + 1)
        if slot not in used
    ]


def schedule_rows(circle: Circle) -> list[tuple[str, Meeting | datetime]]:
    """Meetings and empty dates in time order, for the circle page."""
    rows: list[tuple[str, Meeting | datetime]] = [("meeting", m) for m in circle.meetings]
    rows += [("gap", moment) for moment in empty_dates(circle)]
    return sorted(rows, key=lambda row: row[1] if row[0] == "gap" else row[1].starts_at)


def next_meeting(circle: Circle, now: datetime) -> Meeting | None:
    """The first meeting not yet held, not skipped, and not yet over."""
    for meeting in circle.meetings:
        if meeting.held_at is None and not meeting.is_skipped:
            if meeting.starts_at + timedelta(minutes=circle.duration_minutes) > now:
                return meeting
    return None


def current_week(circle: Circle, now: datetime) -> int | None:
    """The week the circle is in: that of its next meeting (None when all are over)."""
    meeting = next_meeting(circle, now)
    return meeting.week if meeting else None
