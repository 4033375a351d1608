"""The real guide texts in guides/: complete, well-formed, and Dutch in step with English.

Only structure problems and missing files fail here; an outdated or draft translation does not
(`flask wol guides status` reports those).
"""

from pathlib import Path

import pytest

from wol.guides.document import MAX_AGENDA_MINUTES, RESERVED_IDS
from wol.guides.library import GuideLibrary

GUIDES = Path(__file__).parent.parent / "guides"
LANGS = ("en", "nl")
WEEKS = tuple(range(0, 13))


@pytest.fixture(scope="module")
def library() -> GuideLibrary:
    return GuideLibrary.load(GUIDES)


def test_every_guide_file_parses(library):
    # Parsing also rejects raw HTML, '##' headings without ids, bad or duplicate ids, empty
    # sections and agendas over 60 minutes, so this is the structure check of every file.
    problems = [str(error) for error in library.errors.values()]
    problems += [f"{path}: not start.md or week-01.md ... week-12.md" for path in library.stray]
    problems += [f"(saved English copy) {error}" for error in library.synced_errors.values()]

    assert problems == []


@pytest.mark.parametrize("lang", LANGS)
def test_start_and_weeks_1_to_12_exist(library, lang):
    missing = [
        library.path(lang, week).name
        for week in WEEKS
        if library.get(lang, week) is None and (lang, week) not in library.errors
    ]

    assert missing == []


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("week", WEEKS)
def test_week_is_well_formed(library, lang, week):
    doc = library.get(lang, week)
    if doc is None:
        pytest.skip("missing or unparsable; reported by the tests above")
    ids = doc.section_ids
    section_ids = set(ids)

    assert len(ids) == len(section_ids), f"{doc.path}: duplicate section ids"
    assert all(section.body_md.strip() for section in doc.sections), f"{doc.path}: empty section"
    agenda_ids = [agenda_id for agenda_id, _minutes in doc.agenda]
    assert set(agenda_ids) <= section_ids, f"{doc.path}: agenda names a missing section"
    if week >= 1:
        total = sum(minutes for _id, minutes in doc.agenda)
        assert 0 < total <= MAX_AGENDA_MINUTES, f"{doc.path}: agenda is {total} minutes"
    if doc.agenda:
        assert "check-in" in agenda_ids, f"{doc.path}: the agenda has no check-in"


@pytest.mark.parametrize("week", WEEKS)
def test_dutch_sections_match_the_english(library, week):
    english, dutch = library.get("en", week), library.get("nl", week)
    if english is None or dutch is None:
        pytest.skip("missing or unparsable; reported by the tests above")
    status = library.week_status("nl", week)

    assert status.state != "structure_error", status.message
    # Ids may differ only where the English added or removed a section since the last sync.
    recorded = dutch.translation.source if dutch.translation else {}
    moved_on = {*status.added, *status.removed} - set(RESERVED_IDS)
    if not (recorded and moved_on):
        assert dutch.section_ids == english.section_ids, dutch.path
