"""Demo data: a few people (and, once circles exist, circles in different states)."""

from wol.auth.models import User
from wol.auth.service import find_user_by_email, register_user, set_roles

DEMO_PASSWORD = "wol-demo-2026"  # noqa: S105 - printed on purpose, for demo accounts only

DEMO_PEOPLE = (
    ("ann@example.org", "Ann Peeters", "nl", "Europe/Brussels", "FOD BOSA", {"organiser"},
     "participant and organiser"),
    ("bram@example.org", "Bram de Vries", "nl", "Europe/Amsterdam", "Gemeente Utrecht", set(),
     "participant"),
    ("els@example.org", "Els Janssens", "nl", "Europe/Brussels", "Vlaamse overheid",
     {"organiser"}, "organiser"),
    ("marc@example.org", "Marc Dubois", "nl", "Europe/Brussels", "FOD BOSA", {"translator"},
     "translator"),
    ("fatima@example.org", "Fatima El Amrani", "en", "Europe/Amsterdam", "Rijkswaterstaat",
     set(), "participant (English)"),
    ("admin@example.org", "Admin", "en", "Europe/Brussels", None, {"admin"}, "admin"),
)


def load_demo() -> list[tuple[User, str]]:
    """Create the demo people (skipping those that exist) and return them with a note."""
    people = []
    for email, name, lang, tz, org, roles, note in DEMO_PEOPLE:
        user = find_user_by_email(email)
        if user is None:
            user = register_user(email, name, DEMO_PASSWORD, language=lang, timezone=tz)
            user.organisation = org
            set_roles(user, roles)
        people.append((user, note))
    return people
