"""A page's work does not grow with the organisation: the same SQL statements and the same ORM
objects for the same person, whether wol holds a few circles or five times as many.

Objects are counted as SQLAlchemy loads them into the session (the ``loaded_as_persistent``
event), statements as they reach the database, those the front (wol/front.py) runs on its own
connection too. The people looking are in the same circles before and after; only everybody
else grows.
"""

from collections import Counter
from contextlib import contextmanager
from io import BytesIO

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD
from tests.directory_helpers import seed_listed_circles
from tests.test_rounds import round_form
from wol.auth.models import User
from wol.extensions import db
from wol.timestamps import utcnow

PAGES = {
    "home of a member": ("bob", "/home"),
    "home of an organiser": ("ann", "/home"),
    "circle page": ("ann", "/circles/{circle}"),
    "meeting page": ("ann", "/circles/{circle}/week/3"),
    "organisers' dashboard": ("ann", "/organise"),
    "circle directory": ("bob", "/circles"),
    "guide week (anonymous)": (None, "/guides/nl/week/4"),
}


@contextmanager
def counted(app):
    """Count the statements run and the ORM objects loaded inside the block."""
    statements, objects = [], Counter()

    def statement(conn, cursor, sql, *args):
        statements.append(sql)

    def loaded(session, instance):
        objects[type(instance).__name__] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(Session, "loaded_as_persistent", loaded)
    app.wsgi_app.listeners.append(statements.append)
    try:
        yield statements, objects
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(Session, "loaded_as_persistent", loaded)
        app.wsgi_app.listeners.remove(statements.append)


def work_of(app, client, path: str, headers: dict | None = None) -> tuple[int, Counter, int]:
    """(statements, objects by class, status) of one GET of ``path``, after a warm-up.

    Pages are kept per minute: when a new minute starts between the warm-up and the GET, they
    are drawn afresh and the GET measures other work than its twin in the other organisation.
    Such a pair is measured again.
    """
    while True:
        minute = utcnow().replace(second=0, microsecond=0)
        # First use (guide files, caches, the session's first form token, the front learning
        # that the page keeps its answers) is not page work; then one visit the front keeps.
        for _ in range(3):
            if "Set-Cookie" not in client.get(path, headers=headers).headers:
                break
        client.get(path, headers=headers)
        with counted(app) as (statements, objects):
            status = client.get(path, headers=headers).status_code
        if utcnow().replace(second=0, microsecond=0) == minute:
            return len(statements), objects, status


def signed_in(app, email: str | None):
    """A test client, signed in as ``email`` (None: anonymous)."""
    client = app.test_client()
    if email:
        client.post("/login", data={"email": email, "password": PASSWORD})
    return client


def grow(app, make_user, circles: int) -> None:
    """Add ``circles`` circles of other people, four members each."""
    for _ in range(circles):
        organiser = make_user()
        make_circle(
            app,
            organiser,
            members=[make_user() for _ in range(3)],
            name=f"Cirkel van {organiser.display_name}",
        )


@pytest.fixture
def organisation(app, make_user):
    """Ann organises two circles and is in a third; Bob is in Ann's first and the third."""
    ann = make_user(email="ann@example.org", roles={"organiser"})
    bob = make_user(email="bob@example.org")
    others = [make_user() for _ in range(4)]
    first = make_circle(app, ann, members=[bob, others[0]])
    make_circle(app, ann, members=others[1:3], name="Cirkel Open Data")
    make_circle(app, others[3], members=[ann, bob], name="Cirkel Toegankelijkheid")
    with app.app_context():
        feed_token = db.session.get(User, bob.id).feed_token
    return {"circle": first.id, "feed": f"/calendar/{feed_token}.ics"}


def measure(app, organisation) -> dict:
    """(statements, objects, status) of every page for the people looking at it."""
    clients = {who: signed_in(app, who and f"{who}@example.org") for who in ("ann", "bob", None)}
    found = {}
    for page, (who, path) in PAGES.items():
        found[page] = work_of(app, clients[who], path.format(**organisation))
    feed = clients[None]
    etag = feed.get(organisation["feed"]).headers["ETag"]
    found["unchanged feed (304)"] = work_of(
        app, feed, organisation["feed"], {"If-None-Match": etag}
    )
    return found


def test_pages_do_the_same_work_in_an_organisation_five_times_larger(app, make_user, organisation):
    grow(app, make_user, 2)
    small = measure(app, organisation)
    grow(app, make_user, 8)  # ten circles of others instead of two
    large = measure(app, organisation)
    for page, (statements, objects, status) in small.items():
        assert status in (200, 304), f"{page}: {status}"
        big_statements, big_objects, _ = large[page]
        assert big_statements == statements, (
            f"{page}: {statements} statements with 5 circles, {big_statements} with 13"
        )
        assert big_objects == objects, f"{page}: {dict(objects)} became {dict(big_objects)}"


def test_the_cheap_answers_stay_cheap(app, organisation):
    found = measure(app, organisation)
    statements, objects, status = found["unchanged feed (304)"]
    assert (status, statements, sum(objects.values())) == (304, 1, 0)
    # An anonymous guide page is a kept copy; at most the published-texts token is read.
    statements, objects, status = found["guide week (anonymous)"]
    assert (status, sum(objects.values())) == (200, 0) and statements <= 1
    # A person's own pages load what they show: a handful of objects per circle.
    statements, objects, _ = found["home of an organiser"]
    assert statements <= 12 and sum(objects.values()) <= 3 * 25, dict(objects)


def test_an_anonymous_guide_page_answers_304_until_it_changes(app):
    client = app.test_client()
    first = client.get("/guides/nl/week/4")
    assert first.status_code == 200 and first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    again = client.get("/guides/nl/week/4", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # Another week, or the same week in another language, is another page.
    other = client.get("/guides/en/week/4", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200 and other.headers["ETag"] != first.headers["ETag"]
    # A visitor without the first one's session gets the page, with a form token of their own.
    stranger = app.test_client().get(
        "/guides/nl/week/4", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert stranger.status_code == 200


def test_the_front_page_is_kept_but_each_visitor_gets_their_own_form_token(app):
    import re

    def visit(language):
        client = app.test_client()
        page = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
        return client, page, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    first, dutch, first_token = visit("nl")
    _, _, second_token = visit("nl")
    assert first_token != second_token
    assert 'lang="nl"' in dutch and 'lang="en"' in visit("en")[1].split(">", 2)[1]
    with counted(app) as (statements, objects):
        again = first.get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert statements == [] and not objects
    # The token in the kept page is the visitor's own: their language switch goes through.
    token = re.search(r'name="csrf_token" value="([^"]+)"', again).group(1)
    switched = first.post("/language", data={"lang": "en", "csrf_token": token, "next": "/"})
    assert switched.status_code == 302


def _signups_csv(first: int, last: int) -> bytes:
    """Sign-ups of people ``first`` to ``last`` (no accounts), as the import reads them."""
    rows = [
        f"person{n}@example.org,Person {n},Team {n % 7},nl,Tuesday 12:00,person{n + 1}@example.org,"
        for n in range(first, last + 1)
    ]
    return ("email,name,department,languages,slots,be-with,not-with\n" + "\n".join(rows)).encode()


def test_the_forming_page_does_the_same_work_with_five_times_the_sign_ups(app, make_user):
    """The organiser's round page, drawn anew after the sign-ups changed and then kept: the
    same statements and objects with 20 sign-ups and with 100, and no sign-up as an object."""
    make_user(email="els@example.org", roles={"organiser"})
    client = signed_in(app, "els@example.org")
    created = client.post("/rounds/new", data=round_form())
    path = created.headers["Location"]

    def work_after_import(first: int, last: int) -> tuple:
        imported = client.post(
            f"{path}/import",
            data={"file": (BytesIO(_signups_csv(first, last)), "signups.csv")},
            content_type="multipart/form-data",
        )
        assert imported.status_code == 302, imported.get_data(as_text=True)
        with counted(app) as (statements, objects):
            page = client.get(path)
        assert page.status_code == 200 and f"Person {last}" in page.get_data(as_text=True)
        drawn = (len(statements), objects)
        kept_statements, kept_objects, _ = work_of(app, client, path)
        return drawn, (kept_statements, kept_objects)

    small = work_after_import(1, 20)
    large = work_after_import(21, 100)
    assert large == small, f"{small} with 20 sign-ups, {large} with 100"
    (drawn_statements, drawn_objects), (kept_statements, kept_objects) = large
    assert "Signup" not in drawn_objects and sum(drawn_objects.values()) <= 3, drawn_objects
    # Unchanged, the page is given again by the front: the person, the round and its
    # sign-ups' fingerprint are read, nothing is loaded as an object.
    assert not kept_objects and kept_statements <= 5


def test_the_directory_and_the_dashboard_do_the_same_work_with_five_times_the_circles(
    app, make_user
):
    """Open circles in the directory, all of them Els's, grow five times: the first visit after
    the change (read afresh) and the next one (kept) each do the same work as before, loading
    no ORM object but the visitor."""
    els = make_user(email="els@example.org", roles={"organiser"})
    make_user(email="bob@example.org")
    clients = {who: signed_in(app, f"{who}@example.org") for who in ("els", "bob")}
    pages = (("bob", "/circles"), ("bob", "/circles?page=2&lang=nl"), ("els", "/organise"))
    for who, path in pages:  # the message of signing in, the session's first form token
        clients[who].get(path)

    def visits() -> dict:
        found = {}
        for who, path in pages:
            for visit in ("first", "next"):
                minute = utcnow().replace(second=0, microsecond=0)
                with counted(app) as (statements, objects):
                    assert clients[who].get(path).status_code == 200
                found[path, visit] = (len(statements), dict(objects))
            if utcnow().replace(second=0, microsecond=0) != minute:
                return visits()  # a new minute: the next visit was drawn afresh, measure again
        return found

    with app.app_context():
        seed_listed_circles(els.id, 60)
    small = visits()
    with app.app_context():
        seed_listed_circles(els.id, 240)
    large = visits()
    assert large == small
    for path in ("/circles", "/circles?page=2&lang=nl", "/organise"):
        # The first visit after the change is drawn; the next is given again by the front,
        # which reads the person and the versions and loads no object.
        statements, objects = large[path, "first"]
        assert objects == {"User": 1} and statements <= 15, (path, statements, objects)
        statements, objects = large[path, "next"]
        assert objects == {} and statements <= 5, (path, statements, objects)
