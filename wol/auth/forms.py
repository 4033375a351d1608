"""Forms for registering, signing in and resetting a password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from wol.auth.service import find_user_by_email
from wol.forms import display_name_field, email_field, language_field

PASSWORD_MIN = 10


def new_password_field(label=None) -> PasswordField:
    """A new password with a sensible minimum length."""
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(message=_l("Choose a password.")),
            Length(min=PASSWORD_MIN, max=200,
                   message=_l("Use at least %(min)d characters.", min=PASSWORD_MIN)),
        ],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least %(min)d characters. A short sentence works well.",
                       min=PASSWORD_MIN),
    )


def confirm_field() -> PasswordField:
    """The same password again."""
    return PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(message=_l("Type the password a second time.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class RegisterForm(FlaskForm):
    """Create an account."""

    email = email_field()
    display_name = display_name_field()
    password = new_password_field()
    confirm = confirm_field()
    language = language_field()
    # Filled in by the browser (wol.js) with its own time zone; changeable later in settings.
    timezone = HiddenField(render_kw={"data-browser-timezone": ""})
    next = HiddenField()
    submit = SubmitField(_l("Create my account"))

    def validate_email(self, field) -> None:
        """An address can hold one account, whatever its capitals."""
        if find_user_by_email(field.data or "") is not None:
            raise ValidationError(
                _l("There is already an account with this address. Sign in instead.")
            )


class LoginForm(FlaskForm):
    """Sign in with email and password."""

    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class ForgotPasswordForm(FlaskForm):
    """Ask for a password-reset link."""

    email = email_field()
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = new_password_field(_l("New password"))
    confirm = confirm_field()
    submit = SubmitField(_l("Save my new password"))
