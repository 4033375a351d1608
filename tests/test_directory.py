"""Find a circle: the directory lists open circles only, filters from the URL, joins with the
seat rules; invite-only circles never show; organisers choose listing and who invites."""

import re
import threading
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from tests.circles_helpers import active_member_ids, make_circle
from tests.conftest import PASSWORD
from wol.auth.models import User
from wol.circles.models import Circle, WaitlistEntry
from wol.circles.service import end_circle, join_circle
from wol.extensions import db
from wol.timestamps import utcnow

TODAY = utcnow().date()


def next_weekday(weekday: int, after_days: int = 7) -> date:
    """The first ``weekday`` (0 = Monday) at least ``after_days`` from today."""
    day = TODAY + timedelta(days=after_days)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def listed(app, organiser, **overrides):
    """A listed circle starting in a week or two (Tuesday 12:00 Brussels by default)."""
    values = {"first_day": next_weekday(1), "local_time": time(12, 0), "today": TODAY}
    values.update(overrides)
    return make_circle(app, organiser, **values)


def names_on(html: str) -> list[str]:
    """Names of the circles on a directory page, in order."""
    return re.findall(r'<h3 id="circle-\d+-name">([^<]+)</h3>', html)


@pytest.fixture
def ann(make_user):
    return make_user(email="ann@example.org", display_name="Ann", language="nl")


@pytest.fixture
def bram(make_user, client, auth):
    user = make_user(email="bram@example.org", display_name="Bram")
    auth.login("bram@example.org")
    return user


def test_the_directory_needs_a_signed_in_user(client):
    response = client.get("/circles")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_only_listed_circles_with_seats_and_time_left_appear(app, client, ann, bram, make_user):
    listed(app, ann, name="Open circle")
    listed(app, ann, name="Secret circle", listed=False)
    others = [make_user() for _ in range(4)]
    listed(app, ann, name="Full circle", members=others)
    ended = listed(app, ann, name="Ended circle")
    with app.test_request_context():
        end_circle(db.session.get(Circle, ended.id), db.session.get(User, ann.id), "We stop.")
        db.session.commit()
    # Week 1 was ten days ago, week 2 three days ago: too late to join from the directory.
    listed(app, ann, name="Running circle", first_day=TODAY - timedelta(days=10))
    # Week 1 was five days ago, week 2 is still to come: newcomers are still welcome.
    listed(app, ann, name="Just started", first_day=TODAY - timedelta(days=5))
    page = client.get("/circles").get_data(as_text=True)
    assert sorted(names_on(page)) == ["Just started", "Open circle"]
    assert "2 circles fit" in page
    assert "Secret circle" not in page


def test_filters_come_from_the_url_and_combine(app, client, ann, bram):
    listed(
        app,
        ann,
        name="Dutch online",
        language="nl",
        kind="online",
        place=None,
        video_url="https://meet.example.org/a",
    )
    listed(app, ann, name="English in Gent", language="en", place="Zaal 2, WTC, Gent")
    listed(
        app,
        ann,
        name="Dutch in Brussel",
        language="nl",
        place="Kunstberg, Brussel",
        kind="hybrid",
        video_url="https://meet.example.org/b",
    )
    assert names_on(client.get("/circles?lang=nl").get_data(as_text=True)) == [
        "Dutch online",
        "Dutch in Brussel",
    ]
    # Someone who wants online also finds circles that meet both ways.
    assert names_on(client.get("/circles?lang=nl&kind=online").get_data(as_text=True)) == [
        "Dutch online",
        "Dutch in Brussel",
    ]
    assert names_on(client.get("/circles?kind=hybrid").get_data(as_text=True)) == [
        "Dutch in Brussel"
    ]
    assert names_on(client.get("/circles?place=gent").get_data(as_text=True)) == ["English in Gent"]
    page = client.get("/circles?lang=en").get_data(as_text=True)
    # The form shows the filter that is on, so the back button and a shared link agree.
    assert '<option value="en" selected>' in page
    suggestions = client.get("/circles").get_data(as_text=True)
    assert '<option value="Gent">' in suggestions and '<option value="Brussel">' in suggestions


def test_weekday_and_time_of_day_are_the_viewers(app, client, ann, make_user, auth):
    # Tuesday 12:00 in Brussels is Tuesday 06:00 in New York: morning there, midday here.
    listed(app, ann, name="Tuesday noon")
    listed(app, ann, name="Thursday evening", first_day=next_weekday(3), local_time=time(19, 30))
    make_user(email="nina@example.org", timezone="America/New_York")
    auth.login("nina@example.org")
    assert names_on(client.get("/circles?day=tue&time=morning").get_data(as_text=True)) == [
        "Tuesday noon"
    ]
    # 19:30 in Brussels is 13:30 in New York.
    assert names_on(client.get("/circles?time=midday").get_data(as_text=True)) == [
        "Thursday evening"
    ]
    assert names_on(client.get("/circles?time=evening").get_data(as_text=True)) == []
    page = client.get("/circles?day=thu").get_data(as_text=True)
    assert names_on(page) == ["Thursday evening"]
    # 19:30 in Brussels, shown in New York time.
    assert re.search(r"Every Thursday at (13:30|1:30\W?PM)", page)


def test_start_month_filter(app, client, ann, bram):
    first = listed(app, ann, name="Soon")
    later = listed(app, ann, name="Later", first_day=next_weekday(1, after_days=70))
    month = later.first_day.strftime("%Y-%m")
    assert first.first_day.strftime("%Y-%m") != month
    assert names_on(client.get(f"/circles?month={month}").get_data(as_text=True)) == ["Later"]


@pytest.mark.parametrize(
    "query",
    [
        "lang=fr",
        "kind=boat",
        "day=someday",
        "time=night",
        "month=2027-13",
        "month=x",
        "page=-1",
        "page=abc",
        "place=" + "x" * 81,
        "place=%07bell",
        "lang=nl&lang=%ff",
    ],
)
def test_unknown_filter_values_are_ignored_with_a_notice(app, client, ann, bram, query):
    listed(app, ann, name="Open circle")
    response = client.get(f"/circles?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if query != "lang=nl&lang=%ff":
        assert "were not understood and are ignored" in page
    assert names_on(page) == ["Open circle"]


def test_the_directory_is_paged_and_the_filter_stays_on_every_page(app, client, ann, bram):
    for n in range(23):
        listed(app, ann, name=f"Circle {n:02d}", language="en")
    listed(app, ann, name="Dutch one", language="nl")
    first = client.get("/circles?lang=en").get_data(as_text=True)
    assert len(names_on(first)) == 20 and "Page 1 of 2" in first
    assert 'href="/circles?page=2&amp;lang=en"' in first
    second = client.get("/circles?page=2&lang=en").get_data(as_text=True)
    assert names_on(second) == ["Circle 20", "Circle 21", "Circle 22"]
    # A page past the end shows the last one rather than nothing.
    assert names_on(client.get("/circles?page=9&lang=en").get_data(as_text=True)) == names_on(
        second
    )


def test_join_from_the_directory(app, client, ann, bram):
    circle = listed(app, ann, name="Open circle")
    response = client.post(f"/circles/{circle.id}/join")
    assert response.headers["Location"].endswith(f"/circles/{circle.id}")
    assert bram.id in active_member_ids(app, circle.id)
    assert "Welcome to Open circle" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    home = client.get("/home").get_data(as_text=True)
    assert "Open circle" in home
    # The directory now says so instead of offering to join again.
    assert "You are a member: open the circle" in client.get("/circles").get_data(as_text=True)


def test_an_invite_only_circle_cannot_be_joined_from_the_directory(app, client, ann, bram):
    circle = listed(app, ann, name="Secret circle", listed=False)
    assert client.post(f"/circles/{circle.id}/join").status_code == 404
    assert bram.id not in active_member_ids(app, circle.id)


def test_a_circle_that_just_became_full_puts_you_on_the_waiting_list(
    app, client, ann, bram, make_user
):
    circle = listed(app, ann, name="Almost full", members=[make_user() for _ in range(3)])
    client.get("/circles")  # Bram sees one seat left...
    with app.test_request_context():  # ...and someone else takes it first.
        join_circle(db.session.get(Circle, circle.id), db.session.get(User, make_user().id))
        db.session.commit()
    response = client.post(f"/circles/{circle.id}/join", data={"lang": "nl"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/circles?lang=nl")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Almost full just became full. You are on its waiting list" in page
    with app.app_context():
        assert (
            db.session.scalar(
                select(WaitlistEntry.user_id).where(WaitlistEntry.circle_id == circle.id)
            )
            == bram.id
        )
    # Clicking again does not put them in line twice.
    client.post(f"/circles/{circle.id}/join")
    assert "already on the waiting list" in client.get("/circles").get_data(as_text=True)


def test_the_organiser_chooses_listing_later(app, client, ann, auth):
    circle = listed(app, ann, name="Ann circle")
    auth.login("ann@example.org")
    client.post(f"/circles/{circle.id}/sharing", data={"members_may_invite": "y"})
    assert "Ann circle" not in client.get("/circles").get_data(as_text=True)
    client.post(f"/circles/{circle.id}/sharing", data={"listed": "y", "members_may_invite": "y"})
    assert names_on(client.get("/circles").get_data(as_text=True)) == ["Ann circle"]
    with app.app_context():
        assert db.session.get(Circle, circle.id).listed


def test_only_the_organiser_changes_listing(app, client, ann, bram):
    circle = listed(app, ann, name="Ann circle", members=[bram])
    assert client.post(f"/circles/{circle.id}/sharing", data={}).status_code == 403
    with app.app_context():
        assert db.session.get(Circle, circle.id).listed


def test_members_share_the_invite_link_unless_the_organiser_switched_it_off(
    app, client, ann, bram, auth
):
    circle = listed(app, ann, name="Ann circle", members=[bram])
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert 'id="invite-link"' in page and "3 seats left" in page
    with app.app_context():
        db.session.get(Circle, circle.id).members_may_invite = False
        db.session.commit()
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert 'id="invite-link"' not in page
    assert "3 seats left" in page and "the organiser shares the invite link" in page
    response = client.post(
        f"/circles/{circle.id}/invite/email", data={"addresses": "colleague@example.org"}
    )
    assert response.status_code == 403


def test_a_new_circle_is_listed_unless_the_organiser_says_otherwise(app, client, ann, auth):
    auth.login("ann@example.org")
    form = {
        "name": "Cirkel",
        "language": "nl",
        "first_day": next_weekday(2).isoformat(),
        "local_time": "12:00",
        "timezone": "Europe/Brussels",
        "duration_minutes": "60",
        "kind": "in_person",
        "place": "Zaal 1",
        "join": "y",
        "members_may_invite": "y",
        "quiet": "keep",
    }
    client.post("/circles/new", data={**form, "listed": "y"})
    client.post("/circles/new", data={**form, "name": "Verborgen"})
    with app.app_context():
        rows = {c.name: c.listed for c in db.session.scalars(select(Circle))}
    assert rows == {"Cirkel": True, "Verborgen": False}


def _join_from_directory_at_once(app, circle_id, users) -> list[int]:
    """Let ``users`` press Join in the directory at the same instant; the status codes."""
    barrier = threading.Barrier(len(users))
    statuses, lock = [], threading.Lock()

    def attempt(user):
        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        barrier.wait()
        status = client.post(f"/circles/{circle_id}/join").status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.parametrize("trial", range(5))
def test_people_joining_the_last_seat_from_the_directory_at_once(app, ann, make_user, trial):
    circle = listed(app, ann, name="One seat left", members=[make_user() for _ in range(3)])
    racers = [make_user() for _ in range(5)]
    statuses = _join_from_directory_at_once(app, circle.id, racers)
    # One joins (to the circle page), the others land on the waiting list (back to the list).
    assert sorted(statuses) == [303] * 5
    members = active_member_ids(app, circle.id)
    assert len(members) == 5
    with app.app_context():
        waiting = set(
            db.session.scalars(
                select(WaitlistEntry.user_id).where(WaitlistEntry.circle_id == circle.id)
            )
        )
        assert db.session.get(Circle, circle.id).seats_taken == 5
    assert waiting == {r.id for r in racers} - set(members)
