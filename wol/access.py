"""Who may open what: role checks shared by the features."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(role: str):
    """Let only signed-in users with ``role`` through; others get a 403."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate
