"""Imports every model so that Alembic and the CLI see the whole schema."""

from wol.auth.models import PasswordReset, Registration, User, UserSession
from wol.calendar.models import FeedState
from wol.checkins.models import CheckinRecord, MeetingAttendance
from wol.circles.models import Circle, Meeting, Membership, WaitlistEntry
from wol.directory.models import CircleAlert, QuietPeriodsVersion
from wol.harvest.models import FollowUp, FollowUpInvitation, Harvest
from wol.health.models import CircleStatusChange
from wol.mail.models import OutboxMail
from wol.personal.models import ExerciseTick, PrivateNote
from wol.ratelimits import RateCounter
from wol.rounds.models import Round, RoundCircle, Signup
from wol.sso.models import LoginLink, SsoAttempt, SsoIdentity, SsoPendingLink

__all__ = [
    "CheckinRecord",
    "Circle",
    "CircleAlert",
    "CircleStatusChange",
    "ExerciseTick",
    "FeedState",
    "FollowUp",
    "FollowUpInvitation",
    "Harvest",
    "LoginLink",
    "Meeting",
    "MeetingAttendance",
    "Membership",
    "OutboxMail",
    "PasswordReset",
    "PrivateNote",
    "QuietPeriodsVersion",
    "RateCounter",
    "Registration",
    "Round",
    "RoundCircle",
    "Signup",
    "SsoAttempt",
    "SsoIdentity",
    "SsoPendingLink",
    "User",
    "UserSession",
    "WaitlistEntry",
]
