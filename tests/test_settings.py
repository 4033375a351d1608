"""The settings page and its checks."""

import pytest
from sqlalchemy import select

from wol.auth.models import User
from wol.extensions import db


@pytest.fixture
def ann(make_user, auth):
    """Ann, signed in."""
    user = make_user(email="ann@example.org", display_name="Ann Peeters", language="en")
    auth.login("ann@example.org")
    return user


def settings(client, **overrides):
    """Post the settings form with good values changed by ``overrides``."""
    data = {
        "display_name": "Ann P.",
        "language": "nl",
        "timezone": "Europe/Amsterdam",
        "organisation": "FOD BOSA",
    }
    data.update(overrides)
    return client.post("/settings", data=data)


def test_settings_are_saved(client, app, ann):
    response = settings(client)
    assert response.headers["Location"] == "/settings"
    page = client.get("/settings").get_data(as_text=True)
    assert "Je instellingen zijn opgeslagen." in page  # the new language at once
    with app.app_context():
        user = db.session.get(User, ann.id)
        assert (user.display_name, user.language, user.timezone, user.organisation) == (
            "Ann P.",
            "nl",
            "Europe/Amsterdam",
            "FOD BOSA",
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "Choose a time zone from the list."),
        ({"timezone": ""}, "Choose a time zone from the list."),
        ({"language": "de"}, "Choose Dutch or English."),
        ({"display_name": "   "}, "Enter the name other members will see."),
        ({"display_name": "y" * 81}, "at most 80 characters"),
        ({"organisation": "o" * 121}, "at most 120 characters"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(client, app, ann, overrides, message):
    response = settings(client, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, ann.id)
        assert (user.display_name, user.language, user.timezone) == (
            "Ann Peeters",
            "en",
            "Europe/Brussels",
        )


def test_timezone_picker_lists_common_zones_first(client, ann):
    page = client.get("/settings").get_data(as_text=True)
    assert page.index('value="Europe/Brussels"') < page.index('value="Africa/Abidjan"')
    assert 'value="Australia/Sydney"' in page


def test_organisation_suggestions_come_from_existing_values(client, make_user, ann):
    make_user(organisation="Vlaamse overheid")
    page = client.get("/settings").get_data(as_text=True)
    assert '<option value="Vlaamse overheid">' in page


def test_settings_need_sign_in(client):
    response = client.get("/settings")
    assert response.headers["Location"] == "/login?next=%2Fsettings"


def test_login_lands_back_on_next(client, make_user):
    make_user(email="bram@example.org")
    login_page = client.get(client.get("/settings").headers["Location"]).get_data(as_text=True)
    assert 'value="/settings"' in login_page
    response = client.post(
        "/login",
        data={
            "email": "bram@example.org",
            "password": "correct horse battery",
            "next": "/settings",
        },
    )
    assert response.headers["Location"] == "/settings"
    with client.application.app_context():
        assert db.session.scalar(select(User).where(User.email_key == "bram@example.org"))
