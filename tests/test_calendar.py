"""Calendars as clients see them: download, feed, invitations, updates and cancellations.

Every calendar wol produces goes through ../shared/tools/icalcheck, four independent parsers
that play the calendar client, with the exact UTC starts written out by hand below. Series of
invitations are replayed as a client applies them (tests/itip.py) and compared with what the
circle page shows.
"""

import re
from datetime import date, time
from email.utils import format_datetime
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import event, select

from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD
from tests.icalcheck import run_checker
from tests.itip import ClientStore
from wol.auth.models import User
from wol.circles.models import Circle
from wol.circles.service import move_meeting, skip_meeting
from wol.extensions import db
from wol.mail.models import OutboxMail

# Brussels, Tuesdays 12:00 from 3 March 2026: week 5 skipped with the later weeks shifted,
# week 7 then moved to Thursday 23 April 14:00. CET (UTC+1) until 29 March, CEST after.
BRUSSELS = [
    "2026-03-03T11:00:00Z", "2026-03-10T11:00:00Z", "2026-03-17T11:00:00Z",
    "2026-03-24T11:00:00Z", "2026-04-07T10:00:00Z", "2026-04-14T10:00:00Z",
    "2026-04-23T12:00:00Z", "2026-04-28T10:00:00Z", "2026-05-05T10:00:00Z",
    "2026-05-12T10:00:00Z", "2026-05-19T10:00:00Z", "2026-05-26T10:00:00Z",
]
# New York, Thursdays 09:00 from 26 February 2026: EST (UTC-5) until 8 March, EDT after.
NEW_YORK = [
    "2026-02-26T14:00:00Z", "2026-03-05T14:00:00Z", "2026-03-12T13:00:00Z",
    "2026-03-19T13:00:00Z", "2026-03-26T13:00:00Z", "2026-04-02T13:00:00Z",
    "2026-04-09T13:00:00Z", "2026-04-16T13:00:00Z", "2026-04-23T13:00:00Z",
    "2026-04-30T13:00:00Z", "2026-05-07T13:00:00Z", "2026-05-14T13:00:00Z",
]


def icalcheck(tmp_path: Path, data: bytes, expected: list[str] | None, name: str) -> str:
    """Run the checker; fail with its report unless all four parsers accept the file."""
    result = run_checker(tmp_path, name, data, expected)
    assert result.returncode == 0, f"icalcheck rejected {name}:\n{result.stdout}"
    return result.stdout


def brussels_circle(app, organiser, members=()):
    """The journey-4 circle: across the March DST change, one week skipped, one moved."""
    circle = make_circle(app, organiser, members=members)
    with app.test_request_context():
        loaded = db.session.get(Circle, circle.id)
        by = db.session.get(User, organiser.id)
        skip_meeting(loaded, loaded.meetings[4], by, shift=True)
        move_meeting(loaded, loaded.meetings[6], by, date(2026, 4, 23), time(14, 0))
        db.session.commit()
    return circle


def new_york_circle(app, organiser, members=()):
    """An America/New_York circle crossing the 8 March 2026 change."""
    return make_circle(app, organiser, members=members, name="Transatlantic Circle",
                       language="en", first_day=date(2026, 2, 26), local_time=time(9, 0),
                       timezone="America/New_York", kind="online", place=None,
                       video_url="https://zoom.example.org/j/1", today=date(2026, 2, 20))


def signed_in(app, email):
    """A client signed in as ``email``."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/login", data={"email": email, "password": PASSWORD})
    return client


def uids(data: bytes) -> list[str]:
    """The UIDs of the VEVENTs in a calendar."""
    cal = icalendar.Calendar.from_ical(data)
    return [str(ev["UID"]) for ev in cal.walk("VEVENT")]


def latest_mail(app, address: str, kind: str) -> OutboxMail:
    """The newest queued mail of ``kind`` for ``address``."""
    with app.app_context():
        mail = db.session.scalar(
            select(OutboxMail).where(OutboxMail.to_addr == address, OutboxMail.kind == kind)
            .order_by(OutboxMail.id.desc()).limit(1))
        assert mail is not None, f"no {kind} mail for {address}"
        db.session.expunge(mail)
        return mail


def test_download_passes_the_checker(app, make_user, tmp_path):
    ann = make_user(email="ann@example.org")
    circle = brussels_circle(app, ann)
    response = signed_in(app, "ann@example.org").get(f"/circles/{circle.id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'filename="cirkel-digitale-overheid.ics"' in response.headers["Content-Disposition"]
    icalcheck(tmp_path, response.data, BRUSSELS, "download")
    text = response.data.decode()
    assert "METHOD:PUBLISH" in text.split("\r\n")
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Brussels" in text
    assert "RRULE:FREQ=YEARLY" in text  # the VTIMEZONE style Outlook and Google write
    assert f"/circles/{circle.id}/week/7" in text.replace("\r\n ", "")


def test_download_needs_membership(app, make_user):
    circle = brussels_circle(app, make_user())
    make_user(email="stranger@example.org")
    assert signed_in(app, "stranger@example.org").get(
        f"/circles/{circle.id}/calendar.ics").status_code == 403
    assert app.test_client().get(f"/circles/{circle.id}/calendar.ics").status_code == 302


def test_feed_of_a_brussels_user_with_a_new_york_circle(app, make_user, tmp_path):
    ann = make_user(email="ann@example.org", timezone="Europe/Brussels")
    brussels_circle(app, ann)
    new_york_circle(app, make_user(), members=[ann])
    with app.app_context():
        token = db.session.get(User, ann.id).feed_token
    response = app.test_client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Set-Cookie" not in response.headers  # no session needed, none made
    icalcheck(tmp_path, response.data, sorted(BRUSSELS + NEW_YORK), "feed")
    assert "mailto:" not in response.data.decode() and "@example.org" not in response.data.decode()


def test_feed_tokens_rotate_and_unknown_ones_are_404(app, make_user):
    ann = make_user(email="ann@example.org")
    with app.app_context():
        old = db.session.get(User, ann.id).feed_token
    client = signed_in(app, "ann@example.org")
    assert client.post("/settings/calendar/rotate").status_code == 302
    with app.app_context():
        new = db.session.get(User, ann.id).feed_token
    assert new != old and len(new) >= 43
    anonymous = app.test_client()
    assert anonymous.get(f"/calendar/{old}.ics").status_code == 404
    assert anonymous.get("/calendar/made-up.ics").status_code == 404
    assert anonymous.get(f"/calendar/{new}.ics").status_code == 200
    page = client.get("/settings/calendar").get_data(as_text=True)
    assert f"webcal://wol.test/calendar/{new}.ics" in page
    assert f"http://wol.test/calendar/{new}.ics" in page


def test_feed_answers_304_without_rendering(app, make_user):
    ann = make_user(email="ann@example.org")
    circle = brussels_circle(app, ann)
    with app.app_context():
        token = db.session.get(User, ann.id).feed_token
    client = app.test_client()
    first = client.get(f"/calendar/{token}.ics")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            again = client.get(f"/calendar/{token}.ics", headers={"If-None-Match": etag})
            by_date = client.get(f"/calendar/{token}.ics",
                                 headers={"If-Modified-Since": last_modified})
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert again.status_code == 304 and by_date.status_code == 304
    assert again.data == b"" and again.headers["ETag"] == etag
    assert not any("FROM meetings" in s for s in statements)  # nothing was rendered
    # A change gives a new version.
    with app.test_request_context():
        loaded = db.session.get(Circle, circle.id)
        move_meeting(loaded, loaded.meetings[10], db.session.get(User, ann.id),
                     date(2026, 5, 13), time(12, 0))
        db.session.commit()
    changed = client.get(f"/calendar/{token}.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def feed_of(app, user) -> bytes:
    """The person's feed, fetched as a calendar client does."""
    with app.app_context():
        token = db.session.get(User, user.id).feed_token
    response = app.test_client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    return response.data


def page_meetings(client, circle_id: int) -> list[str]:
    """The UTC starts of the meetings the circle page lists as taking place."""
    page = client.get(f"/circles/{circle_id}").get_data(as_text=True)
    rows = re.findall(r'<tr id="week-\d+".*?</tr>', page, flags=re.S)
    starts = [m for row in rows for m in re.findall(r'<time datetime="([^"]+)"', row)]
    assert len(rows) == 12
    return sorted(starts)


def test_uids_are_stable_and_sequence_grows(app, make_user):
    ann = make_user(email="ann@example.org", calendar_delivery="feed")
    circle = make_circle(app, ann)
    client = signed_in(app, "ann@example.org")
    first = feed_of(app, ann)
    assert feed_of(app, ann) == first  # byte-identical for the same data
    download = client.get(f"/circles/{circle.id}/calendar.ics").data
    assert client.get(f"/circles/{circle.id}/calendar.ics").data == download
    client.post(f"/circles/{circle.id}/meetings/3/move", data={"day": "2026-03-18", "at": "12:00"})
    after = feed_of(app, ann)
    assert uids(after) == uids(first)
    assert uids(first)[2] == f"circle-{circle.id}-week-3@wol.test"
    seq = [int(ev["SEQUENCE"]) for ev in icalendar.Calendar.from_ical(after).walk("VEVENT")]
    assert set(seq) == {1}
    assert b"SEQUENCE:0" in first
    # The download is the series the invitations carry: one UID, the circle's.
    assert set(uids(download)) == {f"circle-{circle.id}@wol.test"}


def test_invitations_replayed_end_with_what_the_circle_page_shows(app, make_user, tmp_path):
    """REQUEST, two updates, a one-week CANCEL and a series CANCEL, applied in order by a
    client (tests/itip.py): after each step the client holds exactly the page's meetings."""
    ann = make_user(email="ann@example.org")
    bram = make_user(email="bram@example.org", language="nl")
    circle = make_circle(app, ann, members=[bram])
    bram_client = signed_in(app, "bram@example.org")
    invitation = latest_mail(app, "bram@example.org", "calendar_invitation")
    assert invitation.calendar_method == "REQUEST"
    plain = [
        "2026-03-03T11:00:00Z", "2026-03-10T11:00:00Z", "2026-03-17T11:00:00Z",
        "2026-03-24T11:00:00Z", "2026-03-31T10:00:00Z", "2026-04-07T10:00:00Z",
        "2026-04-14T10:00:00Z", "2026-04-21T10:00:00Z", "2026-04-28T10:00:00Z",
        "2026-05-05T10:00:00Z", "2026-05-12T10:00:00Z", "2026-05-19T10:00:00Z"]
    icalcheck(tmp_path, invitation.calendar.encode(), plain, "invitation")
    assert "METHOD:REQUEST" in invitation.calendar
    assert "ATTENDEE" in invitation.calendar and "ann@example.org" not in invitation.calendar
    # wol reads no replies, so it asks for none (Outlook would send them when asked).
    unfolded = invitation.calendar.replace("\r\n ", "")
    assert "RSVP=FALSE" in unfolded and "RSVP=TRUE" not in unfolded
    client_store = ClientStore()
    client_store.apply(invitation.calendar)
    assert page_meetings(bram_client, circle.id) == plain
    icalcheck(tmp_path, client_store.calendar(), plain, "client-invited")

    client = signed_in(app, "ann@example.org")
    client.post(f"/circles/{circle.id}/meetings/5/skip", data={"shift": "yes"})
    client_store.apply(latest_mail(app, "bram@example.org", "calendar_update").calendar)
    client.post(f"/circles/{circle.id}/meetings/7/move", data={"day": "2026-04-23", "at": "14:00"})
    update = latest_mail(app, "bram@example.org", "calendar_update")
    icalcheck(tmp_path, update.calendar.encode(), BRUSSELS, "update")
    client_store.apply(update.calendar)
    assert page_meetings(bram_client, circle.id) == sorted(BRUSSELS)
    icalcheck(tmp_path, client_store.calendar(), BRUSSELS, "client-updated")

    client.post(f"/circles/{circle.id}/meetings/9/skip", data={"shift": "no"})
    cancel = latest_mail(app, "bram@example.org", "calendar_cancel")
    assert "METHOD:CANCEL" in cancel.calendar and "RECURRENCE-ID" in cancel.calendar
    client_store.apply(cancel.calendar)
    remaining = [s for s in BRUSSELS if s != "2026-05-05T10:00:00Z"]
    assert page_meetings(bram_client, circle.id) == sorted(remaining)
    icalcheck(tmp_path, client_store.calendar(), remaining, "client-cancelled-week")

    client.post(f"/circles/{circle.id}/members/{bram.id}/remove")
    whole = latest_mail(app, "bram@example.org", "calendar_cancel")
    assert "RECURRENCE-ID" not in whole.calendar and "STATUS:CANCELLED" in whole.calendar
    icalcheck(tmp_path, whole.calendar.encode(), None, "cancel-series")
    client_store.apply(whole.calendar)
    assert client_store.events == {}
    assert client_store.ignored == []  # every message was newer than the one before


def test_switching_to_the_feed_and_back_sends_newer_messages(app, make_user, tmp_path):
    """A series CANCEL and the new invitation after it each carry a higher SEQUENCE, so a
    client applies both and ends with the page's meetings again."""
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann)
    client = signed_in(app, "ann@example.org")
    client_store = ClientStore()
    client_store.apply(latest_mail(app, "ann@example.org", "calendar_invitation").calendar)
    assert client.post("/settings/calendar", data={"delivery": "feed"}).status_code == 302
    client_store.apply(latest_mail(app, "ann@example.org", "calendar_cancel").calendar)
    assert client_store.events == {}
    assert client.post("/settings/calendar", data={"delivery": "email"}).status_code == 302
    client_store.apply(latest_mail(app, "ann@example.org", "calendar_invitation").calendar)
    assert client_store.ignored == []
    shown = page_meetings(client, circle.id)
    icalcheck(tmp_path, client_store.calendar(), shown, "client-back")


def test_feed_only_people_get_no_invitations_and_switching_cleans_up(app, make_user):
    ann = make_user(email="ann@example.org")
    bram = make_user(email="bram@example.org", calendar_delivery="feed")
    circle = make_circle(app, ann, members=[bram])
    with app.app_context():
        kinds = set(db.session.scalars(select(OutboxMail.kind).where(
            OutboxMail.to_addr == "bram@example.org")))
    assert "calendar_invitation" not in kinds and "circle_welcome" in kinds
    client = signed_in(app, "ann@example.org")
    assert client.post("/settings/calendar", data={"delivery": "feed"}).status_code == 302
    cancel = latest_mail(app, "ann@example.org", "calendar_cancel")
    assert circle.name in cancel.subject
    assert client.post("/settings/calendar", data={"delivery": "email"}).status_code == 302
    assert latest_mail(app, "ann@example.org", "calendar_invitation").id > cancel.id
    response = client.post("/settings/calendar", data={"delivery": "pigeon"})
    assert response.status_code == 400


def test_cli_writes_the_calendar(app, make_user, runner, tmp_path):
    circle = brussels_circle(app, make_user())
    result = runner.invoke(args=["wol", "calendar", str(circle.id)])
    assert result.exit_code == 0
    icalcheck(tmp_path, result.stdout_bytes, BRUSSELS, "cli")
    missing = runner.invoke(args=["wol", "calendar", "99999"])
    assert missing.exit_code != 0 and "no circle 99999" in missing.output


def test_summary_names_the_circle_and_the_weeks_guide(app, make_user):
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann)
    data = signed_in(app, "ann@example.org").get(f"/circles/{circle.id}/calendar.ics").data
    events = icalendar.Calendar.from_ical(data).walk("VEVENT")
    weeks = sorted((ev for ev in events if "RECURRENCE-ID" in ev),
                   key=lambda ev: ev["DTSTART"].dt)
    summaries = [str(ev["SUMMARY"]) for ev in weeks]
    assert summaries[0].startswith("Cirkel Digitale Overheid · week 1: ")
    assert len(summaries[0]) > len("Cirkel Digitale Overheid · week 1: ") + 3
    assert re.search(r"LOCATION:Zaal 4\.12", data.decode())


def test_if_modified_since_in_the_past_renders(app, make_user):
    ann = make_user(email="ann@example.org")
    make_circle(app, ann)
    with app.app_context():
        token = db.session.get(User, ann.id).feed_token
    from datetime import UTC, datetime

    old = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    response = app.test_client().get(f"/calendar/{token}.ics",
                                     headers={"If-Modified-Since": old})
    assert response.status_code == 200 and response.data.startswith(b"BEGIN:VCALENDAR")


@pytest.mark.parametrize(("path", "status"), [("/calendar/.ics", 404),
                                              ("/calendar/x%00y.ics", 400),
                                              ("/calendar/" + "x" * 300 + ".ics", 404)])
def test_odd_feed_paths_are_refused(app, path, status):
    assert app.test_client().get(path).status_code == status
