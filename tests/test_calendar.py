"""Calendars as clients see them: download, feed, invitations, updates and cancellations.

Every calendar wol produces goes through ../shared/tools/icalcheck, four independent parsers
that play the calendar client, with the exact UTC starts written out by hand below. Series of
invitations are replayed as a client applies them (tests/itip.py) and compared with what the
circle page shows.
"""

import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import event, select, update

from tests.circles_helpers import make_circle, meetings_of
from tests.conftest import PASSWORD
from tests.icalcheck import run_checker
from tests.itip import ClientStore
from tests.test_query_counts import counted
from wol.auth.models import User
from wol.circles.models import Circle
from wol.circles.service import (
    end_circle,
    join_circle,
    leave_circle,
    move_meeting,
    skip_meeting,
)
from wol.extensions import db
from wol.mail.models import OutboxMail
from wol.timestamps import utcnow

# Brussels, Tuesdays 12:00 from 3 March 2026: week 5 skipped with the later weeks shifted,
# week 7 then moved to Thursday 23 April 14:00. CET (UTC+1) until 29 March, CEST after.
BRUSSELS = [
    "2026-03-03T11:00:00Z",
    "2026-03-10T11:00:00Z",
    "2026-03-17T11:00:00Z",
    "2026-03-24T11:00:00Z",
    "2026-04-07T10:00:00Z",
    "2026-04-14T10:00:00Z",
    "2026-04-23T12:00:00Z",
    "2026-04-28T10:00:00Z",
    "2026-05-05T10:00:00Z",
    "2026-05-12T10:00:00Z",
    "2026-05-19T10:00:00Z",
    "2026-05-26T10:00:00Z",
]
# New York, Thursdays 09:00 from 26 February 2026: EST (UTC-5) until 8 March, EDT after.
NEW_YORK = [
    "2026-02-26T14:00:00Z",
    "2026-03-05T14:00:00Z",
    "2026-03-12T13:00:00Z",
    "2026-03-19T13:00:00Z",
    "2026-03-26T13:00:00Z",
    "2026-04-02T13:00:00Z",
    "2026-04-09T13:00:00Z",
    "2026-04-16T13:00:00Z",
    "2026-04-23T13:00:00Z",
    "2026-04-30T13:00:00Z",
    "2026-05-07T13:00:00Z",
    "2026-05-14T13:00:00Z",
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
    return make_circle(
        app,
        organiser,
        members=members,
        name="Transatlantic Circle",
        language="en",
        first_day=date(2026, 2, 26),
        local_time=time(9, 0),
        timezone="America/New_York",
        kind="online",
        place=None,
        video_url="https://zoom.example.org/j/1",
        today=date(2026, 2, 20),
    )


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
            select(OutboxMail)
            .where(OutboxMail.to_addr == address, OutboxMail.kind == kind)
            .order_by(OutboxMail.id.desc())
            .limit(1)
        )
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
    assert (
        signed_in(app, "stranger@example.org").get(f"/circles/{circle.id}/calendar.ics").status_code
        == 403
    )
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


def move_week(app, circle, ann, week: int, day: date, at: time) -> None:
    """Ann moves ``week`` of ``circle`` to ``day`` at ``at``, committed."""
    with app.test_request_context():
        loaded = db.session.get(Circle, circle.id)
        move_meeting(loaded, loaded.meetings[week - 1], db.session.get(User, ann.id), day, at)
        db.session.commit()


def move_week_11(app, circle, ann) -> None:
    """Ann moves week 11 of ``circle`` to Wednesday 13 May 2026 at 12:00."""
    move_week(app, circle, ann, 11, date(2026, 5, 13), time(12, 0))


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
            by_date = client.get(
                f"/calendar/{token}.ics", headers={"If-Modified-Since": last_modified}
            )
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert again.status_code == 304 and by_date.status_code == 304
    assert again.data == b"" and again.headers["ETag"] == etag
    assert not any("FROM meetings" in s for s in statements)  # nothing was rendered
    # A change gives a new version.
    move_week_11(app, circle, ann)
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
        "2026-03-03T11:00:00Z",
        "2026-03-10T11:00:00Z",
        "2026-03-17T11:00:00Z",
        "2026-03-24T11:00:00Z",
        "2026-03-31T10:00:00Z",
        "2026-04-07T10:00:00Z",
        "2026-04-14T10:00:00Z",
        "2026-04-21T10:00:00Z",
        "2026-04-28T10:00:00Z",
        "2026-05-05T10:00:00Z",
        "2026-05-12T10:00:00Z",
        "2026-05-19T10:00:00Z",
    ]
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
    # The other members' calendar updates come inside the mail that tells them of the change.
    client_store.apply(latest_mail(app, "bram@example.org", "meeting_skipped").calendar)
    client.post(f"/circles/{circle.id}/meetings/7/move", data={"day": "2026-04-23", "at": "14:00"})
    update = latest_mail(app, "bram@example.org", "meeting_moved")
    icalcheck(tmp_path, update.calendar.encode(), BRUSSELS, "update")
    client_store.apply(update.calendar)
    assert page_meetings(bram_client, circle.id) == sorted(BRUSSELS)
    icalcheck(tmp_path, client_store.calendar(), BRUSSELS, "client-updated")

    client.post(f"/circles/{circle.id}/meetings/9/skip", data={"shift": "no"})
    cancel = latest_mail(app, "bram@example.org", "meeting_skipped")
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
        kinds = set(
            db.session.scalars(
                select(OutboxMail.kind).where(OutboxMail.to_addr == "bram@example.org")
            )
        )
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
    weeks = sorted((ev for ev in events if "RECURRENCE-ID" in ev), key=lambda ev: ev["DTSTART"].dt)
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
    response = app.test_client().get(f"/calendar/{token}.ics", headers={"If-Modified-Since": old})
    assert response.status_code == 200 and response.data.startswith(b"BEGIN:VCALENDAR")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/calendar/.ics", 404),
        ("/calendar/x%00y.ics", 400),
        ("/calendar/" + "x" * 300 + ".ics", 404),
    ],
)
def test_odd_feed_paths_are_refused(app, path, status):
    assert app.test_client().get(path).status_code == status


# --- DST nights through the whole app ------------------------------------------------------

# A weekly time inside the spring-forward gap, on the very night of the gap (2027). Week 1
# moves on by the gap; the later weeks are at the circle's own time, in summer time.
FIRST_IN_GAP = {
    # Brussels, 28 March 02:00 CET -> 03:00 CEST: week 1 at 03:30 CEST, then 02:30 CEST.
    "Europe/Brussels": (
        date(2027, 3, 28),
        time(2, 30),
        "2027-03-28T01:30:00Z",
        "2027-04-04T00:30:00Z",
    ),
    # New York, 14 March 02:00 EST -> 03:00 EDT: 03:30 EDT, then 02:30 EDT.
    "America/New_York": (
        date(2027, 3, 14),
        time(2, 30),
        "2027-03-14T07:30:00Z",
        "2027-03-21T06:30:00Z",
    ),
    # London, 28 March 01:00 GMT -> 02:00 BST: 02:30 BST, then 01:30 BST.
    "Europe/London": (
        date(2027, 3, 28),
        time(1, 30),
        "2027-03-28T01:30:00Z",
        "2027-04-04T00:30:00Z",
    ),
    # Havana, 14 March 00:00 CST -> 01:00 CDT: 01:30 CDT, then 00:30 CDT.
    "America/Havana": (
        date(2027, 3, 14),
        time(0, 30),
        "2027-03-14T05:30:00Z",
        "2027-03-21T04:30:00Z",
    ),
}


def weekly(first: str, count: int) -> list[str]:
    """`count` UTC starts a week apart from `first` (for stretches without a DST change)."""
    start = datetime.fromisoformat(first.replace("Z", "+00:00"))
    return [(start + timedelta(weeks=n)).strftime("%Y-%m-%dT%H:%M:%SZ") for n in range(count)]


@pytest.mark.parametrize("zone", sorted(FIRST_IN_GAP))
def test_a_first_meeting_in_the_gap_works_everywhere(app, make_user, runner, tmp_path, zone):
    """Creating the circle (the organiser joins), a member joining with invitations, the
    download, the CLI and every member's feed: no 500, and all four parsers agree."""
    first_day, at, week1, week2 = FIRST_IN_GAP[zone]
    expected = [week1, *weekly(week2, 11)]
    ann = make_user(email="ann@example.org")
    bram = make_user(email="bram@example.org")
    circle = make_circle(
        app,
        ann,
        members=[bram],
        name="Night owls",
        first_day=first_day,
        local_time=at,
        timezone=zone,
        today=first_day - timedelta(days=7),
    )
    client = signed_in(app, "bram@example.org")
    assert page_meetings(client, circle.id) == expected
    invitation = latest_mail(app, "bram@example.org", "calendar_invitation")
    icalcheck(tmp_path, invitation.calendar.encode(), expected, "invitation")
    download = client.get(f"/circles/{circle.id}/calendar.ics")
    assert download.status_code == 200
    icalcheck(tmp_path, download.data, expected, "download")
    result = runner.invoke(args=["wol", "calendar", str(circle.id)])
    assert result.exit_code == 0, result.output
    icalcheck(tmp_path, result.stdout_bytes, expected, "cli")
    for person in (ann, bram):
        icalcheck(tmp_path, feed_of(app, person), expected, f"feed-{person.id}")


# Brussels Sundays at 02:30, the third week on the night the clocks change (2027).
ON_THE_NIGHT = {
    # 28 March: 02:30 does not exist, week 3 is at 03:30 CEST; CET before, CEST after.
    "spring": (
        date(2027, 3, 14),
        [
            "2027-03-14T01:30:00Z",
            "2027-03-21T01:30:00Z",
            "2027-03-28T01:30:00Z",
            *weekly("2027-04-04T00:30:00Z", 9),
        ],
    ),
    # 31 October: 02:30 happens twice, week 3 is the first (CEST); CET after.
    "autumn": (
        date(2027, 10, 17),
        [
            "2027-10-17T00:30:00Z",
            "2027-10-24T00:30:00Z",
            "2027-10-31T00:30:00Z",
            *weekly("2027-11-07T01:30:00Z", 9),
        ],
    ),
}


@pytest.mark.parametrize("night", sorted(ON_THE_NIGHT))
def test_a_meeting_on_the_night_of_a_dst_change(app, make_user, tmp_path, night):
    """Invitation, download and feed of a circle meeting in the gap or the repeated hour:
    every parser (libical too) finds each week at wol's instant, one hour long."""
    first_day, expected = ON_THE_NIGHT[night]
    ann = make_user(email="ann@example.org")
    circle = make_circle(
        app, ann, first_day=first_day, local_time=time(2, 30), today=first_day - timedelta(days=7)
    )
    client = signed_in(app, "ann@example.org")
    assert page_meetings(client, circle.id) == expected
    invitation = latest_mail(app, "ann@example.org", "calendar_invitation").calendar.encode()
    icalcheck(tmp_path, invitation, expected, "invitation")
    icalcheck(tmp_path, client.get(f"/circles/{circle.id}/calendar.ics").data, expected, "download")
    feed = feed_of(app, ann)
    icalcheck(tmp_path, feed, expected, "feed")
    for data in (invitation, feed):
        for vevent in icalendar.Calendar.from_ical(data).walk("VEVENT"):
            if "RRULE" not in vevent:
                assert vevent["DTEND"].dt - vevent["DTSTART"].dt == timedelta(hours=1)


def test_skip_with_shift_puts_a_gap_week_back_at_the_circles_time(app, make_user):
    """Brussels Sundays 02:30 from 28 March 2027: week 1 is at 03:30 CEST (01:30Z), out of the
    gap. Skipped with the later weeks shifting, it is on 4 April at 02:30 CEST (00:30Z)."""
    ann = make_user(email="ann@example.org")
    circle = make_circle(
        app,
        ann,
        join=False,
        first_day=date(2027, 3, 28),
        local_time=time(2, 30),
        today=date(2027, 3, 20),
    )
    assert meetings_of(app, circle.id)[0].starts_at == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    with app.test_request_context():
        loaded = db.session.get(Circle, circle.id)
        skip_meeting(loaded, loaded.meetings[0], db.session.get(User, ann.id), shift=True)
        db.session.commit()
    starts = [m.starts_at for m in meetings_of(app, circle.id)]
    assert starts[0] == datetime(2027, 4, 4, 0, 30, tzinfo=UTC)  # 02:30 CEST again
    assert starts[1] == datetime(2027, 4, 11, 0, 30, tzinfo=UTC)


def test_a_week_skipped_out_of_the_gap_is_back_at_the_circles_time(app, make_user, tmp_path):
    """Brussels Sundays 02:30 from 28 March 2027 (week 1 at 03:30 CEST, out of the gap).
    Week 1 is skipped and the weeks shift: week 1 is on 4 April at 02:30 CEST, not 03:30."""
    ann = make_user(email="ann@example.org")
    circle = make_circle(
        app, ann, first_day=date(2027, 3, 28), local_time=time(2, 30), today=date(2027, 3, 20)
    )
    client = signed_in(app, "ann@example.org")
    client_store = ClientStore()
    client_store.apply(latest_mail(app, "ann@example.org", "calendar_invitation").calendar)
    response = client.post(f"/circles/{circle.id}/meetings/1/skip", data={"shift": "yes"})
    assert response.status_code == 302
    expected = weekly("2027-04-04T00:30:00Z", 12)  # 02:30 CEST, 4 April to 20 June
    assert page_meetings(client, circle.id) == expected
    update = latest_mail(app, "ann@example.org", "calendar_update")
    icalcheck(tmp_path, update.calendar.encode(), expected, "update")
    client_store.apply(update.calendar)
    icalcheck(tmp_path, client_store.calendar(), expected, "client")
    icalcheck(tmp_path, client.get(f"/circles/{circle.id}/calendar.ics").data, expected, "download")


def test_an_autumn_meeting_moved_into_the_repeated_hour(app, make_user, tmp_path):
    """Brussels Sundays 10:00 from 17 October 2027; week 3 moves to 02:30 on 31 October, an
    hour that happens twice: the first (CEST, 00:30Z), one hour long in every client."""
    ann = make_user(email="ann@example.org")
    circle = make_circle(
        app, ann, first_day=date(2027, 10, 17), local_time=time(10, 0), today=date(2027, 10, 1)
    )
    client = signed_in(app, "ann@example.org")
    client.post(f"/circles/{circle.id}/meetings/3/move", data={"day": "2027-10-31", "at": "02:30"})
    expected = [
        "2027-10-17T08:00:00Z",
        "2027-10-24T08:00:00Z",
        "2027-10-31T00:30:00Z",
        *weekly("2027-11-07T09:00:00Z", 9),
    ]  # 10:00 CET from 7 November
    assert page_meetings(client, circle.id) == expected
    update = latest_mail(app, "ann@example.org", "calendar_update")
    icalcheck(tmp_path, update.calendar.encode(), expected, "update")
    feed = feed_of(app, ann)
    icalcheck(tmp_path, feed, expected, "feed")
    week3 = next(
        ev
        for ev in icalendar.Calendar.from_ical(feed).walk("VEVENT")
        if str(ev["UID"]) == f"circle-{circle.id}-week-3@wol.test"
    )
    assert "TZID" not in week3["DTSTART"].params
    assert week3["DTEND"].dt - week3["DTSTART"].dt == timedelta(hours=1)


# --- names with line breaks, already in the database -----------------------------------------


def test_a_name_with_a_line_break_in_the_database_breaks_no_calendar(
    app, make_user, runner, tmp_path
):
    """A name and a place written straight into the database (before wol refused them): the
    download, the feed, an invitation and `flask wol calendar` all work, on one line."""
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann)
    with app.app_context():
        db.session.execute(
            update(Circle)
            .where(Circle.id == circle.id)
            .values(name="Cirkel\r\nDigitale\u2028Overheid\x0b", place="Zaal 4.12\nWTC \\N III\x85")
        )
        db.session.commit()
    bram = make_user(email="bram@example.org")
    with app.test_request_context():
        join_circle(db.session.get(Circle, circle.id), db.session.get(User, bram.id))
        db.session.commit()
    invitation = latest_mail(app, "bram@example.org", "calendar_invitation")
    assert "\n" not in invitation.subject and "\r" not in invitation.subject
    calendars = {
        "invitation": invitation.calendar.encode(),
        "download": signed_in(app, "bram@example.org")
        .get(f"/circles/{circle.id}/calendar.ics")
        .data,
        "feed": feed_of(app, bram),
        "cli": runner.invoke(args=["wol", "calendar", str(circle.id)]).stdout_bytes,
    }
    plain = weekly("2026-03-03T11:00:00Z", 4) + weekly("2026-03-31T10:00:00Z", 8)
    for kind, data in calendars.items():
        icalcheck(tmp_path, data, plain, kind)
        for vevent in icalendar.Calendar.from_ical(data).walk("VEVENT"):
            assert str(vevent["SUMMARY"]).startswith("Cirkel Digitale Overheid")
            assert str(vevent["LOCATION"]) == "Zaal 4.12 WTC \\N III"


def test_a_backslash_n_in_a_name_or_place_stays_text(app, make_user, tmp_path):
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann, name="Team C:\\Noord", place="Gebouw \\N, zaal 2")
    download = signed_in(app, "ann@example.org").get(f"/circles/{circle.id}/calendar.ics").data
    invitation = latest_mail(app, "ann@example.org", "calendar_invitation").calendar.encode()
    for kind, data in (
        ("download", download),
        ("feed", feed_of(app, ann)),
        ("invitation", invitation),
    ):
        icalcheck(tmp_path, data, None, kind)
        for vevent in icalendar.Calendar.from_ical(data).walk("VEVENT"):
            assert str(vevent["SUMMARY"]).startswith("Team C:\\Noord")
            assert str(vevent["LOCATION"]) == "Gebouw \\N, zaal 2"


# --- caching headers -----------------------------------------------------------------------


def test_last_modified_never_goes_back_when_meetings_leave_the_feed(app, make_user):
    """Ann is in two circles; the newer one ends. A client that sends only If-Modified-Since
    gets the feed without it, and a Last-Modified later than before."""
    ann = make_user(email="ann@example.org")
    older = make_circle(app, ann, name="Older circle")
    newer = make_circle(app, make_user(), members=[ann], name="Newer circle")
    with app.app_context():
        token = db.session.get(User, ann.id).feed_token
    client = app.test_client()
    first = client.get(f"/calendar/{token}.ics")
    assert b"Newer circle" in first.data and b"Older circle" in first.data
    with app.test_request_context():
        leave_circle(db.session.get(Circle, newer.id), db.session.get(User, ann.id))
        db.session.commit()
    again = client.get(
        f"/calendar/{token}.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert again.status_code == 200
    assert b"Newer circle" not in again.data and b"Older circle" in again.data
    assert parsedate_to_datetime(again.headers["Last-Modified"]) > parsedate_to_datetime(
        first.headers["Last-Modified"]
    )
    # Nothing changed since: the new date gets its 304, and keeps it.
    same = client.get(
        f"/calendar/{token}.ics", headers={"If-Modified-Since": again.headers["Last-Modified"]}
    )
    assert same.status_code == 304
    assert older.id != newer.id


def test_a_weak_etag_from_a_proxy_gets_its_304(app, make_user):
    ann = make_user(email="ann@example.org")
    make_circle(app, ann)
    with app.app_context():
        token = db.session.get(User, ann.id).feed_token
    client = app.test_client()
    etag = client.get(f"/calendar/{token}.ics").headers["ETag"]
    weak = client.get(f"/calendar/{token}.ics", headers={"If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304
    other = client.get(f"/calendar/{token}.ics", headers={"If-None-Match": 'W/"other"'})
    assert other.status_code == 200


def test_feeds_and_downloads_say_publish_and_when_to_refresh(app, make_user, tmp_path):
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann)
    download = signed_in(app, "ann@example.org").get(f"/circles/{circle.id}/calendar.ics").data
    for data in (feed_of(app, ann), download):
        content = data.decode().split("\r\n")
        assert "METHOD:PUBLISH" in content
        assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in content
        assert "X-PUBLISHED-TTL:PT1H" in content
    # A person without circles gets a feed with one component, as RFC 5545 requires.
    lonely = make_user(email="lonely@example.org")
    empty = feed_of(app, lonely)
    icalcheck(tmp_path, empty, [], "empty")
    assert b"BEGIN:VTIMEZONE" in empty


def test_an_ended_circles_download_cancels_its_meetings(app, make_user, tmp_path):
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann)
    client = signed_in(app, "ann@example.org")
    with app.test_request_context():
        end_circle(db.session.get(Circle, circle.id), db.session.get(User, ann.id), "We stop here.")
        db.session.commit()
    data = client.get(f"/circles/{circle.id}/calendar.ics").data
    icalcheck(tmp_path, data, None, "ended")
    statuses = {str(ev["STATUS"]) for ev in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    assert statuses == {"CANCELLED"}


# --- one channel -------------------------------------------------------------------------------


def test_the_circle_page_points_to_the_channel_chosen_in_settings(app, make_user):
    ann = make_user(email="ann@example.org")
    bram = make_user(email="bram@example.org", calendar_delivery="feed")
    circle = make_circle(app, ann, members=[bram])
    by_mail = signed_in(app, "ann@example.org").get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "came to ann@example.org as one invitation" in by_mail
    assert "calendar feed" not in by_mail.split('id="calendar-channel"')[1].split("<details>")[0]
    assert "later changes do not reach it" in by_mail
    assert "importing it only updates them" in by_mail
    by_feed = signed_in(app, "bram@example.org").get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "These meetings are in your calendar feed" in by_feed
    assert "every meeting shows twice" in by_feed
    assert "as one invitation" not in by_feed


def test_importing_the_download_after_accepting_adds_no_second_copy(app, make_user, tmp_path):
    """The download carries the invitation's UID: a client that holds the accepted series and
    imports the file has one series, with the same meetings."""
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann)
    invitation = latest_mail(app, "ann@example.org", "calendar_invitation").calendar
    download = signed_in(app, "ann@example.org").get(f"/circles/{circle.id}/calendar.ics").data
    assert set(uids(download)) == set(uids(invitation.encode())) == {f"circle-{circle.id}@wol.test"}


def _poll_at_once(app, token: str, count: int) -> list[tuple[int, str, str]]:
    """``count`` clients fetch the feed at the same instant: (status, ETag, Last-Modified)."""
    barrier = threading.Barrier(count)
    answers = []
    lock = threading.Lock()

    def poll():
        client = app.test_client()
        barrier.wait()
        response = client.get(f"/calendar/{token}.ics")
        with lock:
            answers.append(
                (
                    response.status_code,
                    response.headers.get("ETag"),
                    response.headers.get("Last-Modified"),
                )
            )

    threads = [threading.Thread(target=poll) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_calendar_clients_polling_a_feed_at_once_all_get_one_version(app, make_user):
    """Several clients fetch a feed at the same instant, the first time (the version is
    recorded) and after each change (it is replaced): no error, one ETag and one
    Last-Modified for all, and a later Last-Modified after every change."""
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann)
    with app.app_context():
        token = db.session.get(User, ann.id).feed_token
    seen_dates = []
    for trial in range(8):
        answers = _poll_at_once(app, token, 6)
        assert {status for status, _, _ in answers} == {200}, answers
        assert len({(etag, modified) for _, etag, modified in answers}) == 1, answers
        seen_dates.append(parsedate_to_datetime(answers[0][2]))
        move_week(app, circle, ann, 12, date(2026, 5, 19), time(13 + trial % 2, 0))
    assert seen_dates == sorted(seen_dates) and len(set(seen_dates)) == len(seen_dates)


def test_a_new_guide_title_gives_the_feed_a_new_version(app, make_user):
    """Translators can retitle a week at any time: the feed's ETag follows, so a client that
    polls with the old one gets the new titles, not a 304."""
    from wol.guides.editing import publish
    from wol.guides.service import guide_service

    ann = make_user(email="ann@example.org")
    make_circle(app, ann)
    with app.app_context():
        token = db.session.get(User, ann.id).feed_token
    client = app.test_client()
    etag = client.get(f"/calendar/{token}.ics").headers["ETag"]
    assert client.get(f"/calendar/{token}.ics", headers={"If-None-Match": etag}).status_code == 304
    with app.test_request_context():
        translator = db.session.get(User, ann.id)
        publish(
            guide_service().files(), translator, "nl", 1, "title", None, "Nieuwe start", utcnow()
        )
        db.session.commit()
        guide_service().forget_layer()
    renamed = client.get(f"/calendar/{token}.ics", headers={"If-None-Match": etag})
    assert renamed.status_code == 200 and renamed.headers["ETag"] != etag
    assert "week 1: Nieuwe start" in renamed.get_data(as_text=True).replace("\r\n ", "")


def test_a_feed_is_drawn_once_per_version(app, make_user):
    """A feed without If-None-Match (a client that keeps no ETag) is drawn once per version and
    kept under it; a change gives a new version, drawn again with the change."""
    ann = make_user(email="ann@example.org")
    circle = brussels_circle(app, ann)
    with app.app_context():
        token = db.session.get(User, ann.id).feed_token
    client = app.test_client()
    first = client.get(f"/calendar/{token}.ics")
    with counted(app) as statements:
        again = client.get(f"/calendar/{token}.ics")
    assert again.status_code == 200 and again.data == first.data
    assert not any("FROM meetings" in s for s in statements)  # kept, not drawn again
    move_week_11(app, circle, ann)
    moved = client.get(f"/calendar/{token}.ics")
    assert moved.headers["ETag"] != first.headers["ETag"]
    assert "20260513T120000" in moved.get_data(as_text=True)
    assert "20260513T120000" not in first.get_data(as_text=True)
