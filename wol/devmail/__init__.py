"""The development mailbox: every mail wol queued, readable in the browser.

Registered only when ``WOL_ENV`` is ``development``: in testing and production the pages do not
exist, so no outsider can read anybody's mail through them.
"""

from flask import Blueprint

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")

from wol.devmail import routes  # noqa: E402, F401
