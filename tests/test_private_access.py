"""Nobody but the person reads their private notes, ticks or unshared harvest, by any URL.

Four others sign in (another member, the organiser who is not a member, an admin, a stranger)
and open every GET page wol has that a circle or meeting can be put into: meeting pages, the
circle page, check-in pages, the dashboard and its CSV, their own export, stories, JSON
answers. None of those answers may contain what the person keeps for themselves.
"""

import re

import pytest
from flask import url_for

from tests.circles_helpers import make_circle, meetings_of
from tests.conftest import PASSWORD
from tests.test_erase import hold_meetings
from wol.extensions import db
from wol.harvest.models import PRIVATE, Harvest

NOTE = "BRAM-NOTE-7f3a"
HARVEST = "BRAM-HARVEST-91c2"
TICK = "find-three-people"  # an exercise nobody else ticks; its id must not show for others


def _values(app, circle, meeting_id):
    """Values for the URL arguments a page can take."""
    return {
        "circle_id": circle.id,
        "week": 1,
        "meeting_id": meeting_id,
        "lang": "en",
        "token": circle.invite_token,
    }


def _get_pages(app, circle, meeting_id) -> list[str]:
    """Every GET URL whose arguments are known values (skipping static files)."""
    values = _values(app, circle, meeting_id)
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            if not set(rule.arguments) <= set(values):
                continue
            args = {name: values[name] for name in rule.arguments}
            urls.append(url_for(rule.endpoint, **args))
            if "week" in args:
                urls.extend(url_for(rule.endpoint, **{**args, "week": w}) for w in (2, 12))
    return sorted(set(urls))


@pytest.fixture
def private_world(app, make_user):
    """Bram's notes, ticks and a harvest he keeps to himself, in a finished circle."""
    ann = make_user(email="ann@example.org", roles={"organiser"})
    bram = make_user(email="bram@example.org")
    carl = make_user(email="carl@example.org")
    make_user(email="admin@example.org", roles={"admin"})
    make_user(email="stranger@example.org")
    dirk = make_user(email="dirk@example.org")
    circle = make_circle(app, ann, members=[bram, carl, dirk], join=False, language="en")
    hold_meetings(app, circle.id, carl.id, range(1, 13))
    client = app.test_client()
    client.post("/login", data={"email": "bram@example.org", "password": PASSWORD})
    for week in (1, 2, 12):
        assert (
            client.post(
                f"/circles/{circle.id}/week/{week}/notes", data={"body": NOTE, "done": [TICK]}
            ).status_code
            == 302
        )
    with app.app_context():
        db.session.add(
            Harvest(
                circle_id=circle.id,
                user_id=bram.id,
                aim=HARVEST,
                happened=HARVEST,
                learned=HARVEST,
                audience=PRIVATE,
            )
        )
        db.session.commit()
    meeting_id = meetings_of(app, circle.id)[0].id
    return circle, meeting_id


@pytest.mark.parametrize(
    "viewer", ["carl@example.org", "ann@example.org", "admin@example.org", "stranger@example.org"]
)
def test_no_one_else_reads_notes_or_ticks(app, private_world, viewer):
    """Every page, export, CSV and JSON answer, for each kind of other person."""
    circle, meeting_id = private_world
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.post("/login", data={"email": viewer, "password": PASSWORD}).status_code == 302
    pages = _get_pages(app, circle, meeting_id)
    assert any(f"/circles/{circle.id}/week/1" == p for p in pages)
    assert "/settings/my-data/download" in pages and "/organise/circles.csv" in pages
    checked = 0
    for path in pages:
        if path in ("/logout",):
            continue
        for accept in ("text/html", "application/json"):
            answer = client.get(path, headers={"Accept": accept})
            text = answer.get_data(as_text=True)
            assert NOTE not in text, (viewer, path)
            assert not re.search(rf'value="{TICK}" checked', text), (viewer, path)
            assert TICK not in text or answer.mimetype == "text/html", (viewer, path)
            assert HARVEST not in text, (viewer, path)
            checked += 1
    assert checked > 40
    # Posting to Bram's notes is not possible: a non-member gets 403, a member saves their own.
    answer = client.post(f"/circles/{circle.id}/week/1/notes", data={"body": "x"})
    assert answer.status_code in (302, 403)
    mine = client.get(f"/circles/{circle.id}/week/1").get_data(as_text=True)
    assert NOTE not in mine
