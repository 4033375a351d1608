"""The front page, the signed-in home page and the language switch."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from wol.main import routes  # noqa: E402, F401
