"""Guides: read the weekly guides, run a circle's meeting with them, keep translations in step.

``document`` and ``library`` are pure (no Flask); ``service`` holds the app's parsed guides;
``routes`` serves the reading, meeting and translation pages; ``cli`` the `flask wol guides`
commands.
"""

from flask import Blueprint

bp = Blueprint("guides", __name__)

from wol.guides import routes  # noqa: E402, F401
