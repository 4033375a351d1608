"""Accounts: register, sign in and out, reset a forgotten password."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from wol.auth import routes  # noqa: E402, F401
