"""Mail about follow-up circles: the invitation to go on, in the invitee's own language."""

from flask import render_template
from flask_babel import force_locale

from wol.auth.models import User
from wol.circles.models import Circle
from wol.i18n import gettext as _
from wol.mail.service import queue_mail
from wol.urls import external_url


def follow_up_invitation(circle: Circle, invitee: User, by: User, previous: Circle) -> None:
    """Ask a member of ``previous`` to confirm their seat in its follow-up ``circle``."""
    link = external_url("harvest.invitation", circle_id=circle.id)
    with force_locale(invitee.language):
        subject = _(
            "%(name)s asks you to go on: %(circle)s", name=by.first_name, circle=circle.name
        )
        body = render_template(
            "mail/follow_up_invite.txt",
            circle=circle,
            user=invitee,
            by=by,
            previous=previous,
            link=link,
            tz=invitee.timezone,
        )
    queue_mail(invitee.email, subject, body, to_name=invitee.display_name, kind="follow_up_invite")
