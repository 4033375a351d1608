"""Erasing under races: two erasures at once, or an erasure while the same person joins, never
break a seat rule. Real threads; on PostgreSQL (scripts/with-postgres) the requests overlap.

The rule checked after every trial (tests/test_seat_races.py): a circle's seat counter equals
its members plus the seats held for waiting-list offers, and never exceeds five.
"""

import pytest
from sqlalchemy import func, select

from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD
from tests.test_seat_races import assert_seats_add_up, at_once, full_circle, signed_in
from wol.auth.models import User
from wol.circles.models import Membership, WaitlistEntry
from wol.extensions import db

TRIALS = 6
DELETE = {"password": PASSWORD}


@pytest.mark.slow
def test_a_double_submitted_erasure_passes_one_seat_on(app, make_user):
    """The same person erased twice at once: one erasure, one seat offered, one refusal."""
    for _ in range(TRIALS):
        circle, _organiser, members, waiters = full_circle(app, make_user, waiting=2)
        leaver = members[0]
        first, second = signed_in(app, leaver), signed_in(app, leaver)
        statuses = sorted(
            at_once([(first, "/settings/delete", DELETE), (second, "/settings/delete", DELETE)])
        )
        assert statuses[0] == 302 and statuses[1] in (302, 400, 409), statuses
        state = assert_seats_add_up(app, circle.id)
        assert state == {"seats_taken": 5, "members": 4, "offers": 1, "waiting": 1}, state
        with app.app_context():
            assert db.session.get(User, leaver.id).erased_at is not None


@pytest.mark.slow
def test_two_members_erased_at_once_offer_two_seats(app, make_user):
    """Two members of one circle erase at the same instant: two people get an offer."""
    for _ in range(TRIALS):
        circle, _organiser, members, _waiters = full_circle(app, make_user, waiting=3)
        statuses = at_once(
            [
                (signed_in(app, members[0]), "/settings/delete", DELETE),
                (signed_in(app, members[1]), "/settings/delete", DELETE),
            ]
        )
        assert statuses == [302, 302]
        state = assert_seats_add_up(app, circle.id)
        assert state == {"seats_taken": 5, "members": 3, "offers": 2, "waiting": 1}, state


@pytest.mark.slow
def test_erasure_racing_a_join_of_the_same_person(app, make_user):
    """Joining while one's account is erased: no membership of an erased account survives."""
    for _ in range(TRIALS):
        organiser = make_user()
        circle = make_circle(app, organiser, members=[make_user(), make_user()])
        person = make_user()
        joining, erasing = signed_in(app, person), signed_in(app, person)
        at_once(
            [(joining, f"/join/{circle.invite_token}", {}), (erasing, "/settings/delete", DELETE)]
        )
        state = assert_seats_add_up(app, circle.id)
        with app.app_context():
            assert db.session.get(User, person.id).erased_at is not None
            alive = db.session.scalar(
                select(func.count())
                .select_from(Membership)
                .where(Membership.user_id == person.id, Membership.left_at.is_(None))
            )
            waiting = db.session.scalar(
                select(func.count())
                .select_from(WaitlistEntry)
                .where(WaitlistEntry.user_id == person.id)
            )
        assert alive == 0 and waiting == 0
        assert state["members"] == 3, state
