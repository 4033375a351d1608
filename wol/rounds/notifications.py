"""Mails of a sign-up round: who gets which, in their own language (the service says what
happened, this module composes)."""

from flask import render_template
from flask_babel import force_locale

from wol.auth.models import User
from wol.circles.models import Circle
from wol.i18n import gettext as _
from wol.mail.service import queue_mail
from wol.rounds.models import Round
from wol.urls import external_url


def placed(
    round_: Round, circle: Circle, user: User, others: list[User], *, new_account: bool
) -> None:
    """Tell a person which circle they are in, with whom and when."""
    link = external_url("circles.detail", circle_id=circle.id)
    with force_locale(user.language):
        subject = _("Your circle: %(circle)s", circle=circle.name)
        body = render_template(
            "mail/round_placed.txt",
            round=round_,
            circle=circle,
            user=user,
            others=others,
            link=link,
            tz=user.timezone,
            new_account=new_account,
            password_link=external_url("auth.forgot_password"),
        )
    queue_mail(user.email, subject, body, to_name=user.display_name, kind="round_placed")


def left_out(
    round_: Round, user: User, reason: str, waiting_lists: int, *, new_account: bool
) -> None:
    """A kind word to someone who could not be placed, with why and what happens next."""
    with force_locale(user.language):
        subject = _("%(round)s: no circle for you yet", round=round_.title)
        body = render_template(
            "mail/round_left_out.txt",
            round=round_,
            user=user,
            reason=reason,
            waiting_lists=waiting_lists,
            new_account=new_account,
            password_link=external_url("auth.forgot_password"),
        )
    queue_mail(user.email, subject, body, to_name=user.display_name, kind="round_left_out")
