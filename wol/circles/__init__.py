"""Circles: start one, recruit with a link, seats and waiting list, the twelve meetings."""

from flask import Blueprint

bp = Blueprint("circles", __name__)

from wol.circles import routes  # noqa: E402, F401
