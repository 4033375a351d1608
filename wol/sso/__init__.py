"""Single sign-on: sign in with the account an organisation already gives (OpenID Connect)."""

from flask import Blueprint

bp = Blueprint("sso", __name__)

from wol.sso import personal, routes  # noqa: E402, F401
