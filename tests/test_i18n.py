"""Language choice, the switch on every page, Dutch and English pages, Babel formatting."""

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale, format_datetime

from tests.conftest import PASSWORD


def test_default_language_is_dutch(client):
    page = client.get("/", headers={"Accept-Language": ""}).get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "Maak een account aan" in page


def test_accept_language_picks_english(client):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Create an account" in page


def test_query_parameter_beats_accept_language(client):
    page = client.get("/?lang=en", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_unknown_language_in_query_is_ignored(client):
    response = client.get("/?lang=xx", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert '<html lang="en">' in response.get_data(as_text=True)


def test_switch_while_logged_out_sticks_for_the_visit(client):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    page = client.get("/login", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_switch_refuses_unknown_language(client):
    assert client.post("/language", data={"lang": "fr"}).status_code == 400


def test_switch_ignores_foreign_next(client):
    response = client.post("/language", data={"lang": "en", "next": "https://evil.example"})
    assert response.headers["Location"] == "/"


def test_user_setting_wins_and_switch_saves_it(client, make_user, auth):
    make_user(email="ann@example.org", language="nl")
    auth.login("ann@example.org")
    assert '<html lang="nl">' in client.get("/home?lang=en").get_data(as_text=True)
    client.post("/language", data={"lang": "en"})
    assert '<html lang="en">' in client.get("/home").get_data(as_text=True)
    client.post("/logout")
    auth.login("ann@example.org", PASSWORD)
    assert '<html lang="en">' in client.get("/home").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/password/forgot", "/nope"])
def test_every_page_has_the_language_switch(client, path):
    page = client.get(path).get_data(as_text=True)
    assert 'action="/language"' in page
    assert 'value="nl"' in page and 'value="en"' in page


def test_dates_follow_language_and_time_zone(app):
    moment = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)
    with app.test_request_context(), force_locale("nl"):
        dutch = format_datetime(moment, "EEEE d MMMM HH:mm")
    with app.test_request_context(), force_locale("en"):
        english = format_datetime(moment, "EEEE d MMMM HH:mm")
    assert dutch == "dinsdag 3 maart 12:00"  # anonymous visitors see Europe/Brussels
    assert english == "Tuesday 3 March 12:00"


def test_signed_in_user_sees_times_in_their_own_zone(app, make_user):
    user = make_user(timezone="America/New_York")
    moment = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)
    with app.test_request_context():
        from flask_login import login_user

        from wol.extensions import db

        login_user(db.session.get(type(user), user.id))
        with force_locale("en"):
            assert format_datetime(moment, "HH:mm") == "06:00"


def test_front_page_leads_a_newcomer_to_week_one_in_their_language(client):
    page = client.get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert 'href="/guides/nl/week/1"' in page and "Bekijk hoe week 1 eruitziet" in page
    week1 = client.get("/guides/nl/week/1").get_data(as_text=True)
    assert "Een doel dat ertoe doet" in week1
