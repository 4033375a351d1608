"""What is a person's own: private notes, and taking or erasing everything wol holds about them."""

from flask import Blueprint

bp = Blueprint("personal", __name__)

from wol.personal import routes, sections  # noqa: E402, F401
