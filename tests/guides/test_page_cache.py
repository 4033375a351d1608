"""Anonymous guide pages are served from a copy made once; nothing personal leaks through it."""

import re

import pytest

from tests.conftest import csrf_token_from
from wol import create_app


@pytest.fixture
def csrf_app(app_config):
    """The app with form tokens checked, as in production."""
    app_config["WTF_CSRF_ENABLED"] = True
    return create_app(app_config)


def test_every_visitor_gets_their_own_working_form_token(csrf_app):
    ann, bram = csrf_app.test_client(), csrf_app.test_client()

    ann_token = csrf_token_from(ann.get("/guides/en/week/4").get_data(as_text=True))
    bram_token = csrf_token_from(bram.get("/guides/en/week/4").get_data(as_text=True))

    assert ann_token != bram_token
    assert "wol-token-" not in ann_token
    switched = ann.post(
        "/language", data={"lang": "nl", "next": "/guides/en/week/4", "csrf_token": ann_token}
    )
    assert switched.headers["Location"] == "/guides/en/week/4"
    assert '<html lang="nl">' in ann.get("/guides/en/week/4").get_data(as_text=True)
    refused = bram.post("/language", data={"lang": "nl", "csrf_token": ann_token})
    assert refused.status_code == 400


def test_the_interface_language_is_part_of_the_copy(client):
    english = client.get("/guides/nl/week/4", headers={"Accept-Language": "en"})
    dutch = client.get("/guides/nl/week/4", headers={"Accept-Language": "nl"})

    assert '<html lang="en">' in english.get_data(as_text=True)
    assert '<html lang="nl">' in dutch.get_data(as_text=True)


def test_the_language_switch_returns_to_the_address_asked_for(client):
    client.get("/guides/en/week/4")

    html = client.get("/guides/en/week/4?lang=en").get_data(as_text=True)

    assert '<input type="hidden" name="next" value="/guides/en/week/4?lang=en">' in html


def test_a_message_is_not_lost_to_a_cached_copy(client):
    client.get("/guides/en/week/2")  # the copy exists
    client.get("/translate")  # leaves a message

    html = client.get("/guides/en/week/2").get_data(as_text=True)
    again = client.get("/guides/en/week/2").get_data(as_text=True)

    assert "Please sign in to open this page." in html
    assert "Please sign in to open this page." not in again


def test_signed_in_people_get_their_own_header(client, make_user, auth):
    client.get("/guides/en/week/3")  # an anonymous copy exists
    make_user(email="marc@example.org", roles={"translator"})
    auth.login("marc@example.org")

    html = client.get("/guides/en/week/3").get_data(as_text=True)

    assert "Sign out" in html
    assert re.search(r'<a href="/translate"[^>]*>Translations</a>', html)
