"""Who may open what: role and circle checks shared by the features."""

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


def viewable_circle(circle_id: int):
    """The circle the current user may see (members, its organiser, admins), or 404/403."""
    # Imported here: the circle rules import the calendar, whose pages import this module.
    from wol.circles import service as circles

    circle = circles.load_circle(circle_id)
    if circle is None:
        abort(404)
    if not circles.can_view(circle, current_user):
        abort(403)
    return circle


def meeting_of(circle, week: int):
    """The meeting of ``week`` in ``circle``, or 404."""
    meeting = next((m for m in circle.meetings if m.week == week), None)
    if meeting is None:
        abort(404)
    return meeting
