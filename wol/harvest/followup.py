"""Another round: a finished circle goes on together, or a member starts a circle of their own.

The new circle keeps the old one's slot (weekday and local time in its zone), place and guide
language, and starts on the first such weekday from the date the starter picks. It follows the
guide from week 1 again (12 weeks) or the shorter follow-up guide (6 or 4 weeks), as chosen.
The starter is its first member; the others chosen are invited and become members only when
they confirm, through the usual seat rules. One follow-up per finished circle and starter, and
one "go on together" per finished circle: a second click (or a second member clicking at the
same moment) lands on the circle the first one made.
"""

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from wol.auth.models import User
from wol.circles import service as circles
from wol.circles import versions
from wol.circles.models import FULL_WEEKS, Circle, Membership
from wol.errors import Conflict, DomainError, NotAllowed
from wol.extensions import db
from wol.front import Check
from wol.harvest import notifications
from wol.harvest.models import FollowUp, FollowUpInvitation
from wol.harvest.service import is_finished
from wol.i18n import gettext as _
from wol.personal.registry import erases, exports


@dataclass(frozen=True)
class FollowUpPlan:
    """What the starter chooses: the date to start from, a name, and whom to invite."""

    start_on: date
    name: str
    together: bool = True
    invite_ids: list[int] = field(default_factory=list)
    # 12: the guide from week 1 again; 6 or 4: the follow-up guide (Circle.weeks).
    weeks: int = FULL_WEEKS


def first_on_weekday(start_on: date, weekday: int) -> date:
    """The first day on or after ``start_on`` that falls on ``weekday`` (Monday = 0)."""
    return start_on + timedelta(days=(weekday - start_on.weekday()) % 7)


def default_start(circle: Circle, today: date) -> date:
    """A start a week or more from today, on the circle's weekday."""
    return first_on_weekday(today + timedelta(days=7), circle.first_day.weekday())


def default_name(circle: Circle) -> str:
    """The name the form suggests: the old name, marked as the next round."""
    return _("%(name)s, round 2", name=circle.name)[:80]


def others(circle: Circle, user: User) -> list[User]:
    """The circle's current members except ``user``, who may be invited to the follow-up."""
    return [member for member in circle.members if member.id != user.id]


def follow_up_together(circle: Circle) -> FollowUp | None:
    """The circle's "go on together" follow-up, once someone started it."""
    return db.session.scalar(
        select(FollowUp)
        .options(joinedload(FollowUp.circle))
        .where(
            FollowUp.from_circle_id == circle.id,
            FollowUp.together.is_(True),
            FollowUp.circle_id.is_not(None),
        )
    )


def follow_up_by(circle: Circle, user: User) -> FollowUp | None:
    """The follow-up ``user`` started from ``circle``, if any."""
    return db.session.scalar(
        select(FollowUp)
        .options(joinedload(FollowUp.circle))
        .where(
            FollowUp.from_circle_id == circle.id,
            FollowUp.started_by_id == user.id,
            FollowUp.circle_id.is_not(None),
        )
    )


@functools.cache
def _follow_ups_query():
    """A circle's started follow-ups that are together or one person's (built once)."""
    return (
        select(FollowUp)
        .options(joinedload(FollowUp.circle))
        .where(
            FollowUp.from_circle_id == bindparam("circle_id"),
            FollowUp.circle_id.is_not(None),
            or_(FollowUp.together.is_(True), FollowUp.started_by_id == bindparam("user_id")),
        )
    )


def follow_ups_for(circle: Circle, user: User) -> tuple[FollowUp | None, FollowUp | None]:
    """The circle's "go on together" follow-up and the one ``user`` started (which may be the
    same), read in one query: what the finished circle's page offers."""
    return follow_ups_of(circle.id, user)


def follow_ups_of(circle_id: int, user: User) -> tuple[FollowUp | None, FollowUp | None]:
    """As follow_ups_for, by the circle's id."""
    found = db.session.scalars(
        _follow_ups_query(), {"circle_id": circle_id, "user_id": user.id}
    ).all()
    together = next((f for f in found if f.together), None)
    own = next((f for f in found if f.started_by_id == user.id), None)
    return together, own


def _existing(circle: Circle, starter: User, together: bool) -> FollowUp | None:
    """The follow-up a repeated or simultaneous request should land on."""
    mine = follow_up_by(circle, starter)
    if mine is not None:
        return mine
    return follow_up_together(circle) if together else None


def start_follow_up(
    circle: Circle, starter: User, plan: FollowUpPlan, *, now: datetime, today: date
) -> tuple[Circle, bool]:
    """Create the follow-up circle and invite the chosen members; return it and whether this
    request created it (False: it existed already, from a double click or another member)."""
    if circles.membership_of(circle, starter) is None:
        raise NotAllowed(_("Only the members of this circle can start its next round."))
    if not is_finished(circle, now):
        raise Conflict(_("A circle goes on once its last meeting is held."))
    existing = _existing(circle, starter, plan.together)
    if existing is not None:
        return existing.circle, False
    allowed = {member.id for member in others(circle, starter)}
    invite_ids = sorted(allowed if plan.together else set(plan.invite_ids))
    if not set(invite_ids) <= allowed:
        raise DomainError(_("Choose among the members of this circle."), field="invite")
    first_day = first_on_weekday(plan.start_on, circle.first_day.weekday())
    if first_day < today:
        raise DomainError(_("Choose a day from today on."), field="start_on")
    # The claim comes first: a second request for the same follow-up fails on the unique
    # index (on PostgreSQL after waiting for the first to commit), and the route, which owns
    # the transaction, rolls back and asks again, landing on the first one's circle.
    claim = FollowUp(
        from_circle_id=circle.id, started_by_id=starter.id, together=plan.together, created_at=now
    )
    db.session.add(claim)
    db.session.flush()
    details = circles.CircleDetails(
        name=plan.name,
        language=circle.language,
        first_day=first_day,
        local_time=circle.local_time,
        timezone=circle.timezone,
        duration_minutes=circle.duration_minutes,
        kind=circle.kind,
        place=circle.place,
        video_url=circle.video_url,
        chat_url=circle.chat_url,
        description=circle.description,
        # Kept to the people who are asked; the organiser can list it on its page.
        listed=False,
        members_may_invite=circle.members_may_invite,
        weeks=plan.weeks,
    )
    new = circles.create_circle(starter, details, join=True, today=today)
    claim.circle_id = new.id
    people = {member.id: member for member in circle.members}
    for user_id in invite_ids:
        db.session.add(
            FollowUpInvitation(
                circle_id=new.id, user_id=user_id, invited_by_id=starter.id, created_at=now
            )
        )
    db.session.flush()
    for user_id in invite_ids:
        notifications.follow_up_invitation(new, people[user_id], starter, circle)
    return new, True


def invitation_for(circle: Circle, user: User) -> FollowUpInvitation | None:
    """``user``'s open invitation to ``circle``."""
    return db.session.scalar(
        select(FollowUpInvitation).where(
            FollowUpInvitation.circle_id == circle.id, FollowUpInvitation.user_id == user.id
        )
    )


@functools.cache
def _invitations_query():
    """Open invitations of one person (built once: every home page asks)."""
    return (
        select(FollowUpInvitation)
        .options(joinedload(FollowUpInvitation.circle), joinedload(FollowUpInvitation.invited_by))
        .where(
            FollowUpInvitation.user_id == bindparam("user_id"),
            FollowUpInvitation.circle.has(Circle.ended_at.is_(None)),
        )
        .order_by(FollowUpInvitation.created_at, FollowUpInvitation.id)
    )


@functools.cache
def _invitations_rows():
    """Every invitation of one person with its circle's version number (built once)."""
    return versions.rows_with_numbers(FollowUpInvitation.__table__, "user_id")


def invitations_check(user_id: int) -> Check:
    """A person's invitations as a check of the front (wol/front.py), for the home page."""
    return Check.of(_invitations_rows(), user_id=user_id)


def invitations_of(user: User) -> list[FollowUpInvitation]:
    """Open invitations to follow-up circles, for the home page (one query)."""
    return list(db.session.scalars(_invitations_query(), {"user_id": user.id}))


def confirm(circle: Circle, user: User, now: datetime) -> bool:
    """Accept the invitation: join the circle under its seat rules. False when a request a
    moment earlier (a double click) already did; a full circle raises Conflict."""
    invitation = invitation_for(circle, user)
    if invitation is None:
        # Read afresh: the request that used the invitation may have committed meanwhile.
        if is_member(circle.id, user):
            return False
        raise NotAllowed(_("This invitation is not open (any more)."))
    circles.join_circle(circle, user, now)
    _drop(invitation)
    return True


def is_member(circle_id: int, user: User) -> bool:
    """Whether ``user`` is a current member of the circle, read from the database now."""
    return (
        db.session.scalar(
            select(Membership.id).where(
                Membership.circle_id == circle_id,
                Membership.user_id == user.id,
                Membership.left_at.is_(None),
            )
        )
        is not None
    )


def decline(circle: Circle, user: User) -> None:
    """Say no to the invitation; it is gone, nothing else changes."""
    invitation = invitation_for(circle, user)
    if invitation is not None:
        _drop(invitation)


def _drop(invitation: FollowUpInvitation) -> None:
    """Delete one invitation (nothing when a parallel request already did)."""
    db.session.execute(
        delete(FollowUpInvitation)
        .where(FollowUpInvitation.id == invitation.id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


def load_for_invitation(circle_id: int) -> Circle | None:
    """The follow-up circle with what its invitation page shows."""
    return db.session.scalar(
        select(Circle)
        .where(Circle.id == circle_id)
        .options(
            selectinload(Circle.memberships).selectinload(Membership.user),
            selectinload(Circle.meetings),
        )
    )


@exports("follow_up_invitations")
def export_invitations(user: User) -> list[dict]:
    """Invitations to follow-up circles the person has not answered yet."""
    return [
        {
            "circle": invitation.circle.name,
            "circle_id": invitation.circle_id,
            "invited_at": invitation.created_at.isoformat(),
        }
        for invitation in invitations_of(user)
    ]


@erases
def erase_follow_ups(user: User) -> None:
    """Drop the person's open invitations and their name on those they sent; the circles they
    started stay, without a starter."""
    db.session.execute(
        delete(FollowUpInvitation)
        .where(FollowUpInvitation.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(FollowUpInvitation)
        .where(FollowUpInvitation.invited_by_id == user.id)
        .values(invited_by_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(FollowUp)
        .where(FollowUp.started_by_id == user.id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
