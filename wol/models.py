"""Imports every model so that Alembic and the CLI see the whole schema."""

from wol.auth.models import LoginFailure, PasswordReset, User
from wol.mail.models import OutboxMail

__all__ = ["LoginFailure", "OutboxMail", "PasswordReset", "User"]
