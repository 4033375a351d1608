"""The follow-up guide (guides/<lang>/follow-up-NN.md): complete, well-formed, Dutch in step
with the English, and in the style of the twelve weeks."""

import re
from pathlib import Path

import pytest

from wol.guides.document import (
    FOLLOW_UP_WEEKS,
    MAX_AGENDA_MINUTES,
    exercises,
    file_name_of_week,
    week_of_file_name,
)
from wol.guides.glossary import check_glossary, load_glossary
from wol.guides.library import GuideLibrary

GUIDES = Path(__file__).parent.parent / "guides"
LANGS = ("en", "nl")
CAST = {"Els", "Fatima", "Marc", "Noor", "Pieter"}


@pytest.fixture(scope="module")
def library() -> GuideLibrary:
    return GuideLibrary.load(GUIDES)


def test_follow_up_file_names_map_to_their_weeks():
    assert week_of_file_name("follow-up-01.md") == 101
    assert file_name_of_week(106) == "follow-up-06.md"
    assert week_of_file_name("week-01.md") == 1 and file_name_of_week(12) == "week-12.md"


@pytest.mark.parametrize("lang", LANGS)
def test_six_follow_up_weeks_exist_and_parse(library, lang):
    assert not [key for key in library.errors if key[1] in FOLLOW_UP_WEEKS]
    assert [
        library.path(lang, week).name for week in FOLLOW_UP_WEEKS if library.get(lang, week)
    ] == [f"follow-up-0{n}.md" for n in range(1, 7)]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("week", FOLLOW_UP_WEEKS)
def test_follow_up_week_is_well_formed(library, lang, week):
    doc = library.get(lang, week)
    ids = doc.section_ids
    assert len(ids) == len(set(ids))
    assert all(section.body_md.strip() for section in doc.sections)
    agenda_ids = [agenda_id for agenda_id, _minutes in doc.agenda]
    assert set(agenda_ids) <= set(ids) and agenda_ids[0] == "check-in"
    # A little room in the hour, as in the twelve weeks.
    assert 0 < sum(minutes for _id, minutes in doc.agenda) <= min(58, MAX_AGENDA_MINUTES)
    assert doc.title and doc.summary


@pytest.mark.parametrize("week", FOLLOW_UP_WEEKS)
def test_dutch_follow_up_matches_the_english_and_is_up_to_date(library, week):
    english, dutch = library.get("en", week), library.get("nl", week)
    assert dutch.section_ids == english.section_ids
    assert library.week_status("nl", week).state == "up_to_date"
    assert [ex.id for ex in exercises(dutch)] == [ex.id for ex in exercises(english)]


@pytest.mark.parametrize(("lang", "starts", "hands_over"), [
    ("en", "The timekeeper starts.", "The timekeeper checks who keeps time next week."),
    ("nl", "De tijdbewaker begint.", "De tijdbewaker zegt wie volgende week de tijd bewaakt."),
])  # fmt: skip
def test_timekeeper_and_cast_as_in_the_twelve_weeks(library, lang, starts, hands_over):
    word = "Example" if lang == "en" else "Voorbeeld"
    for week in FOLLOW_UP_WEEKS:
        doc = library.get(lang, week)
        assert doc.section("check-in").body_md.startswith(starts), week
        if week != FOLLOW_UP_WEEKS[-1]:  # the closing week hands over to nobody
            assert hands_over in doc.section("reflection").body_md, week
            assert exercises(doc), week
        text = library.path(lang, week).read_text(encoding="utf-8")
        named = set(re.findall(rf"\*\*{word}\.\*\* ([A-Z][a-z]+)\b", text))
        assert named and named <= CAST, (lang, week, named)


def test_the_dutch_follow_up_keeps_to_the_glossary(library):
    terms = load_glossary(GUIDES, "nl")
    problems = [
        (week, finding.part, finding.term.english, finding.problem)
        for week in FOLLOW_UP_WEEKS
        for finding in check_glossary(terms, library.get("en", week), library.get("nl", week))
        if finding.problem
    ]
    assert problems == []


def test_the_closing_week_ends_the_round(library):
    closing = library.get("en", FOLLOW_UP_WEEKS[-1])
    assert "before-next-meeting" not in closing.section_ids
    assert "last meeting" in closing.intro_md
