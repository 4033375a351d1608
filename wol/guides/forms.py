"""The translator's form for one part of a week."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

ACTIONS = ("save", "review", "publish", "approve")


class PartForm(FlaskForm):
    """Heading (sections only) and text of one translated part; the button says what to do.

    Limits and Markdown rules are checked by ``editing.check_text``, which words its messages
    for translators."""

    title = StringField(_l("Heading"))
    body = TextAreaField(_l("Text"))


class ConfirmForm(FlaskForm):
    """A button that changes something (approve, restore): only the form token."""
