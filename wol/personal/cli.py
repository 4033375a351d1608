"""`flask wol user erase EMAIL`: an admin erases a person's account on their request."""

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from wol.auth.service import find_user_by_email
from wol.errors import DomainError
from wol.extensions import db
from wol.personal import erase
from wol.timestamps import utcnow


def _parse_handovers(user, values: tuple[str, ...]) -> dict[int, int | None]:
    """``--hand-over CIRCLE=EMAIL`` (or ``CIRCLE=end``) as circle id -> member id or None."""
    chosen: dict[int, int | None] = {}
    for value in values:
        circle_id, _sep, who = value.partition("=")
        if not circle_id.isdigit() or not who:
            raise click.BadParameter(
                f"{value!r}: write CIRCLE=EMAIL or CIRCLE=end", param_hint="--hand-over"
            )
        if who == "end":
            chosen[int(circle_id)] = None
            continue
        member = find_user_by_email(who)
        if member is None:
            raise click.BadParameter(
                f"{who}: no account with this address", param_hint="--hand-over"
            )
        chosen[int(circle_id)] = member.id
    return chosen


def _hand_over_help(user) -> str:
    """The circles that need a new organiser, and the command that hands them over."""
    lines, options = [], []
    for circle in erase.running_circles_organised(user):
        members = erase.successors(circle, user)
        names = ", ".join(f"{m.display_name} <{m.email}>" for m in members) or "no other member"
        lines.append(f"  circle {circle.id} {circle.name!r}: {names}")
        options.append(f"--hand-over {circle.id}={members[0].email if members else 'end'}")
    command = f"flask wol user erase {user.email} " + " ".join(options)
    return "\n".join(
        [
            f"{user.email} organises running circles; choose who takes each over:",
            *lines,
            "For example:",
            "  " + command,
        ]
    )


@click.command("erase")
@click.argument("email")
@click.option(
    "--hand-over",
    "hand_over",
    multiple=True,
    metavar="CIRCLE=EMAIL",
    help="Give a running circle the person organises to this member "
    "(CIRCLE=end ends a circle that has no other member). Repeatable.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(email: str, hand_over: tuple[str, ...], yes: bool) -> None:
    """Erase a person's account and everything wol holds about them, on their request."""
    user = find_user_by_email(email)
    if user is None or user.erased_at is not None:
        raise click.ClickException(f"No account with the address {email}.")
    handovers = _parse_handovers(user, hand_over)
    needed = {c.id for c in erase.running_circles_organised(user)}
    if needed - set(handovers):
        raise click.ClickException(_hand_over_help(user))
    if not yes:
        click.confirm(
            f"Erase the account of {user.display_name} <{user.email}> and everything "
            "wol holds about them? This cannot be undone",
            abort=True,
        )
    address = user.email
    with (
        current_app.test_request_context(base_url=current_app.config["BASE_URL"]),
        force_locale("en"),
    ):
        try:
            report = erase.erase_account(user, handovers=handovers, now=utcnow())
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from exc
        db.session.commit()
    click.echo(
        f"Erased the account of {address}: notes, ticks, harvests, sign-ups, alerts, "
        "waiting-list places, sessions and queued mails deleted; running circles left; "
        "the calendar feed stopped."
    )
    for circle, new_organiser in report.handed_over:
        click.echo(f"{circle}: now organised by {new_organiser}.")
    for circle in report.ended:
        click.echo(f"{circle}: ended (no other member).")
