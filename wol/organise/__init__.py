"""The organisers' dashboard: the health of the circles someone looks after, as counts."""

from flask import Blueprint

bp = Blueprint("organise", __name__, url_prefix="/organise")

from wol.organise import routes  # noqa: E402, F401
