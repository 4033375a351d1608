"""Who may open which circle route: anonymous, stranger, member, organiser, admin."""

import pytest

from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD

# (method, path template, expected status per role)
ROUTES = [
    ("GET", "/circles/{id}", {"stranger": 403, "member": 200, "organiser": 200, "admin": 200}),
    ("GET", "/circles/{id}/end", {"stranger": 403, "member": 403, "organiser": 200, "admin": 200}),
    (
        "GET",
        "/circles/{id}/leave",
        {"stranger": 403, "member": 200, "organiser": 409, "admin": 409},
    ),
    (
        "GET",
        "/circles/{id}/meetings/3/move",
        {"stranger": 403, "member": 200, "organiser": 200, "admin": 200},
    ),
    (
        "GET",
        "/circles/{id}/meetings/3/skip",
        {"stranger": 403, "member": 200, "organiser": 200, "admin": 200},
    ),
    (
        "POST",
        "/circles/{id}/invite/rotate",
        {"stranger": 403, "member": 403, "organiser": 302, "admin": 302},
    ),
    (
        "POST",
        "/circles/{id}/members/{member}/remove",
        {"stranger": 403, "member": 403, "organiser": 302, "admin": 302},
    ),
    (
        "POST",
        "/circles/{id}/invite/email",
        {"stranger": 403, "member": 302, "organiser": 302, "admin": 302},
    ),
    (
        "POST",
        "/circles/{id}/leave",
        {"stranger": 403, "member": 302, "organiser": 409, "admin": 409},
    ),
    (
        "POST",
        "/circles/{id}/meetings/3/move",
        {"stranger": 403, "member": 302, "organiser": 302, "admin": 302},
    ),
    (
        "POST",
        "/circles/{id}/meetings/3/skip",
        {"stranger": 403, "member": 302, "organiser": 302, "admin": 302},
    ),
    ("POST", "/circles/{id}/end", {"stranger": 403, "member": 403, "organiser": 302, "admin": 302}),
    ("GET", "/join/{token}", {"stranger": 200, "member": 200, "organiser": 200, "admin": 200}),
    ("POST", "/join/{token}", {"stranger": 302, "member": 409, "organiser": 302, "admin": 302}),
]

FORM_DATA = {
    "/circles/{id}/invite/email": {"addresses": "someone@example.org"},
    "/circles/{id}/meetings/3/move": {"day": "2026-03-18", "at": "13:00"},
    "/circles/{id}/meetings/3/skip": {"shift": "no"},
    "/circles/{id}/end": {"reason": "We stoppen."},
    "/circles/{id}/leave": {"confirmed": "yes"},
}

ROLES = ["anonymous", "stranger", "member", "organiser", "admin"]


@pytest.fixture
def world(app, make_user):
    """A circle organised by a non-member, with one member to act on, and the five viewers."""
    organiser = make_user(email="organiser@example.org")
    member = make_user(email="member@example.org")
    other = make_user(email="other@example.org")
    make_user(email="stranger@example.org")
    make_user(email="admin@example.org", roles={"admin"})
    circle = make_circle(app, organiser, join=False, members=[member, other])
    return {"circle": circle, "target": other}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "template", "expected"), ROUTES, ids=[f"{m} {t}" for m, t, _ in ROUTES]
)
def test_circle_route_access(app, world, role, method, template, expected):
    circle = world["circle"]
    path = template.format(id=circle.id, token=circle.invite_token, member=world["target"].id)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if role != "anonymous":
        client.post("/login", data={"email": f"{role}@example.org", "password": PASSWORD})
    data = FORM_DATA.get(template, {})
    response = client.get(path) if method == "GET" else client.post(path, data=data)
    if role == "anonymous":
        if template == "/join/{token}" and method == "GET":
            assert response.status_code == 200
        else:
            assert response.status_code == 302
            assert response.headers["Location"].startswith("/login?next=")
        return
    assert response.status_code == expected[role], response.get_data(as_text=True)[:500]


def test_circle_page_shows_members_to_members_only(app, world, client):
    circle = world["circle"]
    client.post("/login", data={"email": "stranger@example.org", "password": PASSWORD})
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Person" not in page and "member@example.org" not in page


def test_unknown_circle_is_404(client, make_user, auth):
    make_user(email="someone@example.org")
    auth.login("someone@example.org")
    assert client.get("/circles/999999").status_code == 404
    assert client.post("/circles/999999/leave").status_code == 404
