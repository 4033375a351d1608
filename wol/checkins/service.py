"""Check-in rules: who may record a meeting, when, and how one answer wins.

A meeting is recorded once: the first "held" or "not held" wins through a conditional UPDATE
(``WHERE held_at IS NULL AND not_held_at IS NULL``), so a double click or two members clicking
at the same instant leave one answer. Later changes are corrections: they name the version they
correct, so a stale page cannot overwrite a newer answer. Every recording and correction is
kept in checkin_records (who, what, when). Services flush, the route commits.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select, update

from wol.auth.models import User
from wol.checkins.models import CheckinRecord, MeetingAttendance
from wol.circles.models import Circle, Meeting
from wol.errors import Conflict, DomainError, NotAllowed
from wol.extensions import db
from wol.i18n import gettext as _

WINDOW = timedelta(days=14)
LINK_DAYS = 14
LINK_SALT = "wol.checkin-link"
_MAX_TOKEN = 300


class LinkNotValid(DomainError):
    """A check-in link that is forged, damaged or made for another meeting."""

    status = 404


class LinkExpired(DomainError):
    """A genuine check-in link whose fourteen days are over."""

    status = 400

    def __init__(self, message: str, user_id: int):
        super().__init__(message)
        self.user_id = user_id


# --- signed links -------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    """Signs check-in links with the app's secret, for this purpose only (salt)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def link_token(meeting: Meeting, user: User, now: datetime) -> str:
    """A token that lets ``user`` record ``meeting`` for 14 days; it is not a log-in."""
    expires = int((now + timedelta(days=LINK_DAYS)).timestamp())
    return _serializer().dumps({"m": meeting.id, "u": user.id, "x": expires})


def read_link(token: str, meeting_id: int, now: datetime) -> int:
    """The id of the member a link was made for; LinkNotValid or LinkExpired otherwise."""
    invalid = LinkNotValid(
        _("This check-in link is not valid. Open the meeting on the site to record it.")
    )
    if not token or len(token) > _MAX_TOKEN:
        raise invalid
    try:
        data = _serializer().loads(token)
    except BadSignature as exc:
        raise invalid from exc
    if not isinstance(data, dict) or not all(
        isinstance(data.get(key), int) for key in ("m", "u", "x")
    ):
        raise invalid
    if data["m"] != meeting_id:
        raise invalid
    if now.timestamp() > data["x"]:
        raise LinkExpired(expired_text(), user_id=data["u"])
    return data["u"]


def expired_text() -> str:
    """What an expired link's page says, in the current language."""
    return _("This check-in link has expired: links work for 14 days. Sign in to see the meeting.")


# --- the rules ----------------------------------------------------------------------------


def meeting_end(meeting: Meeting, circle: Circle) -> datetime:
    """When the meeting ends."""
    return meeting.starts_at + timedelta(minutes=circle.duration_minutes)


def window(meeting: Meeting, now: datetime) -> str:
    """ "future" before the meeting starts, "open" for 14 days from its start, then "closed"."""
    if now < meeting.starts_at:
        return "future"
    if now > meeting.starts_at + WINDOW:
        return "closed"
    return "open"


def is_member(circle: Circle, user: User) -> bool:
    """True when ``user`` is a current member of ``circle``."""
    return any(m.user_id == user.id for m in circle.active_memberships)


def check_can_record(circle: Circle, meeting: Meeting, user: User, now: datetime) -> None:
    """Raise a domain error, in words, when ``user`` may not record ``meeting`` now."""
    if not is_member(circle, user):
        raise NotAllowed(_("Only the members of this circle can record its meetings."))
    if meeting.is_skipped:
        raise Conflict(
            _("Week %(week)d was skipped; there is nothing to record.", week=meeting.week)
        )
    state = window(meeting, now)
    if state == "future":
        raise DomainError(
            _(
                "Week %(week)d has not started yet. You can record it from the "
                "start of the meeting.",
                week=meeting.week,
            )
        )
    if state == "closed":
        raise DomainError(
            _(
                "Week %(week)d was more than 14 days ago; it can no longer be recorded.",
                week=meeting.week,
            )
        )


def open_meeting(circle: Circle, now: datetime) -> Meeting | None:
    """The latest meeting members can record now (started, within 14 days, not skipped)."""
    candidates = [m for m in circle.meetings if not m.is_skipped and window(m, now) == "open"]
    return max(candidates, key=lambda m: m.starts_at) if candidates else None


def _save(
    meeting: Meeting, by: User, *, held: bool, attendees: list[int], now: datetime, via: str
) -> None:
    """Store who attended and the history line, after the meeting row was updated."""
    db.session.execute(delete(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id))
    for user_id in attendees:
        db.session.add(MeetingAttendance(meeting_id=meeting.id, user_id=user_id))
    db.session.refresh(meeting)
    db.session.add(
        CheckinRecord(
            meeting_id=meeting.id,
            recorded_by_id=by.id,
            at=now,
            held=held,
            attendee_ids=",".join(str(i) for i in attendees),
            via=via,
            version=meeting.checkin_version,
        )
    )
    db.session.flush()


def _outcome_values(held: bool, attendees: list[int], by: User, now: datetime) -> dict:
    """The meeting columns that say held (with how many) or not held."""
    return {
        "held_at": now if held else None,
        "held_recorded_by_id": by.id if held else None,
        "not_held_at": None if held else now,
        "attended": len(attendees) if held else None,
        "checkin_version": Meeting.checkin_version + 1,
    }


def record(
    circle: Circle, meeting: Meeting, by: User, *, held: bool, now: datetime, via: str = "page"
) -> bool:
    """Record the meeting as held (every member present) or not held, if nobody did yet.

    Returns True when this call recorded it, False when an answer was there already (a double
    click, or another member a moment earlier): that answer stays.
    """
    check_can_record(circle, meeting, by, now)
    attendees = sorted(m.user_id for m in circle.active_memberships) if held else []
    result = db.session.execute(
        update(Meeting)
        .where(
            Meeting.id == meeting.id,
            Meeting.held_at.is_(None),
            Meeting.not_held_at.is_(None),
            Meeting.skipped_at.is_(None),
        )
        .values(**_outcome_values(held, attendees, by, now))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(meeting)
        return False
    circle.updated_at = max(circle.updated_at, now)  # calendars show it as held
    _save(meeting, by, held=held, attendees=attendees, now=now, via=via)
    return True


def correct(
    circle: Circle,
    meeting: Meeting,
    by: User,
    *,
    held: bool,
    attendee_ids: list[int],
    version: int,
    now: datetime,
) -> None:
    """Change what is recorded (held or not, who was there), on top of ``version``."""
    check_can_record(circle, meeting, by, now)
    allowed = {m.user_id for m in circle.active_memberships} | attendee_ids_of(meeting)
    chosen = sorted(set(attendee_ids)) if held else []
    if any(user_id not in allowed for user_id in chosen):
        raise DomainError(_("Tick only members of this circle."), field="attendees")
    if held and not chosen:
        raise DomainError(
            _(
                "Tick at least one person who was there, or choose that the "
                "meeting did not take place."
            ),
            field="attendees",
        )
    result = db.session.execute(
        update(Meeting)
        .where(
            Meeting.id == meeting.id,
            Meeting.checkin_version == version,
            Meeting.skipped_at.is_(None),
        )
        .values(**_outcome_values(held, chosen, by, now))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(
            _(
                "Someone changed this meeting a moment ago. Here is what is recorded "
                "now; correct it again if needed."
            )
        )
    circle.updated_at = max(circle.updated_at, now)
    _save(meeting, by, held=held, attendees=chosen, now=now, via="correction")


def attendee_ids_of(meeting: Meeting) -> set[int]:
    """The ids of the people recorded as present."""
    return set(
        db.session.scalars(
            select(MeetingAttendance.user_id).where(MeetingAttendance.meeting_id == meeting.id)
        )
    )


@dataclass(frozen=True)
class HistoryLine:
    """One recording or correction, for the members' page."""

    at: datetime
    by: str
    held: bool
    attended: int
    via: str


def history(meeting: Meeting) -> list[HistoryLine]:
    """Who recorded or corrected the meeting, what and when, newest first."""
    rows = db.session.execute(
        select(CheckinRecord, User.display_name)
        .outerjoin(User, User.id == CheckinRecord.recorded_by_id)
        .where(CheckinRecord.meeting_id == meeting.id)
        .order_by(CheckinRecord.version.desc(), CheckinRecord.id.desc())
    ).all()
    return [
        HistoryLine(
            row.at,
            name or "?",
            row.held,
            len([i for i in row.attendee_ids.split(",") if i]),
            row.via,
        )
        for row, name in rows
    ]
