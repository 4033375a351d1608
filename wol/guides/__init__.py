"""Guides: read the weekly guides, run a circle's meeting with them, keep translations in step.

``document``, ``library``, ``layer`` and ``glossary`` are pure (no Flask); ``models`` keeps the
translations edited in the browser; ``service`` holds the app's parsed guides with that layer;
``routes`` serves the reading, meeting and translation pages; ``cli`` the `flask wol guides`
commands.
"""

from flask import Blueprint

bp = Blueprint("guides", __name__)

from wol.guides import models, routes, workbench  # noqa: E402, F401
