"""The organiser's view of a circle's waiting list, and offering a free seat by hand.

A seat is counted in ``circles.seats_taken`` from the moment it is offered, so an offer by hand
claims the person's entry with the same conditional UPDATE the automatic pass-on uses, and takes
a free seat with the same conditional UPDATE a join uses: whatever happens at the same instant
(a join, a member leaving, an offer running out), a circle never holds more than five.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from wol.auth.models import User
from wol.circles import service as circles
from wol.circles.models import MAX_MEMBERS, Circle, WaitlistEntry
from wol.errors import Conflict, NotAllowed
from wol.extensions import db
from wol.i18n import gettext as _
from wol.timestamps import utcnow


@dataclass(frozen=True)
class WaitingPerson:
    """One line of the waiting list as the organiser sees it."""

    entry_id: int
    position: int
    person: User
    since: datetime
    offer_expires_at: datetime | None  # an open offer, or None

    @property
    def has_offer(self) -> bool:
        """True while a seat is held for this person."""
        return self.offer_expires_at is not None


def may_manage(circle: Circle, user: User) -> bool:
    """Only the circle's organiser (and admins) see the waiting list and offer seats."""
    return circles.is_organiser(circle, user)


def waiting_list(circle: Circle, now: datetime) -> list[WaitingPerson]:
    """The people waiting, first come first, with any offer still open (one query)."""
    entries = db.session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.circle_id == circle.id)
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        .options(selectinload(WaitlistEntry.user))
    )
    return [
        WaitingPerson(
            entry_id=entry.id,
            position=position,
            person=entry.user,
            since=entry.created_at,
            offer_expires_at=entry.offer_expires_at
            if entry.offered_at is not None and entry.offer_expires_at > now
            else None,
        )
        for position, entry in enumerate(entries, 1)
    ]


def offer_seat(
    circle: Circle, entry_id: int, by: User, now: datetime | None = None
) -> WaitlistEntry:
    """Offer a free seat to the person of ``entry_id`` now, out of turn if the organiser wishes.

    The seat is held for them for as long as an automatic offer, and they get the same mail.
    """
    now = now or utcnow()
    if not may_manage(circle, by):
        raise NotAllowed(_("Only the organiser of this circle can offer a seat."))
    if circle.is_ended:
        raise Conflict(_("This circle has ended; it does not take new members."))
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None or entry.circle_id != circle.id:
        raise Conflict(_("This person is no longer on the waiting list."))
    if entry.offered_at is not None:
        raise Conflict(_("%(name)s already has an offer.", name=entry.user.display_name))
    # First the person, then the seat: the same order as passing a freed seat on and expiring
    # an offer (entry row, then circle row), so that those running at the same instant wait
    # for each other instead of deadlocking. The entry is ours only if no automatic offer
    # claimed it in the meantime; the seat counter decides whether there is a seat.
    claimed = db.session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry_id, WaitlistEntry.offered_at.is_(None))
        .values(offered_at=now, offer_expires_at=now + timedelta(hours=circles.OFFER_HOURS))
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        # The entry went (the person joined or left) or got an offer at the same instant.
        raise Conflict(_("This person already has an offer or is no longer waiting."))
    seat = db.session.execute(
        update(Circle)
        .where(Circle.id == circle.id, Circle.seats_taken < MAX_MEMBERS, Circle.ended_at.is_(None))
        .values(seats_taken=Circle.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    if seat.rowcount != 1:
        db.session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry_id)
            .values(offered_at=None, offer_expires_at=None)
            .execution_options(synchronize_session=False)
        )
        db.session.flush()
        raise Conflict(
            _(
                "No seat is free right now. When one comes free, it goes to the first "
                "person waiting by itself."
            )
        )
    db.session.refresh(entry)
    db.session.refresh(circle, ["seats_taken"])
    circles.mail_seat_offer(circle, entry)
    db.session.flush()
    return entry
