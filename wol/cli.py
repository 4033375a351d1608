"""The `flask wol` command group: tick, demo data, user administration."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from wol.auth.models import User
from wol.auth.service import find_user_by_email, register_user, set_roles
from wol.errors import DomainError
from wol.extensions import db
from wol.guides.cli import guides_group
from wol.organise.cli import circles_command
from wol.personal.cli import erase_command
from wol.rounds.cli import form_circles_command
from wol.sso.cli import login_link_command


def _as_request():
    """A request context on BASE_URL: jobs render mails and links as if serving a page."""
    return current_app.test_request_context(base_url=current_app.config["BASE_URL"])


def register_cli(app: Flask) -> None:
    """Attach the `flask wol` commands to ``app``."""
    app.cli.add_command(wol_group)


wol_group = AppGroup("wol", help="wol maintenance commands.")
wol_group.add_command(guides_group)
wol_group.add_command(form_circles_command)
wol_group.add_command(circles_command)


@wol_group.command("tick")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; change nothing.")
def tick_command(dry_run: bool) -> None:
    """Do the scheduled work: check-ins, reminders, nudges, digests, then deliver the mail.

    Run it from cron every few minutes; two ticks at once are safe.
    """
    from wol.tick import run_tick

    with _as_request():
        report = run_tick(current_app.config, dry_run=dry_run)
    planned = report.pop("would_send", None)
    click.echo(" ".join(f"{key}={value}" for key, value in report.items()))
    if planned is not None:
        click.echo(f"Dry run: nothing was changed or sent. {len(planned)} mail(s) would leave:")
        for kind, address, subject in planned:
            click.echo(f"  {kind:<20} {address:<32} {subject}")


@wol_group.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load when there are no accounts yet.")
def demo_command(if_empty: bool) -> None:
    """Load demo people and circles so a fresh install does not look empty."""
    from wol.demo import DEMO_PASSWORD, load_demo

    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("Accounts exist already; demo data not loaded.")
        return
    with _as_request():
        people = load_demo()
        db.session.commit()
    click.echo(f"Demo data loaded. Sign in with any of these (password: {DEMO_PASSWORD}):")
    for user, note in people:
        click.echo(f"  {user.email:<28} {note}")


@wol_group.command("calendar")
@click.argument("circle_id", type=int)
def calendar_command(circle_id: int) -> None:
    """Write a circle's calendar (.ics) to standard output, for support staff and scripts."""
    import sys

    from wol.calendar.service import render_download
    from wol.circles.service import load_circle

    circle = load_circle(circle_id)
    if circle is None:
        raise click.ClickException(f"There is no circle {circle_id}.")
    with _as_request():
        data = render_download(circle)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@wol_group.group("user")
def user_group() -> None:
    """Manage accounts."""


user_group.add_command(erase_command)
user_group.add_command(login_link_command)


@user_group.command("create")
@click.argument("email")
@click.option("--name", default=None, help="Display name (default: the part before @).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="Make the account an admin.")
@click.option("--organiser", is_flag=True, help="Give the organiser role.")
@click.option("--translator", is_flag=True, help="Give the translator role.")
@click.option("--language", type=click.Choice(["nl", "en"]), default="nl")
def user_create(email, name, password, admin, organiser, translator, language) -> None:
    """Create an account, or give an existing one the roles asked for."""
    user = find_user_by_email(email)
    roles = {
        r
        for r, on in (("admin", admin), ("organiser", organiser), ("translator", translator))
        if on
    }
    if user is None:
        if len(password) < 10:
            raise click.BadParameter("use at least 10 characters", param_hint="--password")
        try:
            user = register_user(email, name or email.split("@")[0], password, language=language)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"Created {user.email}.")
    else:
        click.echo(f"{user.email} exists; updating roles.")
    current = {r for r in ("admin", "organiser", "translator") if getattr(user, f"is_{r}")}
    set_roles(user, current | roles)
    db.session.commit()
    if roles:
        click.echo("Roles: " + ", ".join(sorted(current | roles)))
