"""Secret tokens in URLs (invite links, feeds, password resets): made and recognised here."""

import re
import secrets

_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    """A random token of 256 bits, safe in a URL (43 characters)."""
    return secrets.token_urlsafe(32)


def looks_like_token(value: str | None) -> bool:
    """True when ``value`` could be one of our tokens; anything else is not looked up at all."""
    return bool(value) and _TOKEN_SHAPE.fullmatch(value) is not None
