"""Forms for registering, signing in and resetting a password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from wol.auth.passwords import password_problem
from wol.forms import PlainText, display_name_field, email_field, language_field, strip_text

PASSWORD_MIN = 10


def validate_guessable(form, field) -> None:
    """Refuse a common password, or one made of the person's own address or name."""
    email = getattr(form, "email", None)
    name = getattr(form, "display_name", None)
    owner = getattr(form, "owner", None)
    problem = password_problem(
        field.data or "",
        email=(email.data if email else None) or (owner.email if owner else "") or "",
        name=(name.data if name else None) or (owner.display_name if owner else "") or "",
    )
    if problem == "common":
        raise ValidationError(
            _l(
                "This password is on the list of passwords people use most. "
                "Choose another one; a short sentence works well."
            )
        )
    if problem == "repetitive":
        raise ValidationError(
            _l(
                "This password repeats one or two characters. Choose another "
                "one; a short sentence works well."
            )
        )
    if problem == "personal":
        raise ValidationError(
            _l("This password is too close to your email address or name. Choose another one.")
        )


def new_password_field(label=None) -> PasswordField:
    """A new password with a sensible minimum length."""
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(message=_l("Choose a password.")),
            Length(
                min=PASSWORD_MIN,
                max=200,
                message=_l("Use at least %(min)d characters.", min=PASSWORD_MIN),
            ),
            validate_guessable,
        ],
        render_kw={"autocomplete": "new-password"},
        description=_l(
            "At least %(min)d characters. A short sentence works well.", min=PASSWORD_MIN
        ),
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
    # Optional, as in settings (same checks and suggestions): sign-up rounds use it to mix teams.
    organisation = StringField(
        _l("Organisation or department (optional)"),
        validators=[
            Optional(),
            Length(max=120, message=_l("Use at most %(max)d characters.", max=120)),
            PlainText(name=True),
        ],
        filters=[strip_text],
        description=_l(
            "Used to mix people from different teams when circles are formed. "
            "You can also give it later in settings."
        ),
        render_kw={"autocomplete": "organization"},
    )
    # Filled in by the browser (wol.js) with its own time zone; changeable later in settings.
    timezone = HiddenField(render_kw={"data-browser-timezone": ""})
    next = HiddenField()
    submit = SubmitField(_l("Create my account"))


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


class ConfirmRegistrationForm(FlaskForm):
    """The button behind a registration link (a GET alone must not create an account)."""

    submit = SubmitField(_l("Create my account"))


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link; ``owner`` is the account it is for."""

    owner = None

    password = new_password_field(_l("New password"))
    confirm = confirm_field()
    submit = SubmitField(_l("Save my new password"))
