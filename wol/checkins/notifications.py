"""Mails about meetings: the check-in question after a meeting, the reminder the day before.

Both are sent by the tick. Each meeting is claimed first with a conditional UPDATE
(``checkin_mailed_at IS NULL`` / ``reminder_sent_at IS NULL``): when two ticks run at once,
only one of them queues the mails, and the claim and the mails commit together.
"""

from datetime import datetime, timedelta

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select, update

from wol.checkins.service import link_token, meeting_end
from wol.circles.models import Circle, Meeting
from wol.circles.service import load_circle
from wol.extensions import db
from wol.i18n import gettext as _
from wol.mail.service import queue_mail
from wol.urls import external_url

# A meeting that ended longer ago than this gets no check-in mail (a circle registered late
# records its past meetings on the site instead of receiving a pile of mails).
CHECKIN_MAIL_WITHIN = timedelta(days=2)
REMINDER_AHEAD = timedelta(hours=24)
_LONGEST_MEETING = timedelta(minutes=240)


def _claim(meeting_id: int, column, now: datetime) -> bool:
    """Mark a meeting's mail as sent; False when another tick did it first."""
    result = db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id, column.is_(None))
        .values({column.key: now})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _candidates(*conditions) -> list[int]:
    """Ids of meetings of running circles matching ``conditions``, not skipped."""
    return list(
        db.session.scalars(
            select(Meeting.id)
            .join(Circle, Circle.id == Meeting.circle_id)
            .where(Circle.ended_at.is_(None), Meeting.skipped_at.is_(None), *conditions)
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def checkin_requests_due(now: datetime) -> list[int]:
    """Meetings that ended (within two days), are not recorded and were not asked about."""
    return _candidates(
        Meeting.checkin_mailed_at.is_(None),
        Meeting.held_at.is_(None),
        Meeting.not_held_at.is_(None),
        Meeting.starts_at <= now,
        Meeting.starts_at >= now - CHECKIN_MAIL_WITHIN - _LONGEST_MEETING,
    )


def send_checkin_requests(now: datetime) -> int:
    """Ask every member of each circle whose meeting just ended: did your circle meet?"""
    sent = 0
    for meeting_id in checkin_requests_due(now):
        meeting = db.session.get(Meeting, meeting_id)
        circle = load_circle(meeting.circle_id)
        end = meeting_end(meeting, circle)
        if not end <= now < end + CHECKIN_MAIL_WITHIN:
            continue
        if not _claim(meeting_id, Meeting.checkin_mailed_at, now):
            continue
        for member in circle.members:
            token = link_token(meeting, member, now)
            links = {
                answer: external_url(
                    "checkins.link", meeting_id=meeting.id, token=token, answer=answer
                )
                for answer in ("yes", "no")
            }
            with force_locale(member.language):
                subject = _(
                    "%(circle)s: did your circle meet? (week %(week)d)",
                    circle=circle.name,
                    week=meeting.week,
                )
                body = render_template(
                    "mail/checkin_request.txt",
                    circle=circle,
                    meeting=meeting,
                    user=member,
                    tz=member.timezone,
                    yes=links["yes"],
                    no=links["no"],
                )
            queue_mail(
                member.email, subject, body, to_name=member.display_name, kind="checkin_request"
            )
            sent += 1
    return sent


def reminders_due(now: datetime) -> list[int]:
    """Meetings that start within a day and have had no reminder yet."""
    return _candidates(
        Meeting.reminder_sent_at.is_(None),
        Meeting.starts_at > now,
        Meeting.starts_at <= now + REMINDER_AHEAD,
    )


def send_reminders(now: datetime) -> int:
    """Remind each member who wants it of tomorrow's meeting: when, where, this week's guide."""
    sent = 0
    for meeting_id in reminders_due(now):
        if not _claim(meeting_id, Meeting.reminder_sent_at, now):
            continue
        meeting = db.session.get(Meeting, meeting_id)
        circle = load_circle(meeting.circle_id)
        guide = external_url("guides.meeting", circle_id=circle.id, week=meeting.week)
        settings = external_url("settings.edit")
        for member in circle.members:
            if not member.meeting_reminders:
                continue
            with force_locale(member.language):
                subject = _(
                    "Reminder: %(circle)s, week %(week)d", circle=circle.name, week=meeting.week
                )
                body = render_template(
                    "mail/meeting_reminder.txt",
                    circle=circle,
                    meeting=meeting,
                    user=member,
                    tz=member.timezone,
                    guide=guide,
                    settings=settings,
                )
            queue_mail(
                member.email, subject, body, to_name=member.display_name, kind="meeting_reminder"
            )
            sent += 1
    return sent
