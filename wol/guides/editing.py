"""Translators edit a week part by part in the browser: save a draft, ask for review, publish,
approve someone else's draft, restore an older text. Operations flush; the route commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wol.auth.models import User
from wol.errors import DomainError
from wol.extensions import db
from wol.guides.document import (
    GuideDoc,
    GuideError,
    parse_synced_copy,
    section_hashes,
)
from wol.guides.layer import english_part, part_source_text, part_text
from wol.guides.library import GuideLibrary
from wol.guides.models import DRAFT, NEEDS_REVIEW, GuideText, GuideTextRevision
from wol.guides.store import bump_layer
from wol.i18n import gettext as _

MAX_TITLE = 200
MAX_BODY = 20_000
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SECTION_HEADING_RE = re.compile(r"^ {0,3}#{1,2}(?:[ \t]|$)", re.M)


class EditError(DomainError):
    """A translator's edit that cannot be saved; the message is for the translator."""


@dataclass(frozen=True)
class PartState:
    """Where one part of a translated week stands in the browser's layer."""

    part: str
    state: str  # "draft", "needs_review", "published" (in the browser) or "file"
    row: GuideText | None


def find_text(lang: str, week: int, part: str) -> GuideText | None:
    """The layer's row for one part, if any."""
    return db.session.scalar(
        select(GuideText).where(
            GuideText.lang == lang, GuideText.week == week, GuideText.part == part
        )
    )


def week_texts(lang: str, week: int) -> dict[str, GuideText]:
    """The layer's rows of one week, by part."""
    rows = db.session.scalars(
        select(GuideText).where(GuideText.lang == lang, GuideText.week == week)
    )
    return {row.part: row for row in rows}


def layer_counts(lang: str) -> dict[int, dict[str, int]]:
    """Per week: parts with a draft, parts waiting for review, parts published in the browser."""
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(GuideText.week, GuideText.draft_state, GuideText.published_body.is_not(None)).where(
            GuideText.lang == lang
        )
    )
    for week, draft_state, published in rows:
        found = counts.setdefault(week, {"draft": 0, "needs_review": 0, "published": 0})
        if draft_state in (DRAFT, NEEDS_REVIEW):
            found[draft_state] += 1
        if published:
            found["published"] += 1
    return counts


def check_text(
    english: GuideDoc, part: str, title: str | None, body: str
) -> tuple[str | None, str]:
    """The cleaned title and body of an edit, or EditError saying what is wrong."""
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    title = title.strip() if title is not None else None
    is_section = part not in ("title", "summary", "intro", "agenda")
    if _CONTROL_RE.search(body) or (title and _CONTROL_RE.search(title)):
        raise EditError(_("The text contains control characters; remove them and try again."))
    if is_section and not title:
        raise EditError(_("Give the section a heading."))
    if not body.strip() and part != "intro":
        raise EditError(_("The text is empty."))
    if title is not None and len(title) > MAX_TITLE:
        raise EditError(_("The heading is longer than %(max)d characters.", max=MAX_TITLE))
    if len(body) > MAX_BODY:
        raise EditError(_("The text is longer than %(max)d characters.", max=MAX_BODY))
    if part in ("title", "summary") and "\n" in body.strip():
        raise EditError(_("The title and the summary are one line each."))
    if part != "title" and part != "summary" and _SECTION_HEADING_RE.search(body):
        raise EditError(
            _("Use ### for a heading inside a part: # and ## are kept for the guide's structure.")
        )
    _check_markdown(english, part, title, body)
    return (title if is_section else None), body


def _check_markdown(english: GuideDoc, part: str, title: str | None, body: str) -> None:
    """Parse the edit as a guide would hold it; raw HTML and broken structure are refused."""
    if part in ("title", "summary", "agenda"):
        return
    heading = f"## {title} {{#{part}}}\n\n" if part != "intro" else ""
    text = f"---\nweek: {english.week}\ntitle: x\nsummary: x\n---\n\n{heading}{body}\n"
    try:
        parse_synced_copy(text, lang="", path="<edit>")
    except GuideError as exc:
        problem = str(exc).split(": ", 1)[-1]
        if "raw HTML" in problem:
            raise EditError(_("HTML is not allowed in a guide; use Markdown.")) from None
        raise EditError(
            _("This text cannot be used in a guide: %(problem)s", problem=problem)
        ) from None


def _row(lang: str, week: int, part: str) -> GuideText:
    """The layer's row for a part, created when missing."""
    row = find_text(lang, week, part)
    if row is None:
        try:
            with db.session.begin_nested():  # two first edits at once: one insert wins
                row = GuideText(lang=lang, week=week, part=part)
                db.session.add(row)
        except IntegrityError:
            row = find_text(lang, week, part)
            assert row is not None
    return row


def _revision(row: GuideText, action: str, title, body, source, user: User | None, now) -> None:
    db.session.flush()
    db.session.add(
        GuideTextRevision(
            text_id=row.id,
            action=action,
            title=title,
            body=body,
            source=source,
            by_id=user.id if user else None,
            at=now,
        )
    )


def _english(library: GuideLibrary, week: int, part: str) -> tuple[GuideDoc, str, str]:
    """The English of a week, the part's English text and its hash (EditError if none)."""
    english = library.get(library.source_lang, week)
    if english is None:
        raise EditError(_("There is no English text for this week."))
    text = english_part(english, part)
    if text is None:
        raise EditError(_("The English of this week has no such part."))
    return english, text, section_hashes(english)[part]


def save_draft(
    library: GuideLibrary,
    user: User,
    lang: str,
    week: int,
    part: str,
    title: str | None,
    body: str,
    now: datetime,
    *,
    review: bool = False,
) -> GuideText:
    """Keep an unpublished edit of one part (asking for review if ``review``)."""
    english, _text, digest = _english(library, week, part)
    title, body = check_text(english, part, title, body)
    row = _row(lang, week, part)
    row.draft_title, row.draft_body = title, body
    row.draft_state = NEEDS_REVIEW if review else DRAFT
    row.draft_at, row.draft_by_id = now, user.id
    row.review_requested_by_id = user.id if review else None
    _revision(row, "review" if review else "draft", title, body, digest, user, now)
    db.session.flush()
    return row


def publish_warning(
    library: GuideLibrary, lang: str, week: int, part: str, title: str | None, body: str
) -> str | None:
    """Why publishing this text may tell readers something untrue, or None: the text is still
    the English, or the English changed and the text is the one published before it did."""
    if part == "agenda":
        return None
    english = library.get(library.source_lang, week)
    english_text = english_part(english, part) if english is not None else None
    if english_text is None:
        return None
    text = part_source_text(title, body.replace("\r\n", "\n"), part)
    if text == english_text:
        return _("This text is still the English. Publish it anyway?")
    status = library.week_status(lang, week)
    own = library.get(lang, week)
    current = part_text(own, part)
    if part in status.changed and current is not None and part_source_text(*current, part) == text:
        return _(
            "The English of this part changed, and this text is the one from before. "
            "Publish it unchanged anyway?"
        )
    return None


def publish(
    library: GuideLibrary,
    user: User,
    lang: str,
    week: int,
    part: str,
    title: str | None,
    body: str,
    now: datetime,
    *,
    action: str = "publish",
) -> GuideText:
    """Give readers this text for the part and record the English it is synced to."""
    english, english_text, digest = _english(library, week, part)
    if part == "agenda":  # minutes are not translated: they follow the English
        title, body = None, english_text
    else:
        title, body = check_text(english, part, title, body)
    row = _row(lang, week, part)
    row.published_title, row.published_body = title, body
    row.published_source, row.published_english = digest, english_text
    row.published_at, row.published_by_id = now, user.id if user else None
    row.draft_state = row.draft_title = row.draft_body = None
    row.draft_at = row.draft_by_id = row.review_requested_by_id = None
    _revision(row, action, title, body, digest, user, now)
    _publish_agenda_with_first_text(library, user, lang, week, part, now)
    bump_layer(now)
    db.session.flush()
    return row


def _publish_agenda_with_first_text(library, user, lang, week, part, now) -> None:
    """A week started in the browser takes the English minutes with its first published part
    (minutes are copied, not translated), so it does not show as outdated for them."""
    english = library.get(library.source_lang, week)
    if part == "agenda" or english is None or not english.agenda:
        return
    own = library.get(lang, week)
    recorded = own.translation.source if own is not None and own.translation else {}
    if "agenda" in recorded or find_text(lang, week, "agenda") is not None:
        return
    text = english_part(english, "agenda")
    row = _row(lang, week, "agenda")
    row.published_body = row.published_english = text
    row.published_source = section_hashes(english)["agenda"]
    row.published_at, row.published_by_id = now, user.id if user else None
    _revision(row, "publish", None, text, row.published_source, user, now)


def approve(library: GuideLibrary, user: User, lang: str, week: int, part: str, now) -> GuideText:
    """A second translator publishes a text that waits for review."""
    row = find_text(lang, week, part)
    if row is None or row.draft_state != NEEDS_REVIEW or row.draft_body is None:
        raise EditError(_("This part is not waiting for review."))
    if row.review_requested_by_id == user.id:
        raise EditError(_("Another translator has to approve your text."))
    return publish(
        library, user, lang, week, part, row.draft_title, row.draft_body, now, action="approve"
    )


def restore(
    library: GuideLibrary, user: User, lang: str, week: int, part: str, revision_id: int, now
) -> GuideText:
    """Bring back an older text of a part as a new draft (published again with Publish)."""
    revision = db.session.get(GuideTextRevision, revision_id)
    row = find_text(lang, week, part)
    if revision is None or row is None or revision.text_id != row.id:
        raise EditError(_("That earlier version does not exist."))
    english, _text, digest = _english(library, week, part)
    row.draft_title, row.draft_body = revision.title, revision.body
    row.draft_state, row.draft_at, row.draft_by_id = DRAFT, now, user.id
    row.review_requested_by_id = None
    _revision(row, "restore", revision.title, revision.body, digest, user, now)
    db.session.flush()
    return row


def history(lang: str, week: int, part: str) -> list[GuideTextRevision]:
    """Every saved version of a part, newest first."""
    row = find_text(lang, week, part)
    if row is None:
        return []
    return list(
        db.session.scalars(
            select(GuideTextRevision)
            .where(GuideTextRevision.text_id == row.id)
            .order_by(GuideTextRevision.at.desc(), GuideTextRevision.id.desc())
        )
    )


def import_part(
    lang: str,
    week: int,
    part: str,
    title: str | None,
    body: str,
    source: str | None,
    english: str | None,
    now: datetime,
) -> GuideText:
    """Publish a part read from a Markdown file (`flask wol guides import`), keeping the
    English it records as synced."""
    row = _row(lang, week, part)
    row.published_title, row.published_body = title, body
    row.published_source, row.published_english = source, english
    row.published_at, row.published_by_id = now, None
    row.draft_state = row.draft_title = row.draft_body = None
    row.draft_at = row.draft_by_id = row.review_requested_by_id = None
    _revision(row, "import", title, body, source, None, now)
    return row


def source_text_of(part: str, title: str | None, body: str) -> str:
    """A part's text as hashed (for comparing an edit with the English)."""
    return part_source_text(title, body, part)
