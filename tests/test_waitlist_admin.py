"""The organiser's waiting list: who waits, since when, which offer runs until when, and a free
seat offered by hand, which never oversubscribes a circle, also when a join, a member leaving
or a double click happens at the same instant (threads; truly overlapping on PostgreSQL)."""

import pytest
from sqlalchemy import select

from tests.circles_helpers import make_circle
from tests.test_seat_races import assert_seats_add_up, at_once, full_circle, signed_in
from wol.circles.models import Circle, WaitlistEntry
from wol.extensions import db
from wol.mail.models import OutboxMail
from wol.timestamps import utcnow

TRIALS = 8


def _entry_ids(app, circle_id: int) -> dict[int, int]:
    """Waiting-list entry id per person."""
    with app.app_context():
        rows = db.session.execute(
            select(WaitlistEntry.user_id, WaitlistEntry.id).where(
                WaitlistEntry.circle_id == circle_id
            )
        )
        return dict(rows.all())


def _free_seat_with_people_waiting(app, make_user, waiting: int = 2):
    """Four members and one free seat, while people still wait without an offer (as after a
    waiting list outlived the full circle it was made for)."""
    organiser = make_user()
    members = [make_user() for _ in range(3)]
    circle = make_circle(app, organiser, members=members)
    waiters = [make_user() for _ in range(waiting)]
    with app.app_context():
        for person in waiters:
            db.session.add(
                WaitlistEntry(circle_id=circle.id, user_id=person.id, created_at=utcnow())
            )
            db.session.flush()
        db.session.commit()
    return circle, organiser, members, waiters


def _offer_path(circle_id: int, entry_id: int) -> str:
    return f"/circles/{circle_id}/waiting-list/{entry_id}/offer"


def test_the_organiser_sees_who_waits_since_when_and_any_offer(app, make_user):
    circle, organiser, members, waiters = full_circle(app, make_user, waiting=3)
    # A member leaves: the seat is offered to the first person waiting, for 48 hours.
    signed_in(app, members[0]).post(f"/circles/{circle.id}/leave", data={"confirmed": "yes"})
    page = signed_in(app, organiser).get(f"/circles/{circle.id}/waiting-list")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for position, person in enumerate(waiters, 1):
        assert person.display_name in text
        assert f"<td>{position}</td>" in text
    assert text.count("Seat held until") == 1
    assert "Offer a seat" not in text  # no seat is free: it is held for the first person
    assert "No seat is free." in text


def test_only_the_organiser_sees_the_waiting_list(app, make_user):
    circle, _organiser, members, waiters = full_circle(app, make_user, waiting=1)
    assert signed_in(app, members[0]).get(f"/circles/{circle.id}/waiting-list").status_code == 403
    assert signed_in(app, waiters[0]).get(f"/circles/{circle.id}/waiting-list").status_code == 403
    entry_id = next(iter(_entry_ids(app, circle.id).values()))
    statuses = signed_in(app, members[0]).post(_offer_path(circle.id, entry_id))
    assert statuses.status_code == 403


def test_offering_a_free_seat_by_hand_holds_it_and_mails_like_the_automatic_offer(app, make_user):
    circle, organiser, _members, waiters = _free_seat_with_people_waiting(app, make_user)
    ids = _entry_ids(app, circle.id)
    client = signed_in(app, organiser)
    text = client.get(f"/circles/{circle.id}/waiting-list").get_data(as_text=True)
    assert "1 seat is free." in text and text.count("Offer a seat") == 2
    # The organiser chooses the second person, out of turn.
    response = client.post(_offer_path(circle.id, ids[waiters[1].id]), follow_redirects=True)
    assert response.status_code == 200
    assert f"A seat is held for {waiters[1].display_name}" in response.get_data(as_text=True)
    state = assert_seats_add_up(app, circle.id)
    assert state == {"seats_taken": 5, "members": 4, "offers": 1, "waiting": 1}
    with app.app_context():
        mail = db.session.scalar(
            select(OutboxMail).where(
                OutboxMail.to_addr == waiters[1].email, OutboxMail.kind == "seat_offer"
            )
        )
        assert mail.subject == f"A seat is free for you in {circle.name}"
        assert f"/join/{circle.invite_token}" in mail.body_text
    # The person takes the held seat with the invite link.
    joined = signed_in(app, waiters[1]).post(f"/join/{circle.invite_token}")
    assert joined.status_code == 302
    assert assert_seats_add_up(app, circle.id)["members"] == 5


def test_no_free_seat_or_an_open_offer_is_refused_with_a_reason(app, make_user):
    circle, organiser, members, waiters = full_circle(app, make_user, waiting=2)
    ids = _entry_ids(app, circle.id)
    client = signed_in(app, organiser)
    full = client.post(_offer_path(circle.id, ids[waiters[1].id]))
    assert full.status_code == 409
    assert "No seat is free right now" in full.get_data(as_text=True)
    signed_in(app, members[0]).post(f"/circles/{circle.id}/leave", data={"confirmed": "yes"})
    again = client.post(_offer_path(circle.id, ids[waiters[0].id]))
    assert again.status_code == 409
    assert "already has an offer" in again.get_data(as_text=True)
    other_circle = make_circle(app, organiser)
    wrong = client.post(_offer_path(other_circle.id, ids[waiters[1].id]))
    assert wrong.status_code == 409
    assert_seats_add_up(app, circle.id)


def test_the_circle_page_links_the_organiser_to_the_waiting_list(app, make_user):
    circle, organiser, members, _waiters = full_circle(app, make_user, waiting=1)
    page = signed_in(app, organiser).get(f"/circles/{circle.id}").get_data(as_text=True)
    assert f"/circles/{circle.id}/waiting-list" in page
    page = signed_in(app, members[0]).get(f"/circles/{circle.id}").get_data(as_text=True)
    assert f"/circles/{circle.id}/waiting-list" not in page


@pytest.mark.slow
def test_an_offer_by_hand_and_a_join_at_once_fill_the_seat_once(app, make_user):
    for _ in range(TRIALS):
        circle, organiser, _members, waiters = _free_seat_with_people_waiting(app, make_user)
        ids = _entry_ids(app, circle.id)
        outsider = signed_in(app, make_user())
        statuses = at_once(
            [
                (signed_in(app, organiser), _offer_path(circle.id, ids[waiters[0].id]), {}),
                (outsider, f"/join/{circle.invite_token}", {}),
            ]
        )
        assert sorted(statuses) == [302, 409], statuses
        state = assert_seats_add_up(app, circle.id)
        assert state["seats_taken"] == 5


@pytest.mark.slow
def test_an_offer_by_hand_while_a_member_leaves_gives_two_seats_to_two_people(app, make_user):
    for _ in range(TRIALS):
        circle, organiser, members, waiters = _free_seat_with_people_waiting(
            app, make_user, waiting=3
        )
        ids = _entry_ids(app, circle.id)
        statuses = at_once(
            [
                (signed_in(app, organiser), _offer_path(circle.id, ids[waiters[0].id]), {}),
                (signed_in(app, members[0]), f"/circles/{circle.id}/leave", {"confirmed": "yes"}),
            ]
        )
        assert statuses[1] == 302, statuses
        state = assert_seats_add_up(app, circle.id)
        if statuses[0] == 302:
            # The free seat went to the chosen person, the freed one to the next in line.
            assert state == {"seats_taken": 5, "members": 3, "offers": 2, "waiting": 1}
        else:
            # The automatic offer claimed the chosen person first; the free seat stays free.
            assert statuses[0] == 409, statuses
            assert state == {"seats_taken": 4, "members": 3, "offers": 1, "waiting": 2}


@pytest.mark.slow
def test_a_double_clicked_offer_holds_one_seat(app, make_user):
    for _ in range(TRIALS):
        circle, organiser, _members, waiters = _free_seat_with_people_waiting(
            app, make_user, waiting=2
        )
        ids = _entry_ids(app, circle.id)
        client = signed_in(app, organiser)
        statuses = at_once([(client, _offer_path(circle.id, ids[waiters[0].id]), {})] * 3)
        assert sorted(statuses) == [302, 409, 409], statuses
        state = assert_seats_add_up(app, circle.id)
        assert state == {"seats_taken": 5, "members": 4, "offers": 1, "waiting": 1}


@pytest.mark.slow
def test_offers_by_hand_to_two_people_for_one_seat_hold_one(app, make_user):
    for _ in range(TRIALS):
        circle, organiser, _members, waiters = _free_seat_with_people_waiting(
            app, make_user, waiting=2
        )
        ids = _entry_ids(app, circle.id)
        statuses = at_once(
            [
                (signed_in(app, organiser), _offer_path(circle.id, ids[person.id]), {})
                for person in waiters
            ]
        )
        assert sorted(statuses) == [302, 409], statuses
        assert assert_seats_add_up(app, circle.id) == {
            "seats_taken": 5,
            "members": 4,
            "offers": 1,
            "waiting": 1,
        }
        with app.app_context():
            assert db.session.get(Circle, circle.id).seats_taken == 5


def test_the_waiting_list_page_does_not_issue_more_queries_with_more_people(app, make_user):
    from tests.test_query_counts import queries_for

    circle, organiser, _members, _waiters = _free_seat_with_people_waiting(
        app, make_user, waiting=1
    )
    client = signed_in(app, organiser)
    small = queries_for(app, client, f"/circles/{circle.id}/waiting-list")
    with app.app_context():
        for _ in range(20):
            db.session.add(
                WaitlistEntry(circle_id=circle.id, user_id=make_user().id, created_at=utcnow())
            )
        db.session.commit()
    large = queries_for(app, client, f"/circles/{circle.id}/waiting-list")
    assert large == small, f"{small} queries with one person waiting, {large} with 21"
    assert large <= 8
