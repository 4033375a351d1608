"""Addresses: local redirect targets and absolute links for mails and calendars."""

from urllib.parse import urlsplit

from flask import current_app, url_for


def safe_next(target: str | None) -> str | None:
    """Return ``target`` when it is a local path on this site, otherwise None."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target


def external_url(endpoint: str, **values) -> str:
    """An absolute address of ``endpoint`` on this deployment (BASE_URL), for mails and feeds."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)
