"""The organisers' dashboard is drawn once a minute for what it shows and kept per process, but
never older than the database: a check-in or a nudge recorded by another process shows on the
next visit, and each visitor's forms carry their own form token."""

import re
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.test_organise import circle_of
from tests.test_query_counts import queries_for
from wol import create_app
from wol.circles.models import Circle, Meeting
from wol.extensions import db
from wol.timestamps import utcnow


def untokened(page: str) -> str:
    """``page`` without its form tokens: a token is signed with the second it was made in, so
    two visits a second apart carry different ones."""
    return re.sub(r'(name="csrf_token"[^>]*? value=)"[^"]*"', r"\1", page)


def table(page: str) -> str:
    """The rows of the dashboard's table."""
    return page.split("<tbody>")[1].split("</tbody>")[0]


def test_a_check_in_by_another_process_shows_on_the_next_visit(
    app, app_config, client, auth, make_user
):
    els = make_user(email="els@example.org", roles={"organiser"})
    people = [make_user(display_name=f"Secret Person {n}") for n in range(4)]
    circle = circle_of(app, els, people, weeks_ago=4, held="HNN", name="Cirkel Stil")
    auth.login("els@example.org")
    first = client.get("/organise").get_data(as_text=True)
    assert 'class="status-stalled"' in table(first) and "Week 4 held" not in table(first)
    # Kept: a visit again reads the person (with their session) and the versions of their
    # circles, not the rows, and draws nothing (wol/front.py gives the page again).
    assert untokened(client.get("/organise").get_data(as_text=True)) == untokened(first)
    assert queries_for(app, client, "/organise") == 2

    elsewhere = create_app(app_config)
    with elsewhere.app_context():
        for meeting in db.session.scalars(
            select(Meeting).where(Meeting.circle_id == circle.id, Meeting.week.in_((3, 4)))
        ):
            meeting.not_held_at = None
            meeting.held_at = meeting.starts_at + timedelta(hours=1)
            meeting.attended = 4
        db.session.commit()
    page = client.get("/organise").get_data(as_text=True)
    assert 'class="status-active"' in table(page) and "Week 4 held on" in table(page)

    # Weeks 3 and 4 corrected to not held and a nudge sent, from another process: stalled, and
    # the button gives way to the date of the nudge at once.
    with elsewhere.app_context():
        db.session.get(Circle, circle.id).organiser_nudged_at = utcnow()
        for meeting in db.session.scalars(
            select(Meeting).where(Meeting.circle_id == circle.id, Meeting.week.in_((3, 4)))
        ):
            meeting.held_at, meeting.attended = None, None
            meeting.not_held_at = meeting.starts_at + timedelta(hours=1)
        db.session.commit()
    rows = table(client.get("/organise").get_data(as_text=True))
    assert 'class="status-stalled"' in rows and "Nudged on" in rows


def test_each_visitor_gets_their_own_form_token_in_the_kept_page(app_config, make_user):
    checked = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    els = make_user(email="els@example.org", roles={"organiser"})
    people = [make_user() for _ in range(4)]
    stalled = circle_of(checked, els, people, weeks_ago=4, held="HNN", name="Cirkel Stil")

    def visit():
        browser = checked.test_client()
        login = browser.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        browser.post(
            "/login",
            data={"email": "els@example.org", "password": PASSWORD, "csrf_token": token},
        )
        page = browser.get("/organise").get_data(as_text=True)
        nudge = page.split(f'action="/organise/circles/{stalled.id}/nudge"')[1]
        return browser, re.search(r'name="csrf_token" value="([^"]+)"', nudge).group(1)

    first, first_token = visit()
    second, second_token = visit()
    assert first_token != second_token
    sent = second.post(
        f"/organise/circles/{stalled.id}/nudge",
        data={"csrf_token": second_token, "next": "/organise"},
    )
    assert sent.status_code == 302
    assert "Nudged on" in second.get("/organise").get_data(as_text=True)
