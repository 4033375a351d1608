"""`flask wol circles`: every circle with its health, for people who live in spreadsheets."""

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from wol.health.service import summaries
from wol.health.status import STATUSES
from wol.health.words import day_text, describe, status_label
from wol.organise.service import Filters, csv_text, table_rows
from wol.timestamps import utcnow


@click.command("circles")
@click.option(
    "--status", type=click.Choice(STATUSES), default=None, help="Only circles with this status."
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "csv"]),
    default="table",
    help="A table to read, or CSV for a spreadsheet.",
)
@click.option(
    "--language",
    type=click.Choice(["nl", "en"]),
    default=None,
    help="Language of statuses and reasons (default: WOL_DEFAULT_LANGUAGE).",
)
@with_appcontext
def circles_command(status: str | None, output: str, language: str | None) -> None:
    """List every circle: status, reason, current week, last meeting held."""
    now = utcnow()
    language = language or current_app.config["WOL_DEFAULT_LANGUAGE"]
    tz = current_app.config["WOL_DEFAULT_TIMEZONE"]
    rows = table_rows(summaries([], now), Filters(status=status, sort="name"))
    with current_app.test_request_context(), force_locale(language):
        if output == "csv":
            header = [
                "id",
                "circle",
                "language",
                "organisation",
                "status",
                "reason",
                "current_week",
                "last_held",
                "members",
                "present_per_week",
                "first_meeting",
            ]
            sys.stdout.write(csv_text(rows, header, describe, status_label, tz, now))
            return
        for c in rows:
            last = day_text(c.last_held.starts_at, tz, now) if c.last_held else "-"
            click.echo(
                f"{c.id:>5}  {c.name[:32]:<32}  {status_label(c.status):<16} "
                f"week {c.week or '-':>2}  last held {last:<14} "
                f"{describe(c.health, tz, now)}"
            )
        click.echo(f"{len(rows)} circle(s).")
