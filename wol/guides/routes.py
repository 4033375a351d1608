"""Guide pages: read a week, run a circle's meeting with it, and the translators' workbench."""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from wol.access import meeting_of, viewable_circle
from wol.circles import service as circles
from wol.front import keep
from wol.guides import bp
from wol.guides.library import WEEKS
from wol.guides.service import (
    PSEUDO_SECTIONS,
    GuideView,
    guide_service,
    guide_title,
    guide_view,
)
from wol.guides.store import layer_check
from wol.i18n import LANGUAGE_NAMES, LANGUAGES
from wol.i18n import gettext as _
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
        "agenda": _("the minutes of the agenda"),
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
            section = view.doc.section(change.id)
            if change.id == "agenda" or change.change == "added":
                # The minutes always come from the English, and a part added in English is
                # shown in English in place, with its own notice: nothing here differs.
                continue
            if change.id in PSEUDO_SECTIONS:
                sections.append(NoteSection(None, _pseudo_label(change.id), lang))
            elif section is not None and not section.lang:
                english = change.english_title if change.english_title != change.title else None
                sections.append(NoteSection(change.id, change.title, view.lang, english))
        if not sections:
            return None
        text = _(
            "The English text of this week was changed after it was translated. These parts may "
            "differ a little from the English:"
        )
        return ReaderNote(lang, "outdated", text, tuple(sections))


@bp.app_template_global()
def untranslated_part_notice(lang: str) -> ReaderNote:
    """The one-line notice on a part shown in English to a reader of ``lang``."""
    note_lang = _note_language(lang)
    with force_locale(note_lang):
        text = _("This part is not translated yet, so you are reading the English text.")
    return ReaderNote(note_lang, "part", text)


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


def _keep_reader_page() -> None:
    """Let the front (wol/front.py) give a reading page again while no translation was
    published; the page is then drawn from the layer as it is now, not as this process last
    looked (for anonymous readers at most every quarter of a second). A first visit, whose
    session gets its form token now, sets a cookie: the front cannot give that answer again,
    so it is not asked to."""
    token_name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if token_name in session and keep(layer_check()):
        guide_service().forget_layer()


def _reader_page(template: str, key: tuple, context: Callable[[], dict]):
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
    service = guide_service()
    html = service.fragment(
        full_key,
        lambda: render_template(template, csrf_token=lambda: _TOKEN_PLACEHOLDER, **context()),
    )
    # A browser that has this very page (same text, same visitor's form token) gets a 304:
    # it asks again each time (no-cache), so a published translation shows at once. The
    # text's part of the version is worked out once per copy; the 304 needs nothing else.
    token_name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if token_name not in session:
        generate_csrf()  # a first visit: the token this page will carry
    text_version = service.fragment(
        ("version", *full_key),
        lambda: hashlib.sha256(html.replace(_TOKEN_PLACEHOLDER, "").encode()).hexdigest(),
    )
    etag = hashlib.sha256((text_version + session.get(token_name, "")).encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = current_app.response_class(status=304)
    else:
        response = make_response(html.replace(_TOKEN_PLACEHOLDER, generate_csrf()))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/guides/<lang>/")
def index(lang: str):
    """The start guide and the twelve weeks, with titles and summaries."""
    _known_language(lang)
    _keep_reader_page()
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
    _keep_reader_page()
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


@dataclass(frozen=True)
class MeetingPage:
    """A meeting page as kept: what the page around its header needs, and the header drawn
    (with the form token's placeholder). ``guide`` is the guide title it shows (guide_of)."""

    circle_id: int
    name: str
    circle_language: str
    meeting_id: int
    guide_week: int
    header: str
    harvest: bool  # the last meeting's page, for a member, once it began
    finished: bool
    notes: bool  # the reader keeps notes here (a current member)
    guide: tuple


@bp.get("/circles/<int:circle_id>/week/<int:week>")
@login_required
def meeting(circle_id: int, week: int):
    """A circle's meeting of one week: when, its state, the guide and meeting mode.

    The top of the page is kept under the circle's version (wol/circles/versions.py) for the
    reader, the guide language asked for, the language and the minute, like the circle page:
    a visit with nothing changed reads the version instead of the circle, its meetings and
    its members. The guide's parts are kept per guide library; the reader's notes and harvest
    are read on every visit."""
    # Imported here: the circles' modules import the guides (wol/circles/models.py).
    from wol.circles.views import front_checks, keep_for, kept_for
    from wol.harvest.routes import panel_of
    from wol.personal import notes
    from wol.personal.routes import notes_panel_of

    viewer = current_user._get_current_object()
    keep(*front_checks(circle_id), *notes.front_checks(viewer.id, circle_id, week))
    now = utcnow()
    asked = request.args.get("guide")
    asked = asked if asked in guide_service().languages() else None
    stamp, page = kept_for("meeting-pages", circle_id, (week, asked), viewer, now)
    if page is None:
        page = _draw_meeting(viewable_circle(circle_id), week, asked, viewer, now)
        keep_for("meeting-pages", circle_id, (week, asked), viewer, now, stamp, page)
    lang = asked or page.circle_language
    key = page.guide_week
    view = guide_view(lang, key)
    harvest_html = panel_of(page.circle_id, page.harvest, page.finished, viewer)
    notes_panel = None
    if page.notes:
        notes_panel = notes_panel_of(page.circle_id, page.meeting_id, week, key, view.shown_lang)
    return render_template(
        "guides/meeting.html",
        name=page.name,
        week=week,
        view=view,
        header=Markup(page.header.replace(_TOKEN_PLACEHOLDER, generate_csrf())),  # noqa: S704
        harvest_html=Markup(harvest_html),  # noqa: S704 - drawn by Jinja, escaped there
        notes_panel=notes_panel,
        meeting_mode_html=_cached_html(
            "guides/_meeting_mode.html", (lang, key), lambda: {"view": view}
        ),
        guide_html=_cached_html(
            "guides/_meeting_guide.html",
            (lang, key),
            lambda: {"view": view, "note": reader_note(view)},
        ),
        language_links=_language_links(
            lang,
            lambda code: url_for(
                "guides.meeting",
                circle_id=page.circle_id,
                week=week,
                guide=None if code == page.circle_language else code,
            ),
        ),
    )


def _draw_meeting(circle, week: int, asked: str | None, viewer, now) -> MeetingPage:
    """The meeting page's top drawn for ``viewer``, with what the rest of the page needs."""
    from wol.circles.views import guide_of
    from wol.harvest.service import harvest_open, is_finished

    meeting = meeting_of(circle, week)
    lang = asked or circle.language
    # A follow-up circle's week n reads follow-up week n (wol/guides/document.py).
    key = circle.guide_week(week)
    view = guide_view(lang, key)
    weeks = [m.week for m in circle.meetings]
    member = circles.membership_of(circle, viewer) is not None
    harvest = member and week == max(weeks) and harvest_open(circle, now)
    return MeetingPage(
        circle_id=circle.id,
        name=circle.name,
        circle_language=circle.language,
        meeting_id=meeting.id,
        guide_week=key,
        header=render_template(
            "guides/_meeting_header.html",
            circle=circle,
            meeting=meeting,
            week=week,
            state=circles.meeting_state(meeting, circle, now, viewer.timezone),
            view=view,
            previous_week=week - 1 if week - 1 in weeks else None,
            next_week=week + 1 if week + 1 in weeks else None,
            csrf_token=lambda: _TOKEN_PLACEHOLDER,
        ),
        harvest=harvest,
        finished=harvest and is_finished(circle, now),
        notes=member,
        guide=guide_of(lang, key),
    )
