"""Circles: start, invite, join, seats and waiting list, leave, end, move and skip."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.circles_helpers import active_member_ids, make_circle, meetings_of, seats_taken
from tests.conftest import PASSWORD
from wol.circles.models import Circle, Meeting, WaitlistEntry
from wol.extensions import db
from wol.mail.models import OutboxMail
from wol.timestamps import today_in

LEAVE = {"confirmed": "yes"}  # what the leave confirmation page sends
GOOD = {
    "name": "Cirkel Digitale Overheid",
    "language": "nl",
    "first_day": "",  # filled in per test: relative to today
    "local_time": "12:00",
    "timezone": "Europe/Brussels",
    "duration_minutes": "60",
    "kind": "hybrid",
    "place": "Zaal 4.12, Kunstberg",
    "video_url": "https://teams.example.org/meet/abc",
    "chat_url": "",
    "description": "Samen werken aan digitale dienstverlening.",
    "join": "y",
}


def circle_form(**overrides) -> dict:
    """Good values for the start form, changed by ``overrides``."""
    data = dict(GOOD, first_day=(date.today() + timedelta(days=7)).isoformat())
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def count(app, model) -> int:
    """Rows of ``model``."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def mails_to(app, address: str) -> list[OutboxMail]:
    """Queued mails for ``address``, oldest first."""
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(OutboxMail).where(OutboxMail.to_addr == address).order_by(OutboxMail.id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        return rows


@pytest.fixture
def ann(make_user, auth):
    """Ann, signed in, in Brussels."""
    user = make_user(email="ann@example.org", display_name="Ann Peeters")
    auth.login("ann@example.org")
    return user


# --- starting a circle -------------------------------------------------------------------


def test_start_a_circle_creates_twelve_weekly_meetings(client, app, ann):
    response = client.post("/circles/new", data=circle_form())
    assert response.status_code == 302
    circle_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    page = client.get(f"/circles/{circle_id}").get_data(as_text=True)
    assert "Cirkel Digitale Overheid" in page and "Ann Peeters" in page
    meetings = meetings_of(app, circle_id)
    assert [m.week for m in meetings] == list(range(1, 13))
    assert all(
        b.starts_at - a.starts_at
        in (timedelta(days=7), timedelta(days=7, hours=1), timedelta(days=6, hours=23))
        for a, b in zip(meetings, meetings[1:], strict=False)
    )
    assert active_member_ids(app, circle_id) == [ann.id]
    assert seats_taken(app, circle_id) == 1


def test_organise_without_joining(client, app, ann):
    response = client.post("/circles/new", data=circle_form(join=None))
    circle_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    assert active_member_ids(app, circle_id) == []
    assert seats_taken(app, circle_id) == 0
    assert client.get(f"/circles/{circle_id}").status_code == 200  # the organiser sees it


def test_a_running_circle_can_start_up_to_twelve_weeks_back(client, app, ann):
    # Ann's today, in her zone: in the last hour before midnight UTC, Brussels is a day on.
    first = today_in("Europe/Brussels") - timedelta(weeks=12)
    assert (
        client.post("/circles/new", data=circle_form(first_day=first.isoformat())).status_code
        == 302
    )
    too_early = first - timedelta(days=1)
    response = client.post("/circles/new", data=circle_form(first_day=too_early.isoformat()))
    assert response.status_code == 400
    assert "at most 12 weeks ago" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Give the circle a name."),
        ({"name": "n" * 81}, "at most 80 characters"),
        ({"timezone": "Europe/Atlantis"}, "Choose a time zone from the list."),
        ({"duration_minutes": "10"}, "between 15 and 240 minutes"),
        ({"duration_minutes": "241"}, "between 15 and 240 minutes"),
        ({"duration_minutes": "an hour"}, "Enter a number of minutes."),
        ({"first_day": "3 maart"}, "Enter a date"),
        ({"first_day": "2999-01-01"}, "within a year"),
        ({"local_time": "25:00"}, "Enter a time"),
        ({"language": "de"}, "Choose Dutch or English."),
        ({"kind": "online", "video_url": ""}, "needs a video-call link"),
        ({"video_url": "javascript:alert(1)"}, "starts with https://"),
        ({"chat_url": "teams"}, "starts with https://"),
        ({"description": "d" * 501}, "at most 500 characters"),
        ({"kind": "underwater"}, "Choose in person, online or both."),
    ],
)
def test_bad_circle_input_is_refused_and_nothing_is_written(client, app, ann, overrides, message):
    response = client.post("/circles/new", data=circle_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Circle) == 0 and count(app, Meeting) == 0


def test_bad_input_message_is_dutch_for_a_dutch_user(client, app, make_user, auth):
    make_user(email="bram@example.org", language="nl")
    auth.login("bram@example.org")
    response = client.post("/circles/new", data=circle_form(duration_minutes="5"))
    assert response.status_code == 400
    assert "tussen 15 en 240 minuten" in response.get_data(as_text=True)


# --- the schedule across DST ------------------------------------------------------------


def test_meetings_keep_local_time_across_the_march_change(app, make_user):
    ann = make_user()
    circle = make_circle(app, ann)
    starts = [m.starts_at for m in meetings_of(app, circle.id)]
    assert starts[3] == datetime(2026, 3, 24, 11, 0, tzinfo=UTC)  # CET, 12:00 local
    assert starts[4] == datetime(2026, 3, 31, 10, 0, tzinfo=UTC)  # CEST, still 12:00 local


# --- invite page, joining, seats ---------------------------------------------------------


def test_invite_page_shows_only_what_a_newcomer_needs(app, make_user):
    ann = make_user(display_name="Ann Peeters", email="ann@example.org")
    bram = make_user(display_name="Bram de Vries")
    circle = make_circle(app, ann, members=[bram], description="Geheime beschrijving")
    visitor = app.test_client()
    page = visitor.get(f"/join/{circle.invite_token}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Cirkel Digitale Overheid" in page
    assert "Ann, Bram" in page  # first names only
    assert "Peeters" not in page and "de Vries" not in page
    assert "ann@example.org" not in page
    assert "Zaal 4.12" in page and "Dutch" in page
    assert "3 / 5" in page
    assert "Every Tuesday at 12:00" in page
    assert f"/register?next=/join/{circle.invite_token}" in page


def test_invite_page_shows_the_time_in_the_visitors_zone(client, app, make_user, auth):
    ann = make_user()
    circle = make_circle(app, ann)
    make_user(email="joris@example.org", timezone="America/New_York")
    auth.login("joris@example.org")
    page = client.get(f"/join/{circle.invite_token}").get_data(as_text=True)
    assert "Every Tuesday at 06:00" in page
    # Zones as people say them, not as IANA ids.
    assert "New York (United States)" in page and "Brussels (Belgium)" in page


def test_register_from_invite_lands_back_on_it(client, app, make_user):
    ann = make_user()
    circle = make_circle(app, ann)
    path = f"/join/{circle.invite_token}"
    response = client.post(
        "/register",
        data={
            "email": "bram@example.org",
            "display_name": "Bram",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "language": "nl",
            "next": path,
        },
    )
    assert response.status_code == 200  # "check your mailbox"
    [mail] = mails_to(app, "bram@example.org")
    confirm = mail.body_text.split("http://wol.test", 1)[1].split()[0]
    assert client.post(confirm).headers["Location"] == path
    assert client.post(path).headers["Location"] == f"/circles/{circle.id}"
    assert len(active_member_ids(app, circle.id)) == 2


def test_join_requires_sign_in(client, app, make_user):
    circle = make_circle(app, make_user())
    response = client.post(f"/join/{circle.invite_token}")
    assert response.headers["Location"].startswith("/login?next=")
    assert len(active_member_ids(app, circle.id)) == 1


def test_joining_twice_is_refused(client, app, make_user, auth):
    circle = make_circle(app, make_user())
    make_user(email="bram@example.org")
    auth.login("bram@example.org")
    assert client.post(f"/join/{circle.invite_token}").status_code == 302
    response = client.post(f"/join/{circle.invite_token}")
    assert response.status_code == 409
    assert "already a member" in response.get_data(as_text=True)
    assert len(active_member_ids(app, circle.id)) == 2
    assert seats_taken(app, circle.id) == 2


def test_a_full_circle_says_so_and_offers_the_waiting_list(client, app, make_user, auth):
    others = [make_user() for _ in range(4)]
    circle = make_circle(app, make_user(), members=others)
    make_user(email="late@example.org")
    auth.login("late@example.org")
    page = client.get(f"/join/{circle.invite_token}").get_data(as_text=True)
    assert "none: the circle is full" in page and "Join the waiting list" in page
    response = client.post(f"/join/{circle.invite_token}")
    assert response.status_code == 409 and "full" in response.get_data(as_text=True)
    assert len(active_member_ids(app, circle.id)) == 5


def test_rotated_and_made_up_tokens_stop_working(client, app, make_user, auth):
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann)
    auth.login("ann@example.org")
    old = circle.invite_token
    client.post(f"/circles/{circle.id}/invite/rotate")
    response = client.get(f"/join/{old}")
    assert response.status_code == 404
    assert "no longer works" in response.get_data(as_text=True)
    assert client.post(f"/join/{old}").status_code == 404
    assert client.get("/join/made-up-token").status_code == 404
    assert client.get("/join/" + "x" * 500).status_code == 404
    with app.app_context():
        new = db.session.get(Circle, circle.id).invite_token
    assert new != old and len(new) >= 43  # 256 random bits
    assert client.get(f"/join/{new}").status_code == 200


def test_only_the_organiser_rotates_the_link(client, app, make_user, auth):
    bram = make_user(email="bram@example.org")
    circle = make_circle(app, make_user(), members=[bram])
    auth.login("bram@example.org")
    assert client.post(f"/circles/{circle.id}/invite/rotate").status_code == 403


def _join_at_once(app, circle, users) -> list[int]:
    """Let ``users`` post Join at the same instant; return the status codes."""
    barrier = threading.Barrier(len(users))
    statuses = []
    lock = threading.Lock()

    def attempt(client):
        barrier.wait()
        status = client.post(f"/join/{circle.invite_token}").status_code
        with lock:
            statuses.append(status)

    # Signed in one after the other: the race is on joining, not on signing in.
    clients = []
    for user in users:
        client = app.test_client()
        assert (
            client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code
            == 302
        )
        clients.append(client)
    threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_twenty_people_racing_for_the_last_seat_gives_one_member(app, make_user):
    members = [make_user() for _ in range(3)]
    circle = make_circle(app, make_user(), members=members)
    racers = [make_user() for _ in range(20)]
    statuses = _join_at_once(app, circle, racers)
    assert sorted(statuses) == [302] + [409] * 19
    assert len(active_member_ids(app, circle.id)) == 5
    assert seats_taken(app, circle.id) == 5


def test_one_person_double_clicking_join_joins_once(app, make_user):
    circle = make_circle(app, make_user())
    bram = make_user()
    statuses = _join_at_once(app, circle, [bram] * 6)
    assert statuses.count(302) == 1
    assert len(active_member_ids(app, circle.id)) == 2
    assert seats_taken(app, circle.id) == 2


# --- waiting list ------------------------------------------------------------------------


def test_a_freed_seat_is_offered_to_the_first_person_waiting(client, app, make_user, runner):
    members = [make_user(email=f"m{n}@example.org") for n in range(4)]
    circle = make_circle(app, make_user(), members=members)
    first = make_user(email="first@example.org", language="nl")
    second = make_user(email="second@example.org")
    for person in (first, second):
        c = app.test_client()
        c.post("/login", data={"email": person.email, "password": PASSWORD})
        assert c.post(f"/join/{circle.invite_token}/waitlist").status_code == 302
    leaver = app.test_client()
    leaver.post("/login", data={"email": "m0@example.org", "password": PASSWORD})
    assert leaver.post(f"/circles/{circle.id}/leave", data=LEAVE).status_code == 302
    [offer] = [m for m in mails_to(app, "first@example.org") if m.kind == "seat_offer"]
    assert "Er is een plaats vrij" in offer.subject
    assert f"/join/{circle.invite_token}" in offer.body_text
    assert not [m for m in mails_to(app, "second@example.org") if m.kind == "seat_offer"]
    # The seat is held: the second person cannot take it.
    c2 = app.test_client()
    c2.post("/login", data={"email": "second@example.org", "password": PASSWORD})
    assert c2.post(f"/join/{circle.invite_token}").status_code == 409
    # When the offer runs out, it passes to the next person.
    with app.app_context():
        entry = db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.user_id == first.id))
        entry.offer_expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    result = runner.invoke(args=["wol", "tick"])
    assert "offers_expired=1" in result.output
    assert [m for m in mails_to(app, "second@example.org") if m.kind == "seat_offer"]
    assert c2.post(f"/join/{circle.invite_token}").status_code == 302
    assert len(active_member_ids(app, circle.id)) == 5


def test_the_offered_person_joins_the_held_seat(client, app, make_user):
    members = [make_user(email=f"m{n}@example.org") for n in range(4)]
    circle = make_circle(app, make_user(), members=members)
    waiting = make_user(email="waiting@example.org")
    c = app.test_client()
    c.post("/login", data={"email": "waiting@example.org", "password": PASSWORD})
    c.post(f"/join/{circle.invite_token}/waitlist")
    assert "number 1 on the waiting list" in c.get(f"/join/{circle.invite_token}").get_data(
        as_text=True
    )
    leaver = app.test_client()
    leaver.post("/login", data={"email": "m1@example.org", "password": PASSWORD})
    leaver.post(f"/circles/{circle.id}/leave", data=LEAVE)
    assert "A seat is held for you" in c.get(f"/join/{circle.invite_token}").get_data(as_text=True)
    assert c.post(f"/join/{circle.invite_token}").status_code == 302
    assert waiting.id in active_member_ids(app, circle.id)
    assert seats_taken(app, circle.id) == 5
    assert count(app, WaitlistEntry) == 0


def test_leaving_without_anyone_waiting_frees_the_seat(client, app, make_user, auth):
    bram = make_user(email="bram@example.org")
    circle = make_circle(app, make_user(), members=[bram])
    auth.login("bram@example.org")
    assert client.post(f"/circles/{circle.id}/leave", data=LEAVE).headers["Location"] == "/home"
    assert seats_taken(app, circle.id) == 1
    response = client.post(f"/circles/{circle.id}/leave", data=LEAVE)
    assert response.status_code == 403  # no longer a member: the page is not theirs


def test_leaving_twice_as_organiser_member_is_409(client, app, make_user, auth):
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann)
    auth.login("ann@example.org")
    assert client.post(f"/circles/{circle.id}/leave", data=LEAVE).status_code == 302
    response = client.post(f"/circles/{circle.id}/leave", data=LEAVE)
    assert response.status_code == 409
    assert "not a member" in response.get_data(as_text=True)


def test_organiser_removes_a_member_who_is_told(client, app, make_user, auth):
    bram = make_user(email="bram@example.org", language="nl")
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann, members=[bram])
    auth.login("ann@example.org")
    assert client.post(f"/circles/{circle.id}/members/{bram.id}/remove").status_code == 302
    assert active_member_ids(app, circle.id) == [ann.id]
    assert any("niet langer lid" in m.subject for m in mails_to(app, "bram@example.org"))
    assert client.post(f"/circles/{circle.id}/members/{bram.id}/remove").status_code == 404


def test_members_cannot_remove_each_other(client, app, make_user, auth):
    bram = make_user(email="bram@example.org")
    els = make_user()
    circle = make_circle(app, make_user(), members=[bram, els])
    auth.login("bram@example.org")
    assert client.post(f"/circles/{circle.id}/members/{els.id}/remove").status_code == 403
    assert els.id in active_member_ids(app, circle.id)


# --- ending early ------------------------------------------------------------------------


def test_end_early_needs_a_reason_then_closes_the_circle(client, app, make_user, auth):
    bram = make_user(email="bram@example.org")
    circle = make_circle(app, make_user(email="ann@example.org"), members=[bram])
    auth.login("ann@example.org")
    response = client.post(f"/circles/{circle.id}/end", data={"reason": "  "})
    assert response.status_code == 400
    assert "why the circle ends" in response.get_data(as_text=True)
    response = client.post(f"/circles/{circle.id}/end", data={"reason": "r" * 301})
    assert response.status_code == 400
    response = client.post(f"/circles/{circle.id}/end", data={"reason": "Te weinig tijd."})
    assert response.status_code == 302
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Ended early" in page and "Te weinig tijd." in page
    assert any(m.kind == "circle_ended" for m in mails_to(app, "bram@example.org"))
    # An ended circle takes nobody and its schedule is frozen.
    make_user(email="new@example.org")
    c = app.test_client()
    c.post("/login", data={"email": "new@example.org", "password": PASSWORD})
    assert c.post(f"/join/{circle.invite_token}").status_code == 409
    assert (
        client.post(f"/circles/{circle.id}/meetings/3/skip", data={"shift": "no"}).status_code
        == 409
    )
    assert client.post(f"/circles/{circle.id}/end", data={"reason": "Again"}).status_code == 409


def test_a_member_cannot_end_the_circle_for_everybody(client, app, make_user, auth):
    bram = make_user(email="bram@example.org")
    circle = make_circle(app, make_user(email="ann@example.org"), members=[bram])
    auth.login("bram@example.org")
    assert "End the circle early" not in client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert client.get(f"/circles/{circle.id}/end").status_code == 403
    response = client.post(f"/circles/{circle.id}/end", data={"reason": "Ik wil stoppen."})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Circle, circle.id).ended_at is None


def test_members_may_end_the_circle_once_the_organiser_left(client, app, make_user, auth):
    bram = make_user(email="bram@example.org")
    circle = make_circle(app, make_user(email="ann@example.org"), members=[bram])
    ann = app.test_client()
    ann.post("/login", data={"email": "ann@example.org", "password": PASSWORD})
    assert ann.post(f"/circles/{circle.id}/leave", data=LEAVE).status_code == 302
    auth.login("bram@example.org")
    assert "End the circle early" in client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert (
        client.post(f"/circles/{circle.id}/end", data={"reason": "Ann is weg."}).status_code == 302
    )


def test_one_click_on_leave_asks_first(client, app, make_user, auth):
    bram = make_user(email="bram@example.org")
    circle = make_circle(app, make_user(), members=[bram])
    auth.login("bram@example.org")
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert f'href="/circles/{circle.id}/leave"' in page  # a link to a page, not a form
    # A bare POST (an old page's button, a stray click) shows the question and changes nothing.
    response = client.post(f"/circles/{circle.id}/leave")
    assert response.status_code == 200
    assert "Yes, leave this circle" in response.get_data(as_text=True)
    assert bram.id in active_member_ids(app, circle.id)
    assert client.post(f"/circles/{circle.id}/leave", data=LEAVE).status_code == 302
    assert bram.id not in active_member_ids(app, circle.id)


# --- moving and skipping -----------------------------------------------------------------


def test_move_one_meeting_leaves_the_others_and_tells_the_members(client, app, make_user, auth):
    bram = make_user(email="bram@example.org", language="nl", timezone="Europe/Amsterdam")
    circle = make_circle(app, make_user(email="ann@example.org"), members=[bram])
    before = meetings_of(app, circle.id)
    sequence = circle.calendar_sequence  # raised by each invitation sent so far
    auth.login("ann@example.org")
    response = client.post(
        f"/circles/{circle.id}/meetings/7/move", data={"day": "2026-04-16", "at": "14:00"}
    )
    assert response.headers["Location"] == f"/circles/{circle.id}#week-7"
    after = meetings_of(app, circle.id)
    assert after[6].starts_at == datetime(2026, 4, 16, 12, 0, tzinfo=UTC)
    assert after[6].moved
    assert [m.starts_at for i, m in enumerate(after) if i != 6] == [
        m.starts_at for i, m in enumerate(before) if i != 6
    ]
    [mail] = [m for m in mails_to(app, "bram@example.org") if m.kind == "meeting_moved"]
    assert "week 7" in mail.subject
    assert "donderdag 16 april 2026, 14:00" in mail.body_text  # her language and zone
    with app.app_context():
        assert db.session.get(Circle, circle.id).calendar_sequence == sequence + 1


@pytest.mark.parametrize(
    ("day", "at", "message"),
    [
        ("2026-04-07", "12:00", "must stay after week 6 and before week 8"),  # equal to week 6
        ("2026-04-28", "12:00", "must stay after week 6 and before week 8"),  # equal to week 8
        ("2026-05-05", "09:00", "must stay after week 6 and before week 8"),
        ("", "12:00", "Enter a date."),
        ("2026-04-16", "noon", "Enter a time."),
    ],
)
def test_moving_past_a_neighbour_is_refused(client, app, make_user, auth, day, at, message):
    circle = make_circle(app, make_user(email="ann@example.org"))
    before = meetings_of(app, circle.id)
    auth.login("ann@example.org")
    response = client.post(f"/circles/{circle.id}/meetings/7/move", data={"day": day, "at": at})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert [m.starts_at for m in meetings_of(app, circle.id)] == [m.starts_at for m in before]


def test_move_last_and_first_week_have_one_neighbour(client, app, make_user, auth):
    circle = make_circle(app, make_user(email="ann@example.org"))
    auth.login("ann@example.org")
    response = client.post(
        f"/circles/{circle.id}/meetings/12/move", data={"day": "2026-05-12", "at": "12:00"}
    )
    assert "must stay after week 11" in response.get_data(as_text=True)
    assert (
        client.post(
            f"/circles/{circle.id}/meetings/12/move", data={"day": "2026-06-01", "at": "10:00"}
        ).status_code
        == 302
    )
    for far in ("2026-07-01", "9999-12-31"):
        response = client.post(
            f"/circles/{circle.id}/meetings/12/move", data={"day": far, "at": "23:30"}
        )
        assert response.status_code == 400
        assert "at most four weeks" in response.get_data(as_text=True)
    assert (
        client.post(
            f"/circles/{circle.id}/meetings/13/move", data={"day": "2026-06-01", "at": "10:00"}
        ).status_code
        == 404
    )


def test_skip_with_shift_moves_this_and_later_weeks_a_local_week_on(client, app, make_user, auth):
    circle = make_circle(app, make_user(email="ann@example.org"))
    before = meetings_of(app, circle.id)
    auth.login("ann@example.org")
    response = client.post(f"/circles/{circle.id}/meetings/4/skip", data={"shift": "yes"})
    assert response.status_code == 302
    after = meetings_of(app, circle.id)
    assert [m.starts_at for m in after[:3]] == [m.starts_at for m in before[:3]]
    # Week 4 was 24 March 11:00Z (CET); a week later is 31 March, now CEST: 10:00Z.
    assert after[3].starts_at == datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
    assert after[11].starts_at == before[11].starts_at + timedelta(days=7)
    assert [m.slot for m in after] == [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "no meeting (skipped)" in page and "Tue 24 Mar 2026" in page


def test_skip_without_shift_marks_only_that_week(client, app, make_user, auth):
    circle = make_circle(app, make_user(email="ann@example.org"))
    before = meetings_of(app, circle.id)
    auth.login("ann@example.org")
    client.post(f"/circles/{circle.id}/meetings/5/skip", data={"shift": "no"})
    after = meetings_of(app, circle.id)
    assert after[4].skipped_at is not None
    assert [m.starts_at for m in after] == [m.starts_at for m in before]
    response = client.post(f"/circles/{circle.id}/meetings/5/skip", data={"shift": "no"})
    assert response.status_code == 409
    assert (
        client.post(
            f"/circles/{circle.id}/meetings/5/move", data={"day": "2026-04-02", "at": "12:00"}
        ).status_code
        == 409
    )


def test_skip_with_unknown_choice_is_400(client, app, make_user, auth):
    circle = make_circle(app, make_user(email="ann@example.org"))
    auth.login("ann@example.org")
    assert (
        client.post(f"/circles/{circle.id}/meetings/5/skip", data={"shift": "maybe"}).status_code
        == 400
    )


# --- invitations by mail ----------------------------------------------------------------


def test_invite_by_email_queues_one_mail_per_address(client, app, make_user, auth):
    circle = make_circle(app, make_user(email="ann@example.org", display_name="Ann Peeters"))
    make_user(email="known@example.org", language="en")
    auth.login("ann@example.org")
    addresses = "known@example.org, new@example.org\nNEW@example.org"
    response = client.post(f"/circles/{circle.id}/invite/email", data={"addresses": addresses})
    assert response.status_code == 302
    [known] = mails_to(app, "known@example.org")
    [new] = mails_to(app, "new@example.org")
    assert known.subject.startswith("Ann Peeters invites you")  # their language
    assert new.subject.startswith("Ann Peeters nodigt je uit")  # the circle's language
    assert f"/join/{circle.invite_token}" in new.body_text


@pytest.mark.parametrize(
    "addresses", ["", "not-an-address", ",".join(f"p{n}@example.org" for n in range(11))]
)
def test_invite_by_email_bad_input(client, app, make_user, auth, addresses):
    circle = make_circle(app, make_user(email="ann@example.org"))
    auth.login("ann@example.org")
    response = client.post(f"/circles/{circle.id}/invite/email", data={"addresses": addresses})
    assert response.status_code == 400
    with app.app_context():
        assert not db.session.scalars(
            select(OutboxMail).where(OutboxMail.kind == "circle_invite")
        ).all()


# --- home page -------------------------------------------------------------------------


def test_home_lists_my_circles_with_the_next_meeting(client, app, make_user, auth):
    ann = make_user(email="ann@example.org", timezone="America/New_York")
    today = date.today()
    make_circle(
        app,
        ann,
        first_day=today + timedelta(days=1),
        today=today,
        chat_url="https://engage.example.org/groups/x",
    )
    auth.login("ann@example.org")
    page = client.get("/home").get_data(as_text=True)
    assert "Cirkel Digitale Overheid" in page
    assert "Next meeting: week 1" in page
    assert "06:00" in page  # 12:00 Brussels, in her New York zone
    assert "https://engage.example.org/groups/x" in page


# --- invitations by mail are limited, and links are for members ----------------------------


def test_invitations_by_mail_are_limited_per_person_and_circle_and_say_so(
    client, app, make_user, auth
):
    app.config.update(INVITES_PER_PERSON_PER_DAY=12, INVITES_PER_CIRCLE_PER_DAY=15)
    bram = make_user(email="bram@example.org")
    circle = make_circle(app, make_user(email="ann@example.org"), members=[bram])
    auth.login("ann@example.org")

    def invite(who, first, count):
        addresses = ", ".join(f"p{n}@example.org" for n in range(first, first + count))
        return who.post(f"/circles/{circle.id}/invite/email", data={"addresses": addresses})

    assert invite(client, 0, 10).status_code == 302
    response = invite(client, 10, 3)  # 13 > 12 for Ann today
    assert response.status_code == 429
    assert "12 invitations by mail a day" in response.get_data(as_text=True)
    assert invite(client, 10, 2).status_code == 302
    other = app.test_client()
    other.post("/login", data={"email": "bram@example.org", "password": PASSWORD})
    response = invite(other, 20, 4)  # 12 + 4 > 15 for the circle today
    assert response.status_code == 429
    assert "This circle can send 15 invitations" in response.get_data(as_text=True)
    with app.app_context():
        sent = db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "circle_invite"))
        assert len(sent.all()) == 12


@pytest.mark.slow
def test_thirty_parallel_invitation_posts_stay_within_the_limit(app, make_user):
    app.config.update(INVITES_PER_PERSON_PER_DAY=30)
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann)
    client = app.test_client()
    client.post("/login", data={"email": "ann@example.org", "password": PASSWORD})
    barrier = threading.Barrier(30)

    def send(n):
        barrier.wait()
        addresses = ", ".join(f"p{n}-{k}@example.org" for k in range(10))
        client.post(f"/circles/{circle.id}/invite/email", data={"addresses": addresses})

    threads = [threading.Thread(target=send, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        sent = db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "circle_invite"))
        assert len(sent.all()) == 30


def test_the_invite_page_shows_call_and_chat_links_to_members_only(app, make_user, auth, client):
    bram = make_user(email="bram@example.org")
    circle = make_circle(
        app,
        make_user(),
        members=[bram],
        kind="hybrid",
        video_url="https://teams.example.org/meet/secret",
        chat_url="https://chat.example.org/secret",
    )
    path = f"/join/{circle.invite_token}"
    outsider = app.test_client().get(path).get_data(as_text=True)
    assert "Zaal 4.12" in outsider and "secret" not in outsider
    auth.login("bram@example.org")
    assert "https://teams.example.org/meet/secret" in client.get(path).get_data(as_text=True)
    with app.app_context():
        db.session.get(Circle, circle.id).ended_at = datetime.now(UTC)
        db.session.commit()
    assert "secret" not in client.get(path).get_data(as_text=True)


def test_the_waiting_list_is_only_for_full_circles(client, app, make_user, auth):
    circle = make_circle(app, make_user())
    make_user(email="bram@example.org")
    auth.login("bram@example.org")
    response = client.post(f"/join/{circle.invite_token}/waitlist")
    assert response.status_code == 409
    assert "join it instead" in response.get_data(as_text=True)
    assert count(app, WaitlistEntry) == 0
