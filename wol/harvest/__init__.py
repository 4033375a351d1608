"""Harvests, the stories page and circles that go on after week 12."""

from flask import Blueprint

bp = Blueprint("harvest", __name__)

from wol.harvest import routes  # noqa: E402, F401
