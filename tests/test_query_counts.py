"""Page work does not grow with the data: a page issues a bounded number of SQL queries."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD
from wol.auth.models import User
from wol.circles.models import Circle
from wol.circles.service import join_circle
from wol.extensions import db
from wol.timestamps import utcnow


@contextmanager
def counted(app):
    """Count the SQL statements run inside the block, those the front (wol/front.py) runs on
    its own connection too."""
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    app.wsgi_app.listeners.append(statements.append)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
        app.wsgi_app.listeners.remove(statements.append)


def queries_for(app, client, path: str) -> int:
    """How many statements one GET of ``path`` runs, after a warm-up.

    Circle pages, home cards and the dashboard are kept per minute: when a new minute starts
    between the warm-up and the GET, the GET draws afresh and measures other work than its
    twin. Such a GET is measured again."""
    while True:
        minute = utcnow().replace(second=0, microsecond=0)
        # Warm up: first-use loading is not page work, nor is the session's first form token
        # (its new cookie keeps the front, wol/front.py, from keeping that answer), nor the
        # front learning that the page keeps its answers.
        for _ in range(3):
            client.get(path)
        with counted(app) as statements:
            assert client.get(path).status_code == 200
        if utcnow().replace(second=0, microsecond=0) == minute:
            return len(statements)


@pytest.mark.parametrize(
    "page", ["/home", "/circles/{id}", "/circles/{id}/week/3", "/circles/{id}/calendar.ics"]
)
def test_pages_do_not_issue_more_queries_with_more_circles_and_members(app, make_user, page):
    ann = make_user(email="ann@example.org")
    others = [make_user() for _ in range(4)]
    first = make_circle(app, ann, members=others[:1])
    client = app.test_client()
    client.post("/login", data={"email": "ann@example.org", "password": PASSWORD})
    small = queries_for(app, client, page.format(id=first.id))
    for n in range(5):
        make_circle(app, ann, members=others, name=f"Cirkel {n}")
    with app.test_request_context():
        circle = db.session.get(Circle, first.id)
        for person in others[1:]:
            join_circle(circle, db.session.get(User, person.id))
        db.session.commit()
    large = queries_for(app, client, page.format(id=first.id))
    assert large == small, f"{page}: {small} queries with one circle, {large} with six"
    assert large <= 12


def test_the_stories_page_does_not_issue_more_queries_with_more_stories(app, make_user):
    from tests.harvest_helpers import finished_circle, signed_in

    people = [make_user() for _ in range(5)]

    def share(circle, person, n):
        signed_in(app, person).post(
            f"/circles/{circle.id}/harvest", data={"learned": f"Story {n}", "audience": "stories"}
        )

    circle = finished_circle(app, people[0], people[1:], name="Cirkel 0")
    share(circle, people[0], 0)
    reader = signed_in(app, make_user())
    small = queries_for(app, reader, "/stories")
    for n in range(1, 5):
        more = finished_circle(app, people[0], people[1:], name=f"Cirkel {n}")
        for person in people:
            share(more, person, n)
    large = queries_for(app, reader, "/stories")
    assert large == small, f"/stories: {small} queries with one story, {large} with 21"
    assert large <= 6


def test_a_finished_circle_page_does_not_issue_more_queries_with_more_harvests(app, make_user):
    from datetime import date, timedelta

    from tests.harvest_helpers import finished_circle, signed_in

    people = [make_user() for _ in range(5)]
    circle = finished_circle(app, people[0], people[1:2])
    reader = signed_in(app, people[1])
    path = f"/circles/{circle.id}"
    small = queries_for(app, reader, path)
    with app.test_request_context():
        live = db.session.get(Circle, circle.id)
        for person in people[2:]:
            join_circle(live, db.session.get(User, person.id))
        db.session.commit()
    for person in people:
        signed_in(app, person).post(
            f"/circles/{circle.id}/harvest", data={"learned": "Veel", "audience": "circle"}
        )
    start = (date.today() + timedelta(days=9)).isoformat()
    signed_in(app, people[2]).post(
        f"/circles/{circle.id}/go-on", data={"name": "Verder", "start_on": start}
    )
    large = queries_for(app, reader, path)
    assert large == small, f"{path}: {small} queries before, {large} with harvests and a follow-up"
