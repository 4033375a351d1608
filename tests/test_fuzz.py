"""Hostile input on every route: huge ids, uploaded files, and Hypothesis-generated values for
every form field and query parameter. No input may give a 5xx.

The fuzzing budget is bounded (a few hundred requests), so the file runs in seconds; it runs on
SQLite and on PostgreSQL like the rest of the suite.
"""

import io
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD

HUGE = [2**31, 2**31 - 1 + 7, 2**63, 10**30]
# Routes that would end the fuzzing session or are not wol's own.
SKIPPED_ENDPOINTS = {"auth.logout", "static"}

FIELDS = [
    "email",
    "password",
    "confirm",
    "display_name",
    "language",
    "timezone",
    "next",
    "remember",
    "organisation",
    "name",
    "first_day",
    "local_time",
    "duration_minutes",
    "kind",
    "place",
    "video_url",
    "chat_url",
    "description",
    "join",
    "addresses",
    "reason",
    "day",
    "at",
    "shift",
    "confirmed",
    "lang",
    "roles",
    "delivery",
    "calendar_delivery",
    "answer",
    "attended",
    "held",
    "attendees",
    "note",
    "text",
    "body",
    "section",
    "week",
    "q",
    "page",
    "guide",
    "csrf_token",
]
SPECIAL = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "12",
    "13",
    "99999999999999999999",
    str(2**31),
    str(2**63),
    "1e309",
    "NaN",
    "2026-03-03",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "12:00",
    "25:61",
    "https://example.org/x",
    "javascript:alert(1)",
    "//evil.example",
    "/home",
    "nl",
    "en",
    "de",
    "yes",
    "no",
    "y",
    "on",
    "Europe/Brussels",
    "Mars/Olympus",
    "ann@example.org",
    "a@b",
    "\u202eevil",
    "line\nbreak",
    "\r\n",
    "\x85",
    "\u2028",
    "<script>",
    "' OR 1=1 --",
    "%00",
    "\ud7ff",
    "x" * 5000,
]
VALUES = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
FUZZ = settings(
    max_examples=160,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(app, make_user):
    """An admin who organises a circle with members and is signed in, and the app's routes."""
    admin = make_user(email="admin@example.org", roles={"admin", "organiser", "translator"})
    members = [make_user() for _ in range(3)]
    circle = make_circle(app, admin, members=members)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert (
        client.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 302
    )
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED_ENDPOINTS]
    return {
        "client": client,
        "circle": circle,
        "admin": admin,
        "member": members[0],
        "rules": rules,
        "app": app,
    }


def path_for(rule, world, draw=None) -> str:
    """A URL for ``rule``, with plausible values for its arguments (or drawn ones)."""
    plausible = path_args(world)
    values = {}
    for name in rule.arguments:
        if draw is not None and draw(st.booleans()):
            values[name] = draw(
                st.one_of(st.integers(0, 2**31 - 1), VALUES.filter(lambda v: v.strip("./")))
            )
        else:
            values[name] = plausible.get(name, "x")
    return re.sub(
        r"<(?:[^:>]+:)?([^>]+)>", lambda m: quote(str(values[m.group(1)]), safe=""), rule.rule
    )


def assert_no_server_error(response, method, path, data=None):
    """Every answer is below 500."""
    assert response.status_code < 500, (method, path, data, response.status_code)


def test_ids_too_large_for_the_database_are_404_on_every_route(world):
    client = world["client"]
    checked = 0
    for rule in world["rules"]:
        int_args = [
            name
            for name, conv in rule._converters.items()
            if type(conv).__name__ in ("IdConverter", "IntegerConverter")
        ]
        for name in int_args:
            for huge in HUGE:
                path = re.sub(
                    r"<(?:[^:>]+:)?([^>]+)>",
                    lambda m, name=name, huge=huge: (
                        str(huge)
                        if m.group(1) == name
                        else str(path_args(world).get(m.group(1), "x"))
                    ),
                    rule.rule,
                )
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    response = client.open(path, method=method)
                    assert response.status_code in (404, 405), (method, path, response.status_code)
                    checked += 1
    assert checked >= 11 * len(HUGE)


def path_args(world) -> dict:
    """Plausible values for every route argument."""
    circle = world["circle"]
    return {
        "circle_id": circle.id,
        "user_id": world["member"].id,
        "week": 3,
        "meeting_id": 1,
        "mail_id": 1,
        "token": circle.invite_token,
        "lang": "nl",
        "answer": "held",
    }


@pytest.mark.parametrize("path", ["/admin/users", "/admin/mail"])
@pytest.mark.parametrize("page", [str(2**31), str(2**63), "9" * 40, "-5", "abc", "0"])
def test_page_numbers_of_any_size_are_not_a_server_error(world, path, page):
    response = world["client"].get(f"{path}?page={page}")
    assert response.status_code in (200, 404)


@pytest.mark.parametrize(
    "path", ["/login", "/settings", "/circles/new", "/register", "/password/forgot", "/language"]
)
def test_a_file_sent_in_a_text_field_is_refused(world, path):
    data = {
        "email": (io.BytesIO(b"ann@example.org"), "email.txt"),
        "display_name": (io.BytesIO(b"Ann"), "name.txt"),
        "name": (io.BytesIO(b"Cirkel"), "name.txt"),
        "password": "x" * 12,
    }
    response = world["client"].post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 400


@FUZZ
@given(data=st.data())
def test_no_form_input_gives_a_server_error(world, data):
    rule = data.draw(st.sampled_from([r for r in world["rules"] if "POST" in r.methods]))
    path = path_for(rule, world, data.draw)
    fields = data.draw(
        st.dictionaries(
            st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=10)),
            VALUES,
            max_size=10,
        )
    )
    response = world["client"].post(path, data=fields)
    assert_no_server_error(response, "POST", path, fields)


@FUZZ
@given(data=st.data())
def test_no_query_parameter_gives_a_server_error(world, data):
    rule = data.draw(st.sampled_from([r for r in world["rules"] if "GET" in r.methods]))
    path = path_for(rule, world, data.draw)
    params = data.draw(
        st.dictionaries(
            st.one_of(
                st.sampled_from(
                    [
                        "page",
                        "q",
                        "lang",
                        "next",
                        "guide",
                        "week",
                        "answer",
                        "token",
                        "sort",
                        "status",
                    ]
                ),
                st.text(max_size=8),
            ),
            VALUES,
            max_size=4,
        )
    )
    response = world["client"].get(path, query_string=params)
    assert_no_server_error(response, "GET", path, params)
