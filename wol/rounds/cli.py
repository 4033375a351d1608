"""`flask wol form-circles SIGNUPS.csv`: form circles from a spreadsheet, without the database."""

import sys
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from wol.rounds.forming import form_circles
from wol.rounds.spreadsheet import MAX_BYTES, MAX_ROWS, TooLarge, read_rows, write_proposal

BAD_INPUT = 2


def _fail(lines: list[str]) -> None:
    """Print problems on standard error and stop with exit status 2."""
    for line in lines:
        click.echo(line, err=True)
    sys.exit(BAD_INPUT)


@click.command("form-circles")
@with_appcontext
@click.argument("signups", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def form_circles_command(signups: Path) -> None:
    """Form circles from SIGNUPS.csv: the proposal goes to standard output as CSV, a summary to
    standard error. Columns: email, name, department, languages, slots, be-with, not-with
    (several values in a cell separated by ";")."""
    from wol.rounds.proposals import reason_text

    size = signups.stat().st_size
    if size > MAX_BYTES:
        _fail(
            [
                f"{signups}: {size / 1024 / 1024:.0f} MB is more than the limit of "
                f"{MAX_BYTES // 1024 // 1024} MB (at most {MAX_ROWS:,} sign-ups); split the file."
            ]
        )
    try:
        with signups.open(encoding="utf-8-sig", newline="") as handle:
            rows, problems = read_rows(handle)
    except TooLarge as exc:
        _fail([f"{signups}: {exc}"])
    except UnicodeDecodeError:
        _fail([f"{signups}: not UTF-8 text; save the spreadsheet as 'CSV UTF-8'."])
    if problems:
        _fail(
            [f"{signups}, {problem}" for problem in problems[:100]]
            + [f"{len(problems)} problems; nothing was formed."]
        )
    people = [row.person() for row in rows]
    proposal = form_circles(people)
    write_proposal(people, proposal.circles, sys.stdout)
    sys.stdout.flush()
    t = proposal.totals
    share = f" ({t.placed / t.bound:.1%} of the bound)" if t.bound else ""
    lines = [
        f"placed: {t.placed} of {len(people)} in {len(proposal.circles)} circles",
        f"upper bound: {t.bound}{share}",
        f"departments: {t.departments} (distinct departments per circle, summed)",
        f"requests honoured: {t.requests_honoured} of {t.requests} 'be with' requests"
        + (
            f" ({t.requests_unknown} more name someone not in the file)"
            if t.requests_unknown
            else ""
        ),
        f"time: {proposal.seconds:.2f} s",
    ]
    with current_app.test_request_context(), force_locale("en"):
        reasons = Counter(
            reason_text(
                {"code": o.reason.code, "groups": o.reason.groups, "placed": o.reason.placed}
            )
            for o in proposal.left_out
        )
    for reason, count in reasons.most_common(20):
        lines.append(f"left out: {count} x {reason}")
    for line in lines:
        click.echo(line, err=True)
