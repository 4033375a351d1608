"""The organisers' dashboard: counts and reasons per circle, filters, CSV, nudges; never people."""

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.circles_helpers import make_circle
from tests.test_query_counts import counted, queries_for
from wol.auth.models import User
from wol.circles.models import Circle, Meeting
from wol.extensions import db
from wol.mail.models import OutboxMail
from wol.organise.sample import add_many_circles
from wol.timestamps import utcnow


@pytest.fixture
def els(make_user, auth):
    """Els, an organiser, signed in."""
    user = make_user(
        email="els@example.org",
        display_name="Els Janssens",
        roles={"organiser"},
        organisation="Vlaamse overheid",
    )
    return user


def circle_of(app, organiser, members, weeks_ago, held="", **overrides):
    """A circle whose week ``weeks_ago + 1`` meets tomorrow; ``held`` marks weeks H(eld)/N(ot).

    Tomorrow, not today: a meeting today at noon has started or not depending on the hour the
    suite runs, and so would the dashboard's counts."""
    today = date.today()
    # Registered while it ran: a circle can be entered up to 12 weeks after its start.
    circle = make_circle(
        app,
        organiser,
        members=members,
        join=False,
        first_day=today + timedelta(days=1) - timedelta(weeks=weeks_ago),
        today=today - timedelta(weeks=max(weeks_ago - 11, 0)),
        **overrides,
    )
    with app.app_context():
        rows = db.session.scalars(
            select(Meeting).where(Meeting.circle_id == circle.id).order_by(Meeting.week)
        )
        for meeting, mark in zip(rows, held, strict=False):
            if mark == "H":
                meeting.held_at = meeting.starts_at + timedelta(hours=1)
                meeting.attended = len(members)
            elif mark == "N":
                meeting.not_held_at = meeting.starts_at + timedelta(hours=1)
        db.session.commit()
    return circle


@pytest.fixture
def people(make_user):
    """Four members with names that must never show on the dashboard."""
    return [
        make_user(display_name=f"Secret Person {n}", email=f"secret{n}@example.org")
        for n in range(4)
    ]


def test_organisers_see_their_circles_with_status_and_reason(client, app, els, people, auth):
    circle_of(app, els, people, weeks_ago=5, name="Cirkel Stil")  # nothing recorded
    circle_of(app, els, people, weeks_ago=2, held="HH", name="Cirkel Goed")
    other = circle_of(app, people[0], people[1:], weeks_ago=1, name="Cirkel Van Een Ander")
    auth.login("els@example.org")
    page = client.get("/organise")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Cirkel Stil" in text and "Cirkel Goed" in text
    assert other.name not in text
    assert "meetings in a row not recorded since" in text
    assert "Week 2 held on" in text
    for person in people:
        assert person.display_name not in text and person.email not in text
    assert 'aria-label="People present per week: week 1: 4; week 2: 4; week 3: to come' in text


def test_admins_see_every_circle_and_others_are_refused(client, app, els, people, make_user, auth):
    circle_of(app, els, people, weeks_ago=1, name="Cirkel Els")
    circle_of(app, people[0], people[1:], weeks_ago=1, name="Cirkel Van Een Ander")
    assert client.get("/organise").status_code == 302  # sign in first
    make_user(email="admin@example.org", roles={"admin"})
    make_user(email="plain@example.org")
    auth.login("plain@example.org")
    assert client.get("/organise").status_code == 403
    assert client.get("/organise/circles.csv").status_code == 403
    auth.logout()
    auth.login("admin@example.org")
    text = client.get("/organise").get_data(as_text=True)
    assert "Cirkel Els" in text and "Cirkel Van Een Ander" in text


def test_filters_sorting_paging_and_unknown_values(client, app, els, people, auth):
    with app.app_context():
        add_many_circles(els.id, [p.id for p in people], 60, utcnow())
        db.session.commit()
    circle_of(app, els, people, weeks_ago=1, held="H", name="Circle English", language="en")
    auth.login("els@example.org")
    first = client.get("/organise").get_data(as_text=True)
    assert "page 1 of 3" in first and "61 circles" in first
    english = client.get("/organise?language=en&sort=name").get_data(as_text=True)
    assert "Circle English" in english
    stalled = client.get("/organise?status=stalled").get_data(as_text=True)
    assert "badge-status-active" not in stalled and "badge-status-stalled" in stalled
    odd = client.get("/organise?status=asleep&language=fr&sort=shoe&page=-1&organisation=X")
    assert odd.status_code == 200
    text = odd.get_data(as_text=True)
    assert "not understood and are ignored: status, language, organisation, sort, page" in text
    assert "61 circles" in text
    far = client.get("/organise?page=99").get_data(as_text=True)
    assert "page 3 of 3" in far


def test_csv_export_has_the_rows_and_nobody_in_it(client, app, els, people, auth):
    circle_of(app, els, people, weeks_ago=2, held="HN", name='=HYPERLINK("x")')
    circle_of(app, els, people, weeks_ago=2, held="HH", name="Cirkel Goed")
    auth.login("els@example.org")
    response = client.get("/organise/circles.csv?status=at_risk")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["id", "circle", "language", "organisation", "status"]
    assert len(rows) == 2
    assert rows[1][1] == '\'=HYPERLINK("x")'  # a spreadsheet shows it, does not run it
    assert rows[1][4] == "at risk" and "did not take place" in rows[1][5]
    assert rows[1][9].startswith("4 – ")  # held by 4, then not held
    body = response.get_data(as_text=True)
    assert all(p.display_name not in body and p.email not in body for p in people)


def test_nudge_a_stalled_circle_at_most_once_a_week(client, app, els, people, auth, make_user):
    stalled = circle_of(app, els, people, weeks_ago=4, held="HNN", name="Cirkel Stil")
    fine = circle_of(app, els, people, weeks_ago=1, held="H", name="Cirkel Goed")
    auth.login("els@example.org")
    page = client.get("/organise").get_data(as_text=True)
    assert page.count('class="button small">Nudge') == 1
    response = client.post(f"/organise/circles/{stalled.id}/nudge", data={"next": "/organise"})
    assert response.headers["Location"].endswith("/organise")
    with app.app_context():
        sent = list(
            db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "organiser_nudge"))
        )
        assert sorted(m.to_addr for m in sent) == sorted(p.email for p in people)
    again = client.post(f"/organise/circles/{stalled.id}/nudge", follow_redirects=True)
    assert "you can nudge it again a week later" in again.get_data(as_text=True)
    client.post(f"/organise/circles/{fine.id}/nudge")
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(OutboxMail)
                .where(OutboxMail.kind == "organiser_nudge")
            )
            == 4
        )
        # A week later the button works again.
        circle = db.session.get(Circle, stalled.id)
        circle.organiser_nudged_at -= timedelta(days=7)
        db.session.commit()
    client.post(f"/organise/circles/{stalled.id}/nudge")
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(OutboxMail)
                .where(OutboxMail.kind == "organiser_nudge")
            )
            == 8
        )
    make_user(email="other@example.org", roles={"organiser"})
    auth.logout()
    auth.login("other@example.org")
    assert client.post(f"/organise/circles/{stalled.id}/nudge").status_code == 403
    assert client.post("/organise/circles/999999/nudge").status_code == 404


def test_survival_and_completion_rate(client, app, els, people, auth):
    circle_of(app, els, people, weeks_ago=13, held="HHHHHHHHHHHH", name="Done")
    circle_of(app, els, people, weeks_ago=13, held="HHHNN", name="Stopped")
    circle_of(app, els, people, weeks_ago=2, held="HH", name="Young")
    auth.login("els@example.org")
    text = client.get("/organise").get_data(as_text=True)
    assert '<svg class="survival-chart"' in text and '<desc id="survival-desc">' in text
    assert "50%" in text  # 1 of the 2 circles that started 12+ weeks ago finished
    assert "2 circles started at least 12 weeks ago:" in text


def test_dashboard_in_dutch_with_dates_in_the_viewers_zone(client, app, make_user, people, auth):
    ann = make_user(
        email="ann@example.org", roles={"organiser"}, language="nl", timezone="Pacific/Auckland"
    )
    circle_of(app, ann, people, weeks_ago=3, held="HNN", name="Cirkel Stil")
    auth.login("ann@example.org")
    text = client.get("/organise").get_data(as_text=True)
    assert "stilgevallen" in text and "bijeenkomsten op rij niet gehouden sinds" in text
    assert "Organisatie (van de organisator)" in text


def test_the_dashboard_issues_the_same_queries_for_10_or_2000_circles(app, els, people):
    client = app.test_client()
    client.post("/login", data={"email": "els@example.org", "password": "correct horse battery"})
    with app.app_context():
        add_many_circles(els.id, [p.id for p in people], 10, utcnow())
        db.session.commit()
    small = queries_for(app, client, "/organise?sort=last_held")
    with app.app_context():
        add_many_circles(els.id, [p.id for p in people], 1990, utcnow(), seed=3)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Circle)) == 2000
    # The first visit after a change reads the rows again; later ones read their versions.
    with counted(app) as fresh:
        assert client.get("/organise?sort=last_held").status_code == 200
    large = queries_for(app, client, "/organise?sort=last_held")
    assert large == small, (small, large)
    assert len(fresh) <= 10
    with counted(app) as csv_queries:
        assert client.get("/organise/circles.csv").status_code == 200
    assert len(csv_queries) <= len(fresh)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 5


def test_flask_wol_circles_lists_every_circle_for_spreadsheets(app, els, people, runner):
    circle_of(app, els, people, weeks_ago=3, held="HNN", name="Cirkel Stil")
    circle_of(app, els, people, weeks_ago=1, held="H", name="Cirkel Goed")
    result = runner.invoke(args=["wol", "circles", "--language", "en"])
    assert result.exit_code == 0, result.output
    assert "Cirkel Stil" in result.output and "Cirkel Goed" in result.output
    assert "2 meetings in a row not held since" in result.output
    result = runner.invoke(args=["wol", "circles", "--status", "stalled", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0][:6] == ["id", "circle", "language", "organisation", "status", "reason"]
    assert [row[1] for row in rows[1:]] == ["Cirkel Stil"]
    assert rows[1][4] == "stilgevallen"  # the default language of this deployment
    bad = runner.invoke(args=["wol", "circles", "--status", "asleep"])
    assert bad.exit_code == 2 and "asleep" in bad.output


def test_demo_data_shows_every_status_to_the_demo_organiser(app, runner):
    result = runner.invoke(args=["wol", "demo"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    client.post("/login", data={"email": "els@example.org", "password": "wol-demo-2026"})
    page = client.get("/organise?language=nl&status=stalled")
    assert page.status_code == 200
    with app.test_request_context():
        from wol.health.service import scope_of, summaries

        els = db.session.scalar(select(User).where(User.email_key == "els@example.org"))
        statuses = {c.status for c in summaries(scope_of(els), utcnow())}
    assert statuses == {"forming", "active", "at_risk", "stalled", "finished", "ended_early"}
