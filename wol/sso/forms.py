"""Forms of single sign-on: proving an account is yours, and confirming one-time links."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, Length


class LinkWithPasswordForm(FlaskForm):
    """Prove the password account is yours with its password, once."""

    password = PasswordField(
        _l("Your wol password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Link with my password"))


class LinkByMailForm(FlaskForm):
    """Ask for a mailed link instead."""

    submit = SubmitField(_l("Mail me a link"))


class ConfirmForm(FlaskForm):
    """The button behind a one-time link (opening a link alone changes nothing)."""

    submit = SubmitField(_l("Sign me in"))
