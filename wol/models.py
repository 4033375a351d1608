"""Imports every model so that Alembic and the CLI see the whole schema."""

from wol.auth.models import LoginFailure, PasswordReset, User
from wol.circles.models import Circle, Meeting, Membership, WaitlistEntry
from wol.mail.models import OutboxMail

__all__ = [
    "Circle",
    "LoginFailure",
    "Meeting",
    "Membership",
    "OutboxMail",
    "PasswordReset",
    "User",
    "WaitlistEntry",
]
