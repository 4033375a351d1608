"""The thirteen guide files read as one book, in both languages (issue 15).

One style (one paragraph per line, the same words for the same things, the timekeeper starting
and handing over every week), one cast of example people, and time boxes that hold for a circle
of five with a little room to spare.
"""

import re

import pytest

from tests.guides.conftest import GUIDES
from wol.guides.library import GuideLibrary

LIBRARY = GuideLibrary.load(GUIDES)
WEEKS = range(1, 13)
CAST = {"Els", "Fatima", "Marc", "Noor", "Pieter"}
# Bram is in another circle: Pieter follows his work (week 7) and he is the example of a
# work-in-progress post (week 6) and of a bigger request (week 10).
OUTSIDE_THE_CIRCLE = {"Bram"}
CIRCLE_SIZE = 5
# Minutes one person takes in a round, as the English guides word it.
PER_PERSON = {
    "about a minute each": 1,
    "about a minute and a half each": 1.5,
    "1 minute each": 1,
    "2 minutes each": 2,
    "30 seconds each": 0.5,
    "1 minute and a half each": 1.5,
    "two and a half minutes per person": 2.5,
    "three and a half minutes each": 3.5,
    "three minutes to tell their story": 3.5,  # and one sentence back
}
_STEP_MINUTES = re.compile(r"\*\*[^*\n]*?, (\d+) minutes?\.\*\*")
_BLOCK_START = re.compile(r"\s*(?:[-*+] |\d+[.)] |#|>|\|)")


def file_text(lang: str, week: int) -> str:
    """The body of a guide file (after the front matter)."""
    name = "start.md" if week == 0 else f"week-{week:02d}.md"
    return (GUIDES / lang / name).read_text(encoding="utf-8").split("\n---\n", 1)[1]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_every_paragraph_and_list_item_is_one_line(lang):
    wrapped = []
    for week in range(13):
        lines = file_text(lang, week).split("\n")
        for before, line in zip(lines, lines[1:], strict=False):
            if before.strip() and line.strip() and not _BLOCK_START.match(line):
                if not before.lstrip().startswith("|"):
                    wrapped.append(f"week {week}: {line[:60]}")
    assert wrapped == []


def test_the_dutch_says_the_same_thing_the_same_way():
    for week in WEEKS:
        dutch = file_text("nl", week)
        assert "## Terugblik {#reflection}" in dutch, week
        assert "Reflectie" not in dutch and "Ga de cirkel rond" not in dutch, week
        for clumsy in ("hij of zij", "hem of haar", "zijn of haar", "die persoon", "deze persoon"):
            assert clumsy not in dutch.lower(), (week, clumsy)


@pytest.mark.parametrize(("lang", "starts", "hands_over"), [
    ("en", "The timekeeper starts.", "The timekeeper checks who keeps time next week."),
    ("nl", "De tijdbewaker begint.", "De tijdbewaker zegt wie volgende week de tijd bewaakt."),
])  # fmt: skip
def test_the_timekeeper_starts_and_hands_over_every_week(lang, starts, hands_over):
    for week in range(2, 12):
        doc = LIBRARY.get(lang, week)
        assert doc.section("check-in").body_md.startswith(starts), week
        assert hands_over in doc.section("reflection").body_md, week


def test_one_cast_of_example_people():
    for lang, word in (("en", "Example"), ("nl", "Voorbeeld")):
        for week in range(13):
            named = re.findall(rf"\*\*{word}\.\*\* ([A-Z][a-z]+)\b", file_text(lang, week))
            people = {name for name in named if name not in ("In", "De", "Het")}
            assert people <= CAST | OUTSIDE_THE_CIRCLE, (lang, week, people)
    week_4 = file_text("en", 4)
    assert "In the circle of Els, Fatima, Marc, Noor and Pieter" in week_4
    # Week 3 replaced Fatima's handover note by a stand-up; week 6 builds on that.
    assert "stand-up" in file_text("en", 3) and "stand-up" in file_text("en", 6)
    assert "handover sheet" not in file_text("en", 6)
    # Fatima's goal from week 4 is the one she works on in week 10.
    assert "two conversations with coordinators in other hospitals" in file_text("en", 10)
    # Els starts her Tuesday slot in week 11; week 12 does not speak of it as an old habit.
    assert "Tuesday" not in LIBRARY.get("en", 12).section("thank-you-round").body_md


@pytest.mark.parametrize("week", WEEKS)
def test_every_time_box_holds_for_five_people_with_room_to_spare(week):
    doc = LIBRARY.get("en", week)
    assert sum(minutes for _id, minutes in doc.agenda) <= 58  # a little room in the hour
    for section_id, minutes in doc.agenda:
        body = doc.section(section_id).body_md
        needed = sum(int(m) for m in _STEP_MINUTES.findall(body))
        for phrase, each in PER_PERSON.items():
            needed += body.count(phrase) * each * CIRCLE_SIZE
        assert needed <= minutes - 1, (section_id, needed, minutes)


def test_week_one_looks_at_the_twelve_dates_together():
    for lang, words in (("en", "Look at the twelve dates together"), ("nl", "twaalf data")):
        assert words in LIBRARY.get(lang, 1).section("our-agreements").body_md


def test_week_eight_asks_why_the_sender_writes():
    message = LIBRARY.get("nl", 8).section("first-message").body_md
    assert "waarom je collega schrijft" in message


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_every_numbered_step_opens_with_a_bold_lead(lang):
    plain = [
        f"week {week}: {line[:50]}"
        for week in WEEKS
        for line in file_text(lang, week).split("\n")
        if re.match(r"\d+\. ", line) and not re.match(r"\d+\. \*\*", line)
    ]
    assert plain == []


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_what_to_do_before_the_next_meeting_opens_each_point_in_bold(lang):
    plain = []
    for week in WEEKS:
        doc = LIBRARY.get(lang, week)
        last = doc.sections[-1]  # "Before the next meeting" (week 12: "After the circle")
        plain += [
            f"week {week}: {line[:50]}"
            for line in last.body_md.split("\n")
            if line.startswith("- ") and not line.startswith("- **")
        ]
    assert plain == []
