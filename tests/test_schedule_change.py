"""Changing a circle's weekly day and time from a chosen week on: later meetings move, held and
past ones stay, calendars follow with one mail per member, across the DST changes."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.circles_helpers import last_mail_id, mails_since, make_circle, meetings_of
from tests.icalcheck import run_checker
from tests.itip import ClientStore
from wol.auth.models import User
from wol.circles import editing
from wol.circles.models import Circle
from wol.circles.schedule import (
    ScheduleError,
    local_to_utc,
    slot_starts,
    starts_in_order,
    weekday_shift,
)
from wol.circles.service import move_meeting, skip_meeting
from wol.errors import DomainError
from wol.extensions import db
from wol.mail.models import OutboxMail

BRUSSELS = ZoneInfo("Europe/Brussels")
PROPERTY = settings(max_examples=200, deadline=None, database=None)
ZONES = [
    "Europe/Brussels",
    "Europe/Amsterdam",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "UTC",
]


def z(value: datetime) -> str:
    """A UTC instant as icalcheck writes it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _icalcheck(tmp_path, data: bytes, expected: list[str], name: str) -> None:
    result = run_checker(tmp_path, name, data, expected)
    assert result.returncode == 0, f"icalcheck rejected {name}:\n{result.stdout}"


def _change(app, circle_id: int, by: User, from_week: int, weekday: int, at: time, now: datetime):
    """Change the weekly time through the service, committed, as the route does."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        circle = db.session.get(Circle, circle_id)
        person = db.session.get(User, by.id)
        try:
            plan = editing.change_weekly_time(circle, person, from_week, weekday, at, now)
        except DomainError:
            db.session.rollback()
            raise
        db.session.commit()
        return plan


def _autumn_circle(app, make_user):
    """A Tuesday 12:00 Brussels circle from 8 September 2026: weeks 8-12 are after the October
    change. Ann organises and gets invitations, Bram reads Dutch, Noor takes the feed."""
    ann = make_user(email="ann@example.org")
    bram = make_user(email="bram@example.org", language="nl")
    noor = make_user(email="noor@example.org", calendar_delivery="feed")
    circle = make_circle(
        app, ann, members=[bram, noor], first_day=date(2026, 9, 8), today=date(2026, 9, 1)
    )
    return circle, ann, bram, noor


def test_from_week_6_later_meetings_move_across_the_october_change(app, make_user, tmp_path):
    circle, ann, bram, noor = _autumn_circle(app, make_user)
    before = meetings_of(app, circle.id)
    with app.app_context():
        first_invitation = db.session.scalar(
            select(OutboxMail.calendar).where(
                OutboxMail.to_addr == "bram@example.org", OutboxMail.kind == "calendar_invitation"
            )
        )
        sequence = db.session.get(Circle, circle.id).calendar_sequence
    since = last_mail_id(app)
    # On Saturday 10 October, weeks 1-5 are over; from week 6 on: Thursdays at 14:00.
    _change(app, circle.id, ann, 6, 3, time(14, 0), datetime(2026, 10, 10, 9, tzinfo=UTC))
    after = meetings_of(app, circle.id)
    assert [m.starts_at for m in after[:5]] == [m.starts_at for m in before[:5]]
    local = [m.starts_at.astimezone(BRUSSELS) for m in after[5:]]
    assert [d.date() for d in local] == [date(2026, 10, 15) + timedelta(weeks=n) for n in range(7)]
    assert {d.strftime("%H:%M") for d in local} == {"14:00"}  # the local time holds across DST
    assert z(after[6].starts_at) == "2026-10-22T12:00:00Z"  # CEST
    assert z(after[7].starts_at) == "2026-10-29T13:00:00Z"  # CET
    with app.app_context():
        changed = db.session.get(Circle, circle.id)
        assert (changed.first_day, changed.local_time) == (date(2026, 9, 10), time(14, 0))
        assert changed.calendar_sequence == sequence + 1

    # One mail per member: Bram's carries the notice and the calendar update, in Dutch.
    [mail] = mails_since(app, "bram@example.org", since)
    assert mail.kind == "weekly_time_changed" and mail.calendar_method == "REQUEST"
    assert "week 6" in mail.subject
    assert "donderdag" in mail.body_text and "donderdag 29 oktober 2026, 14:00" in mail.body_text
    assert f"SEQUENCE:{sequence + 1}" in mail.calendar
    # Noor takes the feed: the notice alone, no calendar. Ann made the change: the update alone.
    [notice] = mails_since(app, "noor@example.org", since)
    assert notice.calendar is None and notice.kind == "weekly_time_changed"
    [update] = mails_since(app, "ann@example.org", since)
    assert update.kind == "calendar_update" and update.calendar_method == "REQUEST"

    expected = sorted(z(m.starts_at) for m in after)
    _icalcheck(tmp_path, mail.calendar.encode(), expected, "weekly-update")
    store = ClientStore()
    store.apply(first_invitation)
    store.apply(mail.calendar)
    assert store.ignored == []
    _icalcheck(tmp_path, store.calendar(), expected, "client-after-change")
    with app.app_context():
        token = db.session.get(User, noor.id).feed_token
    feed = app.test_client().get(f"/calendar/{token}.ics")
    _icalcheck(tmp_path, feed.data, expected, "feed-after-change")
    assert f"SEQUENCE:{sequence + 1}" in feed.data.decode()


def test_a_change_across_the_march_change_keeps_the_local_time(app, make_user, tmp_path):
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann)  # Tuesdays 12:00 from 3 March 2026; DST starts 29 March
    _change(app, circle.id, ann, 3, 0, time(8, 30), datetime(2026, 3, 12, 10, tzinfo=UTC))
    after = meetings_of(app, circle.id)
    local = [m.starts_at.astimezone(BRUSSELS) for m in after[2:]]
    assert {(d.strftime("%A"), d.strftime("%H:%M")) for d in local} == {("Monday", "08:30")}
    assert z(after[3].starts_at) == "2026-03-23T07:30:00Z"  # CET
    assert z(after[4].starts_at) == "2026-03-30T06:30:00Z"  # CEST
    update = mails_since(app, "ann@example.org", 0)[-1]
    _icalcheck(
        tmp_path, update.calendar.encode(), sorted(z(m.starts_at) for m in after), "march-update"
    )


def test_skipped_week_stays_skipped_and_a_moved_week_takes_the_new_slot(app, make_user):
    circle, ann, _bram, _noor = _autumn_circle(app, make_user)
    with app.test_request_context():
        loaded = db.session.get(Circle, circle.id)
        by = db.session.get(User, ann.id)
        skip_meeting(loaded, loaded.meetings[7], by, shift=False)  # week 8 lapses
        move_meeting(loaded, loaded.meetings[9], by, date(2026, 11, 13), time(9, 0))  # week 10
        db.session.commit()
    _change(app, circle.id, ann, 6, 2, time(12, 0), datetime(2026, 10, 1, tzinfo=UTC))
    after = {m.week: m for m in meetings_of(app, circle.id)}
    assert after[8].is_skipped
    assert after[8].starts_at.astimezone(BRUSSELS).date() == date(2026, 10, 28)
    assert not after[10].moved
    assert after[10].starts_at.astimezone(BRUSSELS) == datetime(2026, 11, 11, 12, tzinfo=BRUSSELS)


def test_held_and_past_weeks_stay_and_cannot_be_the_first_changed(app, make_user):
    circle, ann, _bram, _noor = _autumn_circle(app, make_user)
    now = datetime(2026, 10, 10, tzinfo=UTC)
    with app.app_context():
        db.session.get(Circle, circle.id).meetings[5].held_at = now  # week 6 recorded early
        db.session.commit()
    before = meetings_of(app, circle.id)
    for week in (3, 6):
        with pytest.raises(DomainError, match=f"Week {week} has already taken place"):
            _change(app, circle.id, ann, week, 3, time(14, 0), now)
    assert [m.starts_at for m in meetings_of(app, circle.id)] == [m.starts_at for m in before]
    _change(app, circle.id, ann, 7, 3, time(14, 0), now)
    after = meetings_of(app, circle.id)
    assert after[5].starts_at == before[5].starts_at  # the held week 6 stays


def test_a_change_that_puts_two_meetings_on_one_day_is_refused_and_nothing_moves(app, make_user):
    circle, ann, bram, _noor = _autumn_circle(app, make_user)
    with app.test_request_context():
        loaded = db.session.get(Circle, circle.id)
        # Week 5 moved on its own to the Monday of week 6's week.
        move_meeting(
            loaded,
            loaded.meetings[4],
            db.session.get(User, ann.id),
            date(2026, 10, 12),
            time(12, 0),
        )
        db.session.commit()
    before = meetings_of(app, circle.id)
    since = last_mail_id(app)
    with pytest.raises(DomainError, match="week 5 and week 6 would fall on the same day"):
        _change(app, circle.id, ann, 6, 0, time(18, 0), datetime(2026, 10, 1, tzinfo=UTC))
    assert [m.starts_at for m in meetings_of(app, circle.id)] == [m.starts_at for m in before]
    assert mails_since(app, "bram@example.org", since) == []


def test_a_day_that_is_already_over_is_refused(app, make_user):
    circle, ann, _bram, _noor = _autumn_circle(app, make_user)
    # Wednesday 14 October, evening: week 6 (Tuesday 13th) is over, week 7 is next; moving
    # week 7 to Monday would put it on the 19th, fine; to the Monday of week 6 is not asked.
    with pytest.raises(DomainError, match="would already be over"):
        _change(app, circle.id, ann, 6, 0, time(9, 0), datetime(2026, 10, 12, 10, tzinfo=UTC))


def _future_circle(app, make_user, **overrides):
    """A circle whose first meeting is next week (for the pages, which use the real clock)."""
    today = datetime.now(UTC).date()
    first = today + timedelta(days=7 + (1 - today.weekday()) % 7)  # a Tuesday
    ann = make_user(email="ann@example.org", language="nl")
    bram = make_user(email="bram@example.org")
    circle = make_circle(app, ann, members=[bram], first_day=first, today=today, **overrides)
    return circle, ann, bram


def test_the_page_changes_the_time_and_members_may_too(app, make_user, client, auth):
    circle, _ann, _bram = _future_circle(app, make_user)
    make_user(email="stranger@example.org")
    auth.login("stranger@example.org")
    assert client.get(f"/circles/{circle.id}/schedule").status_code == 403
    auth.logout()
    auth.login("bram@example.org")
    page = client.get(f"/circles/{circle.id}/schedule")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "A skipped week stays skipped." in text
    assert '<option selected value="1">' in text  # Tuesday is the current day
    response = client.post(
        f"/circles/{circle.id}/schedule", data={"from_week": "6", "weekday": "3", "at": "14:00"}
    )
    assert response.status_code == 302
    after = meetings_of(app, circle.id)
    assert {m.starts_at.astimezone(BRUSSELS).strftime("%a %H:%M") for m in after[5:]} == {
        "Thu 14:00"
    }
    detail = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Every Thursday at 14:00" in detail


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"from_week": "6", "weekday": "9", "at": "14:00"}, "Kies een dag van de week."),
        ({"from_week": "6", "weekday": "x", "at": "14:00"}, "Kies een dag van de week."),
        ({"from_week": "13", "weekday": "3", "at": "14:00"}, "Kies een week uit de lijst."),
        ({"from_week": "6", "weekday": "3", "at": ""}, "Vul een tijdstip in."),
        ({"from_week": "6", "weekday": "1", "at": "12:00"}, "De cirkel komt al op die dag"),
    ],
)
def test_bad_input_gets_a_dutch_message_beside_the_field(
    app, make_user, client, auth, data, message
):
    circle, _ann, _bram = _future_circle(app, make_user)
    before = meetings_of(app, circle.id)
    auth.login("ann@example.org")
    response = client.post(f"/circles/{circle.id}/schedule", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert [m.starts_at for m in meetings_of(app, circle.id)] == [m.starts_at for m in before]


# --- the pure functions ---------------------------------------------------------------------


@PROPERTY
@given(
    first_day=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    weekday=st.integers(0, 6),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    zone=st.sampled_from(ZONES),
    first_slot=st.integers(0, 11),
)
def test_slot_starts_keep_weekday_and_local_time(first_day, weekday, at, zone, first_slot):
    shifted = first_day + timedelta(days=weekday_shift(first_day, weekday))
    assert shifted.weekday() == weekday
    assert abs((shifted - first_day).days) <= 6
    slots = list(range(first_slot, 12))
    starts = slot_starts(shifted, at, zone, slots)
    assert starts_in_order(starts, zone)
    for slot, start in zip(slots, starts, strict=True):
        local = start.astimezone(ZoneInfo(zone))
        wanted = datetime.combine(shifted + timedelta(weeks=slot), at)
        # The local time holds; only a time in a spring gap moves on by the gap.
        assert local.replace(tzinfo=None) == wanted or (
            local.replace(tzinfo=None) > wanted
            and local.date() == wanted.date()
            and start == local_to_utc(wanted.date(), at, zone)
        )


@PROPERTY
@given(
    st.lists(
        st.datetimes(
            min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
        ),
        min_size=2,
        max_size=12,
    )
)
def test_in_order_means_strictly_later_on_later_days(starts):
    ok = starts_in_order(starts, "Europe/Brussels")
    days = [s.astimezone(BRUSSELS).date() for s in starts]
    assert ok == all(a < b for a, b in zip(days, days[1:], strict=False))


def test_bad_weekday_and_slot_are_schedule_errors():
    with pytest.raises(ScheduleError):
        weekday_shift(date(2026, 3, 3), 7)
    with pytest.raises(ScheduleError):
        slot_starts(date(2026, 3, 3), time(12), "Europe/Brussels", [-1])
    with pytest.raises(ScheduleError):
        starts_in_order([datetime(2026, 3, 3)], "Europe/Brussels")


def test_detail_page_lead_is_the_weekly_slot(app, make_user, client, auth):
    circle, _ann, _bram = _future_circle(app, make_user)
    auth.login("bram@example.org")
    text = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert re.search(r"Every Tuesday at 12:00", text)


@pytest.mark.slow
def test_two_changes_at_once_happen_one_after_the_other(app, make_user):
    """Two members change the weekly time at the same instant: each calendar update that
    leaves is newer than the one before (clients ignore an equal SEQUENCE), and the meetings
    are those of whichever change came last, never a mix."""
    from tests.test_seat_races import at_once, signed_in

    for trial in range(4):
        today = datetime.now(UTC).date()
        first = today + timedelta(days=7 + (1 - today.weekday()) % 7)
        ann, bram, eva = (
            make_user(email=f"{name}{trial}@example.org") for name in ("ann", "bram", "eva")
        )
        circle = make_circle(app, ann, members=[bram, eva], first_day=first, today=today)
        with app.app_context():
            sequence = db.session.get(Circle, circle.id).calendar_sequence
        since = last_mail_id(app)
        path = f"/circles/{circle.id}/schedule"
        statuses = at_once(
            [
                (signed_in(app, bram), path, {"from_week": "3", "weekday": "3", "at": "14:00"}),
                (signed_in(app, eva), path, {"from_week": "6", "weekday": "4", "at": "09:00"}),
            ]
        )
        assert statuses == [302, 302], statuses
        with app.app_context():
            assert db.session.get(Circle, circle.id).calendar_sequence == sequence + 2
        sequences = [
            int(re.search(r"SEQUENCE:(\d+)", m.calendar).group(1))
            for m in mails_since(app, ann.email, since)
            if m.calendar
        ]
        assert sorted(sequences) == [sequence + 1, sequence + 2], sequences
        slots = [
            m.starts_at.astimezone(BRUSSELS).strftime("%a %H:%M")
            for m in meetings_of(app, circle.id)
        ]
        # Weeks 1-2 stay; weeks 6-12 are on Friday 09:00 whichever came first; weeks 3-5 are on
        # Thursday 14:00 if Bram's came last or after Eva's, else on the Tuesday of the start.
        assert slots[:2] == ["Tue 12:00"] * 2
        assert slots[5:] == ["Fri 09:00"] * 7 or slots[2:] == ["Thu 14:00"] * 10, slots
        assert slots[2:5] in (["Thu 14:00"] * 3, ["Tue 12:00"] * 3), slots


def test_a_newcomer_after_the_change_is_shown_and_mailed_the_new_weekly_time(
    app, make_user, client, auth
):
    circle, _ann, _bram = _future_circle(app, make_user)
    auth.login("bram@example.org")
    client.post(
        f"/circles/{circle.id}/schedule", data={"from_week": "1", "weekday": "3", "at": "14:00"}
    )
    auth.logout()
    make_user(email="eva@example.org")
    auth.login("eva@example.org")
    page = client.get(f"/join/{circle.invite_token}").get_data(as_text=True)
    assert "Every Thursday at 14:00, twelve weeks" in page
    assert client.post(f"/join/{circle.invite_token}").status_code == 302
    [welcome] = [m for m in mails_since(app, "eva@example.org", 0) if m.kind == "circle_welcome"]
    assert "every Thursday at 14:00" in welcome.body_text
