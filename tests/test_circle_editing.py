"""Changing a circle's details: who may change what, validation beside the field, and one mail
per member that carries the calendar update when calendars show the change."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.circles_helpers import last_mail_id, mails_since, make_circle
from wol.auth.models import User
from wol.circles.models import Circle
from wol.extensions import db


def _circle(app, make_user, ann_language="en", **overrides):
    """Ann organises (and is a member), Bram takes invitations in Dutch, Noor the feed."""
    today = datetime.now(UTC).date()
    ann = make_user(email="ann@example.org", language=ann_language)
    bram = make_user(email="bram@example.org", language="nl")
    noor = make_user(email="noor@example.org", calendar_delivery="feed")
    circle = make_circle(
        app,
        ann,
        members=[bram, noor],
        first_day=today + timedelta(days=7),
        today=today,
        **overrides,
    )
    return circle


def _form(**changes) -> dict:
    data = {
        "name": "Cirkel Digitale Overheid",
        "description": "",
        "kind": "in_person",
        "duration_minutes": "60",
        "place": "Zaal 4.12",
        "video_url": "",
        "chat_url": "",
    }
    data.update(changes)
    return data


def _stored(app, circle_id: int) -> Circle:
    with app.app_context():
        circle = db.session.get(Circle, circle_id)
        db.session.expunge(circle)
        return circle


def test_organiser_renames_and_moves_the_circle_and_calendars_follow_once(
    app, make_user, client, auth
):
    circle = _circle(app, make_user)
    sequence = _stored(app, circle.id).calendar_sequence
    auth.login("ann@example.org")
    since = last_mail_id(app)
    response = client.post(
        f"/circles/{circle.id}/edit",
        data=_form(
            name="Cirkel Open Overheid",
            place="Zaal 2.01, Kunstberg",
            chat_url="https://teams.example.org/c/42",
            description="Over open data.",
        ),
    )
    assert response.status_code == 302
    stored = _stored(app, circle.id)
    assert (stored.name, stored.place, stored.chat_url, stored.description) == (
        "Cirkel Open Overheid",
        "Zaal 2.01, Kunstberg",
        "https://teams.example.org/c/42",
        "Over open data.",
    )
    assert stored.calendar_sequence == sequence + 1
    [mail] = mails_since(app, "bram@example.org", since)
    assert mail.kind == "circle_changed" and mail.calendar_method == "REQUEST"
    assert "Naam: Cirkel Open Overheid" in mail.body_text
    assert "Plaats: Zaal 2.01, Kunstberg" in mail.body_text
    assert "SUMMARY:Cirkel Open Overheid" in mail.calendar.replace("\r\n ", "")
    assert "LOCATION:Zaal 2.01\\, Kunstberg" in mail.calendar.replace("\r\n ", "")
    [notice] = mails_since(app, "noor@example.org", since)
    assert notice.calendar is None and "Cirkel Open Overheid" in notice.body_text
    [update] = mails_since(app, "ann@example.org", since)
    assert update.kind == "calendar_update"
    with app.app_context():
        feed_token = db.session.scalar(
            select(User.feed_token).where(User.email_key == "noor@example.org")
        )
    feed = app.test_client().get(f"/calendar/{feed_token}.ics").get_data(as_text=True)
    assert "Cirkel Open Overheid" in feed and f"SEQUENCE:{sequence + 1}" in feed


def test_a_chat_link_or_description_change_tells_members_without_a_calendar_update(
    app, make_user, client, auth
):
    circle = _circle(app, make_user)
    sequence = _stored(app, circle.id).calendar_sequence
    auth.login("ann@example.org")
    since = last_mail_id(app)
    client.post(f"/circles/{circle.id}/edit", data=_form(chat_url="https://slack.example.org/x"))
    [mail] = mails_since(app, "bram@example.org", since)
    assert mail.calendar is None and "https://slack.example.org/x" in mail.body_text
    assert _stored(app, circle.id).calendar_sequence == sequence


def test_nothing_changed_sends_nothing(app, make_user, client, auth):
    circle = _circle(app, make_user)
    auth.login("ann@example.org")
    since = last_mail_id(app)
    response = client.post(f"/circles/{circle.id}/edit", data=_form(), follow_redirects=True)
    assert "Nothing changed." in response.get_data(as_text=True)
    assert mails_since(app, "bram@example.org", since) == []


def test_a_member_changes_the_place_and_links_but_not_the_name(app, make_user, client, auth):
    circle = _circle(app, make_user)
    auth.login("bram@example.org")
    page = client.get(f"/circles/{circle.id}/edit").get_data(as_text=True)
    assert 'name="place"' in page and 'name="video_url"' in page
    assert 'name="name"' not in page and 'name="description"' not in page
    assert "De naam, de beschrijving en de soort bijeenkomst wijzigt de organisator" in page
    response = client.post(
        f"/circles/{circle.id}/edit",
        data=_form(
            name="Cirkel van Bram",
            place="Café De Markt",
            kind="hybrid",
            video_url="https://meet.example.org/abc",
        ),
    )
    assert response.status_code == 302
    stored = _stored(app, circle.id)
    assert stored.name == "Cirkel Digitale Overheid"  # a posted name is ignored
    assert stored.kind == "in_person"
    assert (stored.place, stored.video_url) == ("Café De Markt", "https://meet.example.org/abc")


def test_strangers_cannot_open_or_post_the_edit_page(app, make_user, client, auth):
    circle = _circle(app, make_user)
    make_user(email="stranger@example.org")
    auth.login("stranger@example.org")
    assert client.get(f"/circles/{circle.id}/edit").status_code == 403
    assert client.post(f"/circles/{circle.id}/edit", data=_form(name="Mine")).status_code == 403
    assert _stored(app, circle.id).name == "Cirkel Digitale Overheid"


def test_an_admin_who_is_no_member_may_change_everything(app, make_user, client, auth):
    circle = _circle(app, make_user)
    make_user(email="admin@example.org", roles={"admin"})
    auth.login("admin@example.org")
    assert (
        client.post(f"/circles/{circle.id}/edit", data=_form(name="Cirkel Beheer")).status_code
        == 302
    )
    assert _stored(app, circle.id).name == "Cirkel Beheer"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Geef de cirkel een naam."),
        ({"name": "x" * 81}, "name", "Gebruik maximaal 80 tekens."),
        ({"name": "Cirkel\u202eGeheim"}, "name", "onzichtbare tekens"),
        ({"place": "Zaal\n4"}, "place", "regeleinden"),
        ({"video_url": "javascript:alert(1)"}, "video_url", "https://"),
        ({"chat_url": "ftp://files.example.org"}, "chat_url", "https://"),
        ({"kind": "online", "video_url": ""}, "video_url", "videogesprek"),
        ({"kind": "in_person", "place": ""}, "place", "Zeg waar de cirkel samenkomt."),
        ({"duration_minutes": "5"}, "duration_minutes", "tussen 15 en 240 minuten"),
        ({"description": "x" * 501}, "description", "500"),
    ],
)
def test_bad_input_gets_a_message_beside_the_field_and_nothing_is_written(
    app, make_user, client, auth, changes, field, message
):
    circle = _circle(app, make_user, ann_language="nl")
    auth.login("ann@example.org")
    since = last_mail_id(app)
    response = client.post(
        f"/circles/{circle.id}/edit", data=_form(**{"place": "Zaal 5", **changes})
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert message in page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    stored = _stored(app, circle.id)
    assert (stored.name, stored.place) == ("Cirkel Digitale Overheid", "Zaal 4.12")
    assert mails_since(app, "bram@example.org", since) == []


def test_an_ended_circle_cannot_change(app, make_user, client, auth):
    circle = _circle(app, make_user)
    auth.login("ann@example.org")
    client.post(f"/circles/{circle.id}/end", data={"reason": "Te weinig tijd"})
    assert client.get(f"/circles/{circle.id}/edit").status_code == 409
    assert client.post(f"/circles/{circle.id}/edit", data=_form(name="Toch nog")).status_code == 409


def test_the_circle_page_links_to_the_changes(app, make_user, client, auth):
    circle = _circle(app, make_user)
    auth.login("bram@example.org")
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert f"/circles/{circle.id}/edit" in page and f"/circles/{circle.id}/schedule" in page
    assert f"/circles/{circle.id}/waiting-list" not in page  # the organiser's page
    auth.logout()
    auth.login("ann@example.org")
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert f"/circles/{circle.id}/waiting-list" in page
