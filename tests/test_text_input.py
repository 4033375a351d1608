"""Names, places and descriptions are refused at the door when they hold control characters
(they end up in mail headers and calendar lines) or, for names, invisible characters."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD
from wol.auth.models import User
from wol.circles.models import Circle
from wol.extensions import db
from wol.forms import text_problem

CONTROLS = [
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x07",
    "\x7f",
    "\x85",
    "\x9b",
    "\u2028",
    "\u2029",
    "\t",
]
INVISIBLE = [
    "\u200b",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2069",
    "\u200e",
    "\u200f",
    "\ufeff",
    "\u2060",
    "\u061c",
]


@pytest.mark.parametrize("char", CONTROLS)
def test_single_line_text_refuses_control_characters(char):
    assert text_problem(f"Zaal{char}4.12") == "control"


@pytest.mark.parametrize("char", INVISIBLE)
def test_names_refuse_invisible_characters(char):
    assert text_problem(f"Ann{char}Peeters", name=True) == "invisible"
    assert text_problem(f"Zaal{char}4.12") is None  # a place may quote right-to-left text


@pytest.mark.parametrize(
    "value", ["Ann Peeters", "Zoë Ōsaka-Ğül", "محمد", "李小龙", "👩\u200d💻 Ann", "Ann (she/her)"]
)
def test_ordinary_names_pass(value):
    assert text_problem(value, name=True) is None


def test_multi_line_text_keeps_line_breaks_but_not_other_controls():
    assert text_problem("Eerste regel\nTweede regel", multiline=True) is None
    assert text_problem("Eerste\x0bregel", multiline=True) == "control"
    assert text_problem("Eerste\u2028regel", multiline=True) == "control"


@pytest.fixture
def signed_in(client, make_user, auth):
    """Ann, signed in."""
    user = make_user(email="ann@example.org", display_name="Ann")
    auth.login("ann@example.org")
    return user


def circle_form(**overrides) -> dict:
    data = {
        "name": "Cirkel Digitale Overheid",
        "language": "nl",
        "first_day": (date.today() + timedelta(days=7)).isoformat(),
        "local_time": "12:00",
        "timezone": "Europe/Brussels",
        "duration_minutes": "60",
        "kind": "hybrid",
        "place": "Zaal 4.12",
        "video_url": "https://teams.example.org/meet/abc",
        "chat_url": "",
        "description": "Samen.",
        "join": "y",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("field", ["name", "place", "video_url", "chat_url"])
@pytest.mark.parametrize("char", ["\n", "\r", "\x0b", "\x85", "\u2028", "\x1c"])
def test_circle_fields_refuse_line_breaks(client, app, signed_in, field, char):
    value = {
        "name": "Cirkel",
        "place": "Zaal",
        "video_url": "https://t.example.org/a",
        "chat_url": "https://chat.example.org/x",
    }[field]
    response = client.post("/circles/new", data=circle_form(**{field: value + char + "x"}))
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Circle)) is None


@pytest.mark.parametrize("char", INVISIBLE[:4])
def test_circle_names_refuse_invisible_characters(client, app, signed_in, char):
    response = client.post("/circles/new", data=circle_form(name=f"Cirkel{char}X"))
    assert response.status_code == 400
    assert "invisible characters" in response.get_data(as_text=True)


def test_a_description_keeps_its_paragraphs(client, app, signed_in):
    response = client.post(
        "/circles/new", data=circle_form(description="Eerste regel\r\nTweede regel")
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Circle)).description == "Eerste regel\nTweede regel"
    response = client.post("/circles/new", data=circle_form(description="Een\x0btab"))
    assert response.status_code == 400


@pytest.mark.parametrize("field", ["display_name", "organisation"])
@pytest.mark.parametrize("char", ["\n", "\u2028", "\x85", "\u202e", "\u200b"])
def test_settings_refuse_control_and_invisible_characters(client, app, signed_in, field, char):
    data = {
        "display_name": "Ann",
        "language": "en",
        "timezone": "Europe/Brussels",
        "organisation": "Stad Gent",
    }
    data[field] = f"Ann{char}Peeters"
    assert client.post("/settings", data=data).status_code == 400
    with app.app_context():
        user = db.session.get(User, signed_in.id)
        assert user.display_name == "Ann" and user.organisation is None


@pytest.mark.parametrize("char", ["\n", "\u202e", "\x1c"])
def test_register_refuses_names_with_control_or_invisible_characters(client, app, char):
    response = client.post(
        "/register",
        data={
            "email": "bram@example.org",
            "display_name": f"Bram{char}Bcc: x@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "language": "en",
        },
    )
    assert response.status_code == 400


def test_end_reason_refuses_control_characters(client, app, signed_in):
    circle = make_circle(app, signed_in)
    response = client.post(f"/circles/{circle.id}/end", data={"reason": "Stop\x1cnu"})
    assert response.status_code == 400
    assert (
        client.post(
            f"/circles/{circle.id}/end", data={"reason": "Te weinig tijd.\r\nTot later."}
        ).status_code
        == 302
    )
