"""Another round with a shorter guide: a follow-up of 4 or 6 weeks (issue 13, deliverable 2).

The new circle has 4 or 6 meetings, its calendar (invitation and feed) says so, its meeting pages
show the follow-up guide in English and Dutch, it is finished when its last week is held, and the
dashboard counts it so. The guide from week 1 again keeps the twelve weeks as before.
"""

from datetime import UTC, date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.circles_helpers import make_circle
from tests.harvest_helpers import finished_circle, signed_in
from tests.icalcheck import run_checker
from wol.auth.models import User
from wol.circles.models import Circle
from wol.extensions import db
from wol.guides.library import GuideLibrary
from wol.harvest.models import FollowUp
from wol.health.service import health_of, summaries
from wol.health.status import FINISHED
from wol.mail.models import OutboxMail
from wol.organise.service import completion, survival
from wol.timestamps import utcnow

GUIDES = GuideLibrary.load(Path(__file__).parent.parent / "guides")
# The follow-up week each meeting of a 4- or 6-week follow-up reads: the last closes the round.
READS = {4: [101, 102, 103, 106], 6: [101, 102, 103, 104, 105, 106]}


def title(lang: str, key: int) -> str:
    return GUIDES.get(lang, key).title


@pytest.fixture
def people(make_user):
    """Ann (organiser), Bram (Dutch), Cleo and Dirk."""
    return (
        make_user(display_name="Ann Peeters"),
        make_user(display_name="Bram Claes", language="nl"),
        make_user(display_name="Cleo Janssens"),
        make_user(display_name="Dirk Maes"),
    )


def go_on(app, old, starter, weeks, *, language="en", together=True):
    """``starter`` starts the next round with a guide of ``weeks`` weeks; the new circle's id."""
    client = signed_in(app, starter, language)
    start = (date.today() + timedelta(days=10)).isoformat()
    path = "go-on" if together else "own-circle"
    response = client.post(
        f"/circles/{old.id}/{path}",
        data={"name": "Ronde 2", "start_on": start, "weeks": str(weeks)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        return db.session.scalar(
            select(FollowUp.circle_id).where(FollowUp.from_circle_id == old.id)
        )


def starts_of(app, circle_id):
    """The UTC starts of a circle's meetings, as icalcheck prints them."""
    with app.app_context():
        circle = db.session.get(Circle, circle_id)
        return [m.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for m in circle.meetings]


def unfolded(data: str | bytes) -> str:
    text = data.decode() if isinstance(data, bytes) else data
    return text.replace("\r\n ", "")


def test_the_form_offers_the_guide_in_english_and_dutch(app, people):
    ann, bram, cleo, dirk = people
    old = finished_circle(app, ann, [bram, cleo, dirk])
    english = signed_in(app, cleo).get(f"/circles/{old.id}/go-on").get_data(as_text=True)
    assert "The guide from week 1 again (12 weeks)" in english
    assert "A follow-up of 6 weeks" in english and "A follow-up of 4 weeks" in english
    assert '<input checked id="weeks-0" name="weeks" type="radio" value="12">' in english
    own = signed_in(app, dirk).get(f"/circles/{old.id}/own-circle").get_data(as_text=True)
    assert "A follow-up of 4 weeks" in own
    dutch = signed_in(app, bram, "nl").get(f"/circles/{old.id}/go-on").get_data(as_text=True)
    assert "De gids vanaf week 1 opnieuw (12 weken)" in dutch
    assert "Een vervolg van 6 weken" in dutch and "Een vervolg van 4 weken" in dutch
    assert "A follow-up of" not in dutch


@pytest.mark.parametrize("weeks", [4, 6])
def test_a_follow_up_has_its_meetings_calendar_and_guide(app, people, weeks, tmp_path):
    ann, bram, cleo, dirk = people
    old = finished_circle(app, ann, [bram, cleo, dirk])
    new_id = go_on(app, old, cleo, weeks)
    with app.app_context():
        new = db.session.get(Circle, new_id)
        assert new.weeks == weeks and [m.week for m in new.meetings] == list(range(1, weeks + 1))
        assert new.language == "nl"
    starts = starts_of(app, new_id)

    # Cleo's invitation: COUNT is the number of meetings, the titles are the follow-up's.
    with app.app_context():
        mail = db.session.scalar(
            select(OutboxMail)
            .where(OutboxMail.to_addr == cleo.email, OutboxMail.kind == "calendar_invitation")
            .order_by(OutboxMail.id.desc())
        )
        subject, ics = mail.subject, mail.calendar
    assert subject == f"Invitation: Ronde 2, {weeks} meetings"
    text = unfolded(ics)
    assert f"RRULE:FREQ=WEEKLY;COUNT={weeks}" in text
    assert f"follow-up week 1 of {weeks}" in text
    for week, key in enumerate(READS[weeks], 1):
        assert f"week {week}: {title('nl', key)}" in text
    assert title("nl", 1) not in text  # not the week-1 guide of the first round
    result = run_checker(tmp_path, f"invite-{weeks}", ics.encode(), starts)
    assert result.returncode == 0, result.stdout

    # The mail to the invited says which guide the new round follows.
    with app.app_context():
        invite = db.session.scalar(
            select(OutboxMail.body_text).where(
                OutboxMail.to_addr == ann.email, OutboxMail.kind == "follow_up_invite"
            )
        )
    assert f"follow-up guide: {weeks} meetings" in invite
    page = signed_in(app, ann).get(f"/circles/{new_id}/invitation").get_data(as_text=True)
    assert f"follow-up guide: {weeks} meetings" in page

    # Bram confirms; his feed has the follow-up's meetings.
    bram_client = signed_in(app, bram, "nl")
    page = bram_client.get(f"/circles/{new_id}/invitation").get_data(as_text=True)
    assert f"kortere vervolggids: {weeks} bijeenkomsten" in page
    assert bram_client.post(f"/circles/{new_id}/invitation/confirm").status_code == 302
    with app.app_context():
        token = db.session.get(User, bram.id).feed_token
    feed = app.test_client().get(f"/calendar/{token}.ics")
    assert feed.status_code == 200
    feed_text = unfolded(feed.data)
    assert f"/circles/{new_id}/week/{weeks}" in feed_text
    assert f"/circles/{new_id}/week/{weeks + 1}" not in feed_text
    assert title("nl", 106) in feed_text
    result = run_checker(
        tmp_path, f"feed-{weeks}", feed.data, sorted(starts + starts_of(app, old.id))
    )
    assert result.returncode == 0, result.stdout

    # Meeting pages: follow-up week n in the circle's language (Dutch), English on request.
    client = signed_in(app, cleo)
    for week, key in enumerate(READS[weeks], 1):
        page = client.get(f"/circles/{new_id}/week/{week}").get_data(as_text=True)
        assert title("nl", key) in page, week
        english = client.get(f"/circles/{new_id}/week/{week}?guide=en").get_data(as_text=True)
        assert title("en", key) in english, week
    assert client.get(f"/circles/{new_id}/week/{weeks + 1}").status_code == 404
    detail = client.get(f"/circles/{new_id}").get_data(as_text=True)
    assert f"The follow-up: {weeks} meetings" in detail
    assert "The twelve meetings" not in detail
    dutch_detail = bram_client.get(f"/circles/{new_id}").get_data(as_text=True)
    assert f"Het vervolg: {weeks} bijeenkomsten" in dutch_detail


def test_a_follow_up_checklist_lists_its_own_exercises(app, people):
    ann, bram, cleo, dirk = people
    circle = make_circle(app, ann, members=[bram], weeks=4)
    page = signed_in(app, ann).get(f"/circles/{circle.id}/week/1?guide=en").get_data(as_text=True)
    assert "Say your goal aloud to one person outside the circle." in page


def test_the_guide_from_week_1_again_keeps_twelve_weeks(app, people):
    ann, bram, cleo, dirk = people
    old = finished_circle(app, ann, [bram, cleo, dirk])
    new_id = go_on(app, old, cleo, 12)
    with app.app_context():
        new = db.session.get(Circle, new_id)
        assert new.weeks == 12 and len(new.meetings) == 12
    page = signed_in(app, cleo).get(f"/circles/{new_id}/week/1").get_data(as_text=True)
    assert title("nl", 1) in page
    assert "The twelve meetings" in signed_in(app, cleo).get(f"/circles/{new_id}").get_data(
        as_text=True
    )


def test_an_unknown_length_is_refused_beside_the_field_and_nothing_is_made(app, people):
    ann, bram, cleo, dirk = people
    old = finished_circle(app, ann, [bram, cleo, dirk])
    client = signed_in(app, cleo, "nl")
    start = (date.today() + timedelta(days=10)).isoformat()
    response = client.post(
        f"/circles/{old.id}/go-on", data={"name": "Ronde 2", "start_on": start, "weeks": "5"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="weeks-error"' in page and "Ronde 2" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Circle)) == 1


@pytest.mark.parametrize("weeks", [4, 6])
def test_a_follow_up_is_finished_when_its_last_week_is_held(app, people, weeks, make_user):
    ann, bram, cleo, dirk = people
    today = date.today()
    # Its last week began three days ago; the week before was held.
    first_day = today - timedelta(weeks=weeks - 1, days=3)
    circle = make_circle(
        app, ann, members=[bram, cleo], weeks=weeks, first_day=first_day, today=today
    )
    client = signed_in(app, ann)
    before = f"/circles/{circle.id}/meetings/{weeks - 1}/checkin"
    assert client.post(before, data={"held": "yes"}).status_code == 302
    with app.test_request_context():
        loaded = db.session.get(Circle, circle.id)
        assert health_of(loaded, utcnow()).status != FINISHED
    last = f"/circles/{circle.id}/meetings/{weeks}/checkin"
    assert client.post(last, data={"held": "yes"}).status_code == 302
    with app.test_request_context():
        loaded = db.session.get(Circle, circle.id)
        assert health_of(loaded, utcnow()).status == FINISHED
        # The dashboard: counted in the completion rate as finished, left out of the chart
        # of the twelve weeks.
        now = utcnow()
        rows = summaries([], now)
        [row] = [r for r in rows if r.id == circle.id]
        assert row.status == FINISHED and row.weeks == weeks
        # Counted once its weeks have passed since its start (the rule of the twelve weeks).
        assert completion(rows, now).total == 0
        done = completion(rows, now + timedelta(weeks=1))
        assert done.total == 1 and done.finished == 1
        assert survival(rows, now) == []
    # The dashboard says why, in words, and how the follow-up is counted.
    admin = make_user(email="admin@example.org", roles={"admin"})
    dashboard = signed_in(app, admin).get("/organise").get_data(as_text=True)
    assert f"Week {weeks}, the last of the follow-up, held on" in dashboard
    assert "Follow-up rounds of 4 or 6 weeks are not in the chart" not in dashboard  # no chart
    assert "A follow-up of 4 or 6 weeks counts once that many weeks have passed" in dashboard
    # Finished, it offers the next round, and its card says all its meetings are behind.
    assert client.get(f"/circles/{circle.id}/go-on").status_code == 200
    home = client.get("/home").get_data(as_text=True)
    assert f"All {weeks} meetings are behind you." in home


def test_the_home_page_says_which_week_of_the_follow_up(app, people):
    ann, bram, cleo, dirk = people
    today = date.today()
    circle = make_circle(
        app, ann, members=[bram], weeks=4, first_day=today - timedelta(days=3), today=today
    )
    assert circle.weeks == 4
    home = signed_in(app, ann).get("/home").get_data(as_text=True)
    assert "You are in week 2 of 4 of the follow-up." in home
    # This week's guide on the card is follow-up week 2, not week 2 of the twelve.
    assert title("nl", 102) in home and title("nl", 2) not in home
    dutch = signed_in(app, bram, "nl").get("/home").get_data(as_text=True)
    assert "Je zit in week 2 van 4 van het vervolg." in dutch


def test_a_twelve_week_circle_is_not_finished_by_its_fourth_week(app, people):
    ann, bram, cleo, dirk = people
    today = date.today()
    circle = make_circle(
        app, ann, members=[bram, cleo], first_day=today - timedelta(weeks=3, days=3), today=today
    )
    client = signed_in(app, ann)
    assert (
        client.post(f"/circles/{circle.id}/meetings/4/checkin", data={"held": "yes"}).status_code
        == 302
    )
    with app.test_request_context():
        assert health_of(db.session.get(Circle, circle.id), utcnow()).status != FINISHED
