"""Personal settings: name, language, time zone, organisation."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")

from wol.settings import routes  # noqa: E402, F401
