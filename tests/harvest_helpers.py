"""Helpers for harvest and follow-up tests: a circle whose twelfth week was held days ago."""

from datetime import date, timedelta

from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD


def signed_in(app, user, language: str = "en"):
    """A client signed in as ``user``."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def last_week_started(app, organiser, members, *, days_ago: int = 3, **overrides):
    """A circle whose week 12 began ``days_ago`` days ago (not recorded yet)."""
    today = date.today()
    first_day = today - timedelta(weeks=11, days=days_ago)
    return make_circle(
        app, organiser, members=members, first_day=first_day, today=today, **overrides
    )


def finished_circle(app, organiser, members, **overrides):
    """A circle whose week 12 a member recorded as held, through the meeting page."""
    circle = last_week_started(app, organiser, members, **overrides)
    client = signed_in(app, organiser if overrides.get("join", True) else members[0])
    response = client.post(f"/circles/{circle.id}/meetings/12/checkin", data={"held": "yes"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return circle
