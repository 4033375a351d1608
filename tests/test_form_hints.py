"""Examples in form messages are values the form accepts."""

import re
from datetime import date, timedelta

from tests.test_circles import ann, circle_form  # noqa: F401 - the fixture is used by name


def test_the_date_example_in_the_message_is_accepted(client, ann):  # noqa: F811
    refused = client.post("/circles/new", data=circle_form(first_day=""))
    assert refused.status_code == 400
    example = re.search(r"Enter a date, like (\d{4}-\d{2}-\d{2})\.", refused.get_data(as_text=True))
    assert example, "the message gives an example date"
    accepted = client.post("/circles/new", data=circle_form(first_day=example.group(1)))
    assert accepted.status_code == 302
    assert re.search(r"/circles/\d+", accepted.headers["Location"])


def test_an_unreadable_date_gets_the_same_friendly_message(client, ann):  # noqa: F811
    refused = client.post("/circles/new", data=circle_form(first_day="3 maart"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Enter a date, like" in page and "Not a valid date value" not in page


def test_earlier_weeks_leads_to_this_circles_meetings(client, app, ann):  # noqa: F811
    from tests.circles_helpers import make_circle

    circle = make_circle(app, ann)
    page = client.get("/home").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">Earlier weeks</a>', page)
    assert link, "the home page offers the earlier weeks"
    assert link.group(1) == f"/circles/{circle.id}#meetings-title"
    assert 'id="meetings-title"' in client.get(f"/circles/{circle.id}").get_data(as_text=True)


def test_english_pages_use_the_24_hour_clock(client, app, ann):  # noqa: F811
    """People in Belgium and the Netherlands read English with a 24-hour clock."""
    from datetime import time

    from tests.circles_helpers import make_circle

    circle = make_circle(
        app,
        ann,
        local_time=time(15, 30),
        today=date.today(),
        first_day=date.today() + timedelta(days=7),
    )
    for path in ("/home", f"/circles/{circle.id}", f"/circles/{circle.id}/week/1"):
        page = client.get(path).get_data(as_text=True)
        assert "15:30" in page, path
        assert not re.search(r"\d(?:\s| )?[AP]M\b", page), path


def test_one_seat_left_is_singular(client, app, make_user, ann):  # noqa: F811
    from tests.circles_helpers import make_circle

    circle = make_circle(app, ann, members=[make_user() for _ in range(3)])
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "1 seat left." in page and "1 seats" not in page
