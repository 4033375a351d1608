"""Seats under races: leaving, removing and declining at the same instant never lose or double
a seat. Each race runs many trials with real threads; on PostgreSQL the requests truly overlap.

The rule checked after every trial: a circle's seat counter equals its members plus the seats
held for a waiting-list offer, and never exceeds five.
"""

import threading

import pytest
from sqlalchemy import func, select

from tests.circles_helpers import active_member_ids, make_circle
from tests.conftest import PASSWORD
from wol.circles.models import Circle, Membership, WaitlistEntry
from wol.extensions import db

TRIALS = 8


def signed_in(app, user):
    """A client signed in as ``user``."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def at_once(requests) -> list[int]:
    """Send ``(client, path, data)`` requests at the same instant; return their status codes."""
    barrier = threading.Barrier(len(requests))
    statuses = [None] * len(requests)

    def send(index, client, path, data):
        barrier.wait()
        statuses[index] = client.post(path, data=data).status_code

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def seat_state(app, circle_id: int) -> dict:
    """Seat counter, members, held offers and people still waiting."""
    with app.app_context():
        circle = db.session.get(Circle, circle_id)
        members = db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.circle_id == circle_id, Membership.left_at.is_(None))
        )
        offers = db.session.scalar(
            select(func.count())
            .select_from(WaitlistEntry)
            .where(WaitlistEntry.circle_id == circle_id, WaitlistEntry.offered_at.is_not(None))
        )
        waiting = db.session.scalar(
            select(func.count())
            .select_from(WaitlistEntry)
            .where(WaitlistEntry.circle_id == circle_id, WaitlistEntry.offered_at.is_(None))
        )
        return {
            "seats_taken": circle.seats_taken,
            "members": members,
            "offers": offers,
            "waiting": waiting,
        }


def assert_seats_add_up(app, circle_id: int) -> dict:
    """The counter is exactly members plus held offers, and at most five."""
    state = seat_state(app, circle_id)
    assert state["seats_taken"] == state["members"] + state["offers"], state
    assert state["seats_taken"] <= 5, state
    return state


def full_circle(app, make_user, waiting: int = 0):
    """A full circle (organiser + 4 members) and ``waiting`` people on its waiting list."""
    organiser = make_user()
    members = [make_user() for _ in range(4)]
    circle = make_circle(app, organiser, members=members)
    waiters = [make_user() for _ in range(waiting)]
    for person in waiters:
        client = signed_in(app, person)
        assert client.post(f"/join/{circle.invite_token}/waitlist").status_code == 302
    return circle, organiser, members, waiters


def leave_data() -> dict:
    """What the leave confirmation page posts."""
    return {"confirmed": "yes"}


@pytest.mark.slow
def test_a_double_clicked_leave_gives_back_one_seat(app, make_user):
    for _ in range(TRIALS):
        organiser = make_user()
        bram = make_user()
        circle = make_circle(app, organiser, members=[bram, make_user(), make_user()])
        client = signed_in(app, bram)
        statuses = at_once([(client, f"/circles/{circle.id}/leave", leave_data())] * 3)
        assert statuses.count(302) == 1, statuses
        assert set(statuses) <= {302, 403, 409}, statuses
        state = assert_seats_add_up(app, circle.id)
        assert state["members"] == 3 and state["seats_taken"] == 3
        # Two outsiders may now take exactly two seats, never three.
        outsiders = [signed_in(app, make_user()) for _ in range(3)]
        at_once([(c, f"/join/{circle.invite_token}", {}) for c in outsiders])
        state = assert_seats_add_up(app, circle.id)
        assert state["members"] == 5


@pytest.mark.slow
def test_removing_a_member_while_they_leave_frees_one_seat(app, make_user):
    for _ in range(TRIALS):
        organiser = make_user()
        bram = make_user()
        circle = make_circle(app, organiser, members=[bram, make_user()])
        statuses = at_once(
            [
                (signed_in(app, bram), f"/circles/{circle.id}/leave", leave_data()),
                (signed_in(app, organiser), f"/circles/{circle.id}/members/{bram.id}/remove", {}),
            ]
        )
        # One wins. The other lost the conditional update (409), or came a moment later and
        # found bram no longer a member: the circle is not his to see (404), or, listed in the
        # directory, he may see it but not leave it (403).
        assert sorted(statuses)[0] == 302 and sorted(statuses)[1] in (403, 404, 409), statuses
        state = assert_seats_add_up(app, circle.id)
        assert state["members"] == 2 and bram.id not in active_member_ids(app, circle.id)


@pytest.mark.slow
def test_declining_an_offer_several_times_offers_the_seat_to_one_person(app, make_user):
    for _ in range(TRIALS):
        circle, _organiser, members, waiters = full_circle(app, make_user, waiting=3)
        leaver = signed_in(app, members[0])
        assert leaver.post(f"/circles/{circle.id}/leave", data=leave_data()).status_code == 302
        first = signed_in(app, waiters[0])
        path = f"/join/{circle.invite_token}/waitlist/leave"
        statuses = at_once([(first, path, {})] * 3)
        assert sorted(statuses) == [302, 409, 409], statuses
        state = assert_seats_add_up(app, circle.id)
        # The seat went to the second person waiting, and to nobody else.
        assert state == {"seats_taken": 5, "members": 4, "offers": 1, "waiting": 1}


@pytest.mark.slow
def test_two_members_leaving_at_once_offer_two_seats_to_two_people(app, make_user):
    for _ in range(TRIALS):
        circle, _organiser, members, _waiters = full_circle(app, make_user, waiting=3)
        statuses = at_once(
            [
                (signed_in(app, member), f"/circles/{circle.id}/leave", leave_data())
                for member in members[:2]
            ]
        )
        assert statuses == [302, 302]
        state = assert_seats_add_up(app, circle.id)
        assert state == {"seats_taken": 5, "members": 3, "offers": 2, "waiting": 1}


@pytest.mark.slow
def test_an_offer_is_either_taken_or_passed_on_when_it_expires_at_that_moment(app, make_user):
    """The tick expiring an offer and its holder joining race: the seat is used once."""
    from datetime import UTC, datetime, timedelta

    from wol.circles.service import expire_offers

    for _ in range(TRIALS):
        circle, _organiser, members, waiters = full_circle(app, make_user, waiting=2)
        signed_in(app, members[0]).post(f"/circles/{circle.id}/leave", data=leave_data())
        holder = signed_in(app, waiters[0])
        barrier = threading.Barrier(2)
        later = datetime.now(UTC) + timedelta(days=3)

        def tick(barrier=barrier, later=later):
            with app.test_request_context():
                barrier.wait()
                expire_offers(later)
                db.session.commit()

        thread = threading.Thread(target=tick)
        thread.start()
        barrier.wait()
        status = holder.post(f"/join/{circle.invite_token}").status_code
        thread.join()
        assert status in (302, 409)
        assert_seats_add_up(app, circle.id)
