"""Find a circle: the directory of listed circles, alerts for new ones, and quiet periods."""

from flask import Blueprint

bp = Blueprint("directory", __name__)

from wol.directory import routes  # noqa: E402, F401
