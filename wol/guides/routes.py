"""Guide pages: read a week, run a circle's meeting with it, and the translators' workbench."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from wol.access import meeting_of, role_required, viewable_circle
from wol.circles import service as circles
from wol.guides import bp
from wol.guides.library import WEEKS, GuideLibrary
from wol.guides.service import (
    PSEUDO_SECTIONS,
    GuideView,
    catalog_progress,
    changed_sections,
    guide_service,
    guide_title,
    guide_view,
)
from wol.i18n import LANGUAGE_NAMES, LANGUAGES
from wol.timestamps import utcnow

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
# Stands in for the form token in cached pages; random, so no guide text can contain it.
_TOKEN_PLACEHOLDER = f"wol-token-{secrets.token_hex(16)}"

bp.add_app_template_global(guide_title, "guide_title")
bp.add_app_template_global(guide_view, "guide_view")


@dataclass(frozen=True)
class NoteSection:
    """A part of the guide named in a reader's note."""

    anchor: str | None  # the section's id on the page, when the page shows it
    title: str
    lang: str  # language of ``title``
    english_title: str | None = None  # added when it differs from ``title``


@dataclass(frozen=True)
class ReaderNote:
    """A notice above a guide, written in the language the reader asked the guide in."""

    lang: str
    kind: str  # "fallback", "outdated" or "unavailable"
    text: str
    sections: tuple[NoteSection, ...] = ()


@dataclass(frozen=True)
class LanguageLink:
    """A link to the same page with the guide in another language."""

    lang: str
    name: str
    url: str


def _note_language(lang: str) -> str:
    """The interface language closest to the guide language ``lang``."""
    return lang if lang in LANGUAGES else str(get_locale())


def _pseudo_label(section_id: str) -> str:
    """Words for the parts of a guide that are not `##` sections."""
    return {
        "title": _("the title"),
        "summary": _("the summary"),
        "intro": _("the introduction"),
    }[section_id]


def reader_note(view: GuideView) -> ReaderNote | None:
    """What a reader must know about the text shown: fallback, outdated or unavailable."""
    if view.doc is not None and not view.is_fallback and not view.is_outdated:
        return None
    lang = _note_language(view.lang)
    # The note speaks the language the reader chose the guide in, whatever the site language.
    with force_locale(lang):
        if view.doc is None:
            return ReaderNote(lang, "unavailable", _("This guide cannot be shown at the moment."))
        if view.is_fallback:
            if view.status.state == "missing":
                text = _("This week is not translated yet, so you are reading the English text.")
            elif view.status.state == "draft":
                text = _(
                    "The translation of this week is not finished yet, so you are reading the "
                    "English text."
                )
            else:
                text = _(
                    "The translation of this week cannot be shown at the moment, so you are "
                    "reading the English text."
                )
            return ReaderNote(lang, "fallback", text)
        sections = []
        for change in view.changes:
            if change.id in PSEUDO_SECTIONS:
                sections.append(NoteSection(None, _pseudo_label(change.id), lang))
            elif view.doc.section(change.id) is not None:
                english = change.english_title if change.english_title != change.title else None
                sections.append(NoteSection(change.id, change.title, view.lang, english))
            else:  # added in English, not in this translation yet
                sections.append(NoteSection(None, change.english_title, "en"))
        text = _(
            "The English text of this week was changed after it was translated. These parts may "
            "differ a little from the English:"
        )
        return ReaderNote(lang, "outdated", text, tuple(sections))


def _language_links(current: str, url_of) -> list[LanguageLink]:
    """Links to the same page in every other guide language."""
    return [
        LanguageLink(lang, LANGUAGE_NAMES.get(lang, lang), url_of(lang))
        for lang in guide_service().languages()
        if lang != current
    ]


def _known_language(lang: str) -> str:
    """``lang`` when there are guides in it, else a 404."""
    if lang not in guide_service().languages():
        abort(404)
    return lang


# --- reading ------------------------------------------------------------------------------


@bp.get("/guides/")
def root():
    """The guide list in the reader's interface language."""
    languages = guide_service().languages()
    lang = str(get_locale())
    if lang not in languages:
        lang = languages[0] if languages else guide_service().source_lang
    return redirect(url_for("guides.index", lang=lang))


def _week_label(week: int) -> str:
    """'Start guide' or 'Week N' in the interface language."""
    return _("Start guide") if week == 0 else _("Week %(week)d", week=week)


def _cached_html(template: str, key: tuple, context: Callable[[], dict]) -> Markup:
    """Render ``template`` with ``context()`` once per loaded library for ``key``, the interface
    language and the site's URL prefix; later requests reuse the HTML (guide parts are the same
    for everyone, and building their context is work too)."""
    full_key = (template, *key, str(get_locale()), request.script_root)
    html = guide_service().fragment(full_key, lambda: render_template(template, **context()))
    return Markup(html)  # noqa: S704 - our own template's output, autoescaped when rendered


def _reader_page(template: str, key: tuple, context: Callable[[], dict]) -> str:
    """Render a guide reading page; anonymous readers get a copy made once per library.

    What differs between anonymous readers of the same URL in the same language is only the
    form token in the page header (and pending flash messages, which skip the cache), so the
    page is kept with a placeholder for the token. Signed-in pages are rendered every time:
    the header may show things about the person.
    """
    # A query string (?lang=...) is rare and unbounded: such pages are not kept.
    if current_user.is_authenticated or session.get("_flashes") or request.query_string:
        return render_template(template, **context())
    full_key = ("page", template, *key, str(get_locale()), request.path, request.script_root)
    html = guide_service().fragment(
        full_key,
        lambda: render_template(template, csrf_token=lambda: _TOKEN_PLACEHOLDER, **context()),
    )
    return html.replace(_TOKEN_PLACEHOLDER, generate_csrf())


@bp.get("/guides/<lang>/")
def index(lang: str):
    """The start guide and the twelve weeks, with titles and summaries."""
    _known_language(lang)
    return _reader_page(
        "guides/index.html",
        (lang,),
        lambda: {
            "body": _cached_html(
                "guides/_index_body.html",
                (lang,),
                lambda: {
                    "lang": lang,
                    "views": [guide_view(lang, week) for week in WEEKS],
                    "language_links": _language_links(
                        lang, lambda code: url_for("guides.index", lang=code)
                    ),
                },
            ),
        },
    )


@bp.get("/guides/<lang>/start", defaults={"week": 0})
@bp.get("/guides/<lang>/week/<int:week>")
def week(lang: str, week: int):
    """One week's guide: its agenda, introduction and sections."""
    _known_language(lang)
    if week not in WEEKS:
        abort(404)
    view = guide_view(lang, week)

    def context() -> dict:
        """The page's values; built only when the page is not cached."""
        return {
            "page_title": _week_label(week) + (f": {view.title}" if view.title else ""),
            "body": _cached_html(
                "guides/_week_body.html",
                (lang, week),
                lambda: {
                    "lang": lang,
                    "view": view,
                    "note": reader_note(view),
                    "language_links": _language_links(
                        lang, lambda code: url_for("guides.week", lang=code, week=week)
                    ),
                },
            ),
        }

    return _reader_page("guides/week.html", (lang, week), context)


# --- a circle's meeting -------------------------------------------------------------------


@bp.get("/circles/<int:circle_id>/week/<int:week>")
@login_required
def meeting(circle_id: int, week: int):
    """A circle's meeting of one week: when, its state, the guide and meeting mode."""
    circle = viewable_circle(circle_id)
    meeting = meeting_of(circle, week)
    languages = guide_service().languages()
    asked = request.args.get("guide")
    lang = asked if asked in languages else circle.language
    view = guide_view(lang, week)
    weeks = [m.week for m in circle.meetings]
    return render_template(
        "guides/meeting.html",
        circle=circle,
        meeting=meeting,
        week=week,
        state=circles.meeting_state(meeting, circle, utcnow(), current_user.timezone),
        view=view,
        meeting_mode_html=_cached_html(
            "guides/_meeting_mode.html", (lang, week), lambda: {"view": view}
        ),
        guide_html=_cached_html(
            "guides/_meeting_guide.html",
            (lang, week),
            lambda: {"view": view, "note": reader_note(view)},
        ),
        previous_week=week - 1 if week - 1 in weeks else None,
        next_week=week + 1 if week + 1 in weeks else None,
        language_links=_language_links(
            lang,
            lambda code: url_for(
                "guides.meeting",
                circle_id=circle.id,
                week=week,
                guide=None if code == circle.language else code,
            ),
        ),
    )


# --- translators --------------------------------------------------------------------------


@dataclass(frozen=True)
class SideBySideRow:
    """One part of a week, English beside the translation, with the English diff."""

    id: str
    label: str
    label_lang: str | None  # None: the label is in the interface language
    english: Markup | None
    translation: Markup | None
    change: str | None  # "changed", "added", "removed" or None
    diff: tuple[tuple[str, str], ...]  # (kind, line) with kind "add", "del", "hunk", "same"


def _diff_lines(lines: list[str]) -> tuple[tuple[str, str], ...]:
    """Classify unified-diff lines for display, without the two file-name lines."""
    shown = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        shown.append((kind, line))
    return tuple(shown)


def _side_by_side(library: GuideLibrary, lang: str, week: int) -> list[SideBySideRow]:
    """Rows for every part of the week in English order; parts only one side has included."""
    english = library.get(library.source_lang, week)
    own = library.get(lang, week)
    status = library.week_status(lang, week)
    changes = {c.id: c for c in changed_sections(library, status)}
    diffs = library.diff(lang, week) if changes else {}
    ids = list(PSEUDO_SECTIONS)
    for doc in (english, own):
        ids += [i for i in (doc.section_ids if doc else ()) if i not in ids]
    ids += [i for i in changes if i not in ids]

    def part(doc, section_id: str) -> Markup | None:
        """One side of a row: the part's HTML in ``doc``, or None when it lacks the part."""
        if doc is None:
            return None
        if section_id == "title":
            return escape(doc.title)
        if section_id == "summary":
            return escape(doc.summary)
        if section_id == "intro":
            return Markup(doc.intro_html) if doc.intro_md else None  # noqa: S704 - sanitised
        section = doc.section(section_id)
        if section is None:
            return None
        # The heading is part of what is translated (and hashed), so both sides show it.
        return Markup('<h4 class="sbs-heading">%s</h4>\n') % section.title + Markup(  # noqa: S704
            section.html  # sanitised when the guide was parsed
        )

    rows = []
    for section_id in ids:
        change = changes.get(section_id)
        label, label_lang = _part_label(english, own, section_id, change)
        rows.append(
            SideBySideRow(
                id=section_id,
                label=label,
                label_lang=label_lang,
                english=part(english, section_id),
                translation=part(own, section_id),
                change=change.change if change else None,
                diff=_diff_lines(diffs.get(section_id, [])),
            )
        )
    return rows


def _part_label(english, own, section_id: str, change) -> tuple[str, str | None]:
    """A row's heading and its language (None: the interface language)."""
    if section_id in PSEUDO_SECTIONS:
        names = {"title": _("Title"), "summary": _("Summary"), "intro": _("Introduction")}
        return names[section_id], None
    if english is not None and english.section(section_id) is not None:
        return english.section(section_id).title, english.lang
    if change is not None and change.english_title != section_id:
        return change.english_title, "en"
    if own is not None and own.section(section_id) is not None:
        return own.section(section_id).title, own.lang
    return section_id, None


def _translation_language(lang: str) -> str:
    """``lang`` when it is a translation language with a guide folder, else a 404."""
    if lang not in guide_service().translation_languages():
        abort(404)
    return lang


@bp.get("/translate")
@role_required("translator")
def translate():
    """Translators' overview: every week's status per language and the interface catalogs."""
    service = guide_service()
    library = service.library()
    statuses = {}
    for lang in service.translation_languages():
        statuses[lang] = [
            (status, changed_sections(library, status)) for status in library.status(lang)
        ]
    return render_template(
        "guides/translate.html",
        statuses=statuses,
        english_titles={week: guide_title(library.source_lang, week) for week in WEEKS},
        catalogs=catalog_progress(TRANSLATIONS_DIR),
    )


@bp.get("/translate/<lang>/week/<int:week>")
@role_required("translator")
def translate_week(lang: str, week: int):
    """English beside the translation, per section, with what changed in English."""
    _translation_language(lang)
    if week not in WEEKS:
        abort(404)
    library = guide_service().library()
    status = library.week_status(lang, week)
    diff = library.diff(lang, week) if status.state in ("outdated", "draft") else None
    return render_template(
        "guides/translate_week.html",
        lang=lang,
        week=week,
        status=status,
        diff_note=diff.note if diff is not None else "",
        english_title=guide_title(library.source_lang, week),
        rows=_side_by_side(library, lang, week),
        previous_week=week - 1 if week - 1 in WEEKS else None,
        next_week=week + 1 if week + 1 in WEEKS else None,
    )
