"""The home page's circle cards are kept between visits, and never show anything old: a change
to the circle, a meeting, a membership, a member's name or a check-in shows on the very next
visit, whoever made it and however (here straight in the database, as another process would),
and a card is never shown to another person. The same for the circle page's table of
meetings."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD
from tests.test_query_counts import counted
from wol.auth.models import User
from wol.circles.models import Circle, Meeting
from wol.circles.service import join_circle, leave_circle
from wol.extensions import db


def signed_in(app, email):
    client = app.test_client()
    client.post("/login", data={"email": email, "password": PASSWORD})
    return client


@pytest.fixture
def circle(app, make_user):
    """Ann organises a circle (without being in it) that met for the first time eight days
    ago; Bob is in it."""
    return open_data_circle(app, make_user)


def open_data_circle(app, make_user) -> int:
    """The id of the circle of the ``circle`` fixture, made."""
    ann = make_user(email="ann@example.org", language="en")
    bob = make_user(email="bob@example.org", display_name="Bob Peeters", language="en")
    today = datetime.now(UTC).date()
    made = make_circle(
        app,
        ann,
        members=[bob],
        join=False,
        name="Cirkel Open Data",
        language="en",
        first_day=today - timedelta(days=8),
        today=today - timedelta(days=10),
    )
    return made.id


def change(app, apply) -> None:
    """Apply a change in a session of its own and commit it, as another process would."""
    with app.test_request_context():
        apply()
        db.session.commit()


def meeting(circle_id: int, week: int) -> Meeting:
    return db.session.scalar(
        select(Meeting).where(Meeting.circle_id == circle_id, Meeting.week == week)
    )


def test_changes_to_the_circle_and_its_people_show_at_once(app, make_user, circle):
    bob = signed_in(app, "bob@example.org")
    page = bob.get("/home").get_data(as_text=True)
    assert "Cirkel Open Data" in page and "Bob Peeters" in page
    assert "Cirkel Open Data" in bob.get("/home").get_data(as_text=True)  # kept

    change(app, lambda: setattr(db.session.get(Circle, circle), "name", "Cirkel Linked Data"))
    assert "Cirkel Linked Data" in bob.get("/home").get_data(as_text=True)

    change(app, lambda: setattr(db.session.get(Circle, circle), "place", "Zaal 7.01"))
    assert "Zaal 7.01" in bob.get("/home").get_data(as_text=True)

    cas = make_user(display_name="Cas Janssens")
    change(app, lambda: join_circle(db.session.get(Circle, circle), db.session.get(User, cas.id)))
    assert "Cas Janssens" in bob.get("/home").get_data(as_text=True)

    change(app, lambda: setattr(db.session.get(User, cas.id), "display_name", "Cas J."))
    assert "Cas J." in bob.get("/home").get_data(as_text=True)

    change(app, lambda: leave_circle(db.session.get(Circle, circle), db.session.get(User, cas.id)))
    assert "Cas J." not in bob.get("/home").get_data(as_text=True)


def test_a_moved_meeting_and_a_check_in_show_at_once(app, circle):
    bob = signed_in(app, "bob@example.org")
    page = bob.get("/home").get_data(as_text=True)
    assert "Did week 2 take place?" in page  # week 2 started yesterday

    def move_week_3():
        week3 = meeting(circle, 3)
        week3.starts_at = week3.starts_at + timedelta(hours=2)

    assert "14:00" not in page
    change(app, move_week_3)  # from 12:00 to 14:00, the next meeting on the card
    assert "14:00" in bob.get("/home").get_data(as_text=True)

    def held():
        week2 = meeting(circle, 2)
        week2.held_at = datetime.now(UTC)
        week2.attended = 2

    change(app, held)
    page = bob.get("/home").get_data(as_text=True)
    assert "Did week 2 take place?" not in page and "Week 2 was held." in page

    def skip_week_3():
        meeting(circle, 3).skipped_at = datetime.now(UTC)

    assert "Next meeting: week 3" in page
    change(app, skip_week_3)
    assert "Next meeting: week 4" in bob.get("/home").get_data(as_text=True)


def test_a_card_is_never_shown_to_someone_else(app, circle):
    bob_page = signed_in(app, "bob@example.org").get("/home").get_data(as_text=True)
    ann_page = signed_in(app, "ann@example.org").get("/home").get_data(as_text=True)
    # Bob is a member and may record the week; Ann organises without being a member.
    assert "Did week 2 take place?" in bob_page
    assert "Did week 2 take place?" not in ann_page


def test_the_readers_language_is_part_of_the_card(app, circle):
    bob = signed_in(app, "bob@example.org")
    assert "Members" in bob.get("/home").get_data(as_text=True)
    change(
        app,
        lambda: setattr(
            db.session.scalar(select(User).where(User.email == "bob@example.org")), "language", "nl"
        ),
    )
    assert "Leden" in bob.get("/home").get_data(as_text=True)


def test_the_circle_pages_table_of_meetings_shows_changes_at_once(app, circle):
    """The table of meetings on the circle page is drawn once and kept, like the cards: a
    meeting moved, held or skipped by another process shows on the next view, and each reader
    sees the times in their own zone."""
    bob = signed_in(app, "bob@example.org")
    page = bob.get(f"/circles/{circle}").get_data(as_text=True)
    assert "12:00" in page and "14:00" not in page

    def move_week_5():
        week5 = meeting(circle, 5)
        week5.starts_at = week5.starts_at + timedelta(hours=2)

    change(app, move_week_5)
    assert "14:00" in bob.get(f"/circles/{circle}").get_data(as_text=True)

    def held():
        meeting(circle, 2).held_at = datetime.now(UTC)

    assert 'id="week-2" class="state-held' not in page
    change(app, held)
    assert 'id="week-2" class="state-held' in bob.get(f"/circles/{circle}").get_data(as_text=True)

    def elsewhere():
        db.session.scalar(
            select(User).where(User.email == "bob@example.org")
        ).timezone = "America/New_York"

    change(app, elsewhere)
    page = bob.get(f"/circles/{circle}").get_data(as_text=True)
    assert "14:00" not in page and "08:00" in page  # 14:00 in Brussels is 08:00 in New York


def test_a_bulk_change_shows_at_once(app, circle):
    """A bulk UPDATE of a circle raises that circle's version (wol/circles/versions.py)."""
    bob = signed_in(app, "bob@example.org")
    assert "Zaal 9.01" not in bob.get("/home").get_data(as_text=True)
    change(
        app,
        lambda: db.session.execute(
            update(Circle).where(Circle.id == circle).values(place="Zaal 9.01")
        ),
    )
    assert "Zaal 9.01" in bob.get("/home").get_data(as_text=True)


def test_a_second_visit_reads_no_meetings(app, circle):
    """The rows of a card are kept under the circle's version: a visit with nothing changed
    reads the version stamps, not the circle's meetings and members."""
    bob = signed_in(app, "bob@example.org")
    bob.get("/home")
    with counted(app) as statements:
        assert bob.get("/home").status_code == 200
    assert not [s for s in statements if "FROM meetings" in s or "FROM memberships JOIN" in s]
    change(app, lambda: setattr(db.session.get(Circle, circle), "place", "Zaal 7.01"))
    with counted(app) as statements:
        assert "Zaal 7.01" in bob.get("/home").get_data(as_text=True)
    assert [s for s in statements if "FROM meetings" in s]
