"""Lay the translations published in the browser over the guide files (pure: no Flask, no DB).

A published part replaces the same part of the shipped translation (or fills a week that has
no file) and records the English it was synced to. The result is a GuideLibrary like one read
from disk, so status, diffs and reading pages work the same whichever way a text arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from wol.guides.document import (
    GuideDoc,
    Section,
    Translation,
    agenda_text,
    normalise_text,
    render_markdown,
    section_hashes,
    section_texts,
)
from wol.guides.library import GuideLibrary

TEXT_PARTS = ("title", "summary", "intro")


@dataclass(frozen=True)
class PublishedPart:
    """One published part from the database: its text and the English it was synced to."""

    lang: str
    week: int
    part: str
    title: str | None  # a section's heading; None for the title, summary, intro and agenda
    body: str
    source: str | None  # hash of the English synced to
    english: str | None  # that English text, normalised as hashed


def part_ids(english: GuideDoc) -> list[str]:
    """Every part of a week a translator edits, in reading order (agenda included)."""
    return list(section_hashes(english))


def part_text(doc: GuideDoc | None, part: str) -> tuple[str | None, str] | None:
    """(heading, body) of ``part`` in ``doc`` (heading None for the other parts), or None."""
    if doc is None:
        return None
    if part == "title":
        return None, doc.title
    if part == "summary":
        return None, doc.summary
    if part == "intro":
        return (None, doc.intro_md) if doc.intro_md else None
    if part == "agenda":
        return (None, agenda_text(doc.agenda)) if doc.agenda else None
    section = doc.section(part)
    return (section.title, section.body_md) if section is not None else None


def part_source_text(title: str | None, body: str, part: str) -> str:
    """A part's text as it is hashed (a section's heading line comes first)."""
    if title is not None and part not in (*TEXT_PARTS, "agenda"):
        return normalise_text(f"## {title.strip()}\n\n{normalise_text(body)}")
    return normalise_text(body)


def with_part(doc: GuideDoc, english: GuideDoc, part: str, title: str | None, body: str):
    """``doc`` with ``part`` replaced (or, for a section it lacks, inserted where the English
    has it)."""
    if part == "title":
        return replace(doc, title=body.strip())
    if part == "summary":
        return replace(doc, summary=body.strip())
    if part == "intro":
        intro = normalise_text(body)
        return replace(doc, intro_md=intro, intro_html=render_markdown(intro))
    if part == "agenda":
        return replace(doc, agenda=_parse_agenda(body) or doc.agenda)
    body = normalise_text(body)
    heading = (title or part).strip()
    section = Section(
        id=part,
        title=heading,
        body_md=body,
        html=render_markdown(body),
        source_md=f"## {heading}\n\n{body}",
    )
    sections = list(doc.sections)
    ids = [s.id for s in sections]
    if part in ids:
        sections[ids.index(part)] = section
    else:
        english_ids = list(english.section_ids)
        at = len(sections)
        if part in english_ids:
            at = 0
            for previous in reversed(english_ids[: english_ids.index(part)]):
                if previous in ids:
                    at = ids.index(previous) + 1
                    break
        sections.insert(at, section)
    return replace(doc, sections=tuple(sections))


def _parse_agenda(text: str) -> tuple[tuple[str, int], ...]:
    """The `id: minutes` lines of an agenda text."""
    items = []
    for line in text.splitlines():
        key, _colon, minutes = line.partition(":")
        if key.strip() and minutes.strip().isdigit():
            items.append((key.strip(), int(minutes.strip())))
    return tuple(items)


def overlay_week(
    own: GuideDoc | None, english: GuideDoc, lang: str, parts: Iterable[PublishedPart]
) -> GuideDoc:
    """The translation of a week with the published parts laid over the file's text.

    A week without a file starts from the English as an unpublished draft. The week counts as
    complete when its file is, or when every English text part has been published.
    """
    parts = list(parts)
    record = own.translation if own is not None else None
    if own is None:
        doc = replace(english, lang=lang, path="", translation=None)
        source: dict[str, str] = {}
        target: dict[str, str] = {}
        status = "draft"
    else:
        doc = own
        source = dict(record.source) if record else {}
        target = dict(record.target) if record else {}
        status = record.status if record else "draft"
    for item in parts:
        doc = with_part(doc, english, item.part, item.title, item.body)
    own_hashes = section_hashes(doc)
    for item in parts:
        if item.source:
            source[item.part] = item.source
        if item.part in own_hashes:
            target[item.part] = own_hashes[item.part]
    published = {item.part for item in parts}
    needed = [key for key in section_hashes(english) if key != "agenda"]
    if status != "complete" and needed and all(key in published for key in needed):
        status = "complete"
    ordered = [key for key in section_hashes(english) if key in source]
    source = {key: source[key] for key in [*ordered, *source] if key in source}
    return replace(doc, translation=Translation(status=status, source=source, target=target))


def overlay_synced(
    synced: GuideDoc | None, english: GuideDoc, parts: Iterable[PublishedPart]
) -> GuideDoc:
    """The English as the translation was synced to it, part by part."""
    doc = synced if synced is not None else english
    for item in parts:
        if item.english is None:
            continue
        if item.part in (*TEXT_PARTS, "agenda"):
            doc = with_part(doc, english, item.part, None, item.english)
            continue
        heading, _newline, body = item.english.partition("\n")
        title = heading.removeprefix("## ").strip()
        doc = with_part(doc, english, item.part, title, body)
        # Keep the heading line exactly as hashed (it may hold Markdown).
        section = doc.section(item.part)
        if section is not None:
            fixed = replace(section, source_md=item.english)
            doc = replace(
                doc, sections=tuple(fixed if s.id == item.part else s for s in doc.sections)
            )
    return doc


def overlaid_library(library: GuideLibrary, parts: Iterable[PublishedPart]) -> GuideLibrary:
    """``library`` with the published parts laid over its translations."""
    by_week: dict[tuple[str, int], list[PublishedPart]] = {}
    for item in parts:
        by_week.setdefault((item.lang, item.week), []).append(item)
    docs, synced = {}, {}
    for (lang, week), items in by_week.items():
        english = library.get(library.source_lang, week)
        if english is None or lang == library.source_lang:
            continue
        docs[(lang, week)] = overlay_week(library.get(lang, week), english, lang, items)
        synced[(lang, week)] = overlay_synced(library.synced_copy(lang, week), english, items)
    if not docs:
        return library
    return library.overlaid(docs, synced)


def english_part(english: GuideDoc, part: str) -> str | None:
    """The normalised English text of a part (as hashed), or None if the English lacks it."""
    return section_texts(english).get(part)
