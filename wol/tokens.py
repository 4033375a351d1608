"""Secret tokens in URLs (invite links, feeds, password resets): made and recognised here."""

import hmac
import re
import secrets

from sqlalchemy import select

from wol.extensions import db

_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    """A random token of 256 bits, safe in a URL (43 characters)."""
    return secrets.token_urlsafe(32)


def looks_like_token(value: str | None) -> bool:
    """True when ``value`` could be one of our tokens; anything else is not looked up at all."""
    return bool(value) and _TOKEN_SHAPE.fullmatch(value) is not None


def find_by_token(column, token: str, stored: str | None = None):
    """The row whose ``column`` holds ``token`` (or ``stored``, e.g. its hash), else None.

    Malformed tokens are never looked up, and the match is confirmed in constant time.
    """
    if not looks_like_token(token):
        return None
    wanted = token if stored is None else stored
    row = db.session.scalar(select(column.class_).where(column == wanted))
    if row is None or not hmac.compare_digest(getattr(row, column.key), wanted):
        return None
    return row
