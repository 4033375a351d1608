"""Check-ins: one click from the mail or the site records a meeting once; corrections are kept."""

import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD
from wol.auth.models import User
from wol.checkins.models import CheckinRecord, MeetingAttendance
from wol.checkins.service import link_token
from wol.circles.models import Circle, Meeting
from wol.circles.service import join_circle
from wol.extensions import db
from wol.mail.models import OutboxMail
from wol.timestamps import utcnow


def running_circle(app, make_user, members=3, weeks_ago=1, **overrides):
    """A circle whose week ``weeks_ago + 1`` meets tomorrow (so its week 1 was a day less than
    ``weeks_ago`` weeks ago), with its organiser and members.

    Tomorrow, not today: a meeting today at noon has started or not depending on the hour the
    suite runs, and so would what the pages offer."""
    today = date.today()
    ann = make_user(email="ann@example.org", display_name="Ann Peeters")
    others = [make_user(display_name=f"Member {n}") for n in range(members)]
    circle = make_circle(
        app,
        ann,
        members=others,
        first_day=today + timedelta(days=1) - timedelta(weeks=weeks_ago),
        today=today,
        **overrides,
    )
    return circle, ann, others


def meeting(app, circle_id, week) -> Meeting:
    """A meeting row, detached."""
    with app.app_context():
        row = db.session.scalar(
            select(Meeting).where(Meeting.circle_id == circle_id, Meeting.week == week)
        )
        db.session.expunge(row)
        return row


def link(app, meeting_row, user, answer="yes", now=None) -> str:
    """The path of a check-in link for ``user``."""
    with app.test_request_context():
        token = link_token(meeting_row, user, now or utcnow())
    return f"/checkin/{meeting_row.id}/{token}/{answer}"


def records(app, meeting_id) -> int:
    """How many check-in history lines a meeting has."""
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(CheckinRecord)
            .where(CheckinRecord.meeting_id == meeting_id)
        )


def test_yes_from_the_mail_records_held_with_everyone_present_without_signing_in(
    client, app, make_user
):
    circle, ann, others = running_circle(app, make_user)
    week1 = meeting(app, circle.id, 1)
    page = client.get(link(app, week1, others[0]))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Week 1 is recorded as held" in text
    assert "Who was there?" in text and "Member 2" in text  # members see who was there
    row = meeting(app, circle.id, 1)
    assert row.held_at is not None and row.attended == 4 and row.checkin_version == 1
    with app.app_context():
        present = set(db.session.scalars(select(MeetingAttendance.user_id)))
    assert present == {ann.id, *(o.id for o in others)}
    assert records(app, week1.id) == 1


def test_clicking_twice_records_one_answer_and_says_so(client, app, make_user):
    circle, _ann, others = running_circle(app, make_user)
    week1 = meeting(app, circle.id, 1)
    assert client.get(link(app, week1, others[0], "no")).status_code == 200
    again = client.get(link(app, week1, others[0], "yes"))
    assert "This meeting was already recorded" in again.get_data(as_text=True)
    row = meeting(app, circle.id, 1)
    assert row.not_held_at is not None and row.held_at is None
    assert records(app, week1.id) == 1


def test_a_link_checker_peeking_with_head_records_nothing(client, app, make_user):
    circle, _ann, others = running_circle(app, make_user)
    week1 = meeting(app, circle.id, 1)
    assert client.head(link(app, week1, others[0])).status_code == 200
    assert records(app, week1.id) == 0


def test_correcting_who_was_there_keeps_who_changed_what_and_when(client, app, make_user):
    circle, ann, others = running_circle(app, make_user)
    week1 = meeting(app, circle.id, 1)
    path = link(app, week1, others[0])
    client.get(path)
    view = path.rsplit("/", 1)[0]
    response = client.post(
        view, data={"held": "yes", "attendees": [ann.id, others[0].id], "version": "1"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(view)
    page = client.get(view).get_data(as_text=True)
    assert "2 people were there" in page
    assert "Member 0 recorded it as held, 2 present (correction)" in page
    assert "Member 0 recorded it as held, 4 present (from the mail)" in page
    row = meeting(app, circle.id, 1)
    assert row.attended == 2 and row.checkin_version == 2
    # A correction made on the old page (version 1) does not overwrite the newer one.
    stale = client.post(view, data={"held": "no", "version": "1"})
    assert stale.status_code == 409
    assert "Someone changed this meeting a moment ago" in stale.get_data(as_text=True)
    assert meeting(app, circle.id, 1).held_at is not None
    assert records(app, week1.id) == 2


@pytest.mark.parametrize(
    "data, message",
    [
        ({"held": "yes", "attendees": [], "version": "1"}, "Tick at least one person"),
        ({"held": "yes", "attendees": ["999999"], "version": "1"}, "Tick only members"),
        ({"held": "maybe", "version": "1"}, "Not a valid choice"),
        ({"held": "yes", "version": "x"}, ""),
    ],
)
def test_bad_corrections_are_refused_and_change_nothing(client, app, make_user, data, message):
    circle, _ann, others = running_circle(app, make_user)
    week1 = meeting(app, circle.id, 1)
    path = link(app, week1, others[0])
    client.get(path)
    response = client.post(path.rsplit("/", 1)[0], data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert meeting(app, circle.id, 1).checkin_version == 1


def test_expired_link_is_a_clear_400_in_the_members_language(client, app, make_user):
    circle, _ann, _others = running_circle(app, make_user)
    bram = make_user(display_name="Bram", language="nl")
    with app.test_request_context():
        join_circle(db.session.get(Circle, circle.id), db.session.get(User, bram.id))
        db.session.commit()
    week1 = meeting(app, circle.id, 1)
    old = link(app, week1, bram, now=utcnow() - timedelta(days=15))
    response = client.get(old)
    assert response.status_code == 400
    assert "Deze link om te registreren is verlopen" in response.get_data(as_text=True)
    assert records(app, week1.id) == 0


def test_forged_damaged_and_reused_links_are_404_and_record_nothing(client, app, make_user):
    circle, _ann, others = running_circle(app, make_user)
    week1, week2 = meeting(app, circle.id, 1), meeting(app, circle.id, 2)
    good = link(app, week1, others[0])
    token = good.split("/")[3]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for path in (
        f"/checkin/{week1.id}/{forged}/yes",
        f"/checkin/{week2.id}/{token}/yes",
        f"/checkin/{week1.id}/not-a-token/yes",
        f"/checkin/{week1.id}/{'x' * 400}/yes",
        f"/checkin/{week1.id}/{token}/maybe",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
    assert "This check-in link is not valid" in client.get(
        f"/checkin/{week1.id}/{forged}/yes"
    ).get_data(as_text=True)
    assert records(app, week1.id) == records(app, week2.id) == 0


def test_a_member_who_left_cannot_use_their_link(client, app, make_user):
    circle, _ann, others = running_circle(app, make_user)
    week1 = meeting(app, circle.id, 1)
    path = link(app, week1, others[0])
    member = app.test_client()
    member.post("/login", data={"email": others[0].email, "password": PASSWORD})
    member.post(f"/circles/{circle.id}/leave", data={"confirmed": "yes"})
    assert client.get(path).status_code == 403
    assert client.get(path.rsplit("/", 1)[0]).status_code == 403  # nor who was there
    assert records(app, week1.id) == 0


def test_signed_in_member_records_in_one_click_from_home(client, app, make_user, auth):
    circle, ann, _others = running_circle(app, make_user)
    auth.login("ann@example.org")
    home = client.get("/home").get_data(as_text=True)
    assert "Did week 1 take place?" in home
    response = client.post(f"/circles/{circle.id}/meetings/1/checkin", data={"held": "yes"})
    assert response.headers["Location"].endswith(f"/circles/{circle.id}/meetings/1/checkin")
    assert "Week 1 was held." in client.get("/home").get_data(as_text=True)
    detail = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert re.search(r'id="week-1" class="state-held', detail)
    assert "Week 1 held on" in detail  # the circle's health, with its reason
    meeting_page = client.get(f"/circles/{circle.id}/week/1").get_data(as_text=True)
    assert "badge-held" in meeting_page


def test_a_future_meeting_is_refused_with_a_reason(client, app, make_user, auth):
    circle, _ann, _others = running_circle(app, make_user)
    auth.login("ann@example.org")
    response = client.post(f"/circles/{circle.id}/meetings/5/checkin", data={"held": "yes"})
    assert response.status_code == 400
    assert "Week 5 has not started yet" in response.get_data(as_text=True)
    assert meeting(app, circle.id, 5).checkin_version == 0


def test_strangers_and_members_of_other_circles_cannot_record(client, app, make_user, auth):
    circle, _ann, _others = running_circle(app, make_user)
    make_user(email="stranger@example.org")
    auth.login("stranger@example.org")
    assert (
        client.post(f"/circles/{circle.id}/meetings/1/checkin", data={"held": "yes"}).status_code
        == 403
    )
    assert client.get(f"/circles/{circle.id}/meetings/1/checkin").status_code == 403
    assert client.post("/circles/99999/meetings/1/checkin", data={"held": "yes"}).status_code == 404
    assert meeting(app, circle.id, 1).checkin_version == 0


def test_the_organiser_who_is_no_member_cannot_record(client, app, make_user, auth):
    els = make_user(email="els@example.org", roles={"organiser"})
    members = [make_user() for _ in range(4)]
    today = date.today()
    circle = make_circle(
        app, els, members=members, join=False, first_day=today - timedelta(weeks=1), today=today
    )
    auth.login("els@example.org")
    assert (
        client.post(f"/circles/{circle.id}/meetings/1/checkin", data={"held": "yes"}).status_code
        == 403
    )


def _click_at_once(app, paths: list[str]) -> list[int]:
    """Open every path at the same instant from its own client; return the statuses."""
    barrier = threading.Barrier(len(paths))
    statuses = []
    lock = threading.Lock()

    def attempt(path):
        client = app.test_client()
        barrier.wait()
        status = client.get(path).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt, args=(p,)) for p in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.parametrize("trial", range(10))
def test_members_clicking_yes_and_no_at_the_same_instant_record_one_answer(app, make_user, trial):
    circle, ann, others = running_circle(app, make_user, members=4)
    week1 = meeting(app, circle.id, 1)
    people = [ann, *others]
    paths = [link(app, week1, person, "yes" if n % 2 else "no") for n, person in enumerate(people)]
    paths += paths[:3]  # and a few double clicks
    statuses = _click_at_once(app, paths)
    assert statuses == [200] * len(paths)
    assert records(app, week1.id) == 1
    row = meeting(app, circle.id, 1)
    assert (row.held_at is None) != (row.not_held_at is None)
    with app.app_context():
        present = db.session.scalar(select(func.count()).select_from(MeetingAttendance))
    assert present == (5 if row.held_at else 0)


def test_the_mail_after_the_meeting_carries_the_two_links(app, make_user):
    from wol.tick import run_tick

    circle, _ann, others = running_circle(app, make_user)
    week1 = meeting(app, circle.id, 1)
    after = week1.starts_at + timedelta(minutes=70)
    with app.test_request_context():
        run_tick(app.config, now=after)
        mails = list(
            db.session.scalars(
                select(OutboxMail)
                .where(OutboxMail.kind == "checkin_request")
                .order_by(OutboxMail.id)
            )
        )
    assert len(mails) == 4
    [mail] = [m for m in mails if m.to_addr == others[0].email]
    assert "did your circle meet?" in mail.subject
    yes = re.search(r"http://wol\.test(/checkin/\S+/yes)", mail.body_text).group(1)
    assert app.test_client().get(yes).status_code == 200
    assert meeting(app, circle.id, 1).held_at is not None


def test_a_held_meeting_says_so_in_the_calendar_and_the_feed_changes(client, app, make_user, auth):
    circle, ann, _others = running_circle(app, make_user)
    auth.login("ann@example.org")
    with app.app_context():
        token = db.session.get(User, ann.id).feed_token
    before = client.get(f"/calendar/{token}.ics")
    assert "Held: the circle recorded" not in before.get_data(as_text=True)
    client.post(f"/circles/{circle.id}/meetings/1/checkin", data={"held": "yes"})
    after = client.get(f"/calendar/{token}.ics", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # a new version, not a 304
    unfolded = after.get_data(as_text=True).replace("\r\n ", "")
    assert unfolded.count("Held: the circle recorded this meeting.") == 1
    download = client.get(f"/circles/{circle.id}/calendar.ics").get_data(as_text=True)
    assert "Held: the circle recorded this meeting." in download.replace("\r\n ", "")


def test_reminders_can_be_switched_off_in_settings(client, app, make_user, auth):
    make_user(email="bram@example.org", display_name="Bram")
    auth.login("bram@example.org")
    page = client.get("/settings").get_data(as_text=True)
    assert "Mail me a reminder the day before each meeting" in page
    [box] = re.findall(r'<input[^>]*id="meeting_reminders"[^>]*>', page)
    assert "checked" in box  # on by default
    response = client.post(
        "/settings",
        data={
            "display_name": "Bram",
            "language": "en",
            "timezone": "Europe/Brussels",
            "organisation": "",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email_key == "bram@example.org"))
        assert user.meeting_reminders is False
    client.post(
        "/settings",
        data={
            "display_name": "Bram",
            "language": "en",
            "timezone": "Europe/Brussels",
            "meeting_reminders": "y",
        },
    )
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email_key == "bram@example.org"))
        assert user.meeting_reminders is True
