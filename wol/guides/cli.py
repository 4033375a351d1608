"""`flask wol guides ...`: the translators' workbench on the command line.

Every command reads the guide folder from disk afresh (a translator may have just saved a file)
and, after writing, hands the new library to the app's GuideService so pages follow at once.
"""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from wol.guides.document import LAST_WEEK, GuideError
from wol.guides.library import GuideLibrary, WeekStatus
from wol.guides.service import SOURCE_LANG, guide_service

STATE_WORDS = {
    "up_to_date": "up to date",
    "outdated": "outdated",
    "draft": "draft",
    "missing": "missing",
    "orphan": "orphan",
    "structure_error": "structure error",
}

guides_group = AppGroup("guides", help="Guide translations: status, diff, stamp, new.")


class WeekParam(click.ParamType):
    """A week number 0-12; 'start' means 0."""

    name = "week"

    def convert(self, value, param, ctx):
        """Turn 'start', '0' ... '12' into an int, or fail with a clear message."""
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        if text == "start":
            return 0
        if text.isdigit() and 0 <= int(text) <= LAST_WEEK:
            return int(text)
        self.fail(f"{value!r} is not a week: use 0-{LAST_WEEK} or 'start'", param, ctx)


WEEK = WeekParam()


def week_name(week: int) -> str:
    """'start' for week 0, 'week N' otherwise."""
    return "start" if week == 0 else f"week {week}"


def status_details(status: WeekStatus) -> str:
    """What changed in English, as 'changed: a, b; added: c', or the problem for errors."""
    parts = [
        f"{label}: {', '.join(ids)}"
        for label, ids in (
            ("changed", status.changed),
            ("added", status.added),
            ("removed", status.removed),
        )
        if ids
    ]
    if status.state in ("structure_error", "orphan"):
        return status.message
    return "; ".join(parts)


def status_line(status: WeekStatus) -> str:
    """One line per week: 'nl week 4   outdated (changed: check-in)'."""
    details = status_details(status)
    words = STATE_WORDS.get(status.state, status.state)
    return f"{status.lang} {week_name(status.week):<8} {words}" + (
        f" ({details})" if details else ""
    )


def translation_report(library: GuideLibrary, languages: list[str] | None = None) -> list[str]:
    """Short notes on every week that is not up to date, e.g. 'nl week 4 outdated (check-in)'."""
    notes = []
    for lang in languages or [code for code in library.languages() if code != SOURCE_LANG]:
        for status in library.status(lang):
            if status.state == "up_to_date":
                continue
            ids = [*status.changed, *status.added, *status.removed]
            detail = ", ".join(ids) if status.state in ("outdated", "draft") else ""
            words = STATE_WORDS.get(status.state, status.state)
            notes.append(
                f"{lang} {week_name(status.week)} {words}" + (f" ({detail})" if detail else "")
            )
    return notes


def _library() -> GuideLibrary:
    """The guide folder of the current app, read from disk now."""
    return GuideLibrary.load(Path(current_app.config["WOL_GUIDES_DIR"]), SOURCE_LANG)


def _check_language(library: GuideLibrary, lang: str) -> None:
    """Refuse a language that has no guide folder (a typo would look like 'all missing')."""
    if lang not in library.languages():
        known = ", ".join(library.languages()) or "none"
        raise click.BadParameter(
            f"there are no guides in {lang!r} (languages: {known})", param_hint="LANG"
        )


def _run(action):
    """Run a library write; a GuideError becomes a clear CLI error, not a traceback."""
    try:
        return action()
    except GuideError as exc:
        raise click.ClickException(str(exc)) from exc


@guides_group.command("status")
@click.argument("lang", required=False)
def status_command(lang: str | None) -> None:
    """Per week: up to date, outdated (which sections), draft, missing, orphan or error.

    Without LANG, every translation language. Exits non-zero only for structure errors.
    """
    library = _library()
    if lang is not None:
        _check_language(library, lang)
    languages = [lang] if lang else [code for code in library.languages() if code != SOURCE_LANG]
    errors = 0
    for code in languages:
        statuses = library.status(code)
        for status in statuses:
            click.echo(status_line(status))
            errors += status.state == "structure_error"
        counts = {}
        for status in statuses:
            counts[status.state] = counts.get(status.state, 0) + 1
        summary = ", ".join(
            f"{count} {STATE_WORDS.get(state, state)}" for state, count in counts.items()
        )
        click.echo(f"{code}: {summary}")
    for path in library.stray:
        click.echo(f"note: {path} is not a guide file name (start.md, week-01.md ... week-12.md)")
    if errors:
        raise click.ClickException(f"{errors} week(s) with a structure error; see above")


@guides_group.command("diff")
@click.argument("lang")
@click.argument("week", type=WEEK)
def diff_command(lang: str, week: int) -> None:
    """The English changes since LANG's WEEK was last synced, section by section."""
    library = _library()
    _check_language(library, lang)
    diff = library.diff(lang, week)
    status = library.week_status(lang, week)
    click.echo(status_line(status))
    if diff.note:
        click.echo(f"note: {diff.note}")
    if not diff:
        click.echo("No English changes since the last sync.")
        return
    english = library.get(library.source_lang, week)
    for section_id, lines in diff.items():
        section = english.section(section_id) if english else None
        title = f" ({section.title})" if section else ""
        click.echo("")
        click.echo(f"== {section_id}{title} ==")
        for line in lines:
            click.echo(line)


@guides_group.command("stamp")
@click.argument("lang")
@click.argument("week", type=WEEK)
@click.option(
    "--section",
    "section_id",
    default=None,
    help="Mark only this section (or title, summary, intro) as synced.",
)
def stamp_command(lang: str, week: int, section_id: str | None) -> None:
    """Mark LANG's WEEK as translated from the current English (all sections, or one)."""
    library = _library()
    _check_language(library, lang)
    library = _run(lambda: library.stamp(lang, week, only=section_id))
    guide_service().replace(library)
    what = f"section {section_id}" if section_id else "all sections"
    click.echo(f"Stamped {lang} {week_name(week)} ({what}) against the current English.")
    click.echo(status_line(library.week_status(lang, week)))


@guides_group.command("new")
@click.argument("lang")
@click.argument("week", type=WEEK)
def new_command(lang: str, week: int) -> None:
    """Start LANG's WEEK as a draft: a copy of the English to translate."""
    library = _library()
    library = _run(lambda: library.new(lang, week))
    guide_service().replace(library)
    path = library.path(lang, week)
    click.echo(f"Created {path} as a draft copy of the English.")
    click.echo(f"Translate it, then run: flask wol guides stamp {lang} {week}")
