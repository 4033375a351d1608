"""Mails about circle health: nudges to members, the organisers' weekly digest.

Members hear once when their circle becomes at risk or stalled (the tick claims each change of
status), and when an organiser presses "nudge" (at most once a week per circle). Organisers
get a weekly digest of counts: never who attended or what anyone wrote.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import or_, select, update

from wol.auth.models import User
from wol.circles.models import Circle
from wol.circles.service import load_circle, may_end, next_meeting
from wol.extensions import db
from wol.health.service import StatusChange, changes_since, scope_of, summaries
from wol.health.status import AT_RISK, STALLED, STATUSES
from wol.health.words import describe, status_label
from wol.i18n import gettext as _
from wol.mail.service import queue_mail
from wol.urls import external_url

NUDGE_EVERY = timedelta(days=7)
DIGEST_EVERY = timedelta(days=7)


def _mail_members(
    circle: Circle, template: str, kind: str, subject, now: datetime, **context
) -> int:
    """Mail every member in their own language, with the links that help a circle go on."""
    upcoming = next_meeting(circle, now)
    links = {
        "circle": external_url("circles.detail", circle_id=circle.id),
        "move": external_url("circles.move", circle_id=circle.id, week=upcoming.week)
        if upcoming
        else None,
        "skip": external_url("circles.skip", circle_id=circle.id, week=upcoming.week)
        if upcoming
        else None,
        "end": external_url("circles.end", circle_id=circle.id),
    }
    for member in circle.members:
        with force_locale(member.language):
            # Only those who may end the circle (its organiser, usually) get that link.
            body = render_template(
                template,
                circle=circle,
                user=member,
                tz=member.timezone,
                links=links,
                now=now,
                may_end=may_end(circle, member),
                **context,
            )
            queue_mail(member.email, subject(), body, to_name=member.display_name, kind=kind)
    return len(circle.members)


def status_nudges(changes: list[StatusChange], now: datetime) -> int:
    """Mail the members of each circle that just became at risk or stalled; return mails."""
    sent = 0
    for change in changes:
        # The first time the tick sees a circle it only notes the status: a nudge answers a
        # change the members can act on, not the state a circle was registered in.
        if change.old is None or change.new not in (AT_RISK, STALLED):
            continue
        circle = load_circle(change.circle_id)
        if circle is None or circle.is_ended:
            continue
        sent += _mail_members(
            circle,
            "mail/circle_nudge.txt",
            "circle_nudge",
            lambda c=circle, s=change.new: _(
                "%(circle)s: %(status)s", circle=c.name, status=status_label(s)
            ),
            now,
            health=change.health,
            status=change.new,
            reason=lambda tz, h=change.health: describe(h, tz, now),
        )
    return sent


def organiser_nudge(circle: Circle, now: datetime) -> bool:
    """Send the stalled circle's members a friendly mail, at most once a week."""
    result = db.session.execute(
        update(Circle)
        .where(
            Circle.id == circle.id,
            or_(
                Circle.organiser_nudged_at.is_(None),
                Circle.organiser_nudged_at <= now - NUDGE_EVERY,
            ),
        )
        .values(organiser_nudged_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    _mail_members(
        circle,
        "mail/organiser_nudge.txt",
        "organiser_nudge",
        lambda: _("%(circle)s: how is your circle doing?", circle=circle.name),
        now,
    )
    db.session.flush()
    return True


def _digest_due(user: User, now: datetime) -> bool:
    """Monday from 08:00 in the organiser's zone, once per week."""
    local = now.astimezone(ZoneInfo(user.timezone))
    if local.weekday() != 0 or local.hour < 8:
        return False
    return user.digest_sent_at is None or user.digest_sent_at <= now - timedelta(days=6)


def organisers_due(now: datetime) -> list[User]:
    """Organisers and admins whose weekly digest is due."""
    people = db.session.scalars(
        select(User)
        .where(or_(User.is_organiser.is_(True), User.is_admin.is_(True)))
        .order_by(User.id)
    )
    return [user for user in people if _digest_due(user, now)]


def weekly_digests(now: datetime) -> int:
    """Mail each organiser whose digest is due: counts per status and the circles that changed."""
    sent = 0
    for user in organisers_due(now):
        previous = user.digest_sent_at
        result = db.session.execute(
            update(User)
            .where(
                User.id == user.id,
                User.digest_sent_at.is_(None)
                if previous is None
                else User.digest_sent_at == previous,
            )
            .values(digest_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            continue
        circles = summaries(scope_of(user), now)
        if not circles:
            continue
        counts = {status: 0 for status in STATUSES}
        for circle in circles:
            counts[circle.status] += 1
        names = {c.id: c.name for c in circles}
        changed = changes_since(list(names), previous or now - DIGEST_EVERY)
        with force_locale(user.language):
            subject = _("wol: your circles this week")
            body = render_template(
                "mail/organiser_digest.txt",
                user=user,
                counts=counts,
                total=len(circles),
                changes=[(names[c.circle_id], c) for c in changed],
                link=external_url("organise.dashboard"),
                label=status_label,
                tz=user.timezone,
            )
        queue_mail(user.email, subject, body, to_name=user.display_name, kind="organiser_digest")
        sent += 1
    return sent
