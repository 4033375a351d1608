"""A circle's meeting page: the right week, its time, the guide in the circle's language."""

import re
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from flask import render_template, render_template_string
from sqlalchemy import select

from tests.guides.conftest import element, in_language, start_circle, text_of
from wol.auth.models import User
from wol.circles.models import Meeting
from wol.circles.service import CircleDetails, create_circle, load_circle
from wol.extensions import db


def starts_at(app, circle_id: int, week: int):
    """When a circle's meeting of ``week`` starts (UTC)."""
    with app.app_context():
        return db.session.scalar(
            select(Meeting.starts_at).where(Meeting.circle_id == circle_id, Meeting.week == week)
        )


@pytest.fixture
def ann(make_user):
    """Ann, who reads the site in English and starts circles."""
    return make_user(email="ann@example.org", display_name="Ann Peeters", language="en")


def test_member_sees_the_week_the_time_and_the_guide_in_the_circles_language(
    app, client, auth, ann
):
    circle_id = start_circle(app, ann, language="nl")
    auth.login("ann@example.org")

    response = client.get(f"/circles/{circle_id}/week/4")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(html)
    assert "Cirkel Digitale Overheid" in page
    assert re.search(r'<h1>Week 4: <span lang="nl">Een stap dichterbij</span></h1>', html)
    when = format_datetime(
        starts_at(app, circle_id, 4),
        "EEEE d MMMM y, HH:mm",
        tzinfo=ZoneInfo("Europe/Brussels"),
        locale="en",
    )
    assert when.endswith("12:00")
    assert when in page
    assert "upcoming" in page
    assert '<article class="guide" lang="nl"' in html
    assert "Hoe gaat het met onze cirkel?" in page
    assert "Check-in-ronde" in text_of(element(html, "section", class_="guide-agenda"))


def test_times_are_shown_in_the_viewers_time_zone(app, client, auth, make_user):
    bram = make_user(email="bram@example.org", timezone="America/New_York")
    circle_id = start_circle(app, bram, language="en")
    auth.login("bram@example.org")

    page = text_of(client.get(f"/circles/{circle_id}/week/2").get_data(as_text=True))

    when = format_datetime(
        starts_at(app, circle_id, 2),
        "EEEE d MMMM y, HH:mm",
        tzinfo=ZoneInfo("America/New_York"),
        locale="en",
    )
    assert when in page
    assert "New York (United States)" in page


def test_english_circle_gets_the_english_guide(app, client, auth, ann):
    circle_id = start_circle(app, ann, language="en", name="Digital Government")
    auth.login("ann@example.org")

    html = client.get(f"/circles/{circle_id}/week/1").get_data(as_text=True)

    assert '<h1>Week 1: <span lang="en">A goal you care about</span></h1>' in html


def test_the_guide_language_can_be_switched_on_the_meeting_page(app, client, auth, ann):
    circle_id = start_circle(app, ann, language="nl")
    auth.login("ann@example.org")

    html = client.get(f"/circles/{circle_id}/week/4").get_data(as_text=True)
    switch = element(html, "nav", class_="guide-languages")
    assert f'href="/circles/{circle_id}/week/4?guide=en"' in switch

    english = client.get(f"/circles/{circle_id}/week/4?guide=en").get_data(as_text=True)
    assert '<article class="guide" lang="en"' in english
    assert f'href="/circles/{circle_id}/week/4" lang="nl"' in english
    unknown = client.get(f"/circles/{circle_id}/week/4?guide=xx").get_data(as_text=True)
    assert '<article class="guide" lang="nl"' in unknown


def test_previous_and_next_meeting_links(app, client, auth, ann):
    circle_id = start_circle(app, ann)
    auth.login("ann@example.org")

    middle = text_of(
        element(
            client.get(f"/circles/{circle_id}/week/4").get_data(as_text=True),
            "nav",
            class_="week-nav",
        )
    )
    first = client.get(f"/circles/{circle_id}/week/1").get_data(as_text=True)
    last = client.get(f"/circles/{circle_id}/week/12").get_data(as_text=True)

    assert middle == "← Week 3 All meetings Week 5 →"
    assert text_of(element(first, "nav", class_="week-nav")) == "All meetings Week 2 →"
    assert f'href="/circles/{circle_id}/week/2" rel="next"' in first
    assert text_of(element(last, "nav", class_="week-nav")) == "← Week 11 All meetings"


def test_meeting_mode_is_there_for_the_script_and_the_agenda_without_it(app, client, auth, ann):
    circle_id = start_circle(app, ann, language="en")
    auth.login("ann@example.org")

    html = client.get(f"/circles/{circle_id}/week/4").get_data(as_text=True)

    mode = element(html, "section", id="meeting-mode")
    assert "hidden" in mode.split(">", 1)[0]  # shown by meeting.js only
    assert "Start meeting" in text_of(mode)
    items = re.findall(r'data-minutes="(\d+)" data-title="([^"]+)"', mode)
    assert items == [
        ("10", "Check-in"),
        ("10", "Review your list"),
        ("15", "From attention to conversation"),
        ("15", "How is our circle doing?"),
        ("5", "Reflection"),
    ]
    assert 'role="timer" aria-live="off"' in mode
    assert 'role="status" aria-live="polite"' in mode
    assert 'data-msg-one-minute="{item}: one minute left."' in mode
    # The plain agenda is ordinary HTML, outside the script's section.
    assert "Together: 55 minutes" in text_of(element(html, "section", class_="guide-agenda"))
    assert '<script src="/static/meeting.js" defer></script>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"<[a-z]+[^>]*\son[a-z]+=", html)


def test_meeting_script_is_served(client):
    response = client.get("/static/meeting.js")

    assert response.status_code == 200
    script = response.get_data(as_text=True)
    assert "fetch(" not in script and "XMLHttpRequest" not in script  # works offline
    response.close()


def test_missing_translation_on_the_meeting_page(guides_dir, app, client, auth, make_user):
    (guides_dir / "nl" / "week-05.md").unlink()
    user = make_user(email="ann@example.org")
    circle_id = start_circle(app, user, language="nl")
    auth.login("ann@example.org")

    html = client.get(f"/circles/{circle_id}/week/5").get_data(as_text=True)

    assert '<article class="guide" lang="en"' in html
    note = element(html, "div", class_="guide-note guide-note-fallback")
    assert 'lang="nl"' in note
    assert text_of(note) == in_language(
        app, "nl", "This week is not translated yet, so you are reading the English text."
    )


def test_organiser_who_is_not_a_member_may_open_it(app, client, auth, make_user):
    els = make_user(email="els@example.org", roles={"organiser"})
    with app.test_request_context():
        circle = create_circle(
            db.session.get(User, els.id),
            CircleDetails(
                name="Open data",
                language="en",
                first_day=date.today(),
                local_time=time(9, 0),
                timezone="Europe/Brussels",
                place="Room 1",
            ),
            join=False,
            today=date.today(),
        )
        db.session.commit()
        circle_id = circle.id
    auth.login("els@example.org")

    assert client.get(f"/circles/{circle_id}/week/1").status_code == 200


def test_other_people_get_403(app, client, auth, ann, make_user):
    circle_id = start_circle(app, ann)
    make_user(email="outsider@example.org")
    auth.login("outsider@example.org")

    response = client.get(f"/circles/{circle_id}/week/4")

    assert response.status_code == 403
    assert "You cannot open this page" in response.get_data(as_text=True)


@pytest.mark.parametrize("week", [0, 13, 99])
def test_weeks_outside_the_circle_are_not_found(app, client, auth, ann, week):
    circle_id = start_circle(app, ann)
    auth.login("ann@example.org")

    assert client.get(f"/circles/{circle_id}/week/{week}").status_code == 404


def test_unknown_circle_is_not_found(client, auth, ann):
    auth.login("ann@example.org")

    assert client.get("/circles/999999/week/1").status_code == 404


def test_anonymous_visitors_are_asked_to_sign_in(app, client, ann):
    circle_id = start_circle(app, ann)

    response = client.get(f"/circles/{circle_id}/week/4")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=%2Fcircles%2F{circle_id}%2Fweek%2F4"


def test_this_weeks_guide_partial(app, ann):
    circle_id = start_circle(app, ann, language="nl", first_day=date.today() - timedelta(weeks=3))

    with app.test_request_context(headers={"Accept-Language": "en"}):
        circle = load_circle(circle_id)
        current = render_template("guides/_this_week.html", circle=circle, week=4)
        finished = render_template("guides/_this_week.html", circle=circle, week=None)

    assert text_of(current) == "This week's guide: Week 4 — Een stap dichterbij Earlier weeks"
    assert f'<a href="/circles/{circle_id}/week/4">Week 4 — <span lang="nl">' in current
    # 'Earlier weeks' leads to this circle's list of meetings.
    assert f'<a href="/circles/{circle_id}#meetings-title">Earlier weeks</a>' in current
    assert text_of(finished) == "Earlier weeks"


def test_guide_title_is_a_template_global(app):
    with app.test_request_context():
        assert render_template_string("{{ guide_title('nl', 4) }}") == "Een stap dichterbij"
        assert render_template_string("{{ guide_title('en', 12) }}") == (
            "Looking back and looking ahead"
        )
