"""Download my data: one JSON file with everything wol holds about the person, and only theirs."""

import json

from tests.circles_helpers import make_circle
from tests.test_erase import hold_meetings
from wol.directory.models import CircleAlert
from wol.extensions import db
from wol.mail.service import queue_mail
from wol.personal.registry import exporters


def _setup(app, client, make_user, auth):
    """Ann and Bram in one circle, each with notes, ticks and an alert; Bram signed in."""
    ann = make_user(email="ann@example.org", display_name="Ann Peeters", organisation="FOD BOSA")
    bram = make_user(email="bram@example.org", display_name="Bram De Smet")
    circle = make_circle(app, ann, members=[bram], language="en")
    hold_meetings(app, circle.id, ann.id, [1])
    with app.test_request_context():
        db.session.add(CircleAlert(user_id=ann.id, query="lang=nl&q=ann-only-search"))
        db.session.add(CircleAlert(user_id=bram.id, query="lang=en&q=bram-search"))
        queue_mail("bram@example.org", "For Bram", "Hello Bram", kind="general")
        queue_mail("ann@example.org", "For Ann", "Ann's private mail body", kind="general")
        db.session.commit()
    auth.login("ann@example.org")
    client.post(
        f"/circles/{circle.id}/week/1/notes",
        data={"body": "ANN-PRIVATE-NOTE", "done": ["check-calendar"]},
    )
    auth.logout()
    auth.login("bram@example.org")
    client.post(
        f"/circles/{circle.id}/week/1/notes",
        data={"body": "Bram's own note", "done": ["live-with-goal"]},
    )
    return circle, ann, bram


def test_download_is_a_json_file_with_every_section(app, client, make_user, auth):
    """The settings page offers a download: a JSON attachment naming every section."""
    circle, _ann, bram = _setup(app, client, make_user, auth)
    assert "Download my data" in client.get("/settings/my-data").get_data(as_text=True)
    answer = client.get("/settings/my-data/download")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="wol-my-data-')
    assert answer.headers["Cache-Control"] == "no-store"
    data = json.loads(answer.get_data(as_text=True))
    assert data["format"] == "wol-export/1"
    assert set(exporters()) <= set(data)
    assert data["account"]["email"] == "bram@example.org"
    assert [m["circle_id"] for m in data["memberships"]] == [circle.id]
    assert data["meeting_notes"] == [
        {
            "circle_id": circle.id,
            "circle_name": "Cirkel Digitale Overheid",
            "week": 1,
            "notes": "Bram's own note",
            "notes_updated_at": data["meeting_notes"][0]["notes_updated_at"],
            "exercises_done": ["live-with-goal"],
        }
    ]
    assert [a["search"] for a in data["alerts"]] == ["lang=en&q=bram-search"]
    assert [m["subject"] for m in data["mails"]][-1] == "For Bram"
    assert data["checkins"]["attended"][0]["week"] == 1
    assert "sessions" in data and data["sessions"]


def test_export_holds_nothing_private_of_another_person(app, client, make_user, auth):
    """Bram's file has no trace of Ann's notes, ticks, alerts, mails, address or organisation."""
    _setup(app, client, make_user, auth)
    text = client.get("/settings/my-data/download").get_data(as_text=True)
    for secret in (
        "ANN-PRIVATE-NOTE",
        "check-calendar",
        "ann-only-search",
        "Ann's private mail body",
        "ann@example.org",
        "FOD BOSA",
    ):
        assert secret not in text, secret
    # No secrets of Bram's own either: no password or token hashes, no feed secret.
    with app.app_context():
        from wol.auth.models import User

        user = db.session.scalar(db.select(User).where(User.email_key == "bram@example.org"))
        assert user.feed_token not in text and user.password_hash not in text


def test_export_needs_signing_in(client):
    """Nobody downloads anything without signing in."""
    answer = client.get("/settings/my-data/download")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
