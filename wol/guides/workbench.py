"""The translators' workbench: status of every week, English beside the translation, and the
editor of one part (draft, review, publish, history and restore)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from wol.access import role_required
from wol.extensions import db
from wol.guides import bp, editing
from wol.guides.document import GuideDoc, is_follow_up, render_markdown, section_hashes
from wol.guides.forms import ACTIONS, ConfirmForm, PartForm
from wol.guides.glossary import check_glossary, load_glossary
from wol.guides.layer import part_text
from wol.guides.library import WEEKS, GuideLibrary
from wol.guides.models import NEEDS_REVIEW
from wol.guides.service import (
    PSEUDO_SECTIONS,
    catalog_progress,
    changed_sections,
    guide_service,
    guide_title,
)
from wol.i18n import gettext as _
from wol.timestamps import utcnow

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


@dataclass(frozen=True)
class SideBySideRow:
    """One part of a week, English beside the translation, with the English diff."""

    id: str
    label: str
    label_lang: str | None  # None: the label is in the interface language
    english: Markup | None
    translation: Markup | None
    change: str | None  # "changed", "added", "removed" or None
    diff: tuple[tuple[str, str], ...]  # word diff: (kind, text), kind "same"/"add"/"del"/"gap"
    layer_state: str | None = None  # "draft", "needs_review", "published" in the browser
    editable: bool = False


def _part_html(doc: GuideDoc | None, section_id: str) -> Markup | None:
    """One side of a row: the part's HTML in ``doc``, or None when it lacks the part."""
    if doc is None:
        return None
    if section_id == "title":
        return escape(doc.title)
    if section_id == "summary":
        return escape(doc.summary)
    if section_id == "intro":
        return Markup(doc.intro_html) if doc.intro_md else None  # noqa: S704 - sanitised
    if section_id == "agenda":
        if not doc.agenda:
            return None
        items = Markup("").join(
            Markup("<li><code>%s</code>: %s</li>") % (item, minutes) for item, minutes in doc.agenda
        )
        return Markup('<ul class="sbs-agenda">%s</ul>') % items
    section = doc.section(section_id)
    if section is None:
        return None
    # The heading is part of what is translated (and hashed), so both sides show it.
    return Markup('<h4 class="sbs-heading">%s</h4>\n') % section.title + Markup(  # noqa: S704
        section.html  # sanitised when the guide was parsed
    )


def _side_by_side(library: GuideLibrary, lang: str, week: int) -> list[SideBySideRow]:
    """Rows for every part of the week in English order; parts only one side has included."""
    english = library.get(library.source_lang, week)
    own = library.get(lang, week)
    status = library.week_status(lang, week)
    changes = {c.id: c for c in changed_sections(library, status)}
    diffs = library.diff(lang, week) if changes else {}
    rows_in_layer = editing.week_texts(lang, week)
    ids = [key for key in PSEUDO_SECTIONS if english is None or key in section_hashes(english)]
    for doc in (english, own):
        ids += [i for i in (doc.section_ids if doc else ()) if i not in ids]
    ids += [i for i in changes if i not in ids]
    english_ids = set(section_hashes(english)) if english is not None else set()

    rows = []
    for section_id in ids:
        change = changes.get(section_id)
        label, label_lang = _part_label(english, own, section_id, change)
        in_layer = rows_in_layer.get(section_id)
        layer_state = None
        if in_layer is not None:
            layer_state = in_layer.draft_state or ("published" if in_layer.is_published else None)
        rows.append(
            SideBySideRow(
                id=section_id,
                label=label,
                label_lang=label_lang,
                english=_part_html(english, section_id),
                translation=_part_html(own, section_id),
                change=change.change if change else None,
                diff=tuple(diffs.get(section_id, [])),
                layer_state=layer_state,
                editable=section_id in english_ids,
            )
        )
    return rows


def _part_label(english, own, section_id: str, change) -> tuple[str, str | None]:
    """A row's heading and its language (None: the interface language)."""
    if section_id in PSEUDO_SECTIONS:
        names = {
            "title": _("Title"),
            "summary": _("Summary"),
            "intro": _("Introduction"),
            "agenda": _("Agenda"),
        }
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
    statuses, counts = {}, {}
    for lang in service.translation_languages():
        statuses[lang] = [
            (status, changed_sections(library, status))
            for status in library.status(lang)
            # The follow-up guide is translated in its files (guides/README.md), not here.
            if not is_follow_up(status.week)
        ]
        counts[lang] = editing.layer_counts(lang)
    return render_template(
        "guides/translate.html",
        statuses=statuses,
        layer_counts=counts,
        english_titles={week: guide_title(library.source_lang, week) for week in WEEKS},
        catalogs=catalog_progress(TRANSLATIONS_DIR),
    )


@bp.get("/translate/<lang>/week/<int:week>")
@role_required("translator")
def translate_week(lang: str, week: int):
    """English beside the translation, per part, with what changed in English."""
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
        glossary=_glossary_report(library, lang, week),
        previous_week=week - 1 if week - 1 in WEEKS else None,
        next_week=week + 1 if week + 1 in WEEKS else None,
    )


def _glossary_report(library: GuideLibrary, lang: str, week: int, part: str | None = None):
    """Glossary findings of a week (or one part): the terms used and the warnings."""
    glossary = load_glossary(Path(library.root), lang)
    english, own = library.get(library.source_lang, week), library.get(lang, week)
    if not glossary or english is None:
        return []
    return [
        finding
        for finding in check_glossary(glossary, english, own)
        if part is None or finding.part == part
    ]


def _editor_context(library: GuideLibrary, lang: str, week: int, part: str) -> dict:
    """What the editor of one part shows besides the form."""
    english = library.get(library.source_lang, week)
    own = library.get(lang, week)
    status = library.week_status(lang, week)
    change = next((c for c in changed_sections(library, status) if c.id == part), None)
    diff = library.diff(lang, week).get(part, []) if change else []
    label, label_lang = _part_label(english, own, part, change)
    return {
        "lang": lang,
        "week": week,
        "part": part,
        "label": label,
        "label_lang": label_lang,
        "english_title": guide_title(library.source_lang, week),
        "english_html": _part_html(english, part),
        "published_html": _part_html(own, part) if own is not None else None,
        "change": change.change if change else None,
        "diff": diff,
        "status": status,
        "row": editing.find_text(lang, week, part),
        "history": editing.history(lang, week, part),
        "glossary": _glossary_report(library, lang, week, part),
        "is_section": part not in PSEUDO_SECTIONS,
        "is_agenda": part == "agenda",
        "confirm_form": ConfirmForm(),
        "needs_review": NEEDS_REVIEW,
    }


def _editable_part(library: GuideLibrary, lang: str, week: int, part: str) -> GuideDoc:
    """The English of the week when ``part`` is one of its parts; else a 404."""
    _translation_language(lang)
    if week not in WEEKS:
        abort(404)
    english = library.get(library.source_lang, week)
    if english is None or part not in section_hashes(english):
        abort(404)
    return english


@bp.route("/translate/<lang>/week/<int:week>/part/<part>", methods=["GET", "POST"])
@role_required("translator")
def edit_part(lang: str, week: int, part: str):
    """Edit one part of a week beside the English: save a draft, ask for review, publish."""
    library = guide_service().library()
    english = _editable_part(library, lang, week, part)
    row = editing.find_text(lang, week, part)
    form = PartForm()
    if request.method == "GET":
        if row is not None and row.draft_body is not None:
            form.title.data, form.body.data = row.draft_title, row.draft_body
        else:
            # Start from the published translation; a missing part starts from the English.
            found = part_text(library.get(lang, week), part) or part_text(english, part)
            form.title.data, form.body.data = found if found else (None, "")
        return render_template(
            "guides/translate_part.html", form=form, **_editor_context(library, lang, week, part)
        )

    action = request.form.get("action", "")
    if action not in ACTIONS or not form.validate_on_submit():
        return _editor_error(
            library, lang, week, part, form, _("The form was not sent as expected; try again.")
        )
    title = form.title.data if part not in PSEUDO_SECTIONS else None
    body = form.body.data or ""
    now = utcnow()
    try:
        if action == "approve":
            editing.approve(library, current_user, lang, week, part, now)
            message = _("Approved and published. Readers get the new text now.")
        elif action == "publish":
            warning = editing.publish_warning(library, lang, week, part, title, body)
            if warning and not request.form.get("confirm"):
                return _editor_error(library, lang, week, part, form, warning, confirm=True)
            editing.publish(library, current_user, lang, week, part, title, body, now)
            message = _("Published. Readers get the new text now.")
        else:
            review = action == "review"
            editing.save_draft(
                library, current_user, lang, week, part, title, body, now, review=review
            )
            message = (
                _("Saved. Another translator can now review and approve it.")
                if review
                else _("Draft saved. Readers still get the published text.")
            )
    except editing.EditError as exc:
        db.session.rollback()
        return _editor_error(library, lang, week, part, form, exc.message)
    db.session.commit()
    guide_service().forget_layer()
    flash(message, "success")
    return redirect(url_for("guides.edit_part", lang=lang, week=week, part=part))


def _editor_error(
    library, lang: str, week: int, part: str, form: PartForm, message: str, confirm=False
):
    """The editor again, with the translator's text and what is wrong with it (400), or what
    to confirm before publishing (409, with a button that publishes anyway)."""
    context = _editor_context(library, lang, week, part)
    page = render_template(
        "guides/translate_part.html", form=form, error=message, confirm=confirm, **context
    )
    return page, 409 if confirm else 400


@bp.post("/translate/<lang>/week/<int:week>/part/<part>/restore/<int:revision_id>")
@role_required("translator")
def restore_part(lang: str, week: int, part: str, revision_id: int):
    """Bring back an earlier text of a part as a draft."""
    library = guide_service().library()
    _editable_part(library, lang, week, part)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        editing.restore(library, current_user, lang, week, part, revision_id, utcnow())
    except editing.EditError as exc:
        db.session.rollback()
        form = PartForm()
        return _editor_error(library, lang, week, part, form, exc.message)
    db.session.commit()
    guide_service().forget_layer()
    flash(_("The earlier text is back as a draft. Publish it when it is right."), "success")
    return redirect(url_for("guides.edit_part", lang=lang, week=week, part=part))


@bp.app_template_filter("guide_markdown")
def guide_markdown(text: str) -> Markup:
    """Render a stored guide text (sanitised) for the history view."""
    return Markup(render_markdown(text or ""))  # noqa: S704 - sanitised by render_markdown
