"""Holidays: the new-circle form says how many meetings fall in a quiet period and offers, in
one click, to start later or to skip those weeks; admins edit the list; the directory marks
circles that cross one."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.circles_helpers import make_circle, meetings_of
from tests.conftest import PASSWORD
from wol.circles.models import Circle, Membership
from wol.directory.models import QuietPeriodsVersion
from wol.extensions import db
from wol.timestamps import utcnow

TODAY = utcnow().date()


def next_tuesday(after_days: int) -> date:
    """The first Tuesday at least ``after_days`` from today."""
    day = TODAY + timedelta(days=after_days)
    return day + timedelta(days=(1 - day.weekday()) % 7)


# A holiday of two weeks starting on the Saturday after the Tuesday 8 weeks out: weeks 9
# and 10 of a circle starting on that first Tuesday fall in it.
FIRST = next_tuesday(14)
HOLIDAY_START = FIRST + timedelta(weeks=8) - timedelta(days=3)
HOLIDAY_END = HOLIDAY_START + timedelta(days=13)
PERIODS = f"# test list\n{HOLIDAY_START} {HOLIDAY_END} Spring break | Voorjaarsvakantie\n"


@pytest.fixture
def app_config(app_config, tmp_path):
    """The app with a known quiet period instead of none."""
    path = tmp_path / "quiet.txt"
    path.write_text(PERIODS, encoding="utf-8")
    return {**app_config, "WOL_QUIET_PERIODS_FILE": str(path)}


@pytest.fixture
def ann(make_user, client, auth):
    user = make_user(email="ann@example.org", display_name="Ann")
    auth.login("ann@example.org")
    return user


def form(**overrides) -> dict:
    values = {
        "name": "Cirkel",
        "language": "nl",
        "first_day": FIRST.isoformat(),
        "local_time": "12:00",
        "timezone": "Europe/Brussels",
        "duration_minutes": "60",
        "kind": "in_person",
        "place": "Zaal 1",
        "join": "y",
        "listed": "y",
        "members_may_invite": "y",
    }
    values.update(overrides)
    return values


def circles(app) -> list[Circle]:
    with app.app_context():
        rows = list(db.session.scalars(select(Circle)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_the_form_warns_before_anything_is_created(app, client, ann):
    response = client.post("/circles/new", data=form())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 of the 12 meetings fall in Spring break (weeks 9, 10)" in page
    assert circles(app) == []
    # What the person typed is still there.
    assert f'value="{FIRST.isoformat()}"' in page and 'value="Cirkel"' in page


def test_start_later_in_one_click(app, client, ann):
    page = client.post("/circles/new", data=form()).get_data(as_text=True)
    later = re.search(r'name="quiet_start" value="([\d-]+)"', page).group(1)
    assert date.fromisoformat(later) == HOLIDAY_END + timedelta(days=4)  # Friday, then Tuesday
    response = client.post("/circles/new", data=form(quiet_start=later))
    assert response.status_code == 302
    [circle] = circles(app)
    assert circle.first_day.isoformat() == later


def test_plan_skips_in_one_click_moves_the_later_weeks(app, client, ann):
    response = client.post("/circles/new", data=form(quiet="skip"))
    assert response.status_code == 302
    [circle] = circles(app)
    meetings = meetings_of(app, circle.id)
    assert len(meetings) == 12 and not any(m.is_skipped for m in meetings)
    days = [m.starts_at.date() for m in meetings]
    assert not any(HOLIDAY_START <= day <= HOLIDAY_END for day in days)
    assert days[8] == FIRST + timedelta(weeks=10)  # week 9 comes after the holiday
    assert days[7] == FIRST + timedelta(weeks=7)
    with app.app_context():
        assert db.session.scalar(select(Membership.user_id)) == ann.id
        assert db.session.get(Circle, circle.id).seats_taken == 1


def test_keep_the_dates(app, client, ann):
    assert client.post("/circles/new", data=form(quiet="keep")).status_code == 302
    [circle] = circles(app)
    assert [m.starts_at.date() for m in meetings_of(app, circle.id)][8] == FIRST + timedelta(
        weeks=8
    )


def test_a_circle_clear_of_holidays_is_created_at_once(app, client, ann):
    response = client.post(
        "/circles/new", data=form(first_day=(FIRST + timedelta(weeks=10)).isoformat())
    )
    assert response.status_code == 302


def test_a_tampered_later_date_is_not_taken(app, client, ann):
    page = client.post("/circles/new", data=form(quiet_start="not-a-date")).get_data(as_text=True)
    assert "2 of the 12 meetings" in page and circles(app) == []


def test_the_directory_marks_circles_that_cross_a_quiet_period(app, client, ann, make_user):
    make_circle(app, make_user(), name="Into the break", first_day=FIRST, today=TODAY)
    make_circle(
        app, make_user(), name="After the break", first_day=FIRST + timedelta(weeks=10), today=TODAY
    )
    page = client.get("/circles").get_data(as_text=True)
    into = page[page.index("Into the break") : page.index("After the break")]
    assert "2 meetings fall in Spring break." in into
    assert "fall in" not in page[page.index("After the break") :]


def test_admins_edit_the_list_in_the_app(app, client, make_user, auth):
    make_user(email="root@example.org", roles={"admin"})
    auth.login("root@example.org")
    page = client.get("/admin/quiet-periods").get_data(as_text=True)
    assert "Spring break | Voorjaarsvakantie" in page
    bad = client.post("/admin/quiet-periods", data={"body": "# ok\n2027-02-30 2027-03-01 X"})
    assert bad.status_code == 400
    assert "Line 2: this is not a real date." in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(QuietPeriodsVersion)) is None
    good = client.post("/admin/quiet-periods", data={"body": "07-01 08-31 Summer"})
    assert good.status_code == 303
    assert "07-01 08-31 Summer" in client.get("/admin/quiet-periods").get_data(as_text=True)
    # The saved list replaces the configured one: no warning for the spring break now.
    assert client.post("/circles/new", data=form()).status_code == 302


def test_only_admins_edit_the_list(client, ann):
    assert client.get("/admin/quiet-periods").status_code == 403
    assert client.post("/admin/quiet-periods", data={"body": "07-01 08-31 X"}).status_code == 403


def test_the_circle_page_names_coming_meetings_in_a_quiet_period(app, client, ann):
    circle = make_circle(app, ann, name="Into the break", first_day=FIRST, today=TODAY)
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "2 coming meetings fall in Spring break." in page
    assert f'href="/circles/{circle.id}/meetings/9/skip"' in page
    clear = make_circle(app, ann, name="Clear", first_day=FIRST + timedelta(weeks=10), today=TODAY)
    assert "coming meeting" not in client.get(f"/circles/{clear.id}").get_data(as_text=True)


def test_a_new_list_shows_on_circle_pages_seen_a_moment_before(app, client, ann, make_user):
    """Circle pages are kept between changes (wol/circles/versions.py, wol/front.py): a list
    saved by an admin is such a change for every circle."""
    circle = make_circle(app, ann, name="Into the break", first_day=FIRST, today=TODAY)
    url = f"/circles/{circle.id}"
    for _ in range(3):
        assert "2 coming meetings fall in Spring break." in client.get(url).get_data(as_text=True)
    make_user(email="root@example.org", roles={"admin"})
    admin = app.test_client()
    admin.post("/login", data={"email": "root@example.org", "password": PASSWORD})
    saved = admin.post("/admin/quiet-periods", data={"body": "07-01 08-31 Summer"})
    assert saved.status_code == 303
    assert "Spring break" not in client.get(url).get_data(as_text=True)


def test_a_missing_configured_file_means_no_warnings_not_an_error(app, client, ann, tmp_path):
    app.config["WOL_QUIET_PERIODS_FILE"] = str(tmp_path / "missing.txt")
    assert client.get("/circles").status_code == 200
    assert client.post("/circles/new", data=form()).status_code == 302
