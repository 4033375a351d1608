"""The workbench and the reading pages never say something false about a translation.

Each test here names a case in which the status, a command or a page used to lie (issue 15).
"""

import re

from tests.guides.conftest import edit, element, text_of
from tests.guides.test_cli import guides, week_lines

OLD_LINE = "The timekeeper leads this round. What people say here stays in the circle."
NEW_LINE = "The timekeeper leads this round. What is said here stays in the circle."


def test_a_change_to_the_english_minutes_is_flagged_and_readers_get_the_new_minutes(
    guides_dir, runner, client
):
    edit(guides_dir / "en" / "week-04.md", "  check-in: 10\n", "  check-in: 12\n")

    assert week_lines(guides(runner, "status", "nl").output)["week 4"] == (
        "outdated (changed: agenda)"
    )
    diff = guides(runner, "diff", "nl", 4).output
    assert "check-in: [-10-]{+12+}" in diff
    html = client.get("/guides/nl/week/4", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    agenda = text_of(element(html, "section", class_="guide-agenda"))
    assert agenda.startswith("Verloop van de bijeenkomst Check-in-ronde 12 minuten")


def test_a_new_week_stamped_without_translating_stays_a_draft(guides_dir, runner, client):
    (guides_dir / "nl" / "week-07.md").unlink()
    (guides_dir / "nl" / "_synced" / "week-07.md").unlink()
    assert guides(runner, "new", "nl", 7).exit_code == 0

    refused = guides(runner, "stamp", "nl", 7)

    assert refused.exit_code != 0
    assert "still the English text" in refused.output
    assert "--force" in refused.output
    assert week_lines(guides(runner, "status", "nl").output)["week 7"] == "draft"

    forced = guides(runner, "stamp", "nl", 7, "--force")
    assert forced.exit_code == 0, forced.output
    # Stamping records the English it was synced to; only publishing ends a draft.
    assert week_lines(guides(runner, "status", "nl").output)["week 7"] == "draft"
    page = client.get("/guides/nl/week/7", headers={"Accept-Language": "nl"})
    assert "guide-note-fallback" in page.get_data(as_text=True)


def test_stamping_a_section_not_edited_since_the_english_changed_asks_first(guides_dir, runner):
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)

    refused = guides(runner, "stamp", "nl", 4)

    assert refused.exit_code != 0
    assert "circle-health-check" in refused.output
    assert "not edited since the English changed" in refused.output
    assert week_lines(guides(runner, "status", "nl").output)["week 4"] == (
        "outdated (changed: circle-health-check)"
    )

    # Once the Dutch is edited, the stamp goes through without --force.
    edit(
        guides_dir / "nl" / "week-04.md",
        "Wat hier gezegd wordt",
        "Wat hier gezegd wordt,",
    )
    assert guides(runner, "stamp", "nl", 4).exit_code == 0
    assert week_lines(guides(runner, "status", "nl").output)["week 4"] == "up to date"


def test_forcing_a_stamp_is_possible_and_says_what_it_skipped(guides_dir, runner):
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)

    forced = guides(runner, "stamp", "nl", 4, "--force")

    assert forced.exit_code == 0, forced.output
    assert "circle-health-check" in forced.output
    assert week_lines(guides(runner, "status", "nl").output)["week 4"] == "up to date"


def test_diff_of_a_missing_week_says_it_is_missing(guides_dir, runner):
    (guides_dir / "nl" / "week-07.md").unlink()

    result = guides(runner, "diff", "nl", 7)

    assert "missing" in result.output
    assert "No English changes" not in result.output
    assert "flask wol guides new nl 7" in result.output


def test_a_section_added_in_english_shows_in_english_in_place_for_dutch_readers(guides_dir, client):
    edit(
        guides_dir / "en" / "week-04.md",
        "## Reflection {#reflection}",
        "## A new exercise {#new-exercise}\n\nTry something new.\n\n## Reflection {#reflection}",
    )

    html = client.get("/guides/nl/week/4", headers={"Accept-Language": "nl"}).get_data(as_text=True)

    ids = re.findall(r'<section id="([a-z0-9-]+)" class="guide-section', html)
    assert ids.index("new-exercise") == ids.index("reflection") - 1
    added = element(html, "section", id="new-exercise")
    assert 'lang="en"' in added.split(">", 1)[0]
    assert "Try something new." in added
    assert "nog niet vertaald" in text_of(added)
    assert "kunnen een beetje afwijken" not in text_of(html)


def test_a_one_word_change_shows_the_words_not_the_paragraph_twice(guides_dir, runner):
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)

    diff = guides(runner, "diff", "nl", 4).output

    assert "[-people say-]{+is said+}" in diff
    assert OLD_LINE not in diff and NEW_LINE not in diff
