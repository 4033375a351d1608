"""Harvest rules: who writes one and when, who reads it, the stories page, withdrawing.

A harvest can be written by a member of a circle once its last meeting has begun (on the
meeting page, during the last hour together) and after the circle finished. Each member has at
most one per circle: the database refuses a second one, so a double submit saves one harvest.
Services flush but never commit; the route commits once.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from wol.auth.models import User
from wol.circles.models import Circle, Meeting
from wol.circles.service import membership_of
from wol.errors import Conflict, DomainError, NotAllowed
from wol.extensions import db
from wol.harvest.models import AUDIENCES, MAX_TEXT, PRIVATE, STORIES, Harvest
from wol.health.service import health_of
from wol.health.status import FINISHED
from wol.i18n import gettext as _
from wol.personal.registry import erases, exports

TEXT_FIELDS = ("aim", "happened", "learned")
STORIES_PER_PAGE = 20


@dataclass(frozen=True)
class HarvestText:
    """What a member writes: three optional texts, who may read them, and whether by name."""

    aim: str | None = None
    happened: str | None = None
    learned: str | None = None
    audience: str = "circle"
    anonymous: bool = False


def last_meeting(circle: Circle) -> Meeting | None:
    """The circle's last planned meeting (week 12 for a twelve-week circle)."""
    return max(circle.meetings, key=lambda m: m.week, default=None)


def is_finished(circle: Circle, now: datetime) -> bool:
    """True when the circle's last meeting is held (health says *finished*)."""
    return health_of(circle, now).status == FINISHED


def harvest_open(circle: Circle, now: datetime) -> bool:
    """True once the last meeting has begun, or the circle finished."""
    last = last_meeting(circle)
    if last is None:
        return False
    if last.held_at is not None:
        return True
    return not last.is_skipped and last.starts_at <= now and not circle.is_ended


def may_write(circle: Circle, user: User, now: datetime) -> bool:
    """Members write their harvest once the harvest is open."""
    return membership_of(circle, user) is not None and harvest_open(circle, now)


def harvest_of(circle: Circle, user: User) -> Harvest | None:
    """``user``'s harvest of ``circle``, if they wrote one."""
    return harvest_by(circle.id, user)


def harvest_by(circle_id: int, user: User) -> Harvest | None:
    """``user``'s harvest of the circle with id ``circle_id``, if they wrote one."""
    return db.session.scalar(
        select(Harvest).where(Harvest.circle_id == circle_id, Harvest.user_id == user.id)
    )


def _clean(value: str | None) -> str | None:
    """Text as stored: surrounding blank space dropped, nothing at all becomes None."""
    value = (value or "").strip()
    return value or None


def _check(text: HarvestText) -> None:
    """Raise DomainError for the first value that breaks a rule."""
    for name in TEXT_FIELDS:
        if len(getattr(text, name) or "") > MAX_TEXT:
            raise DomainError(_("Use at most %(max)d characters.", max=MAX_TEXT), field=name)
    if text.audience not in AUDIENCES:
        raise DomainError(_("Choose who may read your harvest."), field="audience")


def _apply(harvest: Harvest, text: HarvestText, now: datetime) -> None:
    """Copy the texts and the choice onto ``harvest``; a new story goes on top of the page."""
    for name in TEXT_FIELDS:
        setattr(harvest, name, _clean(getattr(text, name)))
    if text.audience == STORIES and harvest.shared_at is None:
        harvest.shared_at = now
    elif text.audience != STORIES:
        harvest.shared_at = None
    harvest.audience = text.audience
    harvest.anonymous = text.anonymous
    harvest.updated_at = now


def save_harvest(circle: Circle, user: User, text: HarvestText, now: datetime) -> Harvest:
    """Write or rewrite ``user``'s harvest of ``circle``; a second submit updates the first."""
    if membership_of(circle, user) is None:
        raise NotAllowed(_("Only the members of this circle write a harvest of it."))
    if not harvest_open(circle, now):
        raise Conflict(_("The harvest opens when the last meeting begins."))
    _check(text)
    if text.audience == STORIES and not any(_clean(getattr(text, name)) for name in TEXT_FIELDS):
        raise DomainError(
            _("Write something before you share it on the stories page."), field="audience"
        )
    harvest = harvest_of(circle, user)
    if harvest is None:
        # Sent twice at the same moment, the second insert fails on the unique constraint
        # (on PostgreSQL once the first has committed); the route rolls back and saves again,
        # which then updates the harvest the first request wrote.
        harvest = Harvest(circle_id=circle.id, user_id=user.id, created_at=now)
        db.session.add(harvest)
    _apply(harvest, text, now)
    db.session.flush()
    return harvest


def circle_harvests(circle: Circle, viewer: User) -> list[Harvest]:
    """The harvests of ``circle`` that ``viewer`` may read there: their own, and, for members,
    those the others keep in the circle or share."""
    if membership_of(circle, viewer) is None:
        return []
    return list(
        db.session.scalars(
            select(Harvest)
            .options(joinedload(Harvest.user))
            .where(
                Harvest.circle_id == circle.id,
                (Harvest.audience != PRIVATE) | (Harvest.user_id == viewer.id),
            )
            .order_by(Harvest.created_at, Harvest.id)
        )
    )


def stories_query():
    """Shared harvests, newest first, with their circle and author loaded."""
    return (
        select(Harvest)
        .options(joinedload(Harvest.circle), joinedload(Harvest.user))
        .where(Harvest.audience == STORIES)
        .order_by(Harvest.shared_at.desc(), Harvest.id.desc())
    )


def withdraw_story(harvest_id: int, user: User, now: datetime) -> Harvest:
    """Take one's story off the stories page; it stays in the circle."""
    harvest = db.session.get(Harvest, harvest_id)
    if harvest is None or harvest.user_id != user.id:
        # Someone else's harvest does not exist as far as this person is concerned.
        raise NotAllowed(_("Only the author can withdraw a story."))
    if harvest.audience == STORIES:
        harvest.audience = "circle"
        harvest.shared_at = None
        harvest.updated_at = now
        db.session.flush()
    return harvest


def author_label(harvest: Harvest) -> str:
    """The author as the stories page names them: first name, or anonymous."""
    return _("anonymous") if harvest.anonymous else harvest.user.first_name


@exports("harvests")
def export_harvests(user: User) -> list[dict]:
    """Every harvest ``user`` wrote, with the circle's name and who could read it."""
    rows = db.session.scalars(
        select(Harvest)
        .options(joinedload(Harvest.circle))
        .where(Harvest.user_id == user.id)
        .order_by(Harvest.created_at, Harvest.id)
    )
    return [
        {
            "circle": harvest.circle.name,
            "circle_id": harvest.circle_id,
            "what_i_set_out_to_do": harvest.aim,
            "what_happened": harvest.happened,
            "what_i_learned": harvest.learned,
            "readers": harvest.audience,
            "anonymous_on_stories_page": harvest.anonymous,
            "shared_at": harvest.shared_at.isoformat() if harvest.shared_at else None,
            "created_at": harvest.created_at.isoformat(),
            "updated_at": harvest.updated_at.isoformat(),
        }
        for harvest in rows
    ]


@erases
def erase_harvests(user: User) -> None:
    """Delete the person's harvests, so also every story they shared."""
    db.session.execute(
        delete(Harvest)
        .where(Harvest.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
