"""What single sign-on holds about a person, for their data export and account deletion."""

from sqlalchemy import delete, select

from wol.auth.models import User
from wol.extensions import db
from wol.personal.registry import erases, exports
from wol.sso.models import LoginLink, SsoIdentity, SsoPendingLink


def _at(value):
    """A timestamp as ISO 8601 text (UTC), or None."""
    return value.isoformat() if value is not None else None


@exports("sign_in_identities")
def _export_identities(user: User) -> list[dict]:
    """The provider accounts that sign in to this one (issuer and subject, not secrets)."""
    rows = db.session.scalars(
        select(SsoIdentity).where(SsoIdentity.user_id == user.id).order_by(SsoIdentity.id)
    )
    return [
        {
            "provider": row.issuer,
            "subject": row.subject,
            "linked_at": _at(row.created_at),
            "last_sign_in_at": _at(row.last_sign_in_at),
        }
        for row in rows
    ]


@erases
def _erase_identities(user: User) -> None:
    """The provider accounts no longer lead here; pending links and login links go too.

    Signing in with the provider again afterwards makes a new, empty account.
    """
    for model in (SsoIdentity, SsoPendingLink, LoginLink):
        db.session.execute(delete(model).where(model.user_id == user.id))
    db.session.flush()
