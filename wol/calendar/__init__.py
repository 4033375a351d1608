"""Calendars: a circle's .ics download, the personal feed, and e-mail invitations."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)

from wol.calendar import routes  # noqa: E402, F401
