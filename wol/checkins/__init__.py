"""Check-ins: members record whether a meeting took place, from the site or a mailed link."""

from flask import Blueprint

bp = Blueprint("checkins", __name__)

from wol.checkins import routes  # noqa: E402, F401
