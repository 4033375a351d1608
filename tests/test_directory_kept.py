"""The directory keeps its open circles per process, and never shows them older than they are:
a change committed by another process shows on the next page, a circle whose week 2 ends leaves
it, and what the directory does not show (health, check-ins) keeps the copy."""

from datetime import timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from tests.test_directory import listed, names_on
from tests.test_query_counts import counted
from wol import create_app
from wol.auth.models import User
from wol.circles.models import Circle, Meeting
from wol.circles.service import join_circle
from wol.directory import changes
from wol.directory.listing import open_listing
from wol.extensions import db
from wol.timestamps import utcnow


def other_process(app_config):
    """Another wol process on the same database (its own kept copies)."""
    return create_app(app_config)


def test_a_change_by_another_process_shows_on_the_next_page(
    app, app_config, client, auth, make_user
):
    ann = make_user(email="ann@example.org")
    first = listed(app, ann, name="Cirkel Eén", join=False)
    listed(app, ann, name="Cirkel Twee", join=False)
    make_user(email="bram@example.org")
    auth.login("bram@example.org")
    assert names_on(client.get("/circles").get_data(as_text=True)) == ["Cirkel Eén", "Cirkel Twee"]
    # The copy is kept: the next page reads no circle.
    with counted(app) as statements:
        client.get("/circles")
    assert not any("FROM circles" in sql for sql in statements), statements

    elsewhere = other_process(app_config)
    with elsewhere.test_request_context():
        circle = db.session.get(Circle, first.id)
        circle.name = "Cirkel Een (nieuw)"
        db.session.commit()
    page = client.get("/circles").get_data(as_text=True)
    assert names_on(page) == ["Cirkel Een (nieuw)", "Cirkel Twee"]

    # Five members: the circle is full and leaves the directory (seats counted in SQL).
    people = [make_user() for _ in range(5)]
    with elsewhere.test_request_context():
        circle = db.session.get(Circle, first.id)
        for person in people:
            join_circle(circle, db.session.get(User, person.id))
        db.session.commit()
    page = client.get("/circles").get_data(as_text=True)
    assert names_on(page) == ["Cirkel Twee"] and "1 circle fits" in page

    # A bulk change of a meeting: week 2 moved to an hour ago is over, so the circle leaves.
    with elsewhere.app_context():
        second = db.session.scalar(select(Circle.id).where(Circle.name == "Cirkel Twee"))
        db.session.execute(
            update(Meeting)
            .where(Meeting.circle_id == second, Meeting.week <= 2)
            .values(starts_at=utcnow() - timedelta(hours=3))
        )
        db.session.commit()
    page = client.get("/circles").get_data(as_text=True)
    assert names_on(page) == [] and "0 circles fit" in page


def test_a_circle_leaves_when_its_week_2_ends_without_any_change(app, make_user):
    ann = make_user(email="ann@example.org")
    circle = listed(app, ann, name="Cirkel Eén", join=False)
    with app.test_request_context():
        week2 = db.session.scalar(
            select(Meeting).where(Meeting.circle_id == circle.id, Meeting.week == 2)
        )
        ends_at = week2.starts_at + timedelta(minutes=circle.duration_minutes)
        # Read before week 2 starts: kept until it starts, when its end is known.
        early = open_listing(week2.starts_at - timedelta(days=1))
        assert [c.id for c in early.circles] == [circle.id]
        assert early.valid_until == week2.starts_at
        before = open_listing(ends_at - timedelta(minutes=1))
        assert [c.id for c in before.circles] == [circle.id]
        assert before.valid_until == ends_at
        # The same version, a minute later: read again, and the circle is gone.
        after = open_listing(ends_at)
        assert after is not before and after.circles == []


def test_what_the_directory_does_not_show_keeps_its_copy(app, make_user):
    ann = make_user(email="ann@example.org")
    circle = listed(app, ann, name="Cirkel Eén", join=False)
    with app.test_request_context():
        number = changes.version()
        # The health tick and a check-in write circles and meetings, but nothing listed.
        db.session.execute(
            update(Circle).where(Circle.id == circle.id).values(health_status="stalled")
        )
        meeting = db.session.scalar(select(Meeting).where(Meeting.circle_id == circle.id))
        meeting.attended = 4
        db.session.commit()
        assert changes.version() == number
        db.session.get(Circle, circle.id).place = "Zaal 2.01"
        db.session.commit()
        assert changes.version() == number + 1


def test_a_session_with_its_own_uncommitted_change_keeps_nothing(app, make_user):
    ann = make_user(email="ann@example.org")
    circle = listed(app, ann, name="Cirkel Eén", join=False)
    with app.test_request_context():
        assert changes.version() is not None
        db.session.get(Circle, circle.id).listed = False
        assert changes.version() is None
        assert open_listing(utcnow()).circles == []
        db.session.rollback()
        assert changes.version() is not None
        assert [c.id for c in open_listing(utcnow()).circles] == [circle.id]


def test_a_savepoint_that_rolls_back_keeps_the_change_made_before_it(app, make_user):
    ann = make_user(email="ann@example.org")
    circle = listed(app, ann, name="Cirkel Eén", join=False)
    with app.test_request_context():
        number = changes.version()
        db.session.get(Circle, circle.id).name = "Cirkel Een (nieuw)"
        db.session.flush()
        # A statement that fails in its savepoint (as a double join does); the rest goes on.
        try:
            with db.session.begin_nested():
                db.session.execute(
                    insert(Circle).values(id=circle.id, name="twice", invite_token="x" * 40)
                )
        except IntegrityError:
            pass
        db.session.commit()
        assert changes.version() == number + 1
