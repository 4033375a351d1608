"""`flask wol guides ...`: the translators' workbench on the command line.

Every command reads the guide folder from disk afresh (a translator may have just saved a file)
and, after writing, hands the new library to the app's GuideService so pages follow at once.
"""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from wol.extensions import db
from wol.guides import editing
from wol.guides.document import (
    FOLLOW_UP_BASE,
    FOLLOW_UP_LAST,
    FOLLOW_UP_WEEKS,
    LAST_WEEK,
    GuideError,
    compose_guide,
    diff_as_text,
    file_name_of_week,
    follow_up_key,
    is_follow_up,
    parse_guide,
    parse_synced_copy,
    section_texts,
)
from wol.guides.glossary import check_glossary, load_glossary
from wol.guides.layer import overlaid_library, part_text
from wol.guides.library import SYNCED_DIR, GuideLibrary, WeekStatus
from wol.guides.service import SOURCE_LANG, guide_service
from wol.guides.store import bump_layer, published_parts
from wol.timestamps import utcnow

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
    """A week number 0-12 ('start' means 0), or follow-up-N for the follow-up guide."""

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
        # The follow-up guide: 'follow-up-2' (as its file name) or 'f2'.
        number = text.removeprefix("follow-up-").removeprefix("f")
        if number.isdigit() and is_follow_up(follow_up_key(int(number))):
            return follow_up_key(int(number))
        self.fail(
            f"{value!r} is not a week: use 0-{LAST_WEEK}, 'start'"
            f" or follow-up-1 ... follow-up-{FOLLOW_UP_LAST}",
            param,
            ctx,
        )


WEEK = WeekParam()


def week_name(week: int) -> str:
    """'start' for week 0, 'follow-up-N' for the follow-up guide, 'week N' otherwise."""
    if is_follow_up(week):
        return f"follow-up-{week - FOLLOW_UP_BASE}"
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


def _files() -> GuideLibrary:
    """The guide folder of the current app, read from disk now."""
    return GuideLibrary.load(Path(current_app.config["WOL_GUIDES_DIR"]), SOURCE_LANG)


def _library(*, files_only: bool = False) -> GuideLibrary:
    """The guides read from disk now, with the texts published in the browser laid over them
    (unless ``files_only``)."""
    files = _files()
    if files_only:
        return files
    return overlaid_library(files, published_parts())


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
@click.option("--strict", is_flag=True, help="Also exit non-zero when a week is not up to date.")
@click.option(
    "--files", "files_only", is_flag=True, help="The files alone, without the browser's texts."
)
def status_command(lang: str | None, strict: bool, files_only: bool) -> None:
    """Per week: up to date, outdated (which sections), draft, missing, orphan or error; then
    the glossary warnings.

    Without LANG, every translation language. Exits non-zero for structure errors, and with
    --strict also when any week is outdated, a draft or missing (for CI).
    """
    library = _library(files_only=files_only)
    if lang is not None:
        _check_language(library, lang)
    languages = [lang] if lang else [code for code in library.languages() if code != SOURCE_LANG]
    errors = behind = 0
    for code in languages:
        statuses = library.status(code)
        for status in statuses:
            click.echo(status_line(status))
            errors += status.state == "structure_error"
            behind += status.state != "up_to_date"
        counts = {}
        for status in statuses:
            counts[status.state] = counts.get(status.state, 0) + 1
        summary = ", ".join(
            f"{count} {STATE_WORDS.get(state, state)}" for state, count in counts.items()
        )
        click.echo(f"{code}: {summary}")
        for line in glossary_lines(library, code):
            click.echo(line)
    for path in library.stray:
        click.echo(f"note: {path} is not a guide file name (start.md, week-01.md ... week-12.md)")
    if errors:
        raise click.ClickException(f"{errors} week(s) with a structure error; see above")
    if strict and behind:
        raise click.ClickException(f"{behind} week(s) not up to date (--strict)")


def glossary_lines(library: GuideLibrary, lang: str) -> list[str]:
    """One line per glossary warning in ``lang``'s guides."""
    terms = load_glossary(Path(library.root), lang)
    lines = []
    for week in (*library.weeks(), *FOLLOW_UP_WEEKS):
        english, own = library.get(library.source_lang, week), library.get(lang, week)
        if not terms or english is None:
            continue
        for finding in check_glossary(terms, english, own):
            if finding.problem == "forbidden":
                lines.append(
                    f"glossary: {lang} {week_name(week)} {finding.part}: uses"
                    f" {finding.found!r} for {finding.term.english!r};"
                    f" use {' / '.join(finding.term.required) or 'another word'}"
                )
            elif finding.problem == "missing":
                lines.append(
                    f"glossary: {lang} {week_name(week)} {finding.part}: the English says"
                    f" {finding.term.english!r}, the translation has no"
                    f" {' / '.join(finding.term.required)}"
                )
    return lines


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
    if status.state == "missing":
        click.echo(f"There is no {lang} translation of {week_name(week)} yet, so there is no diff.")
        click.echo(f"Start one with: flask wol guides new {lang} {week}")
        return
    if diff.note:
        click.echo(f"note: {diff.note}")
    if not diff:
        click.echo("No English changes since the last sync.")
        return
    english = library.get(library.source_lang, week)
    for section_id, segments in diff.items():
        section = english.section(section_id) if english else None
        title = f" ({section.title})" if section else ""
        click.echo("")
        click.echo(f"== {section_id}{title} ==")
        click.echo(diff_as_text(segments))


@guides_group.command("stamp")
@click.argument("lang")
@click.argument("week", type=WEEK)
@click.option(
    "--section",
    "section_id",
    default=None,
    help="Mark only this section (or title, summary, intro, agenda) as synced.",
)
@click.option("--publish", is_flag=True, help="Also mark a draft as complete, so readers get it.")
@click.option(
    "--force",
    is_flag=True,
    help="Stamp even parts that are still the English or were not edited since it changed.",
)
def stamp_command(lang: str, week: int, section_id: str | None, publish: bool, force: bool) -> None:
    """Mark LANG's WEEK as translated from the current English (all sections, or one).

    A draft stays a draft unless --publish is given. Parts whose text is still the English,
    or that were not edited since the English changed, are not stamped without --force.
    """
    library = _library()
    _check_language(library, lang)
    reasons = _run(lambda: library.stamp_check(lang, week, only=section_id))
    if reasons and not force:
        for key, why in reasons.items():
            click.echo(f"{key}: {why}")
        raise click.ClickException(
            f"not stamped: check the parts above in {library.path(lang, week)}; if the"
            f" translation is right as it is, run: flask wol guides stamp {lang} {week}"
            + (f" --section {section_id}" if section_id else "")
            + (" --publish" if publish else "")
            + " --force"
        )
    status = "complete" if publish else None
    library = _run(lambda: library.stamp(lang, week, only=section_id, status=status, force=True))
    guide_service().replace(library)
    what = f"section {section_id}" if section_id else "all sections"
    click.echo(f"Stamped {lang} {week_name(week)} ({what}) against the current English.")
    for key, why in reasons.items():
        click.echo(f"stamped although {key} is {why} (--force)")
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
    click.echo(f"Translate it, then run: flask wol guides stamp {lang} {week} --publish")


@guides_group.command("export")
@click.argument("lang")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def export_command(lang: str, directory: Path | None) -> None:
    """Write LANG's current translation (files plus the browser's texts) as Markdown files in
    the shipped format, stamps and synced English included, under DIRECTORY/LANG/ (default:
    the guide folder), so the work can go back into the repository."""
    library = _library()
    _check_language(library, lang)
    if lang == SOURCE_LANG:
        raise click.BadParameter("the English is the source; export a translation")
    target = Path(directory) if directory is not None else library.root
    layer_weeks = {part.week for part in published_parts() if part.lang == lang}
    written = 0
    for week in library.weeks():
        name = file_name_of_week(week)
        doc = library.get(lang, week)
        if doc is None:
            continue
        path = target / lang / name
        synced_path = target / lang / SYNCED_DIR / name
        if week in layer_weeks:
            text = compose_guide(doc)
            synced = library.synced_copy(lang, week)
            synced_text = compose_guide(synced, with_record=False) if synced else None
        else:  # untouched in the browser: the file as it is, byte for byte
            text = library.path(lang, week).read_text(encoding="utf-8")
            source = library.synced_path(lang, week)
            synced_text = source.read_text(encoding="utf-8") if source.is_file() else None
        parse_guide(text, lang=lang, path=str(path))  # never write what would not load
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if synced_text is not None:
            synced_path.parent.mkdir(parents=True, exist_ok=True)
            synced_path.write_text(synced_text, encoding="utf-8")
        written += 1
    click.echo(f"Wrote {written} {lang} guide file(s) to {target / lang}.")


@guides_group.command("import")
@click.argument("lang")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def import_command(lang: str, directory: Path | None) -> None:
    """Read LANG's Markdown files from DIRECTORY/LANG/ (default: the guide folder) and publish
    every part that differs from what readers get now, with the stamps the files record."""
    library = _library()
    source_dir = (Path(directory) if directory is not None else library.root) / lang
    if lang == SOURCE_LANG or not source_dir.is_dir():
        raise click.BadParameter(f"no translation folder {source_dir}", param_hint="LANG")
    now = utcnow()
    changed_weeks = []
    for week in library.weeks():
        path = source_dir / file_name_of_week(week)
        english = library.get(library.source_lang, week)
        if not path.is_file() or english is None:
            continue
        doc = _run(
            lambda p=path: parse_guide(p.read_text(encoding="utf-8"), lang=lang, path=str(p))
        )
        synced_path = source_dir / SYNCED_DIR / file_name_of_week(week)
        synced = (
            parse_synced_copy(synced_path.read_text(encoding="utf-8"), lang="en")
            if synced_path.is_file()
            else None
        )
        current = library.get(lang, week)
        record = doc.translation
        current_record = current.translation if current is not None else None
        publish_all = (
            record is not None
            and record.status == "complete"
            and (current_record is None or current_record.status != "complete")
        )
        count = 0
        synced_texts = section_texts(synced) if synced is not None else {}
        for part in section_texts(english):
            found = part_text(doc, part)
            if found is None:
                continue
            title, body = found
            source = record.source.get(part) if record else None
            now_text = part_text(current, part)
            now_source = current_record.source.get(part) if current_record else None
            if not publish_all and found == now_text and source == now_source:
                continue
            editing.import_part(lang, week, part, title, body, source, synced_texts.get(part), now)
            count += 1
        if count:
            changed_weeks.append(f"{week_name(week)} ({count} part(s))")
    if changed_weeks:
        bump_layer(now)
    db.session.commit()
    guide_service().replace(_files())
    guide_service().forget_layer()
    if changed_weeks:
        click.echo(f"Imported {lang}: " + ", ".join(changed_weeks))
    else:
        click.echo(f"Nothing to import: the {lang} files match what readers get now.")
