"""Helpers for circle tests: make circles and read them back."""

from datetime import date, time

from sqlalchemy import select

from wol.auth.models import User
from wol.circles.models import Circle, Meeting, Membership
from wol.circles.service import CircleDetails, create_circle, join_circle
from wol.extensions import db
from wol.mail.models import OutboxMail


def make_circle(app, organiser: User, *, members=(), join=True, **overrides) -> Circle:
    """Create a committed circle organised by ``organiser`` with ``members`` joined."""
    values = {
        "name": "Cirkel Digitale Overheid",
        "language": "nl",
        "first_day": date(2026, 3, 3),
        "local_time": time(12, 0),
        "timezone": "Europe/Brussels",
        "kind": "in_person",
        "place": "Zaal 4.12",
    }
    values.update(overrides)
    today = values.pop("today", date(2026, 3, 1))
    with app.test_request_context():
        creator = db.session.get(User, organiser.id)
        circle = create_circle(creator, CircleDetails(**values), join=join, today=today)
        for member in members:
            join_circle(circle, db.session.get(User, member.id))
        db.session.commit()
        circle_id = circle.id
    with app.app_context():
        circle = db.session.get(Circle, circle_id)
        db.session.expunge(circle)
    return circle


def active_member_ids(app, circle_id: int) -> list[int]:
    """Ids of the current members of a circle."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(Membership.user_id)
                .where(Membership.circle_id == circle_id, Membership.left_at.is_(None))
                .order_by(Membership.user_id)
            )
        )


def meetings_of(app, circle_id: int) -> list[Meeting]:
    """The meetings of a circle, detached, in week order."""
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(Meeting).where(Meeting.circle_id == circle_id).order_by(Meeting.week)
            )
        )
        for row in rows:
            db.session.expunge(row)
        return rows


def seats_taken(app, circle_id: int) -> int:
    """The circle's seat counter."""
    with app.app_context():
        return db.session.get(Circle, circle_id).seats_taken


def last_mail_id(app) -> int:
    """The id of the newest mail in the outbox (0 when it is empty): mark a moment."""
    with app.app_context():
        return db.session.scalar(select(db.func.max(OutboxMail.id))) or 0


def mails_since(app, address: str, since: int = 0) -> list[OutboxMail]:
    """The mails queued to ``address`` after the mail ``since``, oldest first, detached."""
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(OutboxMail)
                .where(OutboxMail.to_addr == address, OutboxMail.id > since)
                .order_by(OutboxMail.id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        return rows
