"""Another round: a finished circle goes on together or splits; invitations are confirmed."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.circles_helpers import active_member_ids
from tests.harvest_helpers import finished_circle, last_week_started, signed_in
from tests.test_seat_races import TRIALS, at_once
from wol.circles.models import Circle
from wol.extensions import db
from wol.harvest.models import FollowUp, FollowUpInvitation
from wol.mail.models import OutboxMail


def next_weekday(weekday: int, after: date) -> date:
    """The first ``weekday`` (Monday = 0) strictly after ``after``."""
    return after + timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def circles_started_from(app, circle_id):
    """The follow-ups of a circle as (new circle id, together)."""
    with app.app_context():
        return list(
            db.session.execute(
                select(FollowUp.circle_id, FollowUp.together)
                .where(FollowUp.from_circle_id == circle_id)
                .order_by(FollowUp.id)
            )
        )


def invited(app, circle_id):
    """Ids of the people with an open invitation to a circle."""
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(FollowUpInvitation.user_id).where(FollowUpInvitation.circle_id == circle_id)
            )
        )


@pytest.fixture
def people(make_user):
    """Ann (organiser), Bram (Dutch), Cleo and Dirk."""
    return (
        make_user(display_name="Ann Peeters"),
        make_user(display_name="Bram Claes", language="nl"),
        make_user(display_name="Cleo Janssens"),
        make_user(display_name="Dirk Maes"),
    )


def test_going_on_together_makes_a_circle_at_the_same_slot_and_invites_the_others(app, people):
    ann, bram, cleo, dirk = people
    old = finished_circle(app, ann, [bram, cleo, dirk])
    client = signed_in(app, cleo)
    form = client.get(f"/circles/{old.id}/go-on").get_data(as_text=True)
    assert "Go on together" in form and "Start from" in form
    start = next_weekday(2, date.today() + timedelta(days=7))  # a Wednesday; the slot is Tue..
    response = client.post(
        f"/circles/{old.id}/go-on",
        data={"name": "Digitale Overheid, ronde 2", "start_on": start.isoformat()},
    )
    assert response.status_code == 302
    [(new_id, together)] = circles_started_from(app, old.id)
    assert together and response.headers["Location"].endswith(f"/circles/{new_id}")
    with app.app_context():
        new = db.session.get(Circle, new_id)
        before = db.session.get(Circle, old.id)
        assert new.first_day.weekday() == before.first_day.weekday()
        assert 0 <= (new.first_day - start).days < 7
        assert new.local_time == before.local_time and new.timezone == before.timezone
        assert new.place == before.place and new.language == before.language
        assert len(new.meetings) == 12 and not new.listed and new.organiser_id == cleo.id
    # Cleo is its first member; the others are invited, not members until they confirm.
    assert active_member_ids(app, new_id) == [cleo.id]
    assert invited(app, new_id) == sorted([ann.id, bram.id, dirk.id])
    with app.app_context():
        mails = {
            m.to_addr: m.subject
            for m in db.session.scalars(
                select(OutboxMail).where(OutboxMail.kind == "follow_up_invite")
            )
        }
    assert set(mails) == {ann.email, bram.email, dirk.email}
    assert mails[ann.email] == "Cleo asks you to go on: Digitale Overheid, ronde 2"
    assert mails[bram.email].startswith("Cleo vraagt je")
    # Bram sees it on his home page, confirms and is a member; Dirk says no.
    bram_client = signed_in(app, bram, language="nl")
    assert "Digitale Overheid, ronde 2" in bram_client.get("/home").get_data(as_text=True)
    assert (
        bram_client.post(f"/circles/{new_id}/invitation/confirm")
        .headers["Location"]
        .endswith(f"/circles/{new_id}")
    )
    dirk_client = signed_in(app, dirk)
    assert dirk_client.post(f"/circles/{new_id}/invitation/decline").status_code == 302
    assert active_member_ids(app, new_id) == sorted([cleo.id, bram.id])
    assert invited(app, new_id) == [ann.id]
    assert dirk_client.get(f"/circles/{new_id}/invitation").status_code == 404
    with app.app_context():
        assert db.session.get(Circle, new_id).seats_taken == 2


def test_a_second_click_or_member_lands_on_the_same_new_circle(app, people):
    ann, bram, cleo, dirk = people
    old = finished_circle(app, ann, [bram, cleo, dirk])
    start = (date.today() + timedelta(days=10)).isoformat()
    client = signed_in(app, cleo)
    first = client.post(f"/circles/{old.id}/go-on", data={"name": "Ronde 2", "start_on": start})
    again = client.post(f"/circles/{old.id}/go-on", data={"name": "Ronde 2", "start_on": start})
    assert first.headers["Location"] == again.headers["Location"]
    # Another member who clicks later is sent to their invitation to that circle.
    [(new_id, _)] = circles_started_from(app, old.id)
    other = signed_in(app, dirk).post(
        f"/circles/{old.id}/go-on", data={"name": "Nog een", "start_on": start}
    )
    assert other.headers["Location"].endswith(f"/circles/{new_id}/invitation")
    assert len(circles_started_from(app, old.id)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Circle)) == 2


def test_members_clicking_go_on_at_the_same_moment_make_one_circle(app, people):
    ann, bram, cleo, dirk = people
    for trial in range(4):
        old = finished_circle(app, ann, [bram, cleo, dirk], name=f"Trial {trial}")
        clients = [signed_in(app, person) for person in (bram, cleo, dirk, cleo)]
        start = (date.today() + timedelta(days=10)).isoformat()
        data = {"name": "Samen verder", "start_on": start}
        statuses = at_once([(client, f"/circles/{old.id}/go-on", data) for client in clients])
        assert statuses == [302] * len(clients)
        started = circles_started_from(app, old.id)
        assert len(started) == 1, started
        new_id = started[0][0]
        members = active_member_ids(app, new_id)
        assert len(members) == 1
        assert sorted(invited(app, new_id) + members) == sorted([ann.id, bram.id, cleo.id, dirk.id])


def test_a_member_starts_their_own_circle_and_invites_whom_they_choose(app, people):
    ann, bram, cleo, dirk = people
    old = finished_circle(app, ann, [bram, cleo, dirk])
    client = signed_in(app, dirk)
    page = client.get(f"/circles/{old.id}/own-circle").get_data(as_text=True)
    assert "Start your own circle" in page and "Cleo Janssens" in page
    start = (date.today() + timedelta(days=10)).isoformat()
    refused = client.post(
        f"/circles/{old.id}/own-circle",
        data={"name": "Dirks cirkel", "start_on": start, "invite": [cleo.id, 999_999]},
    )
    assert refused.status_code == 400
    assert "Choose among the members of this circle." in refused.get_data(as_text=True)
    response = client.post(
        f"/circles/{old.id}/own-circle",
        data={"name": "Dirks cirkel", "start_on": start, "invite": [cleo.id]},
    )
    [(new_id, together)] = circles_started_from(app, old.id)
    assert not together and response.headers["Location"].endswith(f"/circles/{new_id}")
    assert invited(app, new_id) == [cleo.id]
    # Nobody invited is fine too, and the whole circle can still go on together.
    alone = signed_in(app, bram).post(
        f"/circles/{old.id}/own-circle", data={"name": "Bram alleen", "start_on": start}
    )
    assert alone.status_code == 302
    assert (
        signed_in(app, ann)
        .post(f"/circles/{old.id}/go-on", data={"name": "Samen", "start_on": start})
        .status_code
        == 302
    )
    assert [t for _, t in circles_started_from(app, old.id)] == [False, False, True]


def test_bad_dates_and_names_are_refused_beside_the_field(app, people):
    ann, bram, cleo, dirk = people
    old = finished_circle(app, ann, [bram, cleo, dirk])
    client = signed_in(app, bram)
    past = client.post(
        f"/circles/{old.id}/go-on",
        data={"name": "Ronde 2", "start_on": (date.today() - timedelta(days=8)).isoformat()},
    )
    assert past.status_code == 400
    assert 'id="start_on-error"' in past.get_data(as_text=True)
    long_name = client.post(
        f"/circles/{old.id}/go-on",
        data={"name": "x" * 81, "start_on": (date.today() + timedelta(days=9)).isoformat()},
    )
    assert long_name.status_code == 400 and 'id="name-error"' in long_name.get_data(as_text=True)
    assert circles_started_from(app, old.id) == []


def test_only_members_of_a_finished_circle_start_the_next_round(app, people, make_user):
    ann, bram, cleo, dirk = people
    running = last_week_started(app, ann, [bram, cleo, dirk], days_ago=-7, name="Loopt nog")
    assert signed_in(app, bram).get(f"/circles/{running.id}/go-on").status_code == 409
    old = finished_circle(app, make_user(roles={"organiser"}), [bram, cleo, dirk], join=False)
    organiser = signed_in(app, db_user(app, old.organiser_id))
    admin = signed_in(app, make_user(roles={"admin"}))
    stranger = signed_in(app, make_user())
    for client in (organiser, admin, stranger):
        for path in ("go-on", "own-circle", "harvest"):
            assert client.get(f"/circles/{old.id}/{path}").status_code == 403, path
    assert circles_started_from(app, old.id) == []


def db_user(app, user_id):
    """A detached user."""
    from wol.auth.models import User

    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_confirming_keeps_the_seat_rules(app, people, make_user):
    ann, bram, cleo, dirk = people
    old = finished_circle(app, ann, [bram, cleo, dirk])
    start = (date.today() + timedelta(days=10)).isoformat()
    signed_in(app, ann).post(f"/circles/{old.id}/go-on", data={"name": "Vol", "start_on": start})
    [(new_id, _)] = circles_started_from(app, old.id)
    with app.app_context():
        token = db.session.get(Circle, new_id).invite_token
    # Four newcomers take the free seats with the invite link before Bram confirms.
    for _ in range(4):
        signed_in(app, make_user()).post(f"/join/{token}")
    response = signed_in(app, cleo).post(f"/circles/{new_id}/invitation/confirm")
    assert response.status_code == 409
    assert "This circle is full" in response.get_data(as_text=True)
    assert len(active_member_ids(app, new_id)) == 5


def test_an_invitation_to_a_circle_that_ended_leaves_the_home_page(app, people):
    ann, bram, cleo, dirk = people
    old = finished_circle(app, ann, [bram, cleo, dirk])
    start = (date.today() + timedelta(days=10)).isoformat()
    starter = signed_in(app, ann)
    starter.post(f"/circles/{old.id}/go-on", data={"name": "Ronde twee", "start_on": start})
    [(new_id, _)] = circles_started_from(app, old.id)
    client = signed_in(app, cleo)
    assert "Ronde twee" in client.get("/home").get_data(as_text=True)
    ended = starter.post(f"/circles/{new_id}/end", data={"reason": "Toch niet"})
    assert ended.status_code == 302
    assert "Ronde twee" not in client.get("/home").get_data(as_text=True)
    assert client.post(f"/circles/{new_id}/invitation/confirm").status_code == 409


def test_erasing_the_starter_keeps_the_new_circle_and_drops_their_name(app, people):
    from wol.auth.models import User
    from wol.harvest.followup import erase_follow_ups

    ann, bram, cleo, dirk = people
    old = finished_circle(app, ann, [bram, cleo, dirk])
    start = (date.today() + timedelta(days=10)).isoformat()
    signed_in(app, cleo).post(
        f"/circles/{old.id}/go-on", data={"name": "Verder", "start_on": start}
    )
    [(new_id, _)] = circles_started_from(app, old.id)
    with app.test_request_context():
        erase_follow_ups(db.session.get(User, cleo.id))
        erase_follow_ups(db.session.get(User, dirk.id))
        db.session.commit()
    assert circles_started_from(app, old.id) == []
    assert invited(app, new_id) == sorted([ann.id, bram.id])
    home = signed_in(app, bram).get("/home").get_data(as_text=True)
    assert "Je bent uitgenodigd voor Verder." in home and "nodigt je uit" not in home


def test_a_double_clicked_confirmation_takes_one_seat(app, people):
    ann, bram, cleo, dirk = people
    for trial in range(TRIALS):
        old = finished_circle(app, ann, [bram, cleo, dirk], name=f"Trial {trial}")
        start = (date.today() + timedelta(days=10)).isoformat()
        signed_in(app, ann).post(f"/circles/{old.id}/go-on", data={"name": "V", "start_on": start})
        [(new_id, _)] = circles_started_from(app, old.id)
        clients = [signed_in(app, cleo) for _ in range(3)]
        path = f"/circles/{new_id}/invitation/confirm"
        assert at_once([(c, path, {}) for c in clients]) == [302, 302, 302]
        assert active_member_ids(app, new_id) == sorted([ann.id, cleo.id])
        with app.app_context():
            assert db.session.get(Circle, new_id).seats_taken == 2
        assert invited(app, new_id) == sorted([bram.id, dirk.id])
