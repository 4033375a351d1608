"""The export and erasure of what the existing features hold about a person.

Each function is registered in wol/personal/registry.py; features added later register their
own next to their models. Exporters return JSON-ready values and never include secrets (password
and token hashes, the calendar feed's secret) or another person's private fields. Erasers run
inside the erase transaction (wol/personal/erase.py), before the account row is emptied.
"""

from sqlalchemy import delete, func, or_, select, update

from wol.auth.models import PasswordReset, Registration, User, UserSession
from wol.calendar.models import FeedState
from wol.checkins.models import CheckinRecord, MeetingAttendance
from wol.circles import service as circles
from wol.circles.models import Circle, Meeting, Membership, WaitlistEntry
from wol.directory.models import CircleAlert, QuietPeriodsVersion
from wol.extensions import db
from wol.guides.models import GuideText, GuideTextRevision
from wol.mail.models import OutboxMail
from wol.personal.models import ExerciseTick, PrivateNote
from wol.personal.registry import erases, exports
from wol.rounds.models import OPEN, Round, Signup
from wol.timestamps import utcnow


def _at(value):
    """A timestamp as ISO 8601 text (UTC), or None."""
    return value.isoformat() if value is not None else None


# --- account ---------------------------------------------------------------------------------


@exports("account")
def _export_account(user: User) -> dict:
    """The account's own fields (not the password hash or the feed's secret)."""
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "language": user.language,
        "timezone": user.timezone,
        "organisation": user.organisation,
        "roles": [r for r in ("organiser", "translator", "admin") if getattr(user, f"is_{r}")],
        "calendar_delivery": user.calendar_delivery,
        "meeting_reminders": user.meeting_reminders,
        "created_at": _at(user.created_at),
    }


@exports("sessions")
def _export_sessions(user: User) -> list[dict]:
    """The browsers signed in now: when each signed in (the secret is not kept anyway)."""
    rows = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.created_at)
    )
    return [{"signed_in_at": _at(row.created_at)} for row in rows]


@exports("password_resets")
def _export_password_resets(user: User) -> list[dict]:
    """Password-reset links asked for, without the link itself."""
    rows = db.session.scalars(
        select(PasswordReset)
        .where(PasswordReset.user_id == user.id)
        .order_by(PasswordReset.created_at)
    )
    return [
        {
            "requested_at": _at(r.created_at),
            "expires_at": _at(r.expires_at),
            "used_at": _at(r.used_at),
        }
        for r in rows
    ]


@erases
def _erase_account_records(user: User) -> None:
    """Sessions end; reset links, pending registrations and the feed's state go."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
    db.session.execute(delete(Registration).where(func.lower(Registration.email) == user.email_key))
    db.session.execute(delete(FeedState).where(FeedState.user_id == user.id))


# --- circles ---------------------------------------------------------------------------------


@exports("memberships")
def _export_memberships(user: User) -> list[dict]:
    """Every circle the person joined, also the ones they left."""
    rows = db.session.execute(
        select(Membership, Circle.name)
        .join(Circle, Circle.id == Membership.circle_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.joined_at)
    )
    return [
        {
            "circle_id": m.circle_id,
            "circle_name": name,
            "joined_at": _at(m.joined_at),
            "left_at": _at(m.left_at),
            "removed_by_organiser": m.removed_by_id is not None,
        }
        for m, name in rows
    ]


@exports("circles_organised")
def _export_circles_organised(user: User) -> list[dict]:
    """The circles the person organises or organised."""
    rows = db.session.scalars(
        select(Circle).where(Circle.organiser_id == user.id).order_by(Circle.created_at)
    )
    return [
        {
            "circle_id": c.id,
            "name": c.name,
            "description": c.description,
            "created_at": _at(c.created_at),
            "ended_at": _at(c.ended_at),
            "ended_reason": c.ended_reason,
        }
        for c in rows
    ]


@exports("waiting_lists")
def _export_waiting_lists(user: User) -> list[dict]:
    """Places on waiting lists, with any seat offered."""
    rows = db.session.execute(
        select(WaitlistEntry, Circle.name)
        .join(Circle, Circle.id == WaitlistEntry.circle_id)
        .where(WaitlistEntry.user_id == user.id)
        .order_by(WaitlistEntry.created_at)
    )
    return [
        {
            "circle_id": w.circle_id,
            "circle_name": name,
            "since": _at(w.created_at),
            "offered_at": _at(w.offered_at),
            "offer_expires_at": _at(w.offer_expires_at),
        }
        for w, name in rows
    ]


@erases
def _erase_circles(user: User) -> None:
    """Leave running circles and waiting lists (seats passed on as when leaving).

    Memberships of finished or ended circles stay, tied to the emptied account, so those
    circles keep their counts.
    """
    now = utcnow()
    for entry in db.session.scalars(select(WaitlistEntry).where(WaitlistEntry.user_id == user.id)):
        circles.leave_waitlist(entry.circle, user, now)
    for circle in db.session.scalars(
        select(Circle)
        .join(Membership, Membership.circle_id == Circle.id)
        .where(
            Membership.user_id == user.id, Membership.left_at.is_(None), Circle.ended_at.is_(None)
        )
    ).unique():
        if not is_finished(circle):
            circles.leave_circle(circle, user, now)


def is_finished(circle: Circle) -> bool:
    """Finished: its last week's meeting is held (week 12, or the follow-up's last)."""
    return any(m.week == circle.weeks and m.held_at is not None for m in circle.meetings)


# --- check-ins -------------------------------------------------------------------------------


@exports("checkins")
def _export_checkins(user: User) -> dict:
    """Meetings the person recorded, and the meetings they were recorded at."""
    recorded = db.session.execute(
        select(CheckinRecord, Meeting.week, Circle.id, Circle.name)
        .join(Meeting, Meeting.id == CheckinRecord.meeting_id)
        .join(Circle, Circle.id == Meeting.circle_id)
        .where(CheckinRecord.recorded_by_id == user.id)
        .order_by(CheckinRecord.at)
    )
    attended = db.session.execute(
        select(Meeting.week, Meeting.starts_at, Circle.id, Circle.name)
        .join(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)
        .join(Circle, Circle.id == Meeting.circle_id)
        .where(MeetingAttendance.user_id == user.id)
        .order_by(Meeting.starts_at)
    )
    return {
        # How many were present, not who: the others' names are theirs.
        "recorded": [
            {
                "circle_id": cid,
                "circle_name": name,
                "week": week,
                "at": _at(r.at),
                "held": r.held,
                "present": len([i for i in r.attendee_ids.split(",") if i]),
                "via": r.via,
            }
            for r, week, cid, name in recorded
        ],
        "attended": [
            {"circle_id": cid, "circle_name": name, "week": week, "starts_at": _at(starts_at)}
            for week, starts_at, cid, name in attended
        ],
    }


@erases
def _erase_checkins(user: User) -> None:
    """Attendance becomes a number: the meeting's count stays, the person's row goes."""
    db.session.execute(delete(MeetingAttendance).where(MeetingAttendance.user_id == user.id))
    db.session.execute(
        update(CheckinRecord)
        .where(CheckinRecord.recorded_by_id == user.id)
        .values(recorded_by_id=None)
    )
    db.session.execute(
        update(Meeting)
        .where(Meeting.held_recorded_by_id == user.id)
        .values(held_recorded_by_id=None)
    )


# --- private notes ---------------------------------------------------------------------------


@exports("meeting_notes")
def _export_notes(user: User) -> list[dict]:
    """The person's private notes and exercise ticks, per meeting."""
    notes = db.session.execute(
        select(PrivateNote, Meeting.week, Circle.id, Circle.name)
        .join(Meeting, Meeting.id == PrivateNote.meeting_id)
        .join(Circle, Circle.id == Meeting.circle_id)
        .where(PrivateNote.user_id == user.id)
    )
    ticks = db.session.execute(
        select(ExerciseTick, Meeting.week, Circle.id, Circle.name)
        .join(Meeting, Meeting.id == ExerciseTick.meeting_id)
        .join(Circle, Circle.id == Meeting.circle_id)
        .where(ExerciseTick.user_id == user.id)
    )
    by_meeting: dict[tuple[int, int], dict] = {}

    def entry(cid: int, name: str, week: int) -> dict:
        return by_meeting.setdefault(
            (cid, week),
            {
                "circle_id": cid,
                "circle_name": name,
                "week": week,
                "notes": "",
                "notes_updated_at": None,
                "exercises_done": [],
            },
        )

    for note, week, cid, name in notes:
        item = entry(cid, name, week)
        item["notes"] = note.body
        item["notes_updated_at"] = _at(note.updated_at)
    for tick, week, cid, name in ticks:
        entry(cid, name, week)["exercises_done"].append(tick.exercise_id)
    for item in by_meeting.values():
        item["exercises_done"].sort()
    return [by_meeting[key] for key in sorted(by_meeting)]


@erases
def _erase_notes(user: User) -> None:
    """Private notes and ticks are deleted."""
    db.session.execute(delete(PrivateNote).where(PrivateNote.user_id == user.id))
    db.session.execute(delete(ExerciseTick).where(ExerciseTick.user_id == user.id))


# --- directory -------------------------------------------------------------------------------


@exports("alerts")
def _export_alerts(user: User) -> list[dict]:
    """Saved directory searches that mail the person about new circles."""
    rows = db.session.scalars(
        select(CircleAlert).where(CircleAlert.user_id == user.id).order_by(CircleAlert.created_at)
    )
    return [
        {"search": a.query, "created_at": _at(a.created_at), "mailed_at": _at(a.mailed_at)}
        for a in rows
    ]


@exports("quiet_period_edits")
def _export_quiet_periods(user: User) -> list[dict]:
    """Edits of the quiet-periods list (admins)."""
    rows = db.session.scalars(
        select(QuietPeriodsVersion).where(QuietPeriodsVersion.saved_by_id == user.id)
    )
    return [{"saved_at": _at(v.saved_at), "text": v.body} for v in rows]


@erases
def _erase_alerts(user: User) -> None:
    """Alerts are deleted; quiet-period edits stay, no longer tied to a name."""
    db.session.execute(delete(CircleAlert).where(CircleAlert.user_id == user.id))
    db.session.execute(
        update(QuietPeriodsVersion)
        .where(QuietPeriodsVersion.saved_by_id == user.id)
        .values(saved_by_id=None)
    )


# --- sign-up rounds --------------------------------------------------------------------------


def _signups_query(user: User):
    return select(Signup).where(or_(Signup.user_id == user.id, Signup.email_key == user.email_key))


@exports("round_signups")
def _export_signups(user: User) -> list[dict]:
    """Sign-ups for rounds, with whom the person would (not) like to be."""
    rows = db.session.scalars(_signups_query(user).order_by(Signup.created_at))
    return [
        {
            "round_id": s.round_id,
            "round_title": s.round.title,
            "email": s.email,
            "name": s.name,
            "department": s.department,
            "languages": s.languages.split(),
            "slots": s.slots.split(),
            "be_with": s.be_with,
            "not_with": s.not_with_list,
            "created_at": _at(s.created_at),
            "updated_at": _at(s.updated_at),
        }
        for s in rows
    ]


@exports("rounds_organised")
def _export_rounds(user: User) -> list[dict]:
    """Sign-up rounds the person opened."""
    rows = db.session.scalars(
        select(Round).where(Round.organiser_id == user.id).order_by(Round.created_at)
    )
    return [
        {
            "round_id": r.id,
            "title": r.title,
            "description": r.description,
            "state": r.state,
            "created_at": _at(r.created_at),
        }
        for r in rows
    ]


@erases
def _erase_signups(user: User) -> None:
    """Sign-ups go; an open round's proposal made with them is out of date."""
    for signup in list(db.session.scalars(_signups_query(user))):
        round_id = signup.round_id
        db.session.delete(signup)
        db.session.execute(
            update(Round)
            .where(Round.id == round_id, Round.state == OPEN)
            .values(version=Round.version + 1)
        )
    db.session.flush()


# --- mail ------------------------------------------------------------------------------------


def _mail_to(user: User):
    return func.lower(OutboxMail.to_addr) == user.email_key


@exports("mails")
def _export_mails(user: User) -> list[dict]:
    """Mails to the person: queued, sent or failed, as wol keeps them."""
    rows = db.session.scalars(
        select(OutboxMail).where(_mail_to(user)).order_by(OutboxMail.created_at, OutboxMail.id)
    )
    return [
        {
            "subject": m.subject,
            "body": m.body_text,
            "kind": m.kind,
            "status": m.status,
            "created_at": _at(m.created_at),
            "sent_at": _at(m.sent_at),
            "has_calendar_part": m.calendar is not None,
        }
        for m in rows
    ]


@erases
def _erase_mails(user: User) -> None:
    """Mails to the person leave the outbox, also those queued by the erasure itself."""
    db.session.flush()
    db.session.execute(
        delete(OutboxMail).where(_mail_to(user)).execution_options(synchronize_session=False)
    )


# --- guide translations ----------------------------------------------------------------------


@exports("guide_translation_edits")
def _export_guide_edits(user: User) -> list[dict]:
    """Translation edits made in the browser (translators)."""
    rows = db.session.execute(
        select(GuideTextRevision, GuideText.lang, GuideText.week, GuideText.part)
        .join(GuideText, GuideText.id == GuideTextRevision.text_id)
        .where(GuideTextRevision.by_id == user.id)
        .order_by(GuideTextRevision.at)
    )
    return [
        {
            "lang": lang,
            "week": week,
            "part": part,
            "action": r.action,
            "at": _at(r.at),
            "text": r.body,
        }
        for r, lang, week, part in rows
    ]
