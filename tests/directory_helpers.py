"""Many listed circles at once, for the directory's scale test and benchmark."""

from datetime import date, time, timedelta

from sqlalchemy import insert, select

from wol.circles.models import Circle, Meeting
from wol.circles.schedule import meeting_starts
from wol.extensions import db
from wol.timestamps import utcnow

PLACES = [
    "Kunstberg, Brussel",
    "WTC, Gent",
    "Stadhuis, Antwerpen",
    "Hoog Catharijne, Utrecht",
    "Ministerie, Den Haag",
    None,
]


def seed_listed_circles(
    organiser_id: int, count: int, *, start: date | None = None, invite_only_every: int = 0
) -> None:
    """Insert ``count`` circles with their twelve meetings in two statements (app context).

    Every ``invite_only_every``-th circle is invite-only (0: none).
    """
    start = start or utcnow().date() + timedelta(days=7)
    first_id = (db.session.scalar(select(db.func.max(Circle.id))) or 0) + 1
    circles, meetings = [], []
    now = utcnow()
    for n in range(count):
        first_day = start + timedelta(days=n % 300)
        at = time(8 + n % 12, 0 if n % 2 else 30)
        place = PLACES[n % len(PLACES)]
        kind = ("online", "in_person", "hybrid")[n % 3] if place else "online"
        circle_id = first_id + n
        circles.append(
            {
                "id": circle_id,
                "name": f"Circle {n:05d}",
                "language": ("nl", "en")[n % 2],
                "description": "We meet weekly to work out loud. " * 4,
                "timezone": "Europe/Brussels",
                "first_day": first_day,
                "local_time": at,
                "duration_minutes": 60,
                "kind": kind,
                "place": place,
                "video_url": "https://meet.example.org/c" if kind != "in_person" else None,
                "organiser_id": organiser_id,
                "invite_token": f"seed-token-{circle_id:08d}-abcdefgh",
                "seats_taken": n % 5,
                "calendar_sequence": 0,
                "listed": not (invite_only_every and n % invite_only_every == 0),
                "listed_at": now,
                "members_may_invite": True,
                "created_at": now,
                "updated_at": now,
            }
        )
        for week, starts_at in enumerate(meeting_starts(first_day, at, "Europe/Brussels"), 1):
            meetings.append(
                {
                    "circle_id": circle_id,
                    "week": week,
                    "slot": week - 1,
                    "starts_at": starts_at,
                    "moved": False,
                    "checkin_version": 0,
                }
            )
    db.session.execute(insert(Circle), circles)
    db.session.execute(insert(Meeting), meetings)
    db.session.commit()
