"""Rules for changing personal settings."""

from wol.auth.models import User
from wol.errors import DomainError
from wol.extensions import db
from wol.i18n import LANGUAGES, is_timezone
from wol.i18n import gettext as _


def update_settings(
    user: User,
    *,
    display_name: str,
    language: str,
    timezone: str,
    organisation: str | None,
    meeting_reminders: bool | None = None,
) -> User:
    """Save a person's settings after checking every value."""
    display_name = display_name.strip()
    if not display_name or len(display_name) > 80:
        raise DomainError(_("Enter the name other members will see."), field="display_name")
    if language not in LANGUAGES:
        raise DomainError(_("Choose Dutch or English."), field="language")
    if not is_timezone(timezone):
        raise DomainError(_("Choose a time zone from the list."), field="timezone")
    organisation = (organisation or "").strip() or None
    if organisation and len(organisation) > 120:
        raise DomainError(_("Use at most %(max)d characters.", max=120), field="organisation")
    user.display_name = display_name
    user.language = language
    user.timezone = timezone
    user.organisation = organisation
    if meeting_reminders is not None:
        user.meeting_reminders = bool(meeting_reminders)
    db.session.flush()
    return user
