"""`flask wol user login-link EMAIL`: break-glass sign-in when only single sign-on is on."""

import click
from flask import current_app, url_for
from flask.cli import with_appcontext

from wol.auth.service import find_user_by_email
from wol.extensions import db
from wol.sso.login_links import create_login_link


@click.command("login-link")
@click.argument("email")
@with_appcontext
def login_link_command(email: str) -> None:
    """Print a one-time sign-in link for the account of EMAIL (works once, for minutes)."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"There is no account for {email}.")
    token = create_login_link(user)
    db.session.commit()
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        link = current_app.config["BASE_URL"] + url_for("sso.login_link", token=token)
    minutes = current_app.config["SSO_LOGIN_LINK_MINUTES"]
    click.echo(f"One-time sign-in link for {user.email} (works once, for {minutes} minutes):")
    click.echo(link)
