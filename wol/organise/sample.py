"""Many circles at once, written with bulk INSERTs: for scale tests, the bench and demos.

The circles are spread over the past 30 weeks and the coming 4, in every health status, with
believable attendance. They are all organised by one person and share a handful of members
(seats are not checked here: this is sample data, not the join rules).
"""

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert

from wol.circles.models import Circle, Meeting, Membership
from wol.circles.schedule import meeting_starts
from wol.extensions import db
from wol.tokens import new_token

ORGANISATIONS = (
    "FOD BOSA",
    "Gemeente Utrecht",
    "Vlaamse overheid",
    "Rijkswaterstaat",
    "Stad Gent",
    "Belastingdienst",
)


def add_many_circles(
    organiser_id: int, member_ids: list[int], count: int, now: datetime, seed: int = 11
) -> list[int]:
    """Insert ``count`` circles (with 12 meetings and members each); return their ids."""
    rnd = random.Random(seed)  # noqa: S311 - sample data, not secrets
    today = now.date()
    plans = []
    for n in range(count):
        first_day = today - timedelta(days=rnd.randint(-28, 30 * 7))
        plans.append((n, first_day, rnd.choice(("nl", "en")), rnd.random()))
    ids = list(
        db.session.scalars(
            insert(Circle).returning(Circle.id, sort_by_parameter_order=True),
            [
                {
                    "name": f"Cirkel {n + 1:04d}",
                    "language": language,
                    "timezone": "Europe/Brussels",
                    "first_day": first_day,
                    "local_time": time(12, 0),
                    "duration_minutes": 60,
                    "kind": "in_person",
                    "place": "Zaal 4.12",
                    "organiser_id": organiser_id,
                    "invite_token": new_token(),
                    "seats_taken": 0,
                    "calendar_sequence": 0,
                    "created_at": now,
                    "updated_at": now,
                    "ended_at": now - timedelta(days=3)
                    if fate > 0.93 and first_day < today
                    else None,
                    "ended_reason": "Sample" if fate > 0.93 and first_day < today else None,
                }
                for n, first_day, language, fate in plans
            ],
        )
    )
    meetings, memberships = [], []
    starts_cache: dict[date, list[datetime]] = {}
    for circle_id, (_n, first_day, _language, fate) in zip(ids, plans, strict=True):
        starts = starts_cache.setdefault(
            first_day, meeting_starts(first_day, time(12, 0), "Europe/Brussels")
        )
        # Where the circle gives up: never (most), or after a few weeks.
        stop_after = 12 if fate < 0.55 else rnd.randint(1, 8)
        people = member_ids[: 2 if fate < 0.04 else len(member_ids)]
        for week, start in enumerate(starts, 1):
            row = {
                "circle_id": circle_id,
                "week": week,
                "slot": week - 1,
                "starts_at": start,
                "moved": False,
                "checkin_version": 0,
            }
            if start + timedelta(hours=1) < now and week <= stop_after:
                row.update(
                    held_at=start + timedelta(hours=1),
                    checkin_version=1,
                    attended=rnd.choice((2, 3, 4, 4, 5, 5)),
                )
            elif start + timedelta(hours=1) < now and fate < 0.75:
                row.update(not_held_at=start + timedelta(hours=1), checkin_version=1)
            meetings.append(row)
        memberships += [
            {"circle_id": circle_id, "user_id": user_id, "joined_at": now} for user_id in people
        ]
    db.session.execute(insert(Meeting), meetings)
    db.session.execute(insert(Membership), memberships)
    db.session.flush()
    return ids
