"""Tell translators when the English guides change (detected by the tick after a deploy).

The tick compares the English as it is now with the hashes it saw last time, kept in the
database. The first tick that sees a change claims it with a conditional UPDATE (only one of
two ticks at once can win) and queues one mail per translator of each translation language,
listing the weeks and parts that changed with links to the side-by-side pages.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import or_, select, update

from wol.auth.models import User
from wol.extensions import db
from wol.guides.document import section_hashes
from wol.guides.library import GuideLibrary
from wol.guides.models import GuideLayerState, GuideText, GuideTextRevision
from wol.guides.service import guide_service, load_library
from wol.guides.store import set_state
from wol.i18n import gettext as _
from wol.mail.service import queue_mail
from wol.urls import external_url

ENGLISH = "english"


def english_hashes(library: GuideLibrary) -> dict[str, dict[str, str]]:
    """The hash of every English part, per week ("0" .. "12")."""
    found = {}
    for week in library.weeks():
        doc = library.get(library.source_lang, week)
        if doc is not None:
            found[str(week)] = section_hashes(doc)
    return found


def english_changes(
    old: dict[str, dict[str, str]], new: dict[str, dict[str, str]]
) -> dict[int, list[str]]:
    """Per week, the parts whose English changed, was added or was removed."""
    changes = {}
    for week in sorted({*old, *new}, key=int):
        before, after = old.get(week, {}), new.get(week, {})
        parts = [key for key in after if before.get(key) != after[key]]
        parts += [key for key in before if key not in after]
        if parts:
            changes[int(week)] = parts
    return changes


def translators_of(lang: str) -> list[User]:
    """Translators of a language: those who read wol in it, and those who edited it."""
    editors = (
        select(GuideTextRevision.by_id)
        .join(GuideText, GuideText.id == GuideTextRevision.text_id)
        .where(GuideText.lang == lang, GuideTextRevision.by_id.is_not(None))
    )
    return list(
        db.session.scalars(
            select(User)
            .where(User.is_translator.is_(True), or_(User.language == lang, User.id.in_(editors)))
            .order_by(User.id)
        )
    )


def tell_translators_of_english_changes(now: datetime) -> int:
    """Mail every translator once when the English changed since the last tick; the number
    of mails queued. The first run only records what the English is."""
    service = guide_service()
    # From disk now (reused while no file changed): a long-running process sees a deploy too.
    library = load_library(service.root, service.source_lang)
    current = english_hashes(library)
    data = json.dumps(current, sort_keys=True)
    fingerprint = hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]
    seen = db.session.execute(
        select(GuideLayerState.token, GuideLayerState.data).where(GuideLayerState.name == ENGLISH)
    ).first()
    if seen is None:
        set_state(ENGLISH, fingerprint, now, data=data)
        return 0
    if seen.token == fingerprint:
        return 0
    claimed = db.session.execute(
        update(GuideLayerState)
        .where(GuideLayerState.name == ENGLISH, GuideLayerState.token == seen.token)
        .values(token=fingerprint, data=data, changed_at=now)
    )
    if claimed.rowcount != 1:  # another tick saw the same change first and tells them
        return 0
    changes = english_changes(json.loads(seen.data or "{}"), current)
    if not changes:
        return 0
    sent = 0
    titles = {week: (library.get(library.source_lang, week) or None) for week in changes}
    for lang in service.translation_languages():
        for user in translators_of(lang):
            _mail(user, lang, changes, titles)
            sent += 1
    return sent


def _mail(user: User, lang: str, changes: dict[int, list[str]], docs) -> None:
    """One mail to one translator, in their language, listing what changed with links."""
    weeks = []
    for week, parts in changes.items():
        doc = docs.get(week)
        names = []
        for part in parts:
            section = doc.section(part) if doc is not None else None
            names.append(f"{section.title} ({part})" if section else part)
        weeks.append(
            {
                "week": week,
                "title": doc.title if doc is not None else "",
                "parts": names,
                "link": external_url("guides.translate_week", lang=lang, week=week),
            }
        )
    with force_locale(user.language):
        subject = _("The English guides changed: %(count)d week(s) to check", count=len(weeks))
        body = render_template("mail/guides_english_changed.txt", user=user, lang=lang, weeks=weeks)
    queue_mail(user.email, subject, body, to_name=user.display_name, kind="guides_english_changed")
