"""Delete my account: the person's rows are deleted or emptied, circles keep their counts.

The account row stays as an empty shell (no address, name, password or roles) so that what
others need keeps adding up: a circle the person organised or a meeting they recorded still
counts, and attendance stays a number. Everything each feature holds is erased by the erasers
registered in wol/personal/registry.py.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update

from wol.auth.models import User
from wol.circles import service as circles
from wol.circles.models import Circle
from wol.errors import Conflict, DomainError
from wol.extensions import db
from wol.i18n import gettext as _
from wol.personal.registry import erasers
from wol.personal.sections import _erase_mails, is_finished
from wol.tokens import new_token

ERASED_NAME = "–"


@dataclass
class ErasureReport:
    """What an erasure did, for the page or the command's output."""

    handed_over: list[tuple[str, str]] = field(default_factory=list)  # (circle, new organiser)
    ended: list[str] = field(default_factory=list)  # circles ended because nobody was left


def running_circles_organised(user: User) -> list[Circle]:
    """Circles ``user`` organises that have not finished or ended: they need a new organiser."""
    rows = db.session.scalars(
        select(Circle)
        .where(Circle.organiser_id == user.id, Circle.ended_at.is_(None))
        .order_by(Circle.first_day, Circle.id)
    )
    return [circle for circle in rows if not is_finished(circle)]


def successors(circle: Circle, user: User) -> list[User]:
    """The members who could take the circle over from ``user``."""
    return [m.user for m in circle.active_memberships if m.user_id != user.id]


def _check_not_last_admin(user: User) -> None:
    """Refuse to erase the only admin: nobody could give the role to anyone again."""
    if not user.is_admin:
        return
    # An UPDATE that changes nothing holds every admin row (PostgreSQL) or the write lock
    # (SQLite): two admins who erase each other at once take turns, and the second is refused.
    db.session.execute(
        update(User)
        .where(User.is_admin, User.erased_at.is_(None))
        .values(is_admin=User.is_admin)
        .execution_options(synchronize_session=False)
    )
    admins = db.session.scalars(
        select(User.id).where(User.is_admin, User.erased_at.is_(None))
    ).all()
    if not [admin_id for admin_id in admins if admin_id != user.id]:
        raise DomainError(
            _(
                "This is the only admin account. Make someone else an admin "
                "first, so that wol keeps someone who can manage it."
            ),
            field="password",
        )


def _hand_over(
    user: User, handovers: dict[int, int | None], now: datetime, report: ErasureReport
) -> None:
    """Give each running circle of ``user`` to the member chosen, or end it when nobody is."""
    missing = []
    for circle in running_circles_organised(user):
        choice = handovers.get(circle.id, 0)
        others = {m.id: m for m in successors(circle, user)}
        if choice in others:
            circle.organiser_id = choice
            report.handed_over.append((circle.name, others[choice].display_name))
        elif choice is None and not others:
            circles.end_circle(circle, user, _("The organiser deleted their account."), now)
            report.ended.append(circle.name)
        else:
            missing.append(circle.name)
    if missing:
        raise DomainError(
            _(
                "Choose who takes over %(circles)s before you delete your account.",
                circles=", ".join(missing),
            ),
            field="handover",
        )
    db.session.flush()


def erase_account(user: User, *, handovers: dict[int, int | None], now: datetime) -> ErasureReport:
    """Erase ``user``: hand their running circles on, run every eraser, empty the account.

    ``handovers`` maps a running circle's id to the member who takes it over, or to None to
    end a circle that has no other member. Raises DomainError (nothing changed) when a circle
    has no choice or ``user`` is the last admin; Conflict when the account is already erased.
    """
    _check_not_last_admin(user)
    # One request erases: a second one at the same moment waits for this row, then finds it
    # erased. A join by this person racing the erasure waits for it too (circles.join_circle).
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.erased_at.is_(None))
        .values(erased_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Conflict(_("This account has already been deleted."))
    db.session.refresh(user, ["erased_at"])
    report = ErasureReport()
    _hand_over(user, handovers, now, report)
    for eraser in erasers():
        eraser(user)
    _erase_mails(user)  # also the mails other erasers queued to the person
    user.email = user.email_key = f"erased-{user.id}@erased.invalid"
    user.display_name = ERASED_NAME
    user.password_hash = None  # no password signs in
    user.organisation = None
    user.is_admin = user.is_organiser = user.is_translator = False
    user.feed_token = new_token()  # the old feed address now answers 404
    user.calendar_delivery = "email"
    user.meeting_reminders = False
    user.digest_sent_at = None
    db.session.flush()
    return report
