"""The front (wol/front.py) gives a kept answer again without running Flask's request
machinery, and only while everything it was drawn from is as it was: a change by another
process, signing out in another browser, a new role or language, a saved note, a rotated feed
address or a new minute each send the next visit through Flask. Nobody gets anybody else's
answer, and a message meant for one visit is shown once."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, event, select

from tests.circles_helpers import make_circle
from tests.test_home_cards import change, open_data_circle, signed_in
from tests.test_rounds import open_round, sign_up
from wol import front
from wol.auth.models import User, UserSession
from wol.circles.models import Circle
from wol.extensions import db
from wol.timestamps import utcnow


@pytest.fixture
def circle(app, make_user):
    """Ann organises a circle (without being in it) that met for the first time eight days
    ago; Bob is in it."""
    return open_data_circle(app, make_user)


class Visits:
    """What one GET ran: the statements through SQLAlchemy (Flask's work) and the front's."""

    def __init__(self, app):
        self.app = app

    def get(self, client, url, **kwargs):
        flask_statements, front_statements = [], []

        def record(*args):
            flask_statements.append(args[2])

        with self.app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        self.app.wsgi_app.listeners.append(front_statements.append)
        try:
            response = client.get(url, **kwargs)
        finally:
            event.remove(engine, "before_cursor_execute", record)
            self.app.wsgi_app.listeners.remove(front_statements.append)
        return response, len(flask_statements), len(front_statements)


def given_again(app, client, url, **kwargs):
    """GET ``url`` a few times (a first visit may show a message or set the session's form
    token, a new minute may start), until the front gives it; the last response and how many
    statements Flask ran for it."""
    visits = Visits(app)
    for _ in range(4):
        response, ran, _front = visits.get(client, url, **kwargs)
        if ran == 0:
            break
    return response, ran


@pytest.mark.parametrize(
    "url",
    [
        "/circles/{id}",
        "/circles/{id}/week/3",
        "/home",
        "/organise",
        "/circles/{id}/week/1",
        "/circles",
    ],
)
def test_an_unchanged_page_is_given_without_flask(app, circle, url):
    change(app, lambda: setattr(by_email("ann@example.org"), "is_organiser", True))
    ann = signed_in(app, "ann@example.org")
    ann.get("/home")  # the message of signing in is shown here
    ann.get(url.format(id=circle))  # the session's first form token
    drawn = ann.get(url.format(id=circle))
    response, ran = given_again(app, ann, url.format(id=circle))
    assert response.status_code == 200
    assert ran == 0, "Flask ran for an unchanged page"
    assert response.get_data() == drawn.get_data()


def by_email(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_a_change_by_another_process_shows_on_the_next_visit(app, circle):
    bob = signed_in(app, "bob@example.org")
    url = f"/circles/{circle}"
    response, ran = given_again(app, bob, url)
    assert ran == 0 and "Cirkel Open Data" in response.get_data(as_text=True)
    change(app, lambda: setattr(db.session.get(Circle, circle), "name", "Cirkel Open Werk"))
    assert "Cirkel Open Werk" in bob.get(url).get_data(as_text=True)
    assert "Cirkel Open Werk" in bob.get("/home").get_data(as_text=True)


def test_signing_out_in_another_browser_ends_the_kept_pages(app, circle):
    """Signing out everywhere (or here, the session's row gone) is seen at once: the next
    visit is sent to sign in, not given the page."""
    bob = signed_in(app, "bob@example.org")
    url = f"/circles/{circle}"
    assert given_again(app, bob, url)[1] == 0
    with app.app_context():
        db.session.execute(delete(UserSession))
        db.session.commit()
    response = bob.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_readers_own_account_changes_show_at_once(app, circle):
    bob = signed_in(app, "bob@example.org")
    url = f"/circles/{circle}"
    response, _ran = given_again(app, bob, url)
    assert 'lang="en"' in response.get_data(as_text=True)
    assert "/organise" not in response.get_data(as_text=True)

    def make_dutch_organiser():
        bob_row = by_email("bob@example.org")
        bob_row.language = "nl"
        bob_row.is_organiser = True

    change(app, make_dutch_organiser)
    page = bob.get(url).get_data(as_text=True)
    assert 'lang="nl"' in page and "/organise" in page


def test_nobody_is_given_another_persons_page(app, circle):
    ann, bob = signed_in(app, "ann@example.org"), signed_in(app, "bob@example.org")
    url = f"/circles/{circle}"
    for client in (ann, bob, ann, bob):
        client.get(url)
    ann_page = ann.get(url).get_data(as_text=True)
    bob_page = bob.get(url).get_data(as_text=True)
    assert ann.get_cookie("session").value != bob.get_cookie("session").value
    # The form token is each session's own; the organiser may end the circle, Bob not.
    assert ann_page != bob_page
    assert f"/circles/{circle}/end" in ann_page and f"/circles/{circle}/end" not in bob_page


def test_a_message_is_shown_once(app, circle):
    """A page that shows a message (here: after saving the circle's sharing) is drawn with
    it, and the next visit is drawn without it, not given the page with the message again."""
    ann = signed_in(app, "ann@example.org")
    url = f"/circles/{circle}"
    given_again(app, ann, url)
    response = ann.post(f"/circles/{circle}/sharing", data={"visibility": "listed"})
    assert response.status_code in (302, 303)
    with_message = ann.get(url).get_data(as_text=True)
    assert 'class="flash' in with_message
    assert 'class="flash' not in ann.get(url).get_data(as_text=True)
    assert 'class="flash' not in ann.get(url).get_data(as_text=True)


def test_a_saved_note_shows_on_the_kept_meeting_page(app, circle):
    bob = signed_in(app, "bob@example.org")
    url = f"/circles/{circle}/week/1"
    assert given_again(app, bob, url)[1] == 0
    saved = bob.post(f"/circles/{circle}/week/1/notes", data={"body": "Ask Els about the data"})
    assert saved.status_code in (302, 303)
    bob.get(url)  # the message of saving
    assert "Ask Els about the data" in bob.get(url).get_data(as_text=True)


def test_a_new_minute_sends_the_visit_through_flask(app, circle, monkeypatch):
    bob = signed_in(app, "bob@example.org")
    url = f"/circles/{circle}"
    assert given_again(app, bob, url)[1] == 0
    later = front._minute() + 1
    monkeypatch.setattr(front, "_minute", lambda: later)
    response, ran, _front = Visits(app).get(bob, url)
    assert response.status_code == 200 and ran > 0


def test_a_rotated_feed_address_is_404_at_once(app, circle):
    bob = signed_in(app, "bob@example.org")
    with app.app_context():
        token = db.session.scalar(select(User.feed_token).where(User.email == "bob@example.org"))
    url = f"/calendar/{token}.ics"
    feed = app.test_client()
    response, ran = given_again(app, feed, url)
    assert response.status_code == 200 and ran == 0
    etag = response.headers["ETag"]
    unchanged, ran = given_again(app, feed, url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and ran == 0
    assert bob.post("/settings/calendar/rotate").status_code == 302
    assert feed.get(url).status_code == 404
    assert feed.get(url, headers={"If-None-Match": etag}).status_code == 404


def test_a_feed_shows_a_renamed_circle_at_once(app, circle):
    """Renamed by its organiser through the page, as wol raises the calendar's SEQUENCE."""
    with app.app_context():
        token = db.session.scalar(select(User.feed_token).where(User.email == "bob@example.org"))
    url = f"/calendar/{token}.ics"
    feed = app.test_client()
    response, ran = given_again(app, feed, url)
    assert ran == 0 and "Cirkel Open Data" in response.get_data(as_text=True)
    etag = response.headers["ETag"]
    ann = signed_in(app, "ann@example.org")
    renamed = ann.post(f"/circles/{circle}/edit", data=edit_form(app, circle, "Cirkel Open Werk"))
    assert renamed.status_code in (302, 303)
    assert "Cirkel Open Werk" in feed.get(url).get_data(as_text=True)
    assert feed.get(url, headers={"If-None-Match": etag}).status_code == 200


def edit_form(app, circle_id: int, name: str) -> dict:
    """The circle's edit form as it is filled in, with another name."""
    with app.app_context():
        circle = db.session.get(Circle, circle_id)
        return {
            "name": name,
            "description": circle.description or "",
            "kind": circle.kind,
            "duration_minutes": str(circle.duration_minutes),
            "place": circle.place or "",
            "video_url": circle.video_url or "",
            "chat_url": circle.chat_url or "",
        }


def test_the_round_page_is_given_again_until_someone_signs_up(app, client, make_user, auth):
    make_user(email="els@example.org", roles={"organiser"})
    auth.login("els@example.org")
    round_id = open_round(client)
    sign_up(app, make_user, round_id, 1, dept="Finance")
    response, ran = given_again(app, client, f"/rounds/{round_id}")
    assert ran == 0 and "Person 1" in response.get_data(as_text=True)
    sign_up(app, make_user, round_id, 2, dept="Legal")
    assert "Person 2" in client.get(f"/rounds/{round_id}").get_data(as_text=True)


def test_a_directory_shows_a_new_circle_at_once(app, circle, make_user):
    bob = signed_in(app, "bob@example.org")
    response, ran = given_again(app, bob, "/circles")
    assert ran == 0 and "Cirkel Zichtbaar" not in response.get_data(as_text=True)
    with app.app_context():
        ann = by_email("ann@example.org")
    today = utcnow().date()
    make_circle(
        app,
        ann,
        name="Cirkel Zichtbaar",
        join=False,
        first_day=today + timedelta(days=9),
        today=today,
    )
    assert "Cirkel Zichtbaar" in bob.get("/circles").get_data(as_text=True)


def test_a_page_drawn_while_another_process_changes_the_circle_is_never_given_old(app, circle):
    """A reader keeps opening the circle page while another session renames the circle, one
    commit after the other (real threads; on PostgreSQL they overlap). No page shows a name
    older than the last one committed before it was asked for, and after the last rename
    every visit shows it."""
    readers = [signed_in(app, "bob@example.org"), signed_in(app, "ann@example.org")]
    for reader in readers:
        given_again(app, reader, f"/circles/{circle}")
    committed = [0]
    stale: list[tuple[int, int]] = []
    done = threading.Event()

    def rename():
        for n in range(1, 41):
            change(app, lambda n=n: setattr(db.session.get(Circle, circle), "name", f"Kring {n}"))
            committed[0] = n
        done.set()

    def read(client):
        while not done.is_set():
            before = committed[0]
            page = client.get(f"/circles/{circle}").get_data(as_text=True)
            shown = re.search(r"Kring (\d+)", page)
            if (int(shown[1]) if shown else 0) < before:
                stale.append((before, int(shown[1]) if shown else 0))

    threads = [threading.Thread(target=rename)]
    threads += [threading.Thread(target=read, args=(reader,)) for reader in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not stale, f"pages older than the name committed before them: {stale[:5]}"
    for reader in readers:
        for _ in range(3):
            assert "Kring 40" in reader.get(f"/circles/{circle}").get_data(as_text=True)


def test_a_page_that_keeps_nothing_costs_the_front_no_statement(app, circle):
    """The front learns which pages keep their answers; a visit to any other page (here the
    settings) goes to Flask without the front reading anything first."""
    bob = signed_in(app, "bob@example.org")
    for _ in range(3):
        response, ran, front = Visits(app).get(bob, "/settings")
        assert response.status_code == 200 and ran > 0 and front == 0
