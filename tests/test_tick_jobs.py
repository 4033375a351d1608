"""The tick's mails: check-in questions, reminders, nudges and digests leave once, at the right
moment, also when two ticks run at the same instant."""

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from tests.circles_helpers import make_circle
from wol.auth.models import User
from wol.circles.models import Circle, Meeting
from wol.extensions import db
from wol.health.models import CircleStatusChange
from wol.mail.models import OutboxMail
from wol.tick import run_tick

FIRST_DAY = date(2026, 3, 3)  # a Tuesday; meetings at 12:00 Brussels = 11:00 UTC
WEEK1 = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)


@pytest.fixture
def circle(app, make_user):
    """Ann's circle of four (Bram in Amsterdam, in Dutch; Fatima in English)."""
    ann = make_user(email="ann@example.org", display_name="Ann Peeters", language="nl")
    bram = make_user(
        email="bram@example.org", display_name="Bram", language="nl", timezone="America/New_York"
    )
    fatima = make_user(email="fatima@example.org", display_name="Fatima")
    joris = make_user(email="joris@example.org", display_name="Joris")
    return make_circle(
        app,
        ann,
        members=[bram, fatima, joris],
        first_day=FIRST_DAY,
        local_time=time(12, 0),
        today=date(2026, 3, 1),
        video_url="https://meet.example.org/c",
    )


def tick(app, now, **options) -> dict:
    """One tick at ``now``."""
    with app.test_request_context():
        return run_tick(app.config, now=now, **options)


def mails(app, kind=None) -> list[OutboxMail]:
    """Mails in the outbox (of ``kind``), detached."""
    with app.app_context():
        query = select(OutboxMail).order_by(OutboxMail.id)
        if kind:
            query = query.where(OutboxMail.kind == kind)
        rows = list(db.session.scalars(query))
        for row in rows:
            db.session.expunge(row)
        return rows


def record(app, circle_id, week, held=True, attended=4):
    """Mark a meeting as recorded, as a member would."""
    with app.app_context():
        meeting = db.session.scalar(
            select(Meeting).where(Meeting.circle_id == circle_id, Meeting.week == week)
        )
        if held:
            meeting.held_at, meeting.attended = meeting.starts_at + timedelta(hours=1), attended
        else:
            meeting.not_held_at = meeting.starts_at + timedelta(hours=1)
        meeting.checkin_version += 1
        db.session.commit()


def test_the_checkin_question_leaves_once_after_the_meeting_ends(app, circle):
    tick(app, WEEK1 + timedelta(minutes=59))  # still in the meeting
    assert mails(app, "checkin_request") == []
    tick(app, WEEK1 + timedelta(minutes=61))
    sent = mails(app, "checkin_request")
    assert sorted(m.to_addr for m in sent) == [
        "ann@example.org",
        "bram@example.org",
        "fatima@example.org",
        "joris@example.org",
    ]
    [bram] = [m for m in sent if m.to_addr == "bram@example.org"]
    assert "is je cirkel samengekomen?" in bram.subject
    assert "/yes" in bram.body_text and "/no" in bram.body_text
    assert "06:00" in bram.body_text  # 12:00 Brussels on Bram's New York clock
    tick(app, WEEK1 + timedelta(hours=3))
    assert len(mails(app, "checkin_request")) == 4


def test_a_recorded_or_long_past_meeting_gets_no_question(app, circle):
    record(app, circle.id, 1)
    tick(app, WEEK1 + timedelta(hours=2))
    assert mails(app, "checkin_request") == []
    # A circle registered late: week 2 ended four days ago; nobody is mailed about it now.
    tick(app, WEEK1 + timedelta(days=11))
    assert mails(app, "checkin_request") == []


def test_the_reminder_comes_the_day_before_in_each_members_language_and_zone(
    app, circle, make_user
):
    with app.app_context():
        joris = db.session.scalar(select(User).where(User.email_key == "joris@example.org"))
        joris.meeting_reminders = False
        db.session.commit()
    tick(app, WEEK1 - timedelta(hours=25))
    assert mails(app, "meeting_reminder") == []
    tick(app, WEEK1 - timedelta(hours=23))
    sent = mails(app, "meeting_reminder")
    assert sorted(m.to_addr for m in sent) == [
        "ann@example.org",
        "bram@example.org",
        "fatima@example.org",
    ]
    [fatima] = [m for m in sent if m.to_addr == "fatima@example.org"]
    assert "Tomorrow is week 1" in fatima.body_text
    assert "12:00" in fatima.body_text and "Zaal 4.12" in fatima.body_text
    assert "https://meet.example.org/c" in fatima.body_text
    assert f"/circles/{circle.id}/week/1" in fatima.body_text
    assert "/settings" in fatima.body_text
    [bram] = [m for m in sent if m.to_addr == "bram@example.org"]
    assert "Morgen is week 1" in bram.body_text and "06:00" in bram.body_text
    tick(app, WEEK1 - timedelta(hours=1))
    assert len(mails(app, "meeting_reminder")) == 3


def test_a_moved_meeting_gets_a_new_reminder(app, circle):
    from wol.circles.service import load_circle, move_meeting

    tick(app, WEEK1 + timedelta(weeks=1) - timedelta(hours=2))
    assert len(mails(app, "meeting_reminder")) == 4
    with app.test_request_context():
        moving = load_circle(circle.id)
        ann = db.session.scalar(select(User).where(User.email_key == "ann@example.org"))
        move_meeting(
            moving,
            moving.meetings[1],
            ann,
            date(2026, 3, 12),
            time(12, 0),
            now=WEEK1 + timedelta(weeks=1) - timedelta(hours=1),
        )
        db.session.commit()
    tick(app, WEEK1 + timedelta(weeks=1, days=2) - timedelta(hours=2))
    assert len(mails(app, "meeting_reminder")) == 8


def test_members_are_nudged_once_when_their_circle_stalls(app, circle):
    tick(app, WEEK1 - timedelta(days=1))  # the tick notes the circle as active
    record(app, circle.id, 1)
    tick(app, WEEK1 + timedelta(days=2))
    assert mails(app, "circle_nudge") == []
    record(app, circle.id, 2, held=False)
    tick(app, WEEK1 + timedelta(weeks=1, hours=2))  # at risk: week 2 did not take place
    at_risk = mails(app, "circle_nudge")
    assert len(at_risk) == 4
    [fatima] = [m for m in at_risk if m.to_addr == "fatima@example.org"]
    assert "at risk" in fatima.subject
    assert "The meeting of 10 March did not take place." in fatima.body_text
    assert f"/circles/{circle.id}/meetings/3/move" in fatima.body_text
    assert f"/circles/{circle.id}/meetings/3/skip" in fatima.body_text
    assert f"/circles/{circle.id}/end" not in fatima.body_text  # only the organiser ends it
    assert "The organiser can end the circle" in fatima.body_text
    [ann] = [m for m in at_risk if m.to_addr == "ann@example.org"]
    assert f"/circles/{circle.id}/end" in ann.body_text
    tick(app, WEEK1 + timedelta(weeks=1, hours=3))
    assert len(mails(app, "circle_nudge")) == 4  # same status: no second nudge
    record(app, circle.id, 3, held=False)
    tick(app, WEEK1 + timedelta(weeks=2, hours=2))
    stalled = mails(app, "circle_nudge")[4:]
    assert len(stalled) == 4 and all(
        "stalled" in m.subject or "stilgevallen" in m.subject for m in stalled
    )
    with app.app_context():
        changes = list(
            db.session.scalars(select(CircleStatusChange.to_status).order_by(CircleStatusChange.id))
        )
    assert changes == ["active", "at_risk", "stalled"]


def test_the_weekly_digest_counts_and_lists_changes_once_a_week(app, circle, make_user):
    make_user(email="els@example.org", roles={"organiser"})  # organises nothing: no digest
    with app.app_context():
        ann = db.session.scalar(select(User).where(User.email_key == "ann@example.org"))
        ann.is_organiser = True
        db.session.commit()
    tick(app, WEEK1 - timedelta(days=2))  # Sunday: noted as active, no digest
    assert mails(app, "organiser_digest") == []
    record(app, circle.id, 1, held=True, attended=2)
    monday = datetime(2026, 3, 9, 7, 30, tzinfo=UTC)  # 08:30 in Brussels
    tick(app, monday)
    [digest] = mails(app, "organiser_digest")
    assert digest.to_addr == "ann@example.org"
    assert "kwetsbaar: 1" in digest.body_text  # Ann reads Dutch
    assert "actief → kwetsbaar" in digest.body_text
    assert "Bram" not in digest.body_text and "Fatima" not in digest.body_text
    tick(app, monday + timedelta(hours=5))
    assert len(mails(app, "organiser_digest")) == 1
    tick(app, monday + timedelta(days=7))
    assert len(mails(app, "organiser_digest")) == 2


def test_dry_run_prints_what_would_leave_and_changes_nothing(app, circle, runner):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(OutboxMail))
    report = tick(app, WEEK1 + timedelta(minutes=61), dry_run=True)
    assert report["checkin_mails"] == 4
    assert len([m for m in report["would_send"] if m[0] == "checkin_request"]) == 4
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == before
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Meeting)
                .where(Meeting.checkin_mailed_at.is_not(None))
            )
            == 0
        )
        assert db.session.get(Circle, circle.id).health_status is None
    result = runner.invoke(args=["wol", "tick", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was changed or sent." in result.output


def _ticks_at_once(app, now, count=2) -> None:
    """Run ``count`` ticks at the same instant, each in its own thread and connection."""
    barrier = threading.Barrier(count)
    errors = []

    def one():
        try:
            with app.test_request_context():
                barrier.wait()
                run_tick(app.config, now=now)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


@pytest.mark.parametrize("trial", range(8))
def test_two_ticks_at_the_same_moment_send_each_mail_once(app, circle, trial):
    with app.app_context():
        ann = db.session.scalar(select(User).where(User.email_key == "ann@example.org"))
        ann.is_organiser = True
        db.session.commit()
    _ticks_at_once(app, WEEK1 - timedelta(hours=23, minutes=30))  # Monday 12:30: reminders
    assert len(mails(app, "meeting_reminder")) == 4
    assert len(mails(app, "organiser_digest")) == 1
    _ticks_at_once(app, WEEK1 + timedelta(minutes=65))  # the question after week 1
    assert len(mails(app, "checkin_request")) == 4
    record(app, circle.id, 1, held=False)
    _ticks_at_once(app, WEEK1 + timedelta(hours=2))  # at risk: one nudge per member
    assert len(mails(app, "circle_nudge")) == 4
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CircleStatusChange)) == 2
