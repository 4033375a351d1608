"""The circle page is drawn once and kept between visits (wol/circles/views.py
kept_circle_page), and never shows anything old or anybody else's: a change to the circle, its
members, their names or the reader's own account shows on the very next visit, whoever made it
(here straight in the database, as another process would); each reader and each browser gets
its own page and form token; the harvest panel is the reader's own."""

import functools
from datetime import UTC, datetime, timedelta

import pytest
from flask import template_rendered
from sqlalchemy import select, text, update

from tests.circles_helpers import make_circle
from tests.test_dashboard_kept import untokened
from tests.test_home_cards import change, meeting, open_data_circle, signed_in
from wol.auth.models import User
from wol.circles.models import Circle, CircleVersion
from wol.circles.service import join_circle, leave_circle
from wol.extensions import db
from wol.harvest.models import Harvest
from wol.timestamps import utcnow

BODY = "circles/_detail_body.html"


@pytest.fixture
def circle(app, make_user):
    """Ann organises a circle (without being in it) that met for the first time eight days
    ago; Bob is in it."""
    return open_data_circle(app, make_user)


def bodies_drawn(app, visit, template_name: str = BODY) -> int:
    """How often ``visit()`` drew the circle page's body (or ``template_name``)."""
    drawn = []

    def record(sender, template, context, **extra):
        if template.name == template_name:
            drawn.append(template.name)

    with template_rendered.connected_to(record, app):
        visit()
    return len(drawn)


def visit(client, url: str, responses: list) -> None:
    responses.append(client.get(url))


def by_email(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_a_second_visit_is_served_from_the_kept_page(app, circle):
    """Measured again when a new minute starts between the two visits: the page is kept per
    minute, so such a visit draws it afresh, as it should."""
    bob = signed_in(app, "bob@example.org")
    bob.get("/home")  # the message of signing in is shown here, not on the pages compared
    for _ in range(3):
        minute = utcnow().replace(second=0, microsecond=0)
        first = bob.get(f"/circles/{circle}")
        again: list = []
        drawn = bodies_drawn(app, functools.partial(visit, bob, f"/circles/{circle}", again))
        if utcnow().replace(second=0, microsecond=0) == minute:
            break
    assert first.status_code == 200 and "Cirkel Open Data" in first.get_data(as_text=True)
    assert drawn == 0
    assert untokened(again[0].get_data(as_text=True)) == untokened(first.get_data(as_text=True))


def test_changes_by_another_process_show_at_once(app, make_user, circle):
    bob = signed_in(app, "bob@example.org")
    url = f"/circles/{circle}"
    assert "Cirkel Open Data" in bob.get(url).get_data(as_text=True)

    change(
        app, lambda: setattr(db.session.get(Circle, circle), "description", "Open data, ons werk")
    )
    assert "Open data, ons werk" in bob.get(url).get_data(as_text=True)

    def held():
        week = meeting(circle, 2)
        week.held_at = datetime.now(UTC)
        week.attended = 1

    assert 'id="week-2" class="state-held' not in bob.get(url).get_data(as_text=True)
    change(app, held)
    assert 'id="week-2" class="state-held' in bob.get(url).get_data(as_text=True)

    cas = make_user(display_name="Cas Janssens")
    change(app, lambda: join_circle(db.session.get(Circle, circle), db.session.get(User, cas.id)))
    page = bob.get(url).get_data(as_text=True)
    assert "Cas Janssens" in page and "(2/5)" in page

    change(app, lambda: setattr(db.session.get(User, cas.id), "display_name", "Cas J."))
    assert "Cas J." in bob.get(url).get_data(as_text=True)

    change(app, lambda: leave_circle(db.session.get(Circle, circle), db.session.get(User, cas.id)))
    assert "Cas J." not in bob.get(url).get_data(as_text=True)

    change(app, lambda: setattr(by_email("ann@example.org"), "display_name", "Ann Organiser"))
    assert "Organised by Ann Organiser" in bob.get(url).get_data(as_text=True)


def test_the_readers_own_account_is_part_of_the_page(app, circle):
    bob = signed_in(app, "bob@example.org")
    url = f"/circles/{circle}"
    assert "came to bob@example.org as one invitation" in bob.get(url).get_data(as_text=True)

    change(app, lambda: setattr(by_email("bob@example.org"), "calendar_delivery", "feed"))
    page = bob.get(url).get_data(as_text=True)
    assert "These meetings are in your calendar feed" in page
    assert "as one invitation" not in page

    change(app, lambda: setattr(by_email("bob@example.org"), "language", "nl"))
    assert "Leden" in bob.get(url).get_data(as_text=True)


def test_a_page_is_never_shown_to_someone_else(app, circle):
    bob_page = signed_in(app, "bob@example.org").get(f"/circles/{circle}").get_data(as_text=True)
    ann_page = signed_in(app, "ann@example.org").get(f"/circles/{circle}").get_data(as_text=True)
    # Ann organises without being a member: she may remove Bob and renew the link; Bob may not.
    assert "Remove Bob" in ann_page and "Renew the link" in ann_page
    assert "Remove Bob" not in bob_page and "Renew the link" not in bob_page
    assert "Leave this circle" in bob_page and "Leave this circle" not in ann_page


def test_each_browser_gets_its_own_form_token(app, circle):
    """Two browsers of the same organiser: the kept page carries each session's own token, and
    a form sent from either page is accepted."""
    app.config["WTF_CSRF_ENABLED"] = True
    desk, phone = signed_in_with_token(app), signed_in_with_token(app)
    url = f"/circles/{circle}"
    desk_page = desk.get(url).get_data(as_text=True)
    phone_page = phone.get(url).get_data(as_text=True)
    desk_token, phone_token = token_in(desk_page), token_in(phone_page)
    assert desk_token and phone_token and desk_token != phone_token
    assert "wol-form-token-" not in desk_page + phone_page
    renewed = phone.post(f"/circles/{circle}/invite/rotate", data={"csrf_token": phone_token})
    assert renewed.status_code == 302


def signed_in_with_token(app):
    """Ann signed in through the real form, form token and all."""
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"email": "ann@example.org", "password": "correct horse battery"}
        | {"csrf_token": token_in(login)},
    )
    assert client.get("/home").status_code == 200
    return client


def token_in(page: str) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_the_harvest_panel_is_the_readers_own(app, make_user):
    """Week 12 is held: each member sees their own harvest state on the kept page."""
    ann = make_user(email="ann@example.org")
    bob = make_user(email="bob@example.org", display_name="Bob Peeters")
    today = datetime.now(UTC).date()
    made = make_circle(
        app,
        ann,
        members=[bob],
        language="en",
        first_day=today - timedelta(weeks=12),
        today=today - timedelta(weeks=12),
    )

    def finish():
        week12 = meeting(made.id, 12)
        week12.held_at = datetime.now(UTC)
        week12.attended = 2

    change(app, finish)
    change(
        app,
        lambda: db.session.add(Harvest(circle_id=made.id, user_id=bob.id, aim="Open data")),
    )
    url = f"/circles/{made.id}"
    bob_page = signed_in(app, "bob@example.org").get(url).get_data(as_text=True)
    ann_page = signed_in(app, "ann@example.org").get(url).get_data(as_text=True)
    assert "You wrote your harvest." in bob_page
    assert "Write your harvest" in ann_page and "You wrote your harvest." not in ann_page


def test_bulk_and_hand_written_changes_show_at_once(app, circle):
    """A bulk UPDATE raises the circle its WHERE names; SQL written by hand through a session
    cannot be told apart by circle: it raises every circle's page (row 0 of circle_versions)."""
    bob = signed_in(app, "bob@example.org")
    url = f"/circles/{circle}"
    assert "Zaal 9" not in bob.get(url).get_data(as_text=True)

    change(
        app,
        lambda: db.session.execute(
            update(Circle).where(Circle.id == circle).values(place="Zaal 9.01")
        ),
    )
    assert "Zaal 9.01" in bob.get(url).get_data(as_text=True)

    change(
        app,
        lambda: db.session.execute(
            text("UPDATE circles SET place = 'Zaal 9.02' WHERE id = :id"), {"id": circle}
        ),
    )
    assert "Zaal 9.02" in bob.get(url).get_data(as_text=True)


def numbers(app) -> dict[int, int]:
    """The version number of every circle (row 0: any circle)."""
    with app.app_context():
        return dict(db.session.execute(select(CircleVersion.circle_id, CircleVersion.n)).all())


def test_a_join_raises_its_own_circle_not_every_circle(app, make_user, circle):
    """Joining runs bulk statements (a seat taken, the account held, a waiting-list entry
    removed), each limited to one circle or person by its WHERE: the joined circle's number
    moves on, row 0 and other circles' numbers stay, so their kept pages stay kept."""
    with app.app_context():
        ann = db.session.scalar(select(User).where(User.email == "ann@example.org"))
        db.session.expunge(ann)
    other = make_circle(app, ann, join=False, name="Cirkel Ander")
    cas = make_user(email="cas@example.org", display_name="Cas Janssens")
    before = numbers(app)
    change(app, lambda: join_circle(db.session.get(Circle, circle), db.session.get(User, cas.id)))
    after = numbers(app)
    assert after[circle] > before[circle]
    assert after.get(0, 0) == before.get(0, 0)
    assert after.get(other.id, 0) == before.get(other.id, 0)
    bob = signed_in(app, "bob@example.org")
    assert "Cas Janssens" in bob.get(f"/circles/{circle}").get_data(as_text=True)


def test_a_check_in_by_another_member_shows_at_once(app, make_user, circle):
    """Cas records week 2 through the page's own form; Bob's kept page shows it."""
    cas = make_user(email="cas@example.org", display_name="Cas Janssens")
    change(app, lambda: join_circle(db.session.get(Circle, circle), db.session.get(User, cas.id)))
    bob = signed_in(app, "bob@example.org")
    url = f"/circles/{circle}"
    assert 'id="week-2" class="state-held' not in bob.get(url).get_data(as_text=True)
    recorded = signed_in(app, "cas@example.org").post(
        f"/circles/{circle}/meetings/2/checkin", data={"held": "yes"}
    )
    assert recorded.status_code in (302, 303)
    assert 'id="week-2" class="state-held' in bob.get(url).get_data(as_text=True)


def test_a_change_does_not_redraw_other_circles(app, make_user, circle):
    """A change raises its own circle's number only: another circle's kept page stays."""
    ann = db_user(app, "ann@example.org")
    other = make_circle(app, ann, members=[], name="Cirkel Elders", language="en")
    organiser = signed_in(app, "ann@example.org")
    organiser.get(f"/circles/{other.id}")
    change(app, lambda: setattr(db.session.get(Circle, circle), "place", "Zaal 3"))
    assert bodies_drawn(app, lambda: organiser.get(f"/circles/{other.id}")) == 0
    assert bodies_drawn(app, lambda: organiser.get(f"/circles/{circle}")) == 1


def db_user(app, email: str) -> User:
    with app.app_context():
        user = by_email(email)
        db.session.expunge(user)
        return user


MEETING_TOP = "guides/_meeting_header.html"


def test_the_meeting_pages_top_is_kept_and_shows_changes_at_once(app, make_user, circle):
    """The top of a meeting page is kept like the circle page; the reader's own notes are
    read on every visit and never shown to another member."""
    cas = make_user(email="cas@example.org", display_name="Cas Janssens")
    change(app, lambda: join_circle(db.session.get(Circle, circle), db.session.get(User, cas.id)))
    bob, cas_client = signed_in(app, "bob@example.org"), signed_in(app, "cas@example.org")
    url = f"/circles/{circle}/week/2"
    bob.get("/home")
    for _ in range(3):
        minute = utcnow().replace(second=0, microsecond=0)
        first = bob.get(url).get_data(as_text=True)
        drawn = bodies_drawn(app, lambda: bob.get(url), MEETING_TOP)
        if utcnow().replace(second=0, microsecond=0) == minute:
            break
    assert drawn == 0
    assert "Did this meeting take place?" in first  # week 2 began yesterday

    saved = bob.post(f"/circles/{circle}/week/2/notes", data={"body": "Bobs eigen notitie"})
    assert saved.status_code in (302, 303)
    assert "Bobs eigen notitie" in bob.get(url).get_data(as_text=True)
    assert "Bobs eigen notitie" not in cas_client.get(url).get_data(as_text=True)

    def held():
        week = meeting(circle, 2)
        week.held_at = datetime.now(UTC)
        week.attended = 2

    change(app, held)
    page = bob.get(url).get_data(as_text=True)
    assert "Did this meeting take place?" not in page and "Who was there" in page

    change(app, lambda: setattr(db.session.get(Circle, circle), "name", "Cirkel Linked Data"))
    assert "Cirkel Linked Data" in cas_client.get(url).get_data(as_text=True)


def test_a_meeting_page_in_another_guide_language_is_its_own(app, circle):
    bob = signed_in(app, "bob@example.org")
    url = f"/circles/{circle}/week/2"
    english = bob.get(url).get_data(as_text=True)
    dutch = bob.get(url + "?guide=nl").get_data(as_text=True)
    assert 'lang="en"' in english.split("<h1>")[1].split("</h1>")[0]
    assert 'lang="nl"' in dutch.split("<h1>")[1].split("</h1>")[0]
    again = bob.get(url).get_data(as_text=True)
    assert untokened(again.split("<h1>")[1]) == untokened(english.split("<h1>")[1])
